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

package v1alpha1

import (
	"encoding/json"
	"reflect"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// TestLabelSelectorAsMetav1: the conversion gives the metav1 selector with
// the same content, and the two types have the same JSON and YAML shape, so
// that a policy written for metav1.LabelSelector stays valid.
func TestLabelSelectorAsMetav1(t *testing.T) {
	cases := map[string]struct {
		in   *LabelSelector
		want *metav1.LabelSelector
	}{
		"nil":   {in: nil, want: nil},
		"empty": {in: &LabelSelector{}, want: &metav1.LabelSelector{}},
		"empty lists stay empty, not nil": {
			in:   &LabelSelector{MatchLabels: map[string]string{}, MatchExpressions: []LabelSelectorRequirement{}},
			want: &metav1.LabelSelector{MatchLabels: map[string]string{}, MatchExpressions: []metav1.LabelSelectorRequirement{}},
		},
		"labels and every operator": {
			in: &LabelSelector{
				MatchLabels: map[string]string{"app": "web", "example.com/tier": "frontend"},
				MatchExpressions: []LabelSelectorRequirement{
					{Key: "env", Operator: LabelSelectorOpIn, Values: []string{"prod", "staging"}},
					{Key: "track", Operator: LabelSelectorOpNotIn, Values: []string{"canary"}},
					{Key: "example.com/owner", Operator: LabelSelectorOpExists},
					{Key: "legacy", Operator: LabelSelectorOpDoesNotExist, Values: []string{}},
				},
			},
			want: &metav1.LabelSelector{
				MatchLabels: map[string]string{"app": "web", "example.com/tier": "frontend"},
				MatchExpressions: []metav1.LabelSelectorRequirement{
					{Key: "env", Operator: metav1.LabelSelectorOpIn, Values: []string{"prod", "staging"}},
					{Key: "track", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"canary"}},
					{Key: "example.com/owner", Operator: metav1.LabelSelectorOpExists},
					{Key: "legacy", Operator: metav1.LabelSelectorOpDoesNotExist, Values: []string{}},
				},
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := tc.in.AsMetav1()
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("AsMetav1() = %#v, want %#v", got, tc.want)
			}
			if got, want := tc.in.String(), tc.want.String(); got != want {
				t.Errorf("String() = %q, want %q", got, want)
			}

			// Same JSON and YAML bytes as metav1, and metav1's bytes decode
			// back into the same selector.
			ours, err := json.Marshal(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			theirs, err := json.Marshal(tc.want)
			if err != nil {
				t.Fatal(err)
			}
			if string(ours) != string(theirs) {
				t.Errorf("JSON = %s, metav1 JSON = %s", ours, theirs)
			}
			theirsYAML, err := yaml.Marshal(tc.want)
			if err != nil {
				t.Fatal(err)
			}
			var back *LabelSelector
			if err := yaml.UnmarshalStrict(theirsYAML, &back); err != nil {
				t.Fatalf("metav1 YAML %q does not decode strictly: %v", theirsYAML, err)
			}
			if got := back.AsMetav1(); !reflect.DeepEqual(got, normalized(tc.want)) {
				t.Errorf("YAML round trip = %#v, want %#v", got, normalized(tc.want))
			}
		})
	}
}

// normalized drops the empty lists that omitempty leaves out of JSON.
func normalized(s *metav1.LabelSelector) *metav1.LabelSelector {
	if s == nil {
		return nil
	}
	out := s.DeepCopy()
	if len(out.MatchLabels) == 0 {
		out.MatchLabels = nil
	}
	if len(out.MatchExpressions) == 0 {
		out.MatchExpressions = nil
	}
	for i := range out.MatchExpressions {
		if len(out.MatchExpressions[i].Values) == 0 {
			out.MatchExpressions[i].Values = nil
		}
	}
	return out
}

// TestLabelSelectorAsMetav1SharesNothing: the engine may keep the converted
// selector; editing it must not edit the policy object in the cache.
func TestLabelSelectorAsMetav1SharesNothing(t *testing.T) {
	in := &LabelSelector{
		MatchLabels:      map[string]string{"app": "web"},
		MatchExpressions: []LabelSelectorRequirement{{Key: "env", Operator: LabelSelectorOpIn, Values: []string{"prod"}}},
	}
	orig := in.DeepCopy()
	out := in.AsMetav1()
	out.MatchLabels["app"] = "changed"
	out.MatchExpressions[0].Values[0] = "changed"
	out.MatchExpressions[0].Key = "changed"
	if !reflect.DeepEqual(in, orig) {
		t.Errorf("editing the conversion changed the source: %#v", in)
	}
}

// TestLabelSelectorStrictDecodeRejectsUnknownFields: a typo inside a
// selector is still an error for strict decoders such as the CLI's.
func TestLabelSelectorStrictDecodeRejectsUnknownFields(t *testing.T) {
	var s LabelSelector
	err := yaml.UnmarshalStrict([]byte("matchExpressions:\n- key: env\n  operator: In\n  value: [prod]\n"), &s)
	if err == nil {
		t.Fatal("unknown field value was accepted")
	}
}
