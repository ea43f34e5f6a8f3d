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

// Package readiness is prodready's rule engine: a pure function from a
// compiled policy and the objects it needs (a Deployment plus the
// PodDisruptionBudgets, HorizontalPodAutoscalers and Services of its
// namespace, the Nodes' labels and the PriorityClasses) to a list of
// findings. It makes no API calls; the controller and the admission
// webhook gather the input from their caches and call the same code, so audit
// and admission can never disagree.
package readiness

import (
	"cmp"
	"slices"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Stable rule IDs. They appear in status, Events, admission messages and
// exemptions, and never change meaning.
const (
	RuleProbesReadiness        = "probes.readiness"
	RuleProbesLiveness         = "probes.liveness"
	RuleProbesStartup          = "probes.startup"
	RuleProbesDistinct         = "probes.distinct"
	RuleResourcesRequestPrefix = "resources.requests."
	RuleResourcesLimitPrefix   = "resources.limits."
	RuleReplicasMinimum        = "replicas.minimum"
	RulePDBRequired            = "pdb.required"
	RulePDBAllowsDisruption    = "pdb.allowsDisruption"
	RuleMetricsAnnotation      = "metrics.annotation"
)

// Input is everything one evaluation reads. PodDisruptionBudgets,
// HorizontalPodAutoscalers and Services are those of the Deployment's
// namespace (others are ignored); Nodes and PriorityClasses are the
// cluster's. A caller fills only what the policy uses (UsesClusterObjects,
// UsesServices, UsesNodes, UsesPriorityClasses).
type Input struct {
	Deployment               *appsv1.Deployment
	PodDisruptionBudgets     []policyv1.PodDisruptionBudget
	HorizontalPodAutoscalers []autoscalingv2.HorizontalPodAutoscaler
	Services                 []corev1.Service
	// Nodes carry metadata only: rule spread.zones reads their labels.
	Nodes           []metav1.PartialObjectMetadata
	PriorityClasses []schedulingv1.PriorityClass
}

// Finding is one rule that a Deployment, or one of its containers, fails.
type Finding struct {
	// Rule is the stable rule ID, e.g. probes.readiness or
	// resources.limits.memory.
	Rule string
	// Container is the container's name, empty for Deployment-wide rules.
	Container string
	// Path is the field path the finding is about, e.g.
	// spec.template.spec.containers[0].readinessProbe.
	Path string
	// Message says what is wrong and how to fix it.
	Message string
	// Observed holds up to MaxObserved values the rule saw, such as the
	// replica count or the image; reports show them as result properties.
	// Unused entries are zero. Values a tenant writes are cut to
	// MaxQuotedValue bytes, like the message quotes them.
	Observed [MaxObserved]Observation
}

// MaxObserved is how many observed values one finding carries.
const MaxObserved = 2

// Observation is one value a rule saw, under a stable name that reports use
// as a property key: missing (the probe, resource field or annotation key
// that is absent), value, sameAs, replicas, minReplicas,
// horizontalPodAutoscaler, podDisruptionBudget, podDisruptionBudgets,
// reason, annotation, strategy, maxUnavailable, revisionHistoryLimit,
// topologyKey, terminationGracePeriodSeconds, preStopSleepSeconds, service,
// image, priorityClassName, priority.
type Observation struct {
	Name, Value string
}

// MaxFindingsPerDeployment caps the violations (and, separately, the
// exempted findings) a Result lists for one Deployment and one policy. A
// Deployment is tenant input: one with thousands of containers would
// otherwise build thousands of findings per rule. Result.ViolationCount and
// Result.ExemptedCount hold the true totals.
const MaxFindingsPerDeployment = 50

// Result is the outcome of evaluating one Deployment against one policy.
type Result struct {
	// Violations are the findings no exemption waives, at most
	// MaxFindingsPerDeployment of them, in the order the rules found them.
	Violations []Finding
	// Exempted are the findings an active exemption waives, at most
	// MaxFindingsPerDeployment of them.
	Exempted []Finding
	// ViolationCount and ExemptedCount are the true totals, of which
	// Violations and Exempted list the first.
	ViolationCount, ExemptedCount int
	// Unlisted counts, by rule ID, the violations past the cap that
	// Violations does not list; nil when none.
	Unlisted map[string]int
	// NextExpiry is the earliest expiry of an exemption that waived a
	// finding; the outcome changes then without any edit. Zero when none.
	NextExpiry time.Time
}

// Compliant reports whether no violation is left after exemptions.
func (r *Result) Compliant() bool { return r.ViolationCount == 0 }

// Truncated reports whether the Result lists fewer violations than it counts.
func (r *Result) Truncated() bool { return r.ViolationCount > len(r.Violations) }

// Evaluate checks a Deployment against the policy's rules at time now (which
// decides whether exemptions have expired). It never modifies the input.
// Exemptions are applied as each finding is made, so that the cap on listed
// findings never hides a violation behind waived ones.
func (p *Policy) Evaluate(in Input, now time.Time) Result {
	if in.Deployment == nil {
		return Result{}
	}
	e := newEvaluation(p, &in)
	e.active = p.exemptionsFor(in.Deployment, now)
	for _, rule := range p.checks {
		rule(e)
	}
	return e.res
}

// SortFindings orders findings by rule, container and message, so that
// output is stable whatever order the rules ran in.
func SortFindings(fs []Finding) {
	slices.SortFunc(fs, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.Container, b.Container), cmp.Compare(a.Message, b.Message))
	})
}
