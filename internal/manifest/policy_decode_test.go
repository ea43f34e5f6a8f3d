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

package manifest

import (
	"reflect"
	"strings"
	"testing"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
)

// TestDecodeStrictPolicySelectors: the CLI decodes the policy selectors
// (prodready's own LabelSelector type) from the same YAML as before, and
// still names a misspelled field inside a selector.
func TestDecodeStrictPolicySelectors(t *testing.T) {
	const policy = `apiVersion: prodready.io/v1alpha1
kind: ClusterReadinessPolicy
metadata: {name: p}
spec:
  namespaceSelector:
    matchLabels: {team: payments}
  selector:
    matchExpressions:
    - {key: tier, operator: In, values: [web, api]}
    - {key: legacy, operator: DoesNotExist}
  exemptions:
  - namespaces: [payments]
    selector: {matchLabels: {app: batch}}
    rules: [probes]
    reason: batch jobs
`
	cases := map[string]struct {
		in      string
		wantErr string
	}{
		"valid":                      {in: policy},
		"typo in selector":           {in: strings.Replace(policy, "operator: In, values:", "operator: In, value:", 1), wantErr: `unknown field "spec.selector.matchExpressions[0].value"`},
		"typo in namespaceSelector":  {in: strings.Replace(policy, "matchLabels: {team", "matchLabel: {team", 1), wantErr: `unknown field "spec.namespaceSelector.matchLabel"`},
		"typo in exemption selector": {in: strings.Replace(policy, "selector: {matchLabels: {app", "selector: {matchLabelz: {app", 1), wantErr: `unknown field "spec.exemptions[0].selector.matchLabelz"`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			objs, err := parseAll(t, tc.in)
			if err != nil {
				t.Fatal(err)
			}
			var p prodreadyv1alpha1.ClusterReadinessPolicy
			err = objs[0].DecodeStrict(&p)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := &prodreadyv1alpha1.LabelSelector{MatchExpressions: []prodreadyv1alpha1.LabelSelectorRequirement{
				{Key: "tier", Operator: prodreadyv1alpha1.LabelSelectorOpIn, Values: []string{"web", "api"}},
				{Key: "legacy", Operator: prodreadyv1alpha1.LabelSelectorOpDoesNotExist},
			}}
			if !reflect.DeepEqual(p.Spec.Selector, want) {
				t.Errorf("selector = %#v, want %#v", p.Spec.Selector, want)
			}
			if got := p.Spec.NamespaceSelector.MatchLabels["team"]; got != "payments" {
				t.Errorf("namespaceSelector.matchLabels.team = %q", got)
			}
			if got := p.Spec.Exemptions[0].Selector.MatchLabels["app"]; got != "batch" {
				t.Errorf("exemptions[0].selector.matchLabels.app = %q", got)
			}
		})
	}
}
