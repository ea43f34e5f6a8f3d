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
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
	"github.com/prodready/prodready/internal/readiness"
)

// These are plain unit tests of the pure status helpers; they need no API
// server and do not belong to the Ginkgo envtest suite (TestControllers).

var (
	// oldTransition is a LastTransitionTime far in the past, to tell a kept
	// time from a fresh one.
	oldTransition = metav1.NewTime(time.Date(2020, time.January, 2, 3, 4, 5, 0, time.UTC))
	expiryEarly   = time.Date(2030, time.March, 1, 0, 0, 0, 0, time.UTC)
	expiryMid     = time.Date(2030, time.June, 1, 0, 0, 0, 0, time.UTC)
	expiryLate    = time.Date(2030, time.September, 1, 0, 0, 0, 0, time.UTC)
)

func nn(ns, name string) types.NamespacedName {
	return types.NamespacedName{Namespace: ns, Name: name}
}

func finding(rule, container string) readiness.Finding {
	return readiness.Finding{Rule: rule, Container: container, Path: "spec.some.path", Message: rule + " on " + container}
}

// statusCond returns the condition of that type, failing the test when it is
// absent.
func statusCond(t *testing.T, st *prodreadyv1alpha1.PolicyStatus, typ string) metav1.Condition {
	t.Helper()
	c := meta.FindStatusCondition(st.Conditions, typ)
	if c == nil {
		t.Fatalf("condition %s missing in %+v", typ, st.Conditions)
	}
	return *c
}

type addEntry struct {
	d   types.NamespacedName
	res readiness.Result
}

