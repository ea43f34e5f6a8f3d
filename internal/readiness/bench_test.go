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
	"testing"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
)

// benchInput is a realistic Deployment (three containers with probes and
// resources, scrape annotations, spread over nodes and zones, a preStop
// sleep on the served container, a PriorityClass) with five
// PodDisruptionBudgets and two HorizontalPodAutoscalers in its namespace,
// one of each targeting it, three Services (one targets the app's port),
// six Nodes in three zones and three PriorityClasses.
func benchInput() Input {
	d := baseDeployment()
	d.Spec.Template.Labels["version"] = "v2"
	d.Spec.Template.Spec.Containers = []corev1.Container{goodContainer("app"), goodContainer("proxy"), goodContainer("log-shipper")}
	// One finding so the exemption path runs: the log shipper has no startup probe.
	d.Spec.Template.Spec.Containers[2].StartupProbe = nil
	d.Spec.Template.Spec.Containers[0].Ports = []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}, {Name: "metrics", ContainerPort: 9090}}
	d.Spec.Template.Spec.Containers[0].Lifecycle = &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Sleep: &corev1.SleepAction{Seconds: 5}}}
	d.Spec.Template.Spec.Containers[1].Lifecycle = &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{
		Exec: &corev1.ExecAction{Command: []string{"/bin/sh", "-c", "sleep 5 && envoy-drain"}}}}
	d.Spec.Template.Spec.Containers[1].Image = "registry.example:5000/mesh/proxy:1.31.2"
	d.Spec.Template.Spec.PriorityClassName = "business-critical"

	other := func(name, app string) policyv1.PodDisruptionBudget {
		p := pdb(name, testNamespace, &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}})
		p.Spec.MaxUnavailable = new(intstr.FromInt32(1))
		return p
	}
	matching := pdb("web-pdb", testNamespace, &metav1.LabelSelector{
		MatchLabels: map[string]string{"app": "web"},
		MatchExpressions: []metav1.LabelSelectorRequirement{
			{Key: "tier", Operator: metav1.LabelSelectorOpIn, Values: []string{"frontend", "edge"}},
			{Key: "canary", Operator: metav1.LabelSelectorOpDoesNotExist},
		},
	})
	matching.Spec.MinAvailable = new(intstr.FromString("50%"))
	return Input{
		Deployment: d,
		PodDisruptionBudgets: []policyv1.PodDisruptionBudget{
			other("api-pdb", "api"), other("db-pdb", "db"), matching, other("cache-pdb", "cache"), other("queue-pdb", "queue"),
		},
		HorizontalPodAutoscalers: []autoscalingv2.HorizontalPodAutoscaler{
			hpa("api-hpa", testNamespace, "Deployment", "apps/v1", "api", new(int32(2))),
			webHPA("web-hpa", new(int32(3))),
		},
		Services: []corev1.Service{
			service("api", testNamespace, map[string]string{"app": "api"}, corev1.ServicePort{Port: 80, TargetPort: intstr.FromString("http")}),
			service("web-metrics", testNamespace, map[string]string{"app": "web"}, corev1.ServicePort{Port: 9090, TargetPort: intstr.FromInt32(9090)}),
			service("web", testNamespace, map[string]string{"app": "web", "tier": "frontend"}, corev1.ServicePort{Port: 80, TargetPort: intstr.FromString("http")}),
		},
		Nodes: []metav1.PartialObjectMetadata{
			nodeMeta("n1", map[string]string{corev1.LabelHostname: "n1", corev1.LabelTopologyZone: "a"}),
			nodeMeta("n2", map[string]string{corev1.LabelHostname: "n2", corev1.LabelTopologyZone: "a"}),
			nodeMeta("n3", map[string]string{corev1.LabelHostname: "n3", corev1.LabelTopologyZone: "b"}),
			nodeMeta("n4", map[string]string{corev1.LabelHostname: "n4", corev1.LabelTopologyZone: "b"}),
			nodeMeta("n5", map[string]string{corev1.LabelHostname: "n5", corev1.LabelTopologyZone: "c"}),
			nodeMeta("n6", map[string]string{corev1.LabelHostname: "n6", corev1.LabelTopologyZone: "c"}),
		},
		PriorityClasses: []schedulingv1.PriorityClass{
			priorityClass("system-cluster-critical", 2000000000, false),
			priorityClass("default-low", 0, true),
			priorityClass("business-critical", 100000, false),
		},
	}
}

func BenchmarkEvaluate(b *testing.B) {
	spec := fullSpec()
	spec.Selector = nil
	spec.Exemptions = append(spec.Exemptions, fuzzPolicySpec().Exemptions...)
	p := mustCompile(b, spec)
	in := benchInput()
	res := p.Evaluate(in, testNow)
	if len(res.Violations)+len(res.Exempted) != 1 {
		b.Fatalf("benchmark input should have exactly one finding, got %+v", res)
	}
	b.ReportAllocs()
	for b.Loop() {
		p.Evaluate(in, testNow)
	}
}

func BenchmarkCompile(b *testing.B) {
	spec := fullSpec()
	ns := &prodreadyv1alpha1.LabelSelector{MatchLabels: map[string]string{"env": "prod"}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(spec, ns); err != nil {
			b.Fatal(err)
		}
	}
}
