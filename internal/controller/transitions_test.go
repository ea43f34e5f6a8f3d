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
	"cmp"
	"reflect"
	"slices"
	"testing"

	"k8s.io/apimachinery/pkg/types"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
	"github.com/prodready/prodready/internal/gather"
	"github.com/prodready/prodready/internal/readiness"
)

// These are plain unit tests of the Event transition tracker; they need no
// API server and do not belong to the Ginkgo envtest suite (TestControllers).

var (
	trKey        = gather.PolicyKey{NamespacedName: types.NamespacedName{Namespace: "team-a", Name: "baseline"}}
	trClusterKey = gather.PolicyKey{Cluster: true, NamespacedName: types.NamespacedName{Name: "baseline"}}

	depA = nn("team-a", "a")
	depB = nn("team-a", "b")
	depC = nn("team-a", "c")
	depD = nn("team-b", "d")

	rulesReadiness = []string{readiness.RuleProbesReadiness}
	rulesTwo       = []string{readiness.RuleProbesLiveness, readiness.RuleReplicasMinimum}
)

// evalStep is one evaluation fed to the tracker.
type evalStep struct {
	// forgetFirst calls forget on the step's key before the update.
	forgetFirst bool
	// key defaults to trKey.
	key gather.PolicyKey
	// status is the policy's status before the evaluation; nil means empty.
	status       *prodreadyv1alpha1.PolicyStatus
	nonCompliant map[types.NamespacedName][]string
	compliant    []types.NamespacedName

	want []change
	// wantTracked is the set of Deployments remembered as non-compliant
	// after the update.
	wantTracked []types.NamespacedName
}

// listedStatus builds a status as the controller writes it: total is
// summary.violations, listed are the Deployments in status.violations (one
// violation per rule).
func listedStatus(total int32, listed map[types.NamespacedName][]string) *prodreadyv1alpha1.PolicyStatus {
	st := &prodreadyv1alpha1.PolicyStatus{Summary: prodreadyv1alpha1.Summary{Violations: total}}
	for d, rules := range listed {
		for _, r := range rules {
			st.Violations = append(st.Violations, prodreadyv1alpha1.Violation{Namespace: d.Namespace, Deployment: d.Name, Rule: r, Message: "m"})
		}
	}
	st.Summary.NonCompliant = int32(len(listed))
	st.Summary.Matched = st.Summary.NonCompliant
	st.Violations = listedViolations(st.Violations)
	return st
}

func trOutcome(nonCompliant map[types.NamespacedName][]string, compliant []types.NamespacedName) *outcome {
	o := newOutcome()
	for d, rules := range nonCompliant {
		o.nonCompliant[d] = rules
	}
	for _, d := range compliant {
		o.compliant[d] = struct{}{}
	}
	return o
}

func sortedChanges(cs []change) []change {
	cs = slices.Clone(cs)
	slices.SortFunc(cs, func(a, b change) int {
		return cmp.Or(cmp.Compare(a.deployment.Namespace, b.deployment.Namespace), cmp.Compare(a.deployment.Name, b.deployment.Name))
	})
	return cs
}

func violated(d types.NamespacedName, rules []string) change {
	return change{deployment: d, rules: rules}
}
func recovered(d types.NamespacedName) change { return change{deployment: d} }