func TestOutcomeAdd(t *testing.T) {
	tests := map[string]struct {
		entries          []addEntry
		wantSummary      prodreadyv1alpha1.Summary
		wantNonCompliant map[types.NamespacedName][]string
		wantCompliant    []types.NamespacedName
		wantViolations   []prodreadyv1alpha1.Violation
		wantNextExpiry   time.Time
	}{
		"nothing added": {
			wantNonCompliant: map[types.NamespacedName][]string{},
		},
		"one compliant Deployment": {
			entries:          []addEntry{{d: nn("ns", "a")}},
			wantSummary:      prodreadyv1alpha1.Summary{Matched: 1, Compliant: 1},
			wantNonCompliant: map[types.NamespacedName][]string{},
			wantCompliant:    []types.NamespacedName{nn("ns", "a")},
		},
		"compliant thanks to an exemption counts as exempted and sets the expiry": {
			entries: []addEntry{{d: nn("ns", "a"), res: readiness.Result{
				Exempted:   []readiness.Finding{finding(readiness.RuleProbesLiveness, "app")},
				NextExpiry: expiryMid,
			}}},
			wantSummary:      prodreadyv1alpha1.Summary{Matched: 1, Compliant: 1, Exempted: 1},
			wantNonCompliant: map[types.NamespacedName][]string{},
			wantCompliant:    []types.NamespacedName{nn("ns", "a")},
			wantNextExpiry:   expiryMid,
		},
		"non-compliant rules are sorted and de-duplicated, every violation is kept": {
			entries: []addEntry{{d: nn("ns", "a"), res: readiness.Result{Violations: []readiness.Finding{
				finding(readiness.RuleReplicasMinimum, ""),
				finding(readiness.RuleProbesReadiness, "app"),
				finding(readiness.RuleResourcesLimitPrefix+"memory", "app"),
				finding(readiness.RuleProbesReadiness, "sidecar"),
			}}}},
			wantSummary: prodreadyv1alpha1.Summary{Matched: 1, NonCompliant: 1, Violations: 4},
			wantNonCompliant: map[types.NamespacedName][]string{
				nn("ns", "a"): {readiness.RuleProbesReadiness, readiness.RuleReplicasMinimum, readiness.RuleResourcesLimitPrefix + "memory"},
			},
			wantViolations: []prodreadyv1alpha1.Violation{
				{Namespace: "ns", Deployment: "a", Rule: readiness.RuleReplicasMinimum, Message: "replicas.minimum on "},
				{Namespace: "ns", Deployment: "a", Rule: readiness.RuleProbesReadiness, Container: "app", Message: "probes.readiness on app"},
				{Namespace: "ns", Deployment: "a", Rule: "resources.limits.memory", Container: "app", Message: "resources.limits.memory on app"},
				{Namespace: "ns", Deployment: "a", Rule: readiness.RuleProbesReadiness, Container: "sidecar", Message: "probes.readiness on sidecar"},
			},
		},
		"mixed Deployments aggregate and the earliest non-zero expiry wins": {
			entries: []addEntry{
				{d: nn("ns1", "late"), res: readiness.Result{
					Exempted: []readiness.Finding{finding(readiness.RuleProbesStartup, "app")}, NextExpiry: expiryLate,
				}},
				{d: nn("ns1", "plain")},
				{d: nn("ns2", "bad"), res: readiness.Result{
					Violations: []readiness.Finding{finding(readiness.RulePDBRequired, "")},
					Exempted:   []readiness.Finding{finding(readiness.RuleProbesLiveness, "app")},
					NextExpiry: expiryEarly,
				}},
				{d: nn("ns2", "noexpiry"), res: readiness.Result{
					Exempted: []readiness.Finding{finding(readiness.RuleProbesStartup, "app")},
				}},
				{d: nn("ns2", "worse"), res: readiness.Result{Violations: []readiness.Finding{
					finding(readiness.RuleProbesReadiness, "app"), finding(readiness.RuleProbesLiveness, "app"),
				}}},
				{d: nn("ns3", "mid"), res: readiness.Result{
					Exempted: []readiness.Finding{finding(readiness.RuleMetricsAnnotation, "")}, NextExpiry: expiryMid,
				}},
			},
			wantSummary: prodreadyv1alpha1.Summary{Matched: 6, Compliant: 4, NonCompliant: 2, Exempted: 4, Violations: 3},
			wantNonCompliant: map[types.NamespacedName][]string{
				nn("ns2", "bad"):   {readiness.RulePDBRequired},
				nn("ns2", "worse"): {readiness.RuleProbesLiveness, readiness.RuleProbesReadiness},
			},
			wantCompliant: []types.NamespacedName{nn("ns1", "late"), nn("ns1", "plain"), nn("ns2", "noexpiry"), nn("ns3", "mid")},
			wantViolations: []prodreadyv1alpha1.Violation{
				{Namespace: "ns2", Deployment: "bad", Rule: readiness.RulePDBRequired, Message: "pdb.required on "},
				{Namespace: "ns2", Deployment: "worse", Rule: readiness.RuleProbesReadiness, Container: "app", Message: "probes.readiness on app"},
				{Namespace: "ns2", Deployment: "worse", Rule: readiness.RuleProbesLiveness, Container: "app", Message: "probes.liveness on app"},
			},
			wantNextExpiry: expiryEarly,
		},
		"a zero expiry after a non-zero one does not reset it": {
			entries: []addEntry{
				{d: nn("ns", "a"), res: readiness.Result{Exempted: []readiness.Finding{finding(readiness.RuleProbesStartup, "x")}, NextExpiry: expiryMid}},
				{d: nn("ns", "b"), res: readiness.Result{Exempted: []readiness.Finding{finding(readiness.RuleProbesStartup, "y")}}},
				{d: nn("ns", "c"), res: readiness.Result{Exempted: []readiness.Finding{finding(readiness.RuleProbesStartup, "z")}, NextExpiry: expiryLate}},
			},
			wantSummary:      prodreadyv1alpha1.Summary{Matched: 3, Compliant: 3, Exempted: 3},
			wantNonCompliant: map[types.NamespacedName][]string{},
			wantCompliant:    []types.NamespacedName{nn("ns", "a"), nn("ns", "b"), nn("ns", "c")},
			wantNextExpiry:   expiryMid,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			o := newOutcome()
			for _, e := range tc.entries {
				counted(&e.res)
				o.add(e.d, &e.res)
			}
			if o.summary != tc.wantSummary {
				t.Errorf("summary = %+v, want %+v", o.summary, tc.wantSummary)
			}
			if !reflect.DeepEqual(o.nonCompliant, tc.wantNonCompliant) {
				t.Errorf("nonCompliant = %v, want %v", o.nonCompliant, tc.wantNonCompliant)
			}
			wantCompliant := map[types.NamespacedName]struct{}{}
			for _, d := range tc.wantCompliant {
				wantCompliant[d] = struct{}{}
			}
			if !reflect.DeepEqual(o.compliant, wantCompliant) {
				t.Errorf("compliant = %v, want %v", o.compliant, wantCompliant)
			}
			// add keeps the violations in status order.
			if want := listedViolations(slices.Clone(tc.wantViolations)); !reflect.DeepEqual(o.violations, want) {
				t.Errorf("violations = %+v, want %+v", o.violations, want)
			}
			if !o.nextExpiry.Equal(tc.wantNextExpiry) {
				t.Errorf("nextExpiry = %v, want %v", o.nextExpiry, tc.wantNextExpiry)
			}
			// The counts agree with the maps.
			if int(o.summary.NonCompliant) != len(o.nonCompliant) || int(o.summary.Compliant) != len(o.compliant) {
				t.Errorf("summary %+v disagrees with %d non-compliant and %d compliant", o.summary, len(o.nonCompliant), len(o.compliant))
			}
			if int(o.summary.Violations) != len(o.violations) {
				t.Errorf("summary.violations = %d, but %d violations recorded", o.summary.Violations, len(o.violations))
			}
		})
	}
}

