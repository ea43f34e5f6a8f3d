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
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
	"github.com/prodready/prodready/internal/readiness"
)

// outcome aggregates the evaluation of every Deployment a policy selects.
type outcome struct {
	summary prodreadyv1alpha1.Summary
	// violations are the first MaxStatusViolations violations in status
	// order (namespace, Deployment, rule, container, message), kept sorted
	// as they are added: memory stays bounded whatever the policy matches.
	violations []prodreadyv1alpha1.Violation
	// counts holds the true number of violations per namespace and rule,
	// for metrics.
	counts map[violationKey]int
	// nonCompliant maps each non-compliant Deployment to its violated rule IDs.
	nonCompliant map[types.NamespacedName][]string
	// compliant lists the compliant Deployments.
	compliant map[types.NamespacedName]struct{}
	// nextExpiry is when an exemption that waives a finding expires.
	nextExpiry time.Time
}

func newOutcome() *outcome {
	return &outcome{nonCompliant: map[types.NamespacedName][]string{}, compliant: map[types.NamespacedName]struct{}{}, counts: map[violationKey]int{}}
}

// add records one Deployment's result.
func (o *outcome) add(d types.NamespacedName, res *readiness.Result) {
	o.summary.Matched++
	if res.ExemptedCount > 0 {
		o.summary.Exempted++
	}
	if !res.NextExpiry.IsZero() && (o.nextExpiry.IsZero() || res.NextExpiry.Before(o.nextExpiry)) {
		o.nextExpiry = res.NextExpiry
	}
	if res.Compliant() {
		o.summary.Compliant++
		o.compliant[d] = struct{}{}
		return
	}
	o.summary.NonCompliant++
	o.summary.Violations += int32(res.ViolationCount)
	rules := make([]string, 0, len(res.Violations))
	for _, f := range res.Violations {
		o.keep(prodreadyv1alpha1.Violation{
			Namespace: d.Namespace, Deployment: d.Name, Rule: f.Rule, Container: f.Container, Message: truncateMessage(f.Message),
		})
		o.counts[violationKey{d.Namespace, f.Rule}]++
		if !slices.Contains(rules, f.Rule) {
			rules = append(rules, f.Rule)
		}
	}
	for rule, n := range res.Unlisted {
		o.counts[violationKey{d.Namespace, rule}] += n
		if !slices.Contains(rules, rule) {
			rules = append(rules, rule)
		}
	}
	slices.Sort(rules)
	o.nonCompliant[d] = rules
}

func compareViolations(a, b prodreadyv1alpha1.Violation) int {
	return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Deployment, b.Deployment),
		cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.Container, b.Container), cmp.Compare(a.Message, b.Message))
}

// keep inserts a violation into the sorted top MaxStatusViolations, dropping
// the last one when full: a bounded top-N rather than collect, sort and cut.
func (o *outcome) keep(v prodreadyv1alpha1.Violation) {
	n := prodreadyv1alpha1.MaxStatusViolations
	if len(o.violations) == n && compareViolations(v, o.violations[n-1]) >= 0 {
		return
	}
	i, _ := slices.BinarySearchFunc(o.violations, v, compareViolations)
	if len(o.violations) == n {
		o.violations = o.violations[:n-1]
	}
	o.violations = slices.Insert(o.violations, i, v)
}

// listedViolations returns the violations sorted by namespace, Deployment,
// rule, container and message, capped at MaxStatusViolations.
func listedViolations(vs []prodreadyv1alpha1.Violation) []prodreadyv1alpha1.Violation {
	slices.SortFunc(vs, compareViolations)
	if len(vs) > prodreadyv1alpha1.MaxStatusViolations {
		vs = vs[:prodreadyv1alpha1.MaxStatusViolations]
	}
	if len(vs) == 0 {
		return nil
	}
	return vs
}

// truncateMessage cuts a message to MaxViolationMessageLength bytes at a
// rune boundary. The engine's messages are bounded already (quoted values are
// cut); this keeps the status within its schema whatever a rule writes.
func truncateMessage(m string) string {
	const limit = prodreadyv1alpha1.MaxViolationMessageLength
	if len(m) <= limit {
		return m
	}
	cut := limit - len(truncatedSuffix)
	for cut > 0 && !utf8.RuneStart(m[cut]) {
		cut--
	}
	return m[:cut] + truncatedSuffix
}

const truncatedSuffix = " [truncated]"

