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
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/types"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
	"github.com/prodready/prodready/internal/readiness"
)

// TestOutcomeKeepsTopN: the bounded top-N that add keeps equals sorting
// every violation and cutting the list, whatever order Deployments arrive in.
func TestOutcomeKeepsTopN(t *testing.T) {
	for name, n := range map[string]int{"under the cap": 7, "at the cap": 50, "far over the cap": 2000} {
		t.Run(name, func(t *testing.T) {
			var all []prodreadyv1alpha1.Violation
			var ds []types.NamespacedName
			for i := range n {
				d := types.NamespacedName{Namespace: fmt.Sprintf("ns-%d", i%7), Name: fmt.Sprintf("d-%04d", i)}
				ds = append(ds, d)
				all = append(all, prodreadyv1alpha1.Violation{Namespace: d.Namespace, Deployment: d.Name, Rule: readiness.RuleProbesReadiness, Container: "app", Message: "probes.readiness on app"})
			}
			rand.New(rand.NewPCG(1, 2)).Shuffle(len(ds), func(i, j int) { ds[i], ds[j] = ds[j], ds[i] })
			o := newOutcome()
			for _, d := range ds {
				o.add(d, counted(&readiness.Result{Violations: []readiness.Finding{finding(readiness.RuleProbesReadiness, "app")}}))
			}
			want := listedViolations(slices.Clone(all))
			if !reflect.DeepEqual(o.violations, want) {
				t.Errorf("kept %d violations, want the first %d in status order", len(o.violations), len(want))
			}
			if int(o.summary.Violations) != n {
				t.Errorf("summary.violations = %d, want %d", o.summary.Violations, n)
			}
		})
	}
}

// TestOutcomeCountsUnlisted: violations the engine counted past its cap
// count in the summary, the metrics and the Event's rules.
func TestOutcomeCountsUnlisted(t *testing.T) {
	o := newOutcome()
	d := types.NamespacedName{Namespace: "ns", Name: "huge"}
	o.add(d, &readiness.Result{
		Violations:     []readiness.Finding{finding(readiness.RuleProbesReadiness, "c0")},
		ViolationCount: 5001,
		Unlisted:       map[string]int{readiness.RuleProbesReadiness: 4000, readiness.RuleProbesLiveness: 1000},
	})
	if o.summary.Violations != 5001 {
		t.Errorf("summary.violations = %d, want 5001", o.summary.Violations)
	}
	if got := o.counts[violationKey{"ns", readiness.RuleProbesLiveness}]; got != 1000 {
		t.Errorf("probes.liveness count = %d, want 1000", got)
	}
	if got := o.counts[violationKey{"ns", readiness.RuleProbesReadiness}]; got != 4001 {
		t.Errorf("probes.readiness count = %d, want 4001", got)
	}
	if got := o.nonCompliant[d]; !reflect.DeepEqual(got, []string{readiness.RuleProbesLiveness, readiness.RuleProbesReadiness}) {
		t.Errorf("rules = %v", got)
	}
}

func TestTruncateMessage(t *testing.T) {
	const limit = prodreadyv1alpha1.MaxViolationMessageLength
	cases := map[string]struct {
		in      string
		wantLen int
	}{
		"short":    {in: "fine", wantLen: 4},
		"at limit": {in: strings.Repeat("a", limit), wantLen: limit},
		"100 KiB":  {in: strings.Repeat("a", 100<<10), wantLen: limit},
		"runes":    {in: strings.Repeat("é", 1000), wantLen: limit},
		"odd cut":  {in: "a" + strings.Repeat("é", 1000), wantLen: limit - 1},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := truncateMessage(tc.in)
			if len(got) != tc.wantLen || !utf8.ValidString(got) {
				t.Errorf("len = %d (valid UTF-8: %v), want %d", len(got), utf8.ValidString(got), tc.wantLen)
			}
		})
	}
}