// manyViolations returns n violations on Deployments d000, d001, ... in
// reverse order.
func manyViolations(n int) []prodreadyv1alpha1.Violation {
	vs := make([]prodreadyv1alpha1.Violation, 0, n)
	for i := n - 1; i >= 0; i-- {
		vs = append(vs, prodreadyv1alpha1.Violation{Namespace: "ns", Deployment: fmt.Sprintf("d%03d", i), Rule: readiness.RuleProbesReadiness, Message: "m"})
	}
	return vs
}

// reversed returns a reversed copy.
func reversed(vs []prodreadyv1alpha1.Violation) []prodreadyv1alpha1.Violation {
	out := slices.Clone(vs)
	slices.Reverse(out)
	return out
}

func TestListedViolations(t *testing.T) {
	v := func(ns, d, rule, container, msg string) prodreadyv1alpha1.Violation {
		return prodreadyv1alpha1.Violation{Namespace: ns, Deployment: d, Rule: rule, Container: container, Message: msg}
	}
	sorted := []prodreadyv1alpha1.Violation{
		v("a", "x", "probes.liveness", "app", "m"),
		v("a", "y", "probes.liveness", "app", "m"),
		v("b", "a", "probes.liveness", "", "m"),
		v("b", "a", "probes.liveness", "app", "m"),
		v("b", "a", "probes.liveness", "app", "n"),
		v("b", "a", "probes.liveness", "web", "a"),
		v("b", "a", "probes.readiness", "app", "a"),
		v("b", "b", "pdb.required", "", "m"),
	}
	shuffled := []prodreadyv1alpha1.Violation{sorted[6], sorted[3], sorted[7], sorted[0], sorted[5], sorted[2], sorted[4], sorted[1]}

	tests := map[string]struct {
		in   []prodreadyv1alpha1.Violation
		want []prodreadyv1alpha1.Violation
	}{
		"nil gives nil": {
			in:   nil,
			want: nil,
		},
		"empty gives nil": {
			in:   []prodreadyv1alpha1.Violation{},
			want: nil,
		},
		"sorted by namespace, Deployment, rule, container, message": {
			in:   shuffled,
			want: sorted,
		},
		"exactly the cap is kept whole": {
			in:   manyViolations(prodreadyv1alpha1.MaxStatusViolations),
			want: reversed(manyViolations(prodreadyv1alpha1.MaxStatusViolations)),
		},
		"one over the cap drops the last": {
			in:   manyViolations(prodreadyv1alpha1.MaxStatusViolations + 1),
			want: reversed(manyViolations(prodreadyv1alpha1.MaxStatusViolations + 1))[:prodreadyv1alpha1.MaxStatusViolations],
		},
		"60 are capped to the first 50 in order": {
			in:   manyViolations(60),
			want: reversed(manyViolations(60))[:50],
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := listedViolations(tc.in)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("listedViolations() =\n%+v\nwant\n%+v", got, tc.want)
			}
			if len(got) > prodreadyv1alpha1.MaxStatusViolations {
				t.Errorf("got %d violations, more than the cap %d", len(got), prodreadyv1alpha1.MaxStatusViolations)
			}
		})
	}
}