// setEvaluatedStatus writes a successful evaluation into the status.
func setEvaluatedStatus(st *prodreadyv1alpha1.PolicyStatus, generation int64, o *outcome) {
	st.Summary = o.summary
	st.Violations = listedViolations(o.violations)
	meta.SetStatusCondition(&st.Conditions, metav1.Condition{
		Type: prodreadyv1alpha1.ConditionReady, Status: metav1.ConditionTrue, ObservedGeneration: generation,
		Reason: prodreadyv1alpha1.ReasonEvaluated, Message: "The policy is valid and evaluated",
	})
	setCompliantCondition(st, generation, o.summary)
	st.ObservedGeneration = generation
}

// setCompliantCondition sets the Compliant condition from the summary.
func setCompliantCondition(st *prodreadyv1alpha1.PolicyStatus, generation int64, s prodreadyv1alpha1.Summary) {
	c := metav1.Condition{Type: prodreadyv1alpha1.ConditionCompliant, ObservedGeneration: generation}
	switch {
	case s.Matched == 0:
		c.Status, c.Reason, c.Message = metav1.ConditionTrue, prodreadyv1alpha1.ReasonNoMatches, "The policy selects no Deployment"
	case s.NonCompliant == 0:
		c.Status, c.Reason = metav1.ConditionTrue, prodreadyv1alpha1.ReasonAllCompliant
		c.Message = fmt.Sprintf("All %d matched Deployment(s) comply", s.Matched)
	default:
		c.Status, c.Reason = metav1.ConditionFalse, prodreadyv1alpha1.ReasonViolationsFound
		c.Message = fmt.Sprintf("%d of %d matched Deployment(s) violate the policy (%d violation(s)); see status.violations",
			s.NonCompliant, s.Matched, s.Violations)
	}
	meta.SetStatusCondition(&st.Conditions, c)
}

// setInvalidSpecStatus records a spec the engine cannot compile. The last
// evaluation's summary and violations are kept, as they are still the last
// known truth; Compliant becomes Unknown.
func setInvalidSpecStatus(st *prodreadyv1alpha1.PolicyStatus, generation int64, err error) {
	msg := truncateMessage("The spec is invalid: " + err.Error())
	meta.SetStatusCondition(&st.Conditions, metav1.Condition{
		Type: prodreadyv1alpha1.ConditionReady, Status: metav1.ConditionFalse, ObservedGeneration: generation,
		Reason: prodreadyv1alpha1.ReasonInvalidSpec, Message: msg,
	})
	meta.SetStatusCondition(&st.Conditions, metav1.Condition{
		Type: prodreadyv1alpha1.ConditionCompliant, Status: metav1.ConditionUnknown, ObservedGeneration: generation,
		Reason: prodreadyv1alpha1.ReasonInvalidSpec, Message: "Not evaluated until the spec is fixed",
	})
	st.ObservedGeneration = generation
}

// violationNote is the Event text for a Deployment that became non-compliant.
func violationNote(policy string, rules []string) string {
	return fmt.Sprintf("Deployment violates %s: %s", policy, strings.Join(rules, ", "))
}

// enforcementOf returns a policy's enforcement, with the API default.
func enforcementOf(p prodreadyv1alpha1.Policy) prodreadyv1alpha1.Enforcement {
	if e := p.GetPolicySpec().Enforcement; e != "" {
		return e
	}
	return prodreadyv1alpha1.EnforcementAudit
}

// wasInvalid reports whether the status already records this generation as
// invalid, so the Warning Event is recorded once per invalid generation, not
// on every reconcile or after a leader change.
func wasInvalid(st *prodreadyv1alpha1.PolicyStatus, generation int64) bool {
	c := meta.FindStatusCondition(st.Conditions, prodreadyv1alpha1.ConditionReady)
	return c != nil && c.Reason == prodreadyv1alpha1.ReasonInvalidSpec && c.ObservedGeneration == generation
}

// maxEventNote keeps an Event's note under the API's 1 KiB limit.
const maxEventNote = 1000

// invalidNote is the Event text for a policy whose spec became invalid.
func invalidNote(enforcement prodreadyv1alpha1.Enforcement, err error) string {
	var note string
	switch enforcement {
	case prodreadyv1alpha1.EnforcementEnforce:
		note = "Policy stopped enforcing: its spec is invalid, so it denies nothing until fixed: " + err.Error()
	case prodreadyv1alpha1.EnforcementWarn:
		note = "Policy stopped warning: its spec is invalid, so it checks nothing until fixed: " + err.Error()
	default:
		note = "Policy stopped auditing: its spec is invalid, so it checks nothing until fixed: " + err.Error()
	}
	if len(note) > maxEventNote {
		note = strings.ToValidUTF8(note[:maxEventNote-3], "") + "..."
	}
	return note
}
