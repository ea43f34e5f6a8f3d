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

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
)

func clusterPolicy(exs ...prodreadyv1alpha1.Exemption) *prodreadyv1alpha1.ClusterReadinessPolicy {
	return &prodreadyv1alpha1.ClusterReadinessPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "org"},
		Spec: prodreadyv1alpha1.ClusterReadinessPolicySpec{PolicySpec: prodreadyv1alpha1.PolicySpec{
			Rules:      prodreadyv1alpha1.Rules{Probes: &prodreadyv1alpha1.ProbeRules{Readiness: prodreadyv1alpha1.RequirementRequired}},
			Exemptions: exs,
		}},
	}
}

// namespacedPolicy is a ReadinessPolicy in namespace team-a.
func namespacedPolicy(exs ...prodreadyv1alpha1.Exemption) *prodreadyv1alpha1.ReadinessPolicy {
	return &prodreadyv1alpha1.ReadinessPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "team"},
		Spec: prodreadyv1alpha1.PolicySpec{
			Rules:      prodreadyv1alpha1.Rules{Probes: &prodreadyv1alpha1.ProbeRules{Readiness: prodreadyv1alpha1.RequirementRequired}},
			Exemptions: exs,
		},
	}
}

func TestExemptionScopeCompile(t *testing.T) {
	byName := prodreadyv1alpha1.Exemption{Deployments: []string{"web"}, Rules: []string{"probes"}, Reason: "legacy"}
	bySelector := prodreadyv1alpha1.Exemption{Selector: &prodreadyv1alpha1.LabelSelector{MatchLabels: map[string]string{"tier": "batch"}}, Rules: []string{"probes"}, Reason: "batch"}
	in := func(ex prodreadyv1alpha1.Exemption, nss ...string) prodreadyv1alpha1.Exemption {
		ex.Namespaces = nss
		return ex
	}
	cases := map[string]struct {
		policy  prodreadyv1alpha1.Policy
		wantErr []string // empty: compiles
	}{
		"cluster selector exemption without namespaces": {
			policy:  clusterPolicy(bySelector),
			wantErr: []string{"spec.exemptions[0].namespaces: Required value", "must name the namespaces it applies to"},
		},
		"cluster name exemption without namespaces": {
			policy:  clusterPolicy(byName),
			wantErr: []string{"spec.exemptions[0].namespaces: Required value"},
		},
		"cluster exemptions with namespaces":  {policy: clusterPolicy(in(bySelector, "batch"), in(byName, "team-a", "team-b"))},
		"cluster exemption with a bad name":   {policy: clusterPolicy(in(byName, "Team_A")), wantErr: []string{"spec.exemptions[0].namespaces[0]: Invalid value"}},
		"namespaced exemption without list":   {policy: namespacedPolicy(byName)},
		"namespaced exemption, own namespace": {policy: namespacedPolicy(in(bySelector, "team-a"))},
		"namespaced exemption, other namespace": {
			policy:  namespacedPolicy(in(byName, "team-a", "team-b")),
			wantErr: []string{"spec.exemptions[0].namespaces[1]: Invalid value: \"team-b\"", `apply only in its own namespace "team-a"`},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := CompileFor(tc.policy)
			if len(tc.wantErr) == 0 {
				if err != nil {
					t.Fatalf("CompileFor: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("CompileFor succeeded, want an error")
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not contain %q", err, w)
				}
			}
		})
	}
}

// TestExemptionScopeEvaluate: an exemption reaches only the namespaces it
// names, so a team that names its Deployment "web", or labels it like
// another team's, inherits nothing.
func TestExemptionScopeEvaluate(t *testing.T) {
	web := prodreadyv1alpha1.Exemption{Namespaces: []string{"team-a"}, Deployments: []string{testName}, Rules: []string{"probes"}, Reason: "legacy"}
	batch := prodreadyv1alpha1.Exemption{Namespaces: []string{"team-a"}, Selector: &prodreadyv1alpha1.LabelSelector{MatchLabels: map[string]string{"team": "payments"}}, Rules: []string{"probes"}, Reason: "batch"}
	cases := map[string]struct {
		policy       prodreadyv1alpha1.Policy
		namespace    string
		wantExempted bool
	}{
		"cluster name exemption in its namespace":              {policy: clusterPolicy(web), namespace: "team-a", wantExempted: true},
		"cluster name exemption in another namespace":          {policy: clusterPolicy(web), namespace: "team-b"},
		"cluster selector exemption in its namespace":          {policy: clusterPolicy(batch), namespace: "team-a", wantExempted: true},
		"cluster selector exemption in another namespace":      {policy: clusterPolicy(batch), namespace: "team-b"},
		"namespaced exemption without namespaces, own":         {policy: namespacedPolicy(prodreadyv1alpha1.Exemption{Deployments: []string{testName}, Rules: []string{"probes"}, Reason: "x"}), namespace: "team-a", wantExempted: true},
		"namespaced exemption without namespaces, elsewhere":   {policy: namespacedPolicy(prodreadyv1alpha1.Exemption{Deployments: []string{testName}, Rules: []string{"probes"}, Reason: "x"}), namespace: "team-b"},
		"namespaced selector exemption, elsewhere":             {policy: namespacedPolicy(prodreadyv1alpha1.Exemption{Selector: batch.Selector, Rules: []string{"probes"}, Reason: "x"}), namespace: "team-b"},
		"namespaced exemption naming its namespace, own":       {policy: namespacedPolicy(web), namespace: "team-a", wantExempted: true},
		"namespaced exemption naming its namespace, elsewhere": {policy: namespacedPolicy(web), namespace: "team-b"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p, err := CompileFor(tc.policy)
			if err != nil {
				t.Fatal(err)
			}
			d := baseDeployment()
			d.Namespace = tc.namespace
			d.Spec.Template.Spec.Containers[0].ReadinessProbe = nil
			res := evaluate(t, p, Input{Deployment: d}, testNow)
			if got := res.ExemptedCount > 0 && res.Compliant(); got != tc.wantExempted {
				t.Errorf("exempted = %v (violations %d, exempted %d), want %v", got, res.ViolationCount, res.ExemptedCount, tc.wantExempted)
			}
			if res.ViolationCount+res.ExemptedCount == 0 {
				t.Fatal("the Deployment should have a finding")
			}
		})
	}
}