func TestSetCompliantCondition(t *testing.T) {
	tests := map[string]struct {
		summary     prodreadyv1alpha1.Summary
		wantStatus  metav1.ConditionStatus
		wantReason  string
		wantMessage string
	}{
		"no Deployment matched": {
			summary:     prodreadyv1alpha1.Summary{},
			wantStatus:  metav1.ConditionTrue,
			wantReason:  prodreadyv1alpha1.ReasonNoMatches,
			wantMessage: "The policy selects no Deployment",
		},
		"every matched Deployment complies": {
			summary:     prodreadyv1alpha1.Summary{Matched: 3, Compliant: 3, Exempted: 1},
			wantStatus:  metav1.ConditionTrue,
			wantReason:  prodreadyv1alpha1.ReasonAllCompliant,
			wantMessage: "All 3 matched Deployment(s) comply",
		},
		"some Deployments violate": {
			summary:     prodreadyv1alpha1.Summary{Matched: 5, Compliant: 3, NonCompliant: 2, Violations: 7},
			wantStatus:  metav1.ConditionFalse,
			wantReason:  prodreadyv1alpha1.ReasonViolationsFound,
			wantMessage: "2 of 5 matched Deployment(s) violate the policy (7 violation(s)); see status.violations",
		},
		"every Deployment violates": {
			summary:     prodreadyv1alpha1.Summary{Matched: 1, NonCompliant: 1, Violations: 1},
			wantStatus:  metav1.ConditionFalse,
			wantReason:  prodreadyv1alpha1.ReasonViolationsFound,
			wantMessage: "1 of 1 matched Deployment(s) violate the policy (1 violation(s)); see status.violations",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			st := &prodreadyv1alpha1.PolicyStatus{}
			setCompliantCondition(st, 7, tc.summary)
			if len(st.Conditions) != 1 {
				t.Fatalf("got %d conditions, want 1: %+v", len(st.Conditions), st.Conditions)
			}
			c := statusCond(t, st, prodreadyv1alpha1.ConditionCompliant)
			if c.Status != tc.wantStatus || c.Reason != tc.wantReason || c.Message != tc.wantMessage {
				t.Errorf("condition = %s/%s %q, want %s/%s %q", c.Status, c.Reason, c.Message, tc.wantStatus, tc.wantReason, tc.wantMessage)
			}
			if c.ObservedGeneration != 7 {
				t.Errorf("observedGeneration = %d, want 7", c.ObservedGeneration)
			}
			if c.LastTransitionTime.IsZero() {
				t.Error("lastTransitionTime not set")
			}
			// The summary itself is not written by this helper.
			if st.Summary != (prodreadyv1alpha1.Summary{}) || st.ObservedGeneration != 0 {
				t.Errorf("status changed beyond the condition: %+v", st)
			}
		})
	}
}