func TestTransitions(t *testing.T) {
	tests := map[string]struct {
		steps []evalStep
	}{
		"new policy with nothing matched emits nothing": {
			steps: []evalStep{{}},
		},
		"new policy emits a violation per non-compliant Deployment and nothing for compliant ones": {
			steps: []evalStep{{
				nonCompliant: map[types.NamespacedName][]string{depA: rulesReadiness, depB: rulesTwo},
				compliant:    []types.NamespacedName{depC},
				want:         []change{violated(depA, rulesReadiness), violated(depB, rulesTwo)},
				wantTracked:  []types.NamespacedName{depA, depB},
			}},
		},
		"an identical second evaluation emits nothing": {
			steps: []evalStep{
				{
					nonCompliant: map[types.NamespacedName][]string{depA: rulesReadiness, depB: rulesTwo},
					compliant:    []types.NamespacedName{depC},
					want:         []change{violated(depA, rulesReadiness), violated(depB, rulesTwo)},
					wantTracked:  []types.NamespacedName{depA, depB},
				},
				{
					status:       listedStatus(3, map[types.NamespacedName][]string{depA: rulesReadiness, depB: rulesTwo}),
					nonCompliant: map[types.NamespacedName][]string{depA: rulesReadiness, depB: rulesTwo},
					compliant:    []types.NamespacedName{depC},
					wantTracked:  []types.NamespacedName{depA, depB},
				},
			},
		},
		"a still non-compliant Deployment whose rules change emits nothing": {
			steps: []evalStep{
				{
					nonCompliant: map[types.NamespacedName][]string{depA: rulesReadiness},
					want:         []change{violated(depA, rulesReadiness)},
					wantTracked:  []types.NamespacedName{depA},
				},
				{
					nonCompliant: map[types.NamespacedName][]string{depA: rulesTwo},
					wantTracked:  []types.NamespacedName{depA},
				},
			},
		},
		"non-compliant to compliant emits a recovery without rules": {
			steps: []evalStep{
				{
					nonCompliant: map[types.NamespacedName][]string{depA: rulesReadiness, depB: rulesTwo},
					want:         []change{violated(depA, rulesReadiness), violated(depB, rulesTwo)},
					wantTracked:  []types.NamespacedName{depA, depB},
				},
				{
					nonCompliant: map[types.NamespacedName][]string{depB: rulesTwo},
					compliant:    []types.NamespacedName{depA},
					want:         []change{recovered(depA)},
					wantTracked:  []types.NamespacedName{depB},
				},
				{
					nonCompliant: map[types.NamespacedName][]string{depB: rulesTwo},
					compliant:    []types.NamespacedName{depA},
					wantTracked:  []types.NamespacedName{depB},
				},
			},
		},
		"compliant to non-compliant emits a violation": {
			steps: []evalStep{
				{compliant: []types.NamespacedName{depA}},
				{
					nonCompliant: map[types.NamespacedName][]string{depA: rulesTwo},
					want:         []change{violated(depA, rulesTwo)},
					wantTracked:  []types.NamespacedName{depA},
				},
			},
		},
		"a Deployment that disappears emits nothing and is forgotten": {
			steps: []evalStep{
				{
					nonCompliant: map[types.NamespacedName][]string{depA: rulesReadiness, depB: rulesTwo},
					want:         []change{violated(depA, rulesReadiness), violated(depB, rulesTwo)},
					wantTracked:  []types.NamespacedName{depA, depB},
				},
				{
					nonCompliant: map[types.NamespacedName][]string{depB: rulesTwo},
					wantTracked:  []types.NamespacedName{depB},
				},
				{
					// It comes back non-compliant: that is news again.
					nonCompliant: map[types.NamespacedName][]string{depA: rulesReadiness, depB: rulesTwo},
					want:         []change{violated(depA, rulesReadiness)},
					wantTracked:  []types.NamespacedName{depA, depB},
				},
			},
		},
		"after a restart a listed Deployment still non-compliant emits nothing": {
			steps: []evalStep{{
				status:       listedStatus(3, map[types.NamespacedName][]string{depA: rulesReadiness, depB: rulesTwo}),
				nonCompliant: map[types.NamespacedName][]string{depA: rulesReadiness, depB: rulesTwo},
				compliant:    []types.NamespacedName{depC},
				wantTracked:  []types.NamespacedName{depA, depB},
			}},
		},
		"after a restart a listed Deployment that now complies emits a recovery": {
			steps: []evalStep{{
				status:       listedStatus(3, map[types.NamespacedName][]string{depA: rulesReadiness, depB: rulesTwo}),
				nonCompliant: map[types.NamespacedName][]string{depB: rulesTwo},
				compliant:    []types.NamespacedName{depA, depC},
				want:         []change{recovered(depA)},
				wantTracked:  []types.NamespacedName{depB},
			}},
		},
		"after a restart a listed Deployment that is gone emits nothing": {
			steps: []evalStep{{
				status:      listedStatus(1, map[types.NamespacedName][]string{depA: rulesReadiness}),
				compliant:   []types.NamespacedName{depC},
				wantTracked: nil,
			}},
		},
		"after a restart with a complete list a newly failing Deployment emits a violation": {
			steps: []evalStep{{
				status:       listedStatus(1, map[types.NamespacedName][]string{depA: rulesReadiness}),
				nonCompliant: map[types.NamespacedName][]string{depA: rulesReadiness, depD: rulesTwo},
				want:         []change{violated(depD, rulesTwo)},
				wantTracked:  []types.NamespacedName{depA, depD},
			}},
		},
		"a capped seed suppresses violations of unlisted Deployments on the first evaluation only": {
			steps: []evalStep{
				{
					// 7 violations in total, one listed: the others' state is
					// unknown.
					status:       listedStatus(7, map[types.NamespacedName][]string{depA: rulesReadiness}),
					nonCompliant: map[types.NamespacedName][]string{depA: rulesReadiness, depB: rulesTwo, depD: rulesReadiness},
					compliant:    []types.NamespacedName{depC},
					wantTracked:  []types.NamespacedName{depA, depB, depD},
				},
				{
					nonCompliant: map[types.NamespacedName][]string{depA: rulesReadiness, depB: rulesTwo, depC: rulesTwo, depD: rulesReadiness},
					want:         []change{violated(depC, rulesTwo)},
					wantTracked:  []types.NamespacedName{depA, depB, depC, depD},
				},
				{
					// A Deployment first seen during the capped evaluation
					// recovers like any other.
					nonCompliant: map[types.NamespacedName][]string{depA: rulesReadiness, depC: rulesTwo, depD: rulesReadiness},
					compliant:    []types.NamespacedName{depB},
					want:         []change{recovered(depB)},
					wantTracked:  []types.NamespacedName{depA, depC, depD},
				},
			},
		},
		"a capped seed still emits a recovery for a listed Deployment": {
			steps: []evalStep{{
				status:       listedStatus(12, map[types.NamespacedName][]string{depA: rulesReadiness}),
				nonCompliant: map[types.NamespacedName][]string{depB: rulesTwo},
				compliant:    []types.NamespacedName{depA},
				want:         []change{recovered(depA)},
				wantTracked:  []types.NamespacedName{depB},
			}},
		},
		"the status is read only to seed a policy not yet tracked": {
			steps: []evalStep{
				{
					compliant: []types.NamespacedName{depA},
				},
				{
					// A listed (and capped) status on a tracked policy
					// neither seeds nor suppresses anything.
					status:       listedStatus(9, map[types.NamespacedName][]string{depA: rulesReadiness}),
					nonCompliant: map[types.NamespacedName][]string{depA: rulesReadiness, depB: rulesTwo},
					want:         []change{violated(depA, rulesReadiness), violated(depB, rulesTwo)},
					wantTracked:  []types.NamespacedName{depA, depB},
				},
			},
		},
		"forget resets the state": {
			steps: []evalStep{
				{
					nonCompliant: map[types.NamespacedName][]string{depA: rulesReadiness},
					want:         []change{violated(depA, rulesReadiness)},
					wantTracked:  []types.NamespacedName{depA},
				},
				{
					// Re-created with the same name: an empty status, so
					// everything is news again.
					forgetFirst:  true,
					nonCompliant: map[types.NamespacedName][]string{depA: rulesReadiness},
					want:         []change{violated(depA, rulesReadiness)},
					wantTracked:  []types.NamespacedName{depA},
				},
				{
					// Forgotten again, then seeded from a status.
					forgetFirst:  true,
					status:       listedStatus(1, map[types.NamespacedName][]string{depA: rulesReadiness}),
					nonCompliant: map[types.NamespacedName][]string{depA: rulesReadiness},
					wantTracked:  []types.NamespacedName{depA},
				},
			},
		},
		"forget after a Deployment recovered does not bring back its old state": {
			steps: []evalStep{
				{
					nonCompliant: map[types.NamespacedName][]string{depA: rulesReadiness},
					want:         []change{violated(depA, rulesReadiness)},
					wantTracked:  []types.NamespacedName{depA},
				},
				{
					forgetFirst: true,
					compliant:   []types.NamespacedName{depA},
					wantTracked: nil,
				},
			},
		},
		"policies are tracked independently": {
			steps: []evalStep{
				{
					nonCompliant: map[types.NamespacedName][]string{depA: rulesReadiness},
					want:         []change{violated(depA, rulesReadiness)},
					wantTracked:  []types.NamespacedName{depA},
				},
				{
					key:          trClusterKey,
					nonCompliant: map[types.NamespacedName][]string{depA: rulesReadiness, depD: rulesTwo},
					want:         []change{violated(depA, rulesReadiness), violated(depD, rulesTwo)},
					wantTracked:  []types.NamespacedName{depA, depD},
				},
				{
					// Forgetting one policy leaves the other alone.
					forgetFirst:  true,
					key:          trClusterKey,
					nonCompliant: map[types.NamespacedName][]string{depD: rulesTwo},
					want:         []change{violated(depD, rulesTwo)},
					wantTracked:  []types.NamespacedName{depD},
				},
				{
					nonCompliant: map[types.NamespacedName][]string{depA: rulesReadiness},
					wantTracked:  []types.NamespacedName{depA},
				},
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			tr := newTransitions()
			for i, s := range tc.steps {
				key := s.key
				if key == (gather.PolicyKey{}) {
					key = trKey
				}
				if s.forgetFirst {
					tr.forget(key)
					if _, ok := tr.state[key]; ok {
						t.Fatalf("step %d: %s still tracked after forget", i, key)
					}
				}
				status := s.status
				if status == nil {
					status = &prodreadyv1alpha1.PolicyStatus{}
				}
				got := sortedChanges(tr.update(key, status, trOutcome(s.nonCompliant, s.compliant)))
				want := sortedChanges(s.want)
				if len(got) != 0 || len(want) != 0 {
					if !reflect.DeepEqual(got, want) {
						t.Errorf("step %d: changes = %+v, want %+v", i, got, want)
					}
				}
				for _, c := range got {
					if c.rules != nil && len(c.rules) == 0 {
						t.Errorf("step %d: violation change for %s has empty, non-nil rules", i, c.deployment)
					}
				}

				pt := tr.state[key]
				if pt == nil {
					t.Fatalf("step %d: %s not tracked after update", i, key)
				}
				if pt.partial {
					t.Errorf("step %d: still partial after an evaluation", i)
				}
				wantTracked := map[types.NamespacedName]struct{}{}
				for _, d := range s.wantTracked {
					wantTracked[d] = struct{}{}
				}
				if !reflect.DeepEqual(pt.nonCompliant, wantTracked) {
					t.Errorf("step %d: tracked = %v, want %v", i, pt.nonCompliant, wantTracked)
				}
			}
		})
	}
}

