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
	"k8s.io/apimachinery/pkg/util/intstr"
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

// SpreadRequirement says how strictly replicas must be spread over a
// topology domain.
// +kubebuilder:validation:Enum=Preferred;Required
type SpreadRequirement string

const (
	// SpreadPreferred accepts a preferred (soft) pod anti-affinity term or a
	// topologySpreadConstraint with whenUnsatisfiable: ScheduleAnyway, as
	// well as the required kinds.
	SpreadPreferred SpreadRequirement = "Preferred"
	// SpreadRequired accepts only requiredDuringSchedulingIgnoredDuringExecution
	// pod anti-affinity or a topologySpreadConstraint with
	// whenUnsatisfiable: DoNotSchedule.
	SpreadRequired SpreadRequirement = "Required"
)

// ResourceName names a container resource that a rule checks.
// +kubebuilder:validation:Enum=cpu;memory;ephemeral-storage
type ResourceName string

// PolicySpec is the specification shared by ReadinessPolicy and
// ClusterReadinessPolicy. A Deployment must satisfy every policy that selects
// it (policies compose by AND), so a namespaced policy can tighten a cluster
// policy but never loosen it.
type PolicySpec struct {
	// selector picks the Deployments this policy applies to, by the
	// Deployment's own labels. An empty or absent selector selects every
	// Deployment in scope.
	// +optional
	Selector *LabelSelector `json:"selector,omitempty"`

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

	// rollout checks how a rolling update takes pods down and whether a
	// rollback has a revision to go back to.
	// +optional
	Rollout *RolloutRules `json:"rollout,omitempty"`

	// spread requires replicas to be spread over nodes and zones.
	// +optional
	Spread *SpreadRules `json:"spread,omitempty"`

	// shutdown checks that containers get time to shut down gracefully.
	// +optional
	Shutdown *ShutdownRules `json:"shutdown,omitempty"`

	// images requires container images to be pinned to an immutable tag or
	// a digest.
	// +optional
	Images *ImageRules `json:"images,omitempty"`

	// priority sets a floor on the pods' scheduling priority.
	// +optional
	Priority *PriorityRules `json:"priority,omitempty"`
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
	// +kubebuilder:validation:MaxItems=3
	// +optional
	Requests []ResourceName `json:"requests,omitempty"`

	// limits lists the resources every container must limit
	// (rules resources.limits.<name>).
	// +listType=set
	// +kubebuilder:validation:MaxItems=3
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

// RolloutRules checks the Deployment's update strategy and revision history.
// Setting rollout turns on both of its rules, each with its default when
// its field is absent.
type RolloutRules struct {
	// maxUnavailable is the most replicas a rollout may take down at once,
	// as a count or a percentage of the effective replica count R (the
	// HorizontalPodAutoscaler's minReplicas when one targets the Deployment,
	// else spec.replicas), rounded down (rule rollout.maxUnavailable). When
	// absent it is R-1: never all at once. The Deployment's own
	// maxUnavailable (rounded down) and maxSurge (rounded up) are resolved
	// against R as the Deployment controller resolves them, including "both
	// zero means maxUnavailable 1". The Recreate strategy fails when R is at
	// least 2; Deployments with R of 1 or less are not checked, since a
	// single replica with a ReadWriteOnce volume needs Recreate.
	// +kubebuilder:validation:XIntOrString
	// +kubebuilder:validation:Pattern=`^[0-9]{1,3}%$`
	// +optional
	MaxUnavailable *intstr.IntOrString `json:"maxUnavailable,omitempty"`

	// minRevisionHistory is the smallest spec.revisionHistoryLimit allowed
	// (rule rollout.revisionHistory). At 0, kubectl rollout undo has nothing
	// to go back to.
	// +kubebuilder:default=1
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=1000
	// +optional
	MinRevisionHistory *int32 `json:"minRevisionHistory,omitempty"`
}

// SpreadRules requires the replicas of a Deployment with an effective replica
// count of at least 2 to be spread over nodes and zones, by pod
// anti-affinity or a topologySpreadConstraint whose label selector matches
// the pod template's labels in the Deployment's own namespace.
type SpreadRules struct {
	// nodes: Preferred or Required spreading over nodes, by a
	// topologySpreadConstraint on kubernetes.io/hostname or a pod
	// anti-affinity term on kubernetes.io/hostname or a zone or region key
	// (rule spread.nodes). Skipped when a nodeSelector or required node
	// affinity pins the pods to one host. Required hostname anti-affinity
	// with a resolved maxUnavailable of 0 also fails: such a rollout can
	// deadlock when every node already runs a replica.
	// +optional
	Nodes SpreadRequirement `json:"nodes,omitempty"`

	// zones: Preferred or Required spreading over zones, by a
	// topologySpreadConstraint or pod anti-affinity term on zoneKey (rule
	// spread.zones). Skipped when the cluster's Nodes carry fewer than two
	// distinct values of zoneKey, or when a nodeSelector or required node
	// affinity pins the pods to one zone.
	// +optional
	Zones SpreadRequirement `json:"zones,omitempty"`

	// zoneKey is the Node label that names a zone.
	// +kubebuilder:default="topology.kubernetes.io/zone"
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=317
	// +optional
	ZoneKey string `json:"zoneKey,omitempty"`
}

// ShutdownRules checks graceful termination. Rules apply to every container
// and native sidecar.
type ShutdownRules struct {
	// minimumSeconds is the least time, in seconds, each container must have
	// between SIGTERM and SIGKILL: the pod's terminationGracePeriodSeconds
	// minus the container's preStop sleep (the sleep action's seconds, or N
	// from an exec "sleep N" or sh -c "sleep N"), rule shutdown.gracePeriod.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=86400
	// +optional
	MinimumSeconds *int64 `json:"minimumSeconds,omitempty"`

	// preStop: Required makes every container that exposes a port targeted
	// by a Service of the namespace (by selector and targetPort name or
	// number) define a preStop handler, so that it keeps serving while
	// endpoints are removed (rule shutdown.preStop). Containers without
	// served ports, such as most sidecars, pass.
	// +kubebuilder:default=Ignore
	// +optional
	PreStop Requirement `json:"preStop,omitempty"`
}

// ImageRules checks container image references in containers, init
// containers and native sidecars (rule image.pinned).
type ImageRules struct {
	// pinned: true fails an image with no tag (which means latest) or a tag
	// listed in mutableTags. An image with a digest always passes.
	// References are parsed as the container runtime parses them, so
	// registry:5000/app is an image without a tag, not tag 5000/app.
	// +optional
	Pinned bool `json:"pinned,omitempty"`

	// mutableTags are tags that move, such as latest. Compared exactly.
	// +kubebuilder:default={"latest"}
	// +listType=set
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MaxLength=128
	// +optional
	MutableTags []string `json:"mutableTags,omitempty"`

	// requireDigest: true fails every image without a digest
	// (@sha256:...), whatever its tag; it turns rule image.pinned on even
	// without pinned.
	// +optional
	RequireDigest bool `json:"requireDigest,omitempty"`
}

// PriorityRules checks the priority the pods are scheduled with (rule
// priority.class). A priorityClassName that names no existing PriorityClass
// always fails, since the ReplicaSet can then create no pods. Otherwise the
// priority is resolved as admission resolves it: the named class, else the
// class with globalDefault: true, else 0.
// +kubebuilder:validation:XValidation:rule="has(self.minimum) || has(self.allowedClasses)",message="set minimum, allowedClasses or both"
type PriorityRules struct {
	// minimum is the lowest resolved priority value allowed.
	// +optional
	Minimum *int32 `json:"minimum,omitempty"`

	// allowedClasses, when set, lists the PriorityClasses pods may use; the
	// class is the priorityClassName, else the globalDefault class.
	// +listType=set
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MaxLength=253
	// +optional
	AllowedClasses []string `json:"allowedClasses,omitempty"`
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
	// absent, any value is accepted. The compiled expression may hold at
	// most 1024 instructions, and all values of a policy together 4096: a
	// 512-character literal or alternation fits, large repetition counts
	// such as (?:abc){1000} do not. An annotation value longer than 512
	// bytes is a violation without being matched.
	// +kubebuilder:validation:MaxLength=512
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

	// selector picks the exempted Deployments by their labels. Labels are
	// set by whoever may edit the Deployment, so a selector exemption is
	// self-service for them: use it only for teams you trust to label
	// honestly, inside the namespaces you name.
	// +optional
	Selector *LabelSelector `json:"selector,omitempty"`

	// namespaces limits the exemption to Deployments in these namespaces;
	// deployments and selector match only inside them. Required on a
	// ClusterReadinessPolicy, so that an exemption granted to one team
	// never reaches a Deployment of the same name, or with the same labels,
	// in another team's namespace. On a ReadinessPolicy it may only name
	// the policy's own namespace, where its exemptions always stay.
	// +listType=set
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MaxLength=63
	// +optional
	Namespaces []string `json:"namespaces,omitempty"`

	// rules lists the waived rule IDs (for example probes.liveness) or rule
	// ID prefixes (for example resources.limits or probes).
	// +listType=set
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:items:Pattern=`^(probes(\.(readiness|liveness|startup|distinct))?|resources(\.(requests|limits)(\.(cpu|memory|ephemeral-storage))?)?|replicas(\.minimum)?|pdb(\.(required|allowsDisruption))?|metrics(\.annotation)?|rollout(\.(maxUnavailable|revisionHistory))?|spread(\.(nodes|zones))?|shutdown(\.(gracePeriod|preStop))?|image(\.pinned)?|priority(\.class)?)$`
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
	// +kubebuilder:validation:MaxLength=512
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

// MaxViolationMessageLength caps status.violations[].message; the controller
// cuts a longer message (the engine's messages are far shorter).
const MaxViolationMessageLength = 1024

// PolicyStatus is the observed state shared by both policy kinds.
type PolicyStatus struct {
	// observedGeneration is the generation of the spec last evaluated.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// conditions: Ready (spec valid, evaluation running) and Compliant (every
	// matched Deployment passes).
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=8
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// summary counts the matched Deployments by outcome.
	// +optional
	Summary Summary `json:"summary,omitempty"`

	// violations lists up to 50 violations, sorted by namespace, Deployment,
	// rule, container and message; summary.violations is the true total.
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=50
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
	// +kubebuilder:validation:MaxLength=63
	Namespace string `json:"namespace"`
	// deployment is the Deployment's name.
	// +kubebuilder:validation:MaxLength=253
	Deployment string `json:"deployment"`
	// rule is the stable rule ID, for example probes.readiness.
	// +kubebuilder:validation:MaxLength=128
	Rule string `json:"rule"`
	// container is the container's name; empty for rules about the whole
	// Deployment.
	// +kubebuilder:validation:MaxLength=63
	// +optional
	Container string `json:"container,omitempty"`
	// message says what is wrong and how to fix it.
	// +kubebuilder:validation:MaxLength=1024
	Message string `json:"message"`
}
