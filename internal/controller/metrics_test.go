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
		// nonCompliant lists non-compliant Deployments as namespace/name.
		nonCompliant []types.NamespacedName
		forget       bool
		want         series
		gone         []string
		// wantNonCompliant is prodready_policy_noncompliant_deployments per
		// namespace; namespaces in goneNonCompliant must have no series.
		wantNonCompliant map[string]float64
		goneNonCompliant []string
	}{
		{
			name:       "counts per namespace and rule",
			violations: []prodreadyv1alpha1.Violation{v("probes.readiness"), v("probes.readiness"), v("replicas.minimum")},
			matched:    3,
			nonCompliant: []types.NamespacedName{
				{Namespace: "shop", Name: "a"}, {Namespace: "shop", Name: "b"}, {Namespace: "billing", Name: "c"},
			},
			want:             series{"probes.readiness": 2, "replicas.minimum": 1},
			wantNonCompliant: map[string]float64{"shop": 2, "billing": 1},
		},
		{
			name:             "a fixed rule's series disappears",
			violations:       []prodreadyv1alpha1.Violation{v("probes.readiness")},
			matched:          2,
			nonCompliant:     []types.NamespacedName{{Namespace: "shop", Name: "a"}},
			want:             series{"probes.readiness": 1},
			gone:             []string{"replicas.minimum"},
			wantNonCompliant: map[string]float64{"shop": 1},
			goneNonCompliant: []string{"billing"},
		},
		{
			name: "forget removes every series of the policy", forget: true,
			gone: []string{"probes.readiness"}, goneNonCompliant: []string{"shop", "billing"},
		},
	}
	m := newPolicyMetrics("ReadinessPolicy")
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
			for _, d := range s.nonCompliant {
				o.nonCompliant[d] = []string{"probes.readiness"}
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
		for ns, want := range s.wantNonCompliant {
			if got := testutil.ToFloat64(policyNonCompliant.WithLabelValues(name, ns)); got != want {
				t.Fatalf("%s: noncompliant{namespace=%s} = %v, want %v", s.name, ns, got, want)
			}
		}
		for _, ns := range s.goneNonCompliant {
			if policyNonCompliant.DeleteLabelValues(name, ns) {
				t.Fatalf("%s: noncompliant{namespace=%s} still present", s.name, ns)
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

func TestPoliciesInvalidCountsByKindAndEnforcement(t *testing.T) {
	m := newPolicyMetrics("ClusterReadinessPolicy")
	get := func(e prodreadyv1alpha1.Enforcement) float64 {
		return testutil.ToFloat64(policiesInvalid.WithLabelValues("ClusterReadinessPolicy", string(e)))
	}
	key := func(name string) gather.PolicyKey {
		return gather.PolicyKey{Cluster: true, NamespacedName: types.NamespacedName{Name: name}}
	}
	for _, e := range enforcements {
		if get(e) != 0 {
			t.Fatalf("%s starts at %v, want a 0 series", e, get(e))
		}
	}
	steps := []struct {
		name        string
		invalid     bool
		enforcement prodreadyv1alpha1.Enforcement
		want        map[prodreadyv1alpha1.Enforcement]float64
	}{
		{"a", true, prodreadyv1alpha1.EnforcementEnforce, map[prodreadyv1alpha1.Enforcement]float64{"Enforce": 1}},
		{"b", true, prodreadyv1alpha1.EnforcementEnforce, map[prodreadyv1alpha1.Enforcement]float64{"Enforce": 2}},
		{"a", true, prodreadyv1alpha1.EnforcementEnforce, map[prodreadyv1alpha1.Enforcement]float64{"Enforce": 2}},
		{"c", true, prodreadyv1alpha1.EnforcementAudit, map[prodreadyv1alpha1.Enforcement]float64{"Enforce": 2, "Audit": 1}},
		{"a", true, prodreadyv1alpha1.EnforcementWarn, map[prodreadyv1alpha1.Enforcement]float64{"Enforce": 1, "Warn": 1, "Audit": 1}},
		{"b", false, "", map[prodreadyv1alpha1.Enforcement]float64{"Warn": 1, "Audit": 1}},
		{"a", false, "", map[prodreadyv1alpha1.Enforcement]float64{"Audit": 1}},
		{"c", false, "", map[prodreadyv1alpha1.Enforcement]float64{}},
	}
	for i, s := range steps {
		m.setInvalid(key(s.name), s.invalid, s.enforcement)
		for _, e := range enforcements {
			if got := get(e); got != s.want[e] {
				t.Errorf("step %d (%s invalid=%v %s): %s = %v, want %v", i, s.name, s.invalid, s.enforcement, e, got, s.want[e])
			}
		}
	}
}
