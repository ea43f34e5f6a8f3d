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
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Enforcement says what the admission webhook does with a violation.
// +kubebuilder:validation:Enum=Audit;Warn;Enforce
type Enforcement string

const (
	// EnforcementAudit reports violations in the policy's status and as
	// Events only; admission is never affected.
	EnforcementAudit Enforcement = "Audit"
	// EnforcementWarn admits the Deployment and returns one admission warning
	// per violation, which kubectl prints.
	EnforcementWarn Enforcement = "Warn"
	// EnforcementEnforce denies a create or update that introduces a violation.
	EnforcementEnforce Enforcement = "Enforce"
)

// Requirement says whether a probe must be present.
// +kubebuilder:validation:Enum=Required;Ignore
type Requirement string

const (
	// RequirementRequired means every container must define the probe.
	RequirementRequired Requirement = "Required"
	// RequirementIgnore means the probe is not checked.
	RequirementIgnore Requirement = "Ignore"
)

// ResourceName names a container resource that a rule checks.
// +kubebuilder:validation:Enum=cpu;memory;ephemeral-storage
type ResourceName string

// PolicySpec is the specification shared by ReadinessPolicy and
// ClusterReadinessPolicy. A Deployment must satisfy every policy that selects
// it (policies compose by AND), so a namespaced policy can tighten a cluster
// policy but never loosen it.
// +kubebuilder:validation:XValidation:rule="!has(self.selector) || !has(self.selector.matchExpressions) || self.selector.matchExpressions.all(e, e.operator in ['In', 'NotIn'] ? (has(e.values) && size(e.values) > 0) : (e.operator in ['Exists', 'DoesNotExist'] && (!has(e.values) || size(e.values) == 0)))",message="selector.matchExpressions: operator must be In or NotIn with at least one value, or Exists or DoesNotExist without values",fieldPath=".selector"
type PolicySpec struct {
	// selector picks the Deployments this policy applies to, by the
	// Deployment's own labels. An empty or absent selector selects every
	// Deployment in scope.
	// +optional
	Selector *metav1.LabelSelector `json:"selector,omitempty"`

	// enforcement says what admission does with violations: Audit (status and
	// Events only), Warn (admitted with warnings) or Enforce (denied).
	// +kubebuilder:default=Audit
	// +optional
	Enforcement Enforcement `json:"enforcement,omitempty"`

	// rules are the production-readiness checks. A rule that is absent is not
	// checked.
	// +optional
	Rules Rules `json:"rules,omitempty"`

	// exemptions waive rules for some Deployments or containers, each with a
	// reason and an optional expiry. Only those who may edit the policy may
	// add an exemption.
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=256
	// +optional
	Exemptions []Exemption `json:"exemptions,omitempty"`
}

// Rules groups the checks a policy makes.
type Rules struct {
	// probes requires readiness, liveness and startup probes on containers.
	// +optional
	Probes *ProbeRules `json:"probes,omitempty"`

	// resources requires resource requests and limits on containers.
	// +optional
	Resources *ResourceRules `json:"resources,omitempty"`

	// replicas sets a floor on the number of replicas.
	// +optional
	Replicas *ReplicaRules `json:"replicas,omitempty"`

	// podDisruptionBudget requires a PodDisruptionBudget that covers the pods
	// and still lets a node be drained.
	// +optional
	PodDisruptionBudget *PodDisruptionBudgetRules `json:"podDisruptionBudget,omitempty"`

	// metrics requires pod template annotations, such as the Prometheus
	// scrape annotations.
	// +optional
	Metrics *MetricsRules `json:"metrics,omitempty"`
}

