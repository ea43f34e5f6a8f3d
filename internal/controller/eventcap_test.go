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
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
	"github.com/prodready/prodready/internal/testutil"
)

// TestTransitionEventsCapped: one evaluation that sees many Deployments
// change compliance records at most maxTransitionEvents Events on them, the
// first in namespace and name order, and one Event on the policy that counts
// the rest.
func TestTransitionEventsCapped(t *testing.T) {
	for name, tc := range map[string]struct {
		violating, compliant int
		wantOnDeployments    int
		wantSummary          string // "" when no summary Event is expected
		wantSummaryType      string
	}{
		"under the cap":         {violating: 10, compliant: 0, wantOnDeployments: 10},
		"exactly the cap":       {violating: maxTransitionEvents, wantOnDeployments: maxTransitionEvents},
		"new policy, many fail": {violating: 3 * maxTransitionEvents, wantOnDeployments: maxTransitionEvents, wantSummary: fmt.Sprintf("%d more Deployment(s) became non-compliant and 0 compliant", 2*maxTransitionEvents), wantSummaryType: corev1.EventTypeWarning},
		"many recover at once":  {compliant: maxTransitionEvents + 7, wantOnDeployments: maxTransitionEvents, wantSummary: "0 more Deployment(s) became non-compliant and 7 compliant", wantSummaryType: corev1.EventTypeNormal},
		"mixed past the cap":    {violating: maxTransitionEvents, compliant: 5, wantOnDeployments: maxTransitionEvents, wantSummary: "0 more Deployment(s) became non-compliant and 5 compliant", wantSummaryType: corev1.EventTypeNormal},
	} {
		t.Run(name, func(t *testing.T) {
			rec := &testutil.CountingRecorder{}
			r := &PolicyReconciler{Recorder: rec, transitions: newTransitions()}
			policy := &prodreadyv1alpha1.ReadinessPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "baseline"}}
			deployments := map[types.NamespacedName]*appsv1.Deployment{}
			name := func(i int) types.NamespacedName { return nn("team-a", fmt.Sprintf("d%05d", i)) }
			for i := range tc.violating + tc.compliant {
				n := name(i)
				deployments[n] = &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: n.Namespace, Name: n.Name}}
			}
			// The Deployments to recover were non-compliant before.
			var wasFailing map[types.NamespacedName][]string
			if tc.compliant > 0 {
				wasFailing = map[types.NamespacedName][]string{}
				for i := tc.violating; i < tc.violating+tc.compliant; i++ {
					wasFailing[name(i)] = rulesReadiness
				}
				r.transitions.update(trKey, &prodreadyv1alpha1.PolicyStatus{}, trOutcome(wasFailing, nil))
			}
			now := map[types.NamespacedName][]string{}
			var compliant []types.NamespacedName
			for i := range tc.violating {
				now[name(i)] = rulesReadiness
			}
			for n := range wasFailing {
				compliant = append(compliant, n)
			}
			r.recordTransitions(trKey, policy, &prodreadyv1alpha1.PolicyStatus{}, trOutcome(now, compliant), deployments)

			onDeployments := 0
			for _, e := range rec.CallsIn("team-a") {
				if e.Reason == ReasonPolicyViolation || e.Reason == ReasonPolicyCompliant {
					onDeployments++
				}
			}
			if onDeployments != tc.wantOnDeployments {
				t.Errorf("%d Events on Deployments, want %d", onDeployments, tc.wantOnDeployments)
			}
			if tc.violating > 0 && len(rec.Calls("team-a", name(0).Name, ReasonPolicyViolation)) != 1 {
				t.Error("the first Deployment in name order got no PolicyViolation Event")
			}
			summary := rec.Calls("team-a", "baseline", ReasonTransitionsSummarized)
			switch {
			case tc.wantSummary == "" && len(summary) != 0:
				t.Errorf("unexpected summary Event: %+v", summary)
			case tc.wantSummary != "" && (len(summary) != 1 || !strings.Contains(summary[0].Note, tc.wantSummary) || summary[0].Type != tc.wantSummaryType):
				t.Errorf("summary Events %+v, want one %s Event saying %q", summary, tc.wantSummaryType, tc.wantSummary)
			}
		})
	}
}
