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
}

// Result is the outcome of evaluating one Deployment against one policy.
type Result struct {
	// Violations are the findings no exemption waives.
	Violations []Finding
	// Exempted are the findings an active exemption waives.
	Exempted []Finding
	// NextExpiry is the earliest expiry of an exemption that waived a
	// finding; the outcome changes then without any edit. Zero when none.
	NextExpiry time.Time
}

// Compliant reports whether no violation is left after exemptions.
func (r *Result) Compliant() bool { return len(r.Violations) == 0 }

// Evaluate checks a Deployment against the policy's rules at time now (which
// decides whether exemptions have expired). It never modifies the input.
func (p *Policy) Evaluate(in Input, now time.Time) Result {
	var res Result
	if in.Deployment == nil {
		return res
	}
	e := newEvaluation(p, &in)
	for _, rule := range p.checks {
		rule(e)
	}
	if len(e.findings) == 0 {
		return res
	}
	active := p.exemptionsFor(in.Deployment, now)
	for _, f := range e.findings {
		ex := coveringExemption(active, &f)
		if ex == nil {
			res.Violations = append(res.Violations, f)
			continue
		}
		res.Exempted = append(res.Exempted, f)
		if !ex.expires.IsZero() && (res.NextExpiry.IsZero() || ex.expires.Before(res.NextExpiry)) {
			res.NextExpiry = ex.expires
		}
	}
	return res
}

// SortFindings orders findings by rule, container and message, so that
// output is stable whatever order the rules ran in.
func SortFindings(fs []Finding) {
	slices.SortFunc(fs, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.Container, b.Container), cmp.Compare(a.Message, b.Message))
	})
}
