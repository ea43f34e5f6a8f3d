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

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// oracleMatches is the reference: the API machinery's own selector. ok is
// false when the API machinery rejects the selector.
func oracleMatches(sel *metav1.LabelSelector, l map[string]string) (match, ok bool) {
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return false, false
	}
	return s.Matches(labels.Set(l)), true
}

func TestSelectorMatches(t *testing.T) {
	in := func(key string, values ...string) metav1.LabelSelectorRequirement {
		return metav1.LabelSelectorRequirement{Key: key, Operator: metav1.LabelSelectorOpIn, Values: values}
	}
	notIn := func(key string, values ...string) metav1.LabelSelectorRequirement {
		return metav1.LabelSelectorRequirement{Key: key, Operator: metav1.LabelSelectorOpNotIn, Values: values}
	}
	exists := func(key string) metav1.LabelSelectorRequirement {
		return metav1.LabelSelectorRequirement{Key: key, Operator: metav1.LabelSelectorOpExists}
	}
	absent := func(key string) metav1.LabelSelectorRequirement {
		return metav1.LabelSelectorRequirement{Key: key, Operator: metav1.LabelSelectorOpDoesNotExist}
	}
	exprs := func(reqs ...metav1.LabelSelectorRequirement) *metav1.LabelSelector {
		return &metav1.LabelSelector{MatchExpressions: reqs}
	}
	ml := func(l map[string]string) *metav1.LabelSelector { return &metav1.LabelSelector{MatchLabels: l} }
	web := map[string]string{"app": "web", "tier": "frontend", "version": "v2"}

	cases := map[string]struct {
		sel    *metav1.LabelSelector
		labels map[string]string
		want   bool
	}{
		"nil selector, labels":               {sel: nil, labels: web, want: false},
		"nil selector, no labels":            {sel: nil, labels: nil, want: false},
		"empty selector, labels":             {sel: &metav1.LabelSelector{}, labels: web, want: true},
		"empty selector, nil labels":         {sel: &metav1.LabelSelector{}, labels: nil, want: true},
		"empty maps":                         {sel: &metav1.LabelSelector{MatchLabels: map[string]string{}, MatchExpressions: []metav1.LabelSelectorRequirement{}}, labels: web, want: true},
		"matchLabels single":                 {sel: ml(map[string]string{"app": "web"}), labels: web, want: true},
		"matchLabels all":                    {sel: ml(web), labels: web, want: true},
		"matchLabels superset of labels":     {sel: ml(map[string]string{"app": "web", "zone": "a"}), labels: web},
		"matchLabels wrong value":            {sel: ml(map[string]string{"app": "api"}), labels: web},
		"matchLabels, nil labels":            {sel: ml(map[string]string{"app": "web"}), labels: nil},
		"matchLabels empty value, present":   {sel: ml(map[string]string{"flag": ""}), labels: map[string]string{"flag": ""}, want: true},
		"matchLabels empty value, absent":    {sel: ml(map[string]string{"flag": ""}), labels: web},
		"matchLabels prefixed key":           {sel: ml(map[string]string{"example.com/app": "web"}), labels: map[string]string{"example.com/app": "web"}, want: true},
		"In one value":                       {sel: exprs(in("app", "web")), labels: web, want: true},
		"In several values":                  {sel: exprs(in("app", "api", "web")), labels: web, want: true},
		"In no match":                        {sel: exprs(in("app", "api", "db")), labels: web},
		"In absent key":                      {sel: exprs(in("zone", "a")), labels: web},
		"In empty value":                     {sel: exprs(in("flag", "")), labels: map[string]string{"flag": ""}, want: true},
		"NotIn match":                        {sel: exprs(notIn("app", "api")), labels: web, want: true},
		"NotIn excluded":                     {sel: exprs(notIn("app", "api", "web")), labels: web},
		"NotIn absent key":                   {sel: exprs(notIn("zone", "a")), labels: web, want: true},
		"NotIn, nil labels":                  {sel: exprs(notIn("zone", "a")), labels: nil, want: true},
		"Exists present":                     {sel: exprs(exists("tier")), labels: web, want: true},
		"Exists empty value":                 {sel: exprs(exists("flag")), labels: map[string]string{"flag": ""}, want: true},
		"Exists absent":                      {sel: exprs(exists("zone")), labels: web},
		"DoesNotExist absent":                {sel: exprs(absent("zone")), labels: web, want: true},
		"DoesNotExist present":               {sel: exprs(absent("tier")), labels: web},
		"DoesNotExist, nil labels":           {sel: exprs(absent("tier")), labels: nil, want: true},
		"all operators hold":                 {sel: exprs(in("app", "web"), notIn("tier", "backend"), exists("version"), absent("zone")), labels: web, want: true},
		"all operators, last fails":          {sel: exprs(in("app", "web"), notIn("tier", "backend"), exists("version"), absent("tier")), labels: web},
		"all operators, first fails":         {sel: exprs(in("app", "db"), notIn("tier", "backend"), exists("version"), absent("zone")), labels: web},
		"matchLabels hold, expression fails": {sel: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}, MatchExpressions: []metav1.LabelSelectorRequirement{in("tier", "backend")}}, labels: web},
		"matchLabels fail, expression holds": {sel: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"}, MatchExpressions: []metav1.LabelSelectorRequirement{in("tier", "frontend")}}, labels: web},
		"matchLabels and expressions hold":   {sel: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}, MatchExpressions: []metav1.LabelSelectorRequirement{exists("tier")}}, labels: web, want: true},
		"contradicting terms":                {sel: exprs(exists("app"), absent("app")), labels: web},
		"same key twice, both hold":          {sel: exprs(in("app", "web", "api"), notIn("app", "api")), labels: web, want: true},
		"key is case sensitive":              {sel: ml(map[string]string{"App": "web"}), labels: web},
		"value is case sensitive":            {sel: exprs(in("app", "Web")), labels: web},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := selectorMatches(tc.sel, tc.labels)
			if got != tc.want {
				t.Errorf("selectorMatches = %v, want %v", got, tc.want)
			}
			if tc.sel == nil {
				return // the API machinery treats nil as Nothing too, but via a different function
			}
			oracle, ok := oracleMatches(tc.sel, tc.labels)
			if !ok {
				t.Fatalf("oracle rejects selector %v; the table must use valid selectors", tc.sel)
			}
			if got != oracle {
				t.Errorf("selectorMatches = %v, LabelSelectorAsSelector(...).Matches = %v", got, oracle)
			}
		})
	}
}