// ProbeRules checks container probes. Rules apply to every container in
// spec.template.spec.containers and to native sidecars (init containers with
// restartPolicy: Always); other init containers are not checked.
type ProbeRules struct {
	// readiness: Required makes every container define a readinessProbe
	// (rule probes.readiness).
	// +kubebuilder:default=Ignore
	// +optional
	Readiness Requirement `json:"readiness,omitempty"`

	// liveness: Required makes every container define a livenessProbe
	// (rule probes.liveness).
	// +kubebuilder:default=Ignore
	// +optional
	Liveness Requirement `json:"liveness,omitempty"`

	// startup: Required makes every container define a startupProbe
	// (rule probes.startup).
	// +kubebuilder:default=Ignore
	// +optional
	Startup Requirement `json:"startup,omitempty"`

	// distinct flags a livenessProbe identical to the readinessProbe of the
	// same container: same handler and same timing and thresholds (rule
	// probes.distinct). Such a pair restarts a container whenever it is
	// merely not ready. A liveness probe that differs in any timing field,
	// such as a higher failureThreshold, passes.
	// +optional
	Distinct bool `json:"distinct,omitempty"`
}

// ResourceRules checks container resources.
type ResourceRules struct {
	// requests lists the resources every container must request
	// (rules resources.requests.<name>).
	// +listType=set
	// +optional
	Requests []ResourceName `json:"requests,omitempty"`

	// limits lists the resources every container must limit
	// (rules resources.limits.<name>).
	// +listType=set
	// +optional
	Limits []ResourceName `json:"limits,omitempty"`
}

// ReplicaRules checks the replica count.
type ReplicaRules struct {
	// minimum is the fewest replicas a Deployment may run (rule
	// replicas.minimum). When a HorizontalPodAutoscaler targets the
	// Deployment, its minReplicas counts instead of spec.replicas; an unset
	// spec.replicas counts as 1.
	// +kubebuilder:validation:Minimum=1
	// +required
	Minimum int32 `json:"minimum"`
}

// PodDisruptionBudgetRules checks the PodDisruptionBudgets (policy/v1) in the
// Deployment's namespace whose selector matches the pod template's labels.
type PodDisruptionBudgetRules struct {
	// required makes at least one matching PodDisruptionBudget mandatory
	// (rule pdb.required), whatever the replica count.
	// +optional
	Required bool `json:"required,omitempty"`

	// allowsDisruption flags a matching PodDisruptionBudget that can never
	// allow a voluntary eviction, so that a node drain blocks forever: a
	// maxUnavailable of 0 or 0%, or a minAvailable that is at least the
	// effective replica count (the HorizontalPodAutoscaler's minReplicas when
	// one targets the Deployment, else spec.replicas), such as 100%. More
	// than one matching PodDisruptionBudget is flagged too, since the
	// eviction API refuses to evict such pods (rule pdb.allowsDisruption).
	// +optional
	AllowsDisruption bool `json:"allowsDisruption,omitempty"`
}

// MetricsRules checks pod template annotations.
type MetricsRules struct {
	// annotations lists the annotations the pod template must carry
	// (rule metrics.annotation).
	// +listType=map
	// +listMapKey=key
	// +kubebuilder:validation:MaxItems=64
	// +optional
	Annotations []AnnotationRequirement `json:"annotations,omitempty"`
}

// AnnotationRequirement names one required pod template annotation.
type AnnotationRequirement struct {
	// key is the annotation key, for example prometheus.io/scrape.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=317
	// +required
	Key string `json:"key"`

	// value, when set, is a regular expression (RE2 syntax) that must match
	// the whole annotation value, for example "true" or "[0-9]+". When
	// absent, any value is accepted.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	Value string `json:"value,omitempty"`
}