// counted sets a hand-built Result's totals from its lists, as the engine
// does when nothing is past its cap.
func counted(res *readiness.Result) *readiness.Result {
	res.ViolationCount, res.ExemptedCount = len(res.Violations), len(res.Exempted)
	return res
}

// outcomeOf builds an outcome through add, from Deployments and their
// violated rules (nil or empty: compliant).
func outcomeOf(ds map[types.NamespacedName][]string) *outcome {
	names := make([]types.NamespacedName, 0, len(ds))
	for d := range ds {
		names = append(names, d)
	}
	slices.SortFunc(names, func(a, b types.NamespacedName) int { return strings.Compare(a.String(), b.String()) })
	o := newOutcome()
	for _, d := range names {
		var res readiness.Result
		for _, r := range ds[d] {
			res.Violations = append(res.Violations, finding(r, "app"))
		}
		o.add(d, counted(&res))
	}
	return o
}

func TestSetEvaluatedStatus(t *testing.T) {
	oldCond := func(typ string, status metav1.ConditionStatus, reason string) metav1.Condition {
		return metav1.Condition{Type: typ, Status: status, Reason: reason, Message: "old", ObservedGeneration: 1, LastTransitionTime: oldTransition}
	}
	tests := map[string]struct {
		before              prodreadyv1alpha1.PolicyStatus
		deployments         map[types.NamespacedName][]string
		wantSummary         prodreadyv1alpha1.Summary
		wantViolations      int
		wantCompliant       metav1.ConditionStatus
		wantCompliantReason string
		// keep*Transition: the LastTransitionTime of the condition stays
		// oldTransition; otherwise it must be refreshed.
		keepReadyTransition     bool
		keepCompliantTransition bool
	}{
		"fresh status with violations": {
			deployments: map[types.NamespacedName][]string{
				nn("ns", "bad"): {readiness.RuleProbesReadiness, readiness.RuleProbesLiveness},
				nn("ns", "ok"):  nil,
			},
			wantSummary:         prodreadyv1alpha1.Summary{Matched: 2, Compliant: 1, NonCompliant: 1, Violations: 2},
			wantViolations:      2,
			wantCompliant:       metav1.ConditionFalse,
			wantCompliantReason: prodreadyv1alpha1.ReasonViolationsFound,
		},
		"fresh status without matches": {
			wantCompliant:       metav1.ConditionTrue,
			wantCompliantReason: prodreadyv1alpha1.ReasonNoMatches,
		},
		"unchanged condition statuses keep their transition time": {
			before: prodreadyv1alpha1.PolicyStatus{Conditions: []metav1.Condition{
				oldCond(prodreadyv1alpha1.ConditionReady, metav1.ConditionTrue, prodreadyv1alpha1.ReasonEvaluated),
				// Same status, other reason: the transition time stays.
				oldCond(prodreadyv1alpha1.ConditionCompliant, metav1.ConditionTrue, prodreadyv1alpha1.ReasonNoMatches),
			}},
			deployments:             map[types.NamespacedName][]string{nn("ns", "ok"): nil},
			wantSummary:             prodreadyv1alpha1.Summary{Matched: 1, Compliant: 1},
			wantCompliant:           metav1.ConditionTrue,
			wantCompliantReason:     prodreadyv1alpha1.ReasonAllCompliant,
			keepReadyTransition:     true,
			keepCompliantTransition: true,
		},
		"flipped condition statuses get a new transition time": {
			before: prodreadyv1alpha1.PolicyStatus{Conditions: []metav1.Condition{
				oldCond(prodreadyv1alpha1.ConditionReady, metav1.ConditionFalse, prodreadyv1alpha1.ReasonInvalidSpec),
				oldCond(prodreadyv1alpha1.ConditionCompliant, metav1.ConditionTrue, prodreadyv1alpha1.ReasonAllCompliant),
			}},
			deployments:         map[types.NamespacedName][]string{nn("ns", "bad"): {readiness.RuleReplicasMinimum}},
			wantSummary:         prodreadyv1alpha1.Summary{Matched: 1, NonCompliant: 1, Violations: 1},
			wantViolations:      1,
			wantCompliant:       metav1.ConditionFalse,
			wantCompliantReason: prodreadyv1alpha1.ReasonViolationsFound,
		},
		"previous summary and violations are replaced": {
			before: prodreadyv1alpha1.PolicyStatus{
				ObservedGeneration: 1,
				Conditions: []metav1.Condition{
					oldCond(prodreadyv1alpha1.ConditionReady, metav1.ConditionTrue, prodreadyv1alpha1.ReasonEvaluated),
					oldCond(prodreadyv1alpha1.ConditionCompliant, metav1.ConditionFalse, prodreadyv1alpha1.ReasonViolationsFound),
				},
				Summary:    prodreadyv1alpha1.Summary{Matched: 4, NonCompliant: 4, Violations: 9},
				Violations: []prodreadyv1alpha1.Violation{{Namespace: "ns", Deployment: "gone", Rule: readiness.RulePDBRequired, Message: "m"}},
			},
			deployments:         map[types.NamespacedName][]string{nn("ns", "ok"): nil},
			wantSummary:         prodreadyv1alpha1.Summary{Matched: 1, Compliant: 1},
			wantCompliant:       metav1.ConditionTrue,
			wantCompliantReason: prodreadyv1alpha1.ReasonAllCompliant,
			keepReadyTransition: true,
		},
		"more violations than the cap are listed up to the cap": {
			deployments: func() map[types.NamespacedName][]string {
				m := map[types.NamespacedName][]string{}
				for i := range 30 {
					m[nn("ns", fmt.Sprintf("d%02d", i))] = []string{readiness.RuleProbesReadiness, readiness.RuleProbesLiveness}
				}
				return m
			}(),
			wantSummary:         prodreadyv1alpha1.Summary{Matched: 30, NonCompliant: 30, Violations: 60},
			wantViolations:      prodreadyv1alpha1.MaxStatusViolations,
			wantCompliant:       metav1.ConditionFalse,
			wantCompliantReason: prodreadyv1alpha1.ReasonViolationsFound,
		},
	}
	const generation = 4
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			st := tc.before.DeepCopy()
			o := outcomeOf(tc.deployments)
			setEvaluatedStatus(st, generation, o)

			if st.ObservedGeneration != generation {
				t.Errorf("observedGeneration = %d, want %d", st.ObservedGeneration, generation)
			}
			if st.Summary != tc.wantSummary {
				t.Errorf("summary = %+v, want %+v", st.Summary, tc.wantSummary)
			}
			if len(st.Violations) != tc.wantViolations {
				t.Errorf("got %d violations, want %d", len(st.Violations), tc.wantViolations)
			}
			if tc.wantViolations == 0 && st.Violations != nil {
				t.Errorf("violations = %#v, want nil", st.Violations)
			}
			if !slices.IsSortedFunc(st.Violations, func(a, b prodreadyv1alpha1.Violation) int {
				return strings.Compare(a.Namespace+"/"+a.Deployment+"/"+a.Rule, b.Namespace+"/"+b.Deployment+"/"+b.Rule)
			}) {
				t.Errorf("violations not sorted: %+v", st.Violations)
			}
			if len(st.Conditions) != 2 {
				t.Fatalf("got %d conditions, want Ready and Compliant: %+v", len(st.Conditions), st.Conditions)
			}
			ready := statusCond(t, st, prodreadyv1alpha1.ConditionReady)
			if ready.Status != metav1.ConditionTrue || ready.Reason != prodreadyv1alpha1.ReasonEvaluated || ready.ObservedGeneration != generation {
				t.Errorf("Ready = %s/%s gen %d, want True/%s gen %d", ready.Status, ready.Reason, ready.ObservedGeneration, prodreadyv1alpha1.ReasonEvaluated, generation)
			}
			compliant := statusCond(t, st, prodreadyv1alpha1.ConditionCompliant)
			if compliant.Status != tc.wantCompliant || compliant.Reason != tc.wantCompliantReason || compliant.ObservedGeneration != generation {
				t.Errorf("Compliant = %s/%s gen %d, want %s/%s gen %d", compliant.Status, compliant.Reason, compliant.ObservedGeneration, tc.wantCompliant, tc.wantCompliantReason, generation)
			}
			checkTransition := func(c metav1.Condition, keep bool) {
				t.Helper()
				switch {
				case c.LastTransitionTime.IsZero():
					t.Errorf("%s: lastTransitionTime not set", c.Type)
				case keep && !c.LastTransitionTime.Equal(&oldTransition):
					t.Errorf("%s: lastTransitionTime = %v, want the kept %v", c.Type, c.LastTransitionTime, oldTransition)
				case !keep && c.LastTransitionTime.Equal(&oldTransition):
					t.Errorf("%s: lastTransitionTime kept at %v though the status changed", c.Type, oldTransition)
				}
			}
			checkTransition(ready, tc.keepReadyTransition)
			checkTransition(compliant, tc.keepCompliantTransition)

			// A second identical evaluation changes nothing, transition
			// times included.
			first := st.DeepCopy()
			setEvaluatedStatus(st, generation, outcomeOf(tc.deployments))
			if !reflect.DeepEqual(st, first) {
				t.Errorf("second identical evaluation changed the status:\n%+v\nwas\n%+v", st, first)
			}
		})
	}
}

