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
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
)

// TestObserved: each rule's finding carries what the rule saw, and a value
// the tenant wrote is cut like a message quotes it.
func TestObserved(t *testing.T) {
	long := strings.Repeat("v", 300)
	cut := strings.Repeat("v", MaxQuotedValue) + "... (300 bytes)"
	one := int32(1)
	cases := map[string]struct {
		rules  prodreadyv1alpha1.Rules
		mutate func(d *appsv1.Deployment)
		want   [MaxObserved]Observation
	}{
		"missing readiness probe": {
			rules:  probeRules(prodreadyv1alpha1.RequirementRequired, "", ""),
			mutate: func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].ReadinessProbe = nil },
			want:   [MaxObserved]Observation{{"missing", "readinessProbe"}},
		},
		"replicas": {
			rules:  prodreadyv1alpha1.Rules{Replicas: &prodreadyv1alpha1.ReplicaRules{Minimum: 3}},
			mutate: func(d *appsv1.Deployment) { d.Spec.Replicas = &one },
			want:   [MaxObserved]Observation{{"replicas", "1"}},
		},
		"annotation value": {
			rules: prodreadyv1alpha1.Rules{Metrics: &prodreadyv1alpha1.MetricsRules{Annotations: []prodreadyv1alpha1.AnnotationRequirement{
				{Key: "prometheus.io/scrape", Value: "true"},
			}}},
			mutate: func(d *appsv1.Deployment) {
				d.Spec.Template.Annotations = map[string]string{"prometheus.io/scrape": long}
			},
			want: [MaxObserved]Observation{{"annotation", "prometheus.io/scrape"}, {"value", cut}},
		},
		"image": {
			rules:  prodreadyv1alpha1.Rules{Images: &prodreadyv1alpha1.ImageRules{Pinned: true}},
			mutate: func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Image = "registry.example/" + long },
			want:   [MaxObserved]Observation{{"image", "registry.example/" + strings.Repeat("v", MaxQuotedValue-len("registry.example/")) + "... (317 bytes)"}},
		},
		"priority class": {
			rules:  prodreadyv1alpha1.Rules{Priority: &prodreadyv1alpha1.PriorityRules{Minimum: &one}},
			mutate: func(d *appsv1.Deployment) { d.Spec.Template.Spec.PriorityClassName = long },
			want:   [MaxObserved]Observation{{"priorityClassName", cut}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			d := baseDeployment()
			tc.mutate(d)
			p := mustCompile(t, &prodreadyv1alpha1.PolicySpec{Rules: tc.rules})
			res := p.Evaluate(Input{Deployment: d}, time.Now())
			if len(res.Violations) != 1 {
				t.Fatalf("want one violation, got %+v", res.Violations)
			}
			if got := res.Violations[0].Observed; got != tc.want {
				t.Errorf("Observed = %q, want %q", got, tc.want)
			}
		})
	}
}