// Exemption waives rules for some Deployments, optionally only for some of
// their containers.
// +kubebuilder:validation:XValidation:rule="has(self.deployments) != has(self.selector)",message="set exactly one of deployments or selector"
type Exemption struct {
	// deployments names the exempted Deployments.
	// +listType=set
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=256
	// +kubebuilder:validation:items:MaxLength=253
	// +optional
	Deployments []string `json:"deployments,omitempty"`

	// selector picks the exempted Deployments by their labels.
	// +optional
	Selector *metav1.LabelSelector `json:"selector,omitempty"`

	// rules lists the waived rule IDs (for example probes.liveness) or rule
	// ID prefixes (for example resources.limits or probes).
	// +listType=set
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:items:Pattern=`^(probes(\.(readiness|liveness|startup|distinct))?|resources(\.(requests|limits)(\.(cpu|memory|ephemeral-storage))?)?|replicas(\.minimum)?|pdb(\.(required|allowsDisruption))?|metrics(\.annotation)?)$`
	// +required
	Rules []string `json:"rules"`

	// containers, when set, limits the exemption to findings about these
	// containers; findings about the whole Deployment (replicas, pdb,
	// metrics) are then not waived.
	// +listType=set
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MaxLength=63
	// +optional
	Containers []string `json:"containers,omitempty"`

	// reason says why the exemption exists; it is required.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1024
	// +required
	Reason string `json:"reason"`

	// expires, when set, is the time (RFC 3339) after which the exemption no
	// longer applies; the status is re-evaluated then without any edit.
	// +optional
	Expires *metav1.Time `json:"expires,omitempty"`
}

// Condition types and reasons of a policy's status.
const (
	// ConditionReady is True when the spec is valid and the policy is being
	// evaluated.
	ConditionReady = "Ready"
	// ConditionCompliant is True when every matched Deployment passes.
	ConditionCompliant = "Compliant"

	// ReasonEvaluated (Ready=True): the spec is valid and was evaluated.
	ReasonEvaluated = "Evaluated"
	// ReasonInvalidSpec (Ready=False, Compliant=Unknown): the spec has an
	// error the schema could not catch; the message names the field.
	ReasonInvalidSpec = "InvalidSpec"
	// ReasonAllCompliant (Compliant=True): every matched Deployment passes.
	ReasonAllCompliant = "AllCompliant"
	// ReasonViolationsFound (Compliant=False): at least one matched
	// Deployment violates a rule.
	ReasonViolationsFound = "ViolationsFound"
	// ReasonNoMatches (Compliant=True): the policy selects no Deployment.
	ReasonNoMatches = "NoMatches"
)

// MaxStatusViolations caps status.violations so the status never grows
// unbounded in etcd; status.summary.violations holds the true total.
const MaxStatusViolations = 50

// PolicyStatus is the observed state shared by both policy kinds.
type PolicyStatus struct {
	// observedGeneration is the generation of the spec last evaluated.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// conditions: Ready (spec valid, evaluation running) and Compliant (every
	// matched Deployment passes).
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// summary counts the matched Deployments by outcome.
	// +optional
	Summary Summary `json:"summary,omitempty"`

	// violations lists up to 50 violations, sorted by namespace, Deployment,
	// rule, container and message; summary.violations is the true total.
	// +listType=atomic
	// +optional
	Violations []Violation `json:"violations,omitempty"`
}

// Summary counts the outcome of the last evaluation.
type Summary struct {
	// matched is the number of Deployments the policy selects.
	// +optional
	Matched int32 `json:"matched"`
	// compliant is the number of matched Deployments with no violation left
	// after exemptions.
	// +optional
	Compliant int32 `json:"compliant"`
	// nonCompliant is the number of matched Deployments with at least one
	// violation.
	// +optional
	NonCompliant int32 `json:"nonCompliant"`
	// exempted is the number of matched Deployments that had at least one
	// finding waived by an exemption.
	// +optional
	Exempted int32 `json:"exempted"`
	// violations is the total number of violations, of which at most 50 are
	// listed in status.violations.
	// +optional
	Violations int32 `json:"violations"`
}

// Violation is one rule that one Deployment (or one of its containers) fails.
type Violation struct {
	// namespace of the Deployment.
	Namespace string `json:"namespace"`
	// deployment is the Deployment's name.
	Deployment string `json:"deployment"`
	// rule is the stable rule ID, for example probes.readiness.
	Rule string `json:"rule"`
	// container is the container's name; empty for rules about the whole
	// Deployment.
	// +optional
	Container string `json:"container,omitempty"`
	// message says what is wrong and how to fix it.
	Message string `json:"message"`
}