func TestSelectorMatchesInvalidOperatorNeverMatches(t *testing.T) {
	cases := map[string]struct {
		sel    *metav1.LabelSelector
		labels map[string]string
	}{
		"unknown operator on present key": {
			sel:    &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: "Equals", Values: []string{"web"}}}},
			labels: map[string]string{"app": "web"},
		},
		"empty operator on absent key": {
			sel:    &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "zone"}}},
			labels: map[string]string{"app": "web"},
		},
		"lowercase in": {
			sel:    &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: "in", Values: []string{"web"}}}},
			labels: map[string]string{"app": "web"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if selectorMatches(tc.sel, tc.labels) {
				t.Error("a selector with an unknown operator matched")
			}
			if _, ok := oracleMatches(tc.sel, tc.labels); ok {
				t.Error("the API machinery accepts this selector; it does not belong in this table")
			}
		})
	}
}

// Small alphabets make collisions between selector terms and labels likely.
var (
	fuzzLabelKeys   = []string{"app", "tier", "env", "example.com/team", "a", "", "Bad Key", "x/y/z"}
	fuzzLabelValues = []string{"web", "api", "", "prod", "v1.2", "-bad", "a b", "ünï"}
	fuzzOperators   = []metav1.LabelSelectorOperator{
		metav1.LabelSelectorOpIn, metav1.LabelSelectorOpNotIn,
		metav1.LabelSelectorOpExists, metav1.LabelSelectorOpDoesNotExist,
		"Equals", "",
	}
)

// readSelector decodes a LabelSelector, possibly nil or empty, possibly
// invalid.
func readSelector(r *byteReader) *metav1.LabelSelector {
	switch r.intn(8) {
	case 0:
		return nil
	case 1:
		return &metav1.LabelSelector{}
	}
	sel := &metav1.LabelSelector{}
	if n := r.intn(4); n > 0 {
		sel.MatchLabels = map[string]string{}
		for range n {
			sel.MatchLabels[pick(r, fuzzLabelKeys)] = pick(r, fuzzLabelValues)
		}
	}
	for range r.intn(4) {
		req := metav1.LabelSelectorRequirement{Key: pick(r, fuzzLabelKeys), Operator: pick(r, fuzzOperators)}
		for range r.intn(4) {
			req.Values = append(req.Values, pick(r, fuzzLabelValues))
		}
		sel.MatchExpressions = append(sel.MatchExpressions, req)
	}
	return sel
}

func readLabels(r *byteReader) map[string]string {
	n := r.intn(5)
	if n == 0 {
		if r.bool() {
			return nil
		}
		return map[string]string{}
	}
	l := make(map[string]string, n)
	for range n {
		l[pick(r, fuzzLabelKeys)] = pick(r, fuzzLabelValues)
	}
	return l
}

func FuzzSelectorMatches(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0, 3, 0, 0})
	f.Add([]byte{1, 2, 1, 1})
	f.Add([]byte{2, 1, 0, 0, 1, 0, 0, 1, 0, 2, 0, 0, 0})
	f.Add([]byte{5, 0, 3, 0, 1, 2, 0, 1, 2, 1, 0, 3, 3, 0, 0, 1, 1, 0, 2, 2})
	f.Add([]byte("selector fuzz seed with some text in it"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &byteReader{b: data}
		sel := readSelector(r)
		l := readLabels(r)
		got := selectorMatches(sel, l)
		if sel == nil {
			if got {
				t.Fatalf("nil selector matched %v", l)
			}
			return
		}
		want, ok := oracleMatches(sel, l)
		if !ok {
			return // the API server would reject this selector
		}
		if got != want {
			t.Fatalf("selectorMatches(%v, %v) = %v, LabelSelectorAsSelector(...).Matches = %v", sel, l, got, want)
		}
	})
}
