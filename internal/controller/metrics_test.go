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

package controller

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"k8s.io/apimachinery/pkg/types"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
	"github.com/prodready/prodready/internal/gather"
)

func TestPolicyMetrics(t *testing.T) {
	// A namespace no envtest spec uses, since the gauges are process-global.
	key := gather.PolicyKey{NamespacedName: types.NamespacedName{Namespace: "metrics-unit-test", Name: "baseline"}}
	name := key.String()
	v := func(rule string) prodreadyv1alpha1.Violation {
		return prodreadyv1alpha1.Violation{Namespace: "shop", Deployment: "d", Rule: rule}
	}
	type series map[string]float64 // rule -> violations in namespace shop
	steps := []struct {
		name       string
		violations []prodreadyv1alpha1.Violation
		matched    int32
		forget     bool
		want       series
		gone       []string
	}{
		{
			name:       "counts per namespace and rule",
			violations: []prodreadyv1alpha1.Violation{v("probes.readiness"), v("probes.readiness"), v("replicas.minimum")},
			matched:    3,
			want:       series{"probes.readiness": 2, "replicas.minimum": 1},
		},
		{
			name:       "a fixed rule's series disappears",
			violations: []prodreadyv1alpha1.Violation{v("probes.readiness")},
			matched:    2,
			want:       series{"probes.readiness": 1},
			gone:       []string{"replicas.minimum"},
		},
		{name: "forget removes every series of the policy", forget: true, gone: []string{"probes.readiness"}},
	}
	m := newPolicyMetrics()
	for _, s := range steps {
		if s.forget {
			m.forget(key)
			if policyMatched.DeleteLabelValues(name) {
				t.Fatalf("%s: matched gauge still present", s.name)
			}
		} else {
			o := newOutcome()
			o.summary.Matched = s.matched
			for _, v := range s.violations {
				o.keep(v)
				o.counts[violationKey{v.Namespace, v.Rule}]++
			}
			m.observe(key, o, time.Millisecond)
			if got := testutil.ToFloat64(policyMatched.WithLabelValues(name)); got != float64(s.matched) {
				t.Fatalf("%s: matched = %v, want %d", s.name, got, s.matched)
			}
		}
		for rule, want := range s.want {
			if got := testutil.ToFloat64(policyViolations.WithLabelValues(name, "shop", rule)); got != want {
				t.Fatalf("%s: violations{rule=%s} = %v, want %v", s.name, rule, got, want)
			}
		}
		for _, rule := range s.gone {
			if policyViolations.DeleteLabelValues(name, "shop", rule) {
				t.Fatalf("%s: violations{rule=%s} still present", s.name, rule)
			}
		}
	}
	if n := testutil.CollectAndCount(policyEvaluation, "prodready_policy_evaluation_seconds"); n < 1 {
		t.Fatalf("no evaluation duration was observed")
	}
}