func TestTransitionsSeed(t *testing.T) {
	tests := map[string]struct {
		status      *prodreadyv1alpha1.PolicyStatus
		wantTracked []types.NamespacedName
		wantPartial bool
	}{
		"empty status": {
			status: &prodreadyv1alpha1.PolicyStatus{},
		},
		"complete list": {
			status:      listedStatus(3, map[types.NamespacedName][]string{depA: rulesReadiness, depB: rulesTwo}),
			wantTracked: []types.NamespacedName{depA, depB},
		},
		"capped list": {
			status:      listedStatus(4, map[types.NamespacedName][]string{depA: rulesReadiness, depB: rulesTwo}),
			wantTracked: []types.NamespacedName{depA, depB},
			wantPartial: true,
		},
		"total but no list": {
			status:      &prodreadyv1alpha1.PolicyStatus{Summary: prodreadyv1alpha1.Summary{Matched: 2, NonCompliant: 2, Violations: 5}},
			wantPartial: true,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			pt := seed(tc.status)
			want := map[types.NamespacedName]struct{}{}
			for _, d := range tc.wantTracked {
				want[d] = struct{}{}
			}
			if !reflect.DeepEqual(pt.nonCompliant, want) {
				t.Errorf("tracked = %v, want %v", pt.nonCompliant, want)
			}
			if pt.partial != tc.wantPartial {
				t.Errorf("partial = %v, want %v", pt.partial, tc.wantPartial)
			}
		})
	}
}
