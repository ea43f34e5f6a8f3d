/*
Copyright 2026 The prodready Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package readiness

import (
	"math/rand/v2"
	"reflect"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/randfill"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
	"github.com/prodready/prodready/internal/testutil"
)

// The operator's cache holds trimmed objects (trim.go) while the webhook
// evaluates whole ones. These tests evaluate every input the rule tests
// build (through evaluate), the fuzz corpus, the envtest fixtures and
// randomly filled objects with every field set, with the test's policy and
// with every rule on, before and after trimming, and require identical
// results: a rule that starts reading a field a Trim drops fails them.

var (
	everyRuleOnce   sync.Once
	everyRulePolicy *Policy
)

// everyRule returns a policy with every rule and exemptions of every shape.
func everyRule(tb testing.TB) *Policy {
	tb.Helper()
	everyRuleOnce.Do(func() { everyRulePolicy = mustCompile(tb, fuzzPolicySpec()) })
	return everyRulePolicy
}

// trimInput returns the input as the operator's cache would hold it.
func trimInput(in Input) Input {
	out := in
	if in.Deployment != nil {
		out.Deployment = TrimDeployment(in.Deployment)
	}
	out.PodDisruptionBudgets = trimAll(in.PodDisruptionBudgets, TrimPodDisruptionBudget)
	out.HorizontalPodAutoscalers = trimAll(in.HorizontalPodAutoscalers, TrimHorizontalPodAutoscaler)
	out.Services = trimAll(in.Services, TrimService)
	return out
}

func trimAll[T any](in []T, f func(*T) *T) []T {
	if in == nil {
		return nil
	}
	out := make([]T, len(in))
	for i := range in {
		out[i] = *f(&in[i])
	}
	return out
}

// requireTrimKeepsResults fails the test when the policy, or a policy with
// every rule on, finds anything different in the trimmed input.
func requireTrimKeepsResults(tb testing.TB, p *Policy, in Input, now time.Time) {
	tb.Helper()
	trimmed := trimInput(in)
	for _, q := range []*Policy{p, everyRule(tb)} {
		want, got := q.Evaluate(in, now), q.Evaluate(trimmed, now)
		if !reflect.DeepEqual(want, got) {
			tb.Errorf("a rule reads a field the cache's Trim functions drop:\nwhole object: %+v\ntrimmed:      %+v", want, got)
		}
	}
}

// evaluate is p.Evaluate for the rule tests; it also checks that trimming
// the input changes nothing.
func evaluate(tb testing.TB, p *Policy, in Input, now time.Time) Result {
	tb.Helper()
	requireTrimKeepsResults(tb, p, in, now)
	return p.Evaluate(in, now)
}

func TestTrimKeepsResultsOfFixtures(t *testing.T) {
	p := mustCompile(t, &prodreadyv1alpha1.PolicySpec{Rules: testutil.FullRules()})
	for name, in := range map[string]Input{
		"envtest compliant Deployment": {Deployment: testutil.CompliantDeployment(testNamespace, testName, 3)},
		"envtest one replica":          {Deployment: testutil.CompliantDeployment(testNamespace, testName, 1)},
		"rule test base Deployment":    {Deployment: baseDeployment(), PodDisruptionBudgets: []policyv1.PodDisruptionBudget{goodPDB()}},
		"exemption Deployment":         {Deployment: exemptionDeployment()},
	} {
		t.Run(name, func(t *testing.T) { requireTrimKeepsResults(t, p, in, testNow) })
	}
}

// TestTrimKeepsResultsOfFilledObjects fills Deployments and the objects
// around them with random values in every field, so that a field a rule
// reads and a Trim drops is present in the input, and ties the objects
// together (one namespace, selectors that match the pod template, an HPA
// that targets the Deployment) so that the rules about them run.
func TestTrimKeepsResultsOfFilledObjects(t *testing.T) {
	f := randfill.NewWithSeed(13).NilChance(0.2).NumElements(1, 3).MaxDepth(12).Funcs(
		func(q *resource.Quantity, c randfill.Continue) {
			*q = *resource.NewMilliQuantity(c.Int63n(4000), resource.DecimalSI)
		},
		func(l *corev1.ResourceList, c randfill.Continue) {
			*l = corev1.ResourceList{}
			for _, n := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceEphemeralStorage} {
				if c.Bool() {
					var q resource.Quantity
					c.Fill(&q)
					(*l)[n] = q
				}
			}
		},
		func(p *corev1.ContainerRestartPolicy, c randfill.Continue) {
			*p = []corev1.ContainerRestartPolicy{corev1.ContainerRestartPolicyAlways, corev1.ContainerRestartPolicyNever}[c.Intn(2)]
		},
		func(s *appsv1.DeploymentStrategyType, c randfill.Continue) {
			*s = []appsv1.DeploymentStrategyType{appsv1.RollingUpdateDeploymentStrategyType, appsv1.RecreateDeploymentStrategyType}[c.Intn(2)]
		},
		func(v *intstr.IntOrString, c randfill.Continue) {
			if c.Bool() {
				*v = intstr.FromInt32(c.Int31n(5))
			} else {
				*v = intstr.FromString([]string{"0%", "25%", "100%", "http"}[c.Intn(4)])
			}
		},
	)
	rng := rand.New(rand.NewPCG(13, 13))
	p := everyRule(t)
	for i := range 300 {
		var d appsv1.Deployment
		f.Fill(&d)
		d.Namespace, d.Name = testNamespace, testName
		if rng.IntN(2) == 0 {
			d.Labels = map[string]string{"tier": "web"} // an exemption selects these
		}
		if rng.IntN(2) == 0 { // the annotations the metrics rule asks for
			d.Spec.Template.Annotations = map[string]string{"prometheus.io/scrape": "true", "prometheus.io/port": "8080"}
		}
		pdb, hpa, svc := policyv1.PodDisruptionBudget{}, autoscalingv2.HorizontalPodAutoscaler{}, corev1.Service{}
		f.Fill(&pdb)
		f.Fill(&hpa)
		f.Fill(&svc)
		pdb.Namespace, hpa.Namespace, svc.Namespace = d.Namespace, d.Namespace, d.Namespace
		pdb.Spec.Selector = &metav1.LabelSelector{MatchLabels: d.Spec.Template.Labels}
		hpa.Spec.ScaleTargetRef = autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: d.Name}
		svc.Spec.Selector = d.Spec.Template.Labels
		if cs := d.Spec.Template.Spec.Containers; len(cs) > 0 && len(cs[0].Ports) > 0 {
			svc.Spec.Ports = []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromInt32(cs[0].Ports[0].ContainerPort)}}
		}
		var node metav1.PartialObjectMetadata
		f.Fill(&node)
		var pc schedulingv1.PriorityClass
		f.Fill(&pc)
		pc.Name = d.Spec.Template.Spec.PriorityClassName
		in := Input{
			Deployment:               &d,
			PodDisruptionBudgets:     []policyv1.PodDisruptionBudget{pdb},
			HorizontalPodAutoscalers: []autoscalingv2.HorizontalPodAutoscaler{hpa},
			Services:                 []corev1.Service{svc},
			Nodes:                    []metav1.PartialObjectMetadata{node},
			PriorityClasses:          []schedulingv1.PriorityClass{pc},
		}
		if rng.IntN(3) == 0 {
			in.HorizontalPodAutoscalers = nil // let spec.replicas decide
		}
		before := d.DeepCopy()
		requireTrimKeepsResults(t, p, in, testNow)
		if !equality.Semantic.DeepEqual(&d, before) {
			t.Fatalf("object %d: trimming modified the input", i)
		}
		if t.Failed() {
			t.Fatalf("filled object %d (seed 13) gives different results once trimmed", i)
		}
	}
}

// TestTrimDropsWhatNoRuleReads guards the other direction: the bulky fields
// really are gone from the trimmed objects.
func TestTrimDropsWhatNoRuleReads(t *testing.T) {
	d := baseDeployment()
	d.Annotations = map[string]string{"kubectl.kubernetes.io/last-applied-configuration": "{}"}
	d.ManagedFields = []metav1.ManagedFieldsEntry{{Manager: "kubectl"}}
	d.Status.Replicas = 3
	ps := &d.Spec.Template.Spec
	ps.Volumes = []corev1.Volume{{Name: "v"}}
	ps.InitContainers = []corev1.Container{plainInit("migrate")}
	for _, cs := range [][]corev1.Container{ps.Containers, ps.InitContainers} {
		for i := range cs {
			cs[i].Env = []corev1.EnvVar{{Name: "A", Value: "b"}}
			cs[i].EnvFrom = []corev1.EnvFromSource{{Prefix: "p"}}
			cs[i].VolumeMounts = []corev1.VolumeMount{{Name: "v", MountPath: "/v"}}
			cs[i].Command, cs[i].Args = []string{"run"}, []string{"--flag"}
		}
	}
	got := TrimDeployment(d)
	if got.Annotations != nil || got.ManagedFields != nil || got.Status.Replicas != 0 || got.Spec.Template.Spec.Volumes != nil {
		t.Errorf("TrimDeployment kept metadata, status or volumes: %+v", got)
	}
	for _, cs := range [][]corev1.Container{got.Spec.Template.Spec.Containers, got.Spec.Template.Spec.InitContainers} {
		for _, c := range cs {
			if c.Env != nil || c.EnvFrom != nil || c.VolumeMounts != nil || c.Command != nil || c.Args != nil {
				t.Errorf("TrimDeployment kept env, mounts or the command of container %q: %+v", c.Name, c)
			}
		}
	}
	if len(got.Spec.Template.Spec.InitContainers) != 1 || len(got.Spec.Template.Spec.Containers) != len(ps.Containers) {
		t.Errorf("TrimDeployment lost containers: %+v", got.Spec.Template.Spec)
	}
	pdb := goodPDB()
	pdb.Status.DisruptedPods = map[string]metav1.Time{"p": {}}
	if TrimPodDisruptionBudget(&pdb).Status.DisruptedPods != nil {
		t.Error("TrimPodDisruptionBudget kept the status")
	}
	h := webHPA("h", nil)
	h.Spec.Metrics = []autoscalingv2.MetricSpec{{Type: autoscalingv2.ResourceMetricSourceType}}
	if TrimHorizontalPodAutoscaler(&h).Spec.Metrics != nil {
		t.Error("TrimHorizontalPodAutoscaler kept the metrics")
	}
	s := corev1.Service{Spec: corev1.ServiceSpec{ClusterIP: "10.0.0.1", Selector: map[string]string{"a": "b"}}}
	if ts := TrimService(&s); ts.Spec.ClusterIP != "" || ts.Spec.Selector == nil {
		t.Errorf("TrimService = %+v, want the selector without the cluster IP", ts.Spec)
	}
}