func TestSetInvalidSpecStatus(t *testing.T) {
	evaluated := func() prodreadyv1alpha1.PolicyStatus {
		st := prodreadyv1alpha1.PolicyStatus{}
		setEvaluatedStatus(&st, 2, outcomeOf(map[types.NamespacedName][]string{
			nn("ns", "bad"): {readiness.RuleProbesReadiness},
			nn("ns", "ok"):  nil,
		}))
		for i := range st.Conditions {
			st.Conditions[i].LastTransitionTime = oldTransition
		}
		return st
	}
	alreadyInvalid := prodreadyv1alpha1.PolicyStatus{
		ObservedGeneration: 3,
		Conditions: []metav1.Condition{
			{Type: prodreadyv1alpha1.ConditionReady, Status: metav1.ConditionFalse, Reason: prodreadyv1alpha1.ReasonInvalidSpec,
				Message: "The spec is invalid: old error", ObservedGeneration: 3, LastTransitionTime: oldTransition},
			{Type: prodreadyv1alpha1.ConditionCompliant, Status: metav1.ConditionUnknown, Reason: prodreadyv1alpha1.ReasonInvalidSpec,
				Message: "Not evaluated until the spec is fixed", ObservedGeneration: 3, LastTransitionTime: oldTransition},
		},
	}
	tests := map[string]struct {
		before         prodreadyv1alpha1.PolicyStatus
		err            error
		keepTransition bool
	}{
		"fresh status": {
			err: errors.New("rules.metrics.annotations[0].value: invalid regular expression"),
		},
		"after an evaluation the summary and violations are kept": {
			before: evaluated(),
			err:    errors.New("exemptions[1].selector: invalid"),
		},
		"still invalid with another error keeps the transition times": {
			before:         alreadyInvalid,
			err:            errors.New("new error"),
			keepTransition: true,
		},
	}
	const generation = 5
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			st := tc.before.DeepCopy()
			setInvalidSpecStatus(st, generation, tc.err)

			if st.ObservedGeneration != generation {
				t.Errorf("observedGeneration = %d, want %d", st.ObservedGeneration, generation)
			}
			if st.Summary != tc.before.Summary {
				t.Errorf("summary = %+v, want the previous %+v", st.Summary, tc.before.Summary)
			}
			if !reflect.DeepEqual(st.Violations, tc.before.Violations) {
				t.Errorf("violations = %+v, want the previous %+v", st.Violations, tc.before.Violations)
			}
			if len(st.Conditions) != 2 {
				t.Fatalf("got %d conditions, want Ready and Compliant: %+v", len(st.Conditions), st.Conditions)
			}
			ready := statusCond(t, st, prodreadyv1alpha1.ConditionReady)
			if ready.Status != metav1.ConditionFalse || ready.Reason != prodreadyv1alpha1.ReasonInvalidSpec || ready.ObservedGeneration != generation {
				t.Errorf("Ready = %s/%s gen %d, want False/%s gen %d", ready.Status, ready.Reason, ready.ObservedGeneration, prodreadyv1alpha1.ReasonInvalidSpec, generation)
			}
			if want := "The spec is invalid: " + tc.err.Error(); ready.Message != want {
				t.Errorf("Ready message = %q, want %q", ready.Message, want)
			}
			compliant := statusCond(t, st, prodreadyv1alpha1.ConditionCompliant)
			if compliant.Status != metav1.ConditionUnknown || compliant.Reason != prodreadyv1alpha1.ReasonInvalidSpec || compliant.ObservedGeneration != generation {
				t.Errorf("Compliant = %s/%s gen %d, want Unknown/%s gen %d", compliant.Status, compliant.Reason, compliant.ObservedGeneration, prodreadyv1alpha1.ReasonInvalidSpec, generation)
			}
			for _, c := range []metav1.Condition{ready, compliant} {
				kept := c.LastTransitionTime.Equal(&oldTransition)
				if c.LastTransitionTime.IsZero() || kept != tc.keepTransition {
					t.Errorf("%s: lastTransitionTime = %v, kept = %v, want kept = %v", c.Type, c.LastTransitionTime, kept, tc.keepTransition)
				}
			}
		})
	}
}

