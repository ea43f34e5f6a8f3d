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
	"slices"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// Check is one (rule, container) pair a policy checks on a Deployment,
// whether it passes or not: the unit a report has one result for. Container
// is empty for rules about the whole Deployment.
type Check struct {
	Rule      string
	Container string
}

// Checks returns every (rule, container) pair the policy checks on the
// Deployment, in the order the rules run: per-container rules once for every
// regular container and native sidecar, Deployment-wide rules once. Every
// finding Evaluate returns has its (Rule, Container) among them, so a caller
// can report the pairs without a finding as passed.
func (p *Policy) Checks(d *appsv1.Deployment) []Check {
	if d == nil {
		return nil
	}
	var out []Check
	perContainer := func(rule string) {
		e := &evaluation{d: d}
		e.forEachContainer(func(w workloadContainer) {
			out = append(out, Check{Rule: rule, Container: w.c.Name})
		})
	}
	if p.readiness {
		perContainer(RuleProbesReadiness)
	}
	if p.liveness {
		perContainer(RuleProbesLiveness)
	}
	if p.startup {
		perContainer(RuleProbesStartup)
	}
	if p.distinct {
		perContainer(RuleProbesDistinct)
	}
	for _, r := range p.requests {
		perContainer(RuleResourcesRequestPrefix + string(r))
	}
	for _, r := range p.limits {
		perContainer(RuleResourcesLimitPrefix + string(r))
	}
	if p.minReplicas > 0 {
		out = append(out, Check{Rule: RuleReplicasMinimum})
	}
	if p.pdbRequired {
		out = append(out, Check{Rule: RulePDBRequired})
	}
	if p.pdbAllowsDisruption {
		out = append(out, Check{Rule: RulePDBAllowsDisruption})
	}
	if len(p.annotations) > 0 {
		out = append(out, Check{Rule: RuleMetricsAnnotation})
	}
	o := &p.ops
	if o.rollout {
		out = append(out, Check{Rule: RuleRolloutMaxUnavailable}, Check{Rule: RuleRolloutRevisionHistory})
	}
	if o.spreadNodes != "" {
		out = append(out, Check{Rule: RuleSpreadNodes})
	}
	if o.spreadZones != "" {
		out = append(out, Check{Rule: RuleSpreadZones})
	}
	if o.minShutdownSeconds > 0 {
		perContainer(RuleShutdownGracePeriod)
	}
	if o.preStopRequired {
		perContainer(RuleShutdownPreStop)
	}
	if o.imagesPinned {
		// Every container, plain init containers too, as the rule checks.
		spec := &d.Spec.Template.Spec
		for _, cs := range [][]corev1.Container{spec.InitContainers, spec.Containers} {
			for i := range cs {
				out = append(out, Check{Rule: RuleImagePinned, Container: cs[i].Name})
			}
		}
	}
	if o.priority {
		out = append(out, Check{Rule: RulePriorityClass})
	}
	return out
}

// Waiver says which exemption waived a finding.
type Waiver struct {
	// Reason is the exemption's reason, as written in the policy.
	Reason string
	// Expires is when the exemption stops applying; zero when never.
	Expires time.Time
}

// WaiverFor returns the exemption that waives finding f of Deployment d at
// time now, as Evaluate decided it (the first active exemption in policy
// order that covers the finding), and false when none does.
func (p *Policy) WaiverFor(d *appsv1.Deployment, f *Finding, now time.Time) (Waiver, bool) {
	if d == nil || f == nil {
		return Waiver{}, false
	}
	ex := coveringExemption(p.exemptionsFor(d, now), f)
	if ex == nil {
		return Waiver{}, false
	}
	return Waiver{Reason: ex.reason, Expires: ex.expires}, true
}

// RuleIDs returns every rule ID the engine knows, so that adapters can keep
// per-rule data (such as a report's category and severity) complete.
func RuleIDs() []string { return slices.Clone(knownRuleIDs) }
