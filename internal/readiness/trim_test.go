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
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"runtime"
	"strings"
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

// corpusDeploymentJSON is one Deployment shaped like hack/corpus's (three
// containers with env, args, probes, resources, security contexts and
// mounts), with the last-applied annotation kubectl apply adds.
const corpusDeploymentJSON = `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"checkout","namespace":"shop-01",
"uid":"6f1d2c1e-7f0e-4c59-9a2f-3c1c1d7f9e01","resourceVersion":"123456","generation":3,
"labels":{"app.kubernetes.io/name":"checkout","app.kubernetes.io/part-of":"shop","team":"team-7"},
"annotations":{"owner":"team-7@example.com","runbook":"https://runbooks.example.com/checkout","deployment.kubernetes.io/revision":"3"},
"managedFields":[{"manager":"kubectl-client-side-apply","operation":"Update","apiVersion":"apps/v1","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{"f:app.kubernetes.io/name":{},"f:team":{}}},"f:spec":{"f:replicas":{},"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"app\"}":{"f:env":{},"f:image":{},"f:ports":{}}}}}}}}]},
"spec":{"replicas":3,"revisionHistoryLimit":5,"selector":{"matchLabels":{"app.kubernetes.io/name":"checkout"}},
"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%","maxUnavailable":0}},
"template":{"metadata":{"labels":{"app.kubernetes.io/name":"checkout","app.kubernetes.io/part-of":"shop","team":"team-7"},
"annotations":{"prometheus.io/scrape":"true","prometheus.io/port":"9090","prometheus.io/path":"/metrics"}},
"spec":{"serviceAccountName":"checkout","terminationGracePeriodSeconds":30,"securityContext":{"runAsNonRoot":true,"seccompProfile":{"type":"RuntimeDefault"}},
"containers":[CONTAINERS],"volumes":[{"name":"tmp","emptyDir":{}}]}}},
"status":{"observedGeneration":3,"replicas":3,"updatedReplicas":3,"readyReplicas":3,"availableReplicas":3,
"conditions":[{"type":"Available","status":"True","reason":"MinimumReplicasAvailable","message":"Deployment has minimum availability."},
{"type":"Progressing","status":"True","reason":"NewReplicaSetAvailable","message":"ReplicaSet \"checkout-5d8f7c9b6d\" has successfully progressed."}]}}`

const corpusContainerJSON = `{"name":"NAME","image":"registry.example.com/shop/checkout-NAME:1.7.0","imagePullPolicy":"IfNotPresent",
"args":["--listen=:8080","--log-format=json","--log-level=info"],"ports":[{"name":"http","containerPort":8080,"protocol":"TCP"}],
"env":[{"name":"APP_NAME","value":"checkout"},{"name":"POD_NAMESPACE","valueFrom":{"fieldRef":{"fieldPath":"metadata.namespace"}}},
{"name":"POD_NAME","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}},{"name":"GOMAXPROCS","valueFrom":{"resourceFieldRef":{"resource":"limits.cpu"}}},
{"name":"OTEL_EXPORTER_OTLP_ENDPOINT","value":"http://otel-collector.observability:4317"},{"name":"FEATURE_FLAGS","value":"checkout-v2,fast-search,new-cart"}],
"resources":{"requests":{"cpu":"100m","memory":"128Mi"},"limits":{"cpu":"1","memory":"256Mi"}},
"readinessProbe":{"httpGet":{"path":"/ready","port":8080},"periodSeconds":5,"failureThreshold":3},
"livenessProbe":{"httpGet":{"path":"/healthz","port":8080},"periodSeconds":10,"failureThreshold":6},
"startupProbe":{"httpGet":{"path":"/healthz","port":8080},"periodSeconds":5,"failureThreshold":30},
"securityContext":{"allowPrivilegeEscalation":false,"readOnlyRootFilesystem":true,"capabilities":{"drop":["ALL"]}},
"volumeMounts":[{"name":"tmp","mountPath":"/tmp"}]}`

// BenchmarkTrimRetained reports the heap a cache of corpus-shaped
// Deployments retains per object, whole (managedFields and the
// last-applied copy stripped, as before the Trim functions) and trimmed.
// go test -run '^$' -bench TrimRetained ./internal/readiness/
func BenchmarkTrimRetained(b *testing.B) {
	var cs []string
	for _, n := range []string{"app", "sidecar", "metrics"} {
		cs = append(cs, strings.ReplaceAll(corpusContainerJSON, "NAME", n))
	}
	doc := strings.Replace(corpusDeploymentJSON, "CONTAINERS", strings.Join(cs, ","), 1)
	// kubectl apply's copy of the object, without status and managedFields.
	var applied appsv1.Deployment
	if err := json.Unmarshal([]byte(doc), &applied); err != nil {
		b.Fatal(err)
	}
	applied.Status, applied.ManagedFields, applied.ResourceVersion, applied.UID = appsv1.DeploymentStatus{}, nil, "", ""
	last, _ := json.Marshal(&applied)
	var withLast appsv1.Deployment
	_ = json.Unmarshal([]byte(doc), &withLast)
	withLast.Annotations["kubectl.kubernetes.io/last-applied-configuration"] = string(last)
	raw, _ := json.Marshal(&withLast)
	b.ReportMetric(float64(len(raw)), "JSON-B/object")

	const n = 2000
	retained := func(keep func(*appsv1.Deployment) *appsv1.Deployment) float64 {
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		before := ms.HeapAlloc
		objs := make([]*appsv1.Deployment, n)
		for i := range objs {
			d := &appsv1.Deployment{}
			if err := json.Unmarshal(raw, d); err != nil {
				b.Fatal(err)
			}
			objs[i] = keep(d)
		}
		runtime.GC()
		runtime.ReadMemStats(&ms)
		runtime.KeepAlive(objs)
		return float64(ms.HeapAlloc-before) / n
	}
	stripped := func(d *appsv1.Deployment) *appsv1.Deployment {
		d.ManagedFields = nil
		delete(d.Annotations, "kubectl.kubernetes.io/last-applied-configuration")
		return d
	}
	var whole, trimmed float64
	for b.Loop() {
		whole, trimmed = retained(stripped), retained(TrimDeployment)
	}
	b.ReportMetric(whole, "stripped-B/object")
	b.ReportMetric(trimmed, "trimmed-B/object")
}