func TestViolationNote(t *testing.T) {
	tests := map[string]struct {
		policy string
		rules  []string
		want   string
	}{
		"one rule": {
			policy: "ReadinessPolicy/team-a/baseline",
			rules:  []string{readiness.RuleProbesReadiness},
			want:   "Deployment violates ReadinessPolicy/team-a/baseline: probes.readiness",
		},
		"several rules": {
			policy: "ClusterReadinessPolicy/baseline",
			rules:  []string{readiness.RulePDBRequired, readiness.RuleProbesLiveness},
			want:   "Deployment violates ClusterReadinessPolicy/baseline: pdb.required, probes.liveness",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := violationNote(tc.policy, tc.rules); got != tc.want {
				t.Errorf("violationNote() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestStatusPatch(t *testing.T) {
	tests := map[string]struct {
		status prodreadyv1alpha1.PolicyStatus
		want   string
	}{
		"zero counts and no violations are written explicitly": {
			status: prodreadyv1alpha1.PolicyStatus{ObservedGeneration: 3},
			want: `{"metadata":{"resourceVersion":"42"},"status":{"observedGeneration":3,` +
				`"summary":{"compliant":0,"exempted":0,"matched":0,"nonCompliant":0,"violations":0},"violations":null}}`,
		},
		"violations are listed": {
			status: prodreadyv1alpha1.PolicyStatus{
				Summary:    prodreadyv1alpha1.Summary{Matched: 1, NonCompliant: 1, Violations: 1},
				Violations: []prodreadyv1alpha1.Violation{{Namespace: "shop", Deployment: "web", Rule: "probes.readiness", Message: "m"}},
			},
			want: `{"metadata":{"resourceVersion":"42"},"status":{` +
				`"summary":{"compliant":0,"exempted":0,"matched":1,"nonCompliant":1,"violations":1},` +
				`"violations":[{"deployment":"web","message":"m","namespace":"shop","rule":"probes.readiness"}]}}`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := statusPatch("42", &tc.status)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Fatalf("patch\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}
