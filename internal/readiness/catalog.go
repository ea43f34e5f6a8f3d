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

import "slices"

// RuleInfo describes one rule ID for people: what it checks, which policy
// field turns it on and how to fix a violation. The CLI lists it
// (`prodready rules`) and reports it as SARIF rule metadata.
type RuleInfo struct {
	// ID is the stable rule ID that findings, status and exemptions carry.
	ID string
	// Summary says in one sentence what the rule checks.
	Summary string
	// PolicyField is the policy field that turns the rule on.
	PolicyField string
	// Fix says how to make a Deployment pass.
	Fix string
}

// catalog holds one entry per rule ID in knownRuleIDs, in that order.
var catalog = []RuleInfo{
	{
		ID:          RuleProbesReadiness,
		Summary:     "Every container and native sidecar has a readinessProbe, so a pod receives traffic only when it can serve.",
		PolicyField: "spec.rules.probes.readiness: Required",
		Fix:         "Add spec.template.spec.containers[*].readinessProbe, e.g. an httpGet on the endpoint that answers when the app can serve.",
	},
	{
		ID:          RuleProbesLiveness,
		Summary:     "Every container and native sidecar has a livenessProbe, so a hung process is restarted.",
		PolicyField: "spec.rules.probes.liveness: Required",
		Fix:         "Add spec.template.spec.containers[*].livenessProbe on a cheap endpoint that fails only when the process is stuck.",
	},
	{
		ID:          RuleProbesStartup,
		Summary:     "Every container and native sidecar has a startupProbe, so a slow start is not killed by the livenessProbe.",
		PolicyField: "spec.rules.probes.startup: Required",
		Fix:         "Add spec.template.spec.containers[*].startupProbe with failureThreshold x periodSeconds longer than the slowest start.",
	},
	{
		ID:          RuleProbesDistinct,
		Summary:     "A container's livenessProbe is not identical to its readinessProbe, so an overloaded pod is taken out of rotation instead of restarted.",
		PolicyField: "spec.rules.probes.distinct: true",
		Fix:         "Give the livenessProbe a higher failureThreshold or periodSeconds than the readinessProbe, or point it at a cheaper endpoint.",
	},
	resourceRule("requests", "cpu"),
	resourceRule("requests", "memory"),
	resourceRule("requests", "ephemeral-storage"),
	resourceRule("limits", "cpu"),
	resourceRule("limits", "memory"),
	resourceRule("limits", "ephemeral-storage"),
	{
		ID:          RuleReplicasMinimum,
		Summary:     "The Deployment runs at least the minimum number of replicas; with a HorizontalPodAutoscaler, its minReplicas counts.",
		PolicyField: "spec.rules.replicas.minimum",
		Fix:         "Raise spec.replicas, or the spec.minReplicas of the HorizontalPodAutoscaler that scales the Deployment, to at least the minimum.",
	},
	{
		ID:          RulePDBRequired,
		Summary:     "A PodDisruptionBudget in the Deployment's namespace selects its pod template's labels.",
		PolicyField: "spec.rules.podDisruptionBudget.required: true",
		Fix:         "Create a policy/v1 PodDisruptionBudget whose spec.selector matches spec.template.metadata.labels, e.g. with maxUnavailable: 1.",
	},
	{
		ID:          RulePDBAllowsDisruption,
		Summary:     "Exactly one PodDisruptionBudget selects the pods and it allows at least one voluntary eviction, so node drains do not block.",
		PolicyField: "spec.rules.podDisruptionBudget.allowsDisruption: true",
		Fix:         "Keep one PodDisruptionBudget per set of pods and let it allow a disruption: maxUnavailable of at least 1, or minAvailable below the replica count.",
	},
	{
		ID:          RuleMetricsAnnotation,
		Summary:     "The pod template carries every required annotation (such as prometheus.io/scrape), with a value matching the policy's pattern.",
		PolicyField: "spec.rules.metrics.annotations",
		Fix:         "Add the annotation under spec.template.metadata.annotations with a value the policy's pattern accepts.",
	},
	{
		ID:          RuleRolloutMaxUnavailable,
		Summary:     "With two or more replicas, a rollout never takes more than the allowed number down at once (default: all but one), resolved as the Deployment controller resolves maxUnavailable and maxSurge; Recreate fails.",
		PolicyField: "spec.rules.rollout.maxUnavailable",
		Fix:         "Use strategy type RollingUpdate and lower spec.strategy.rollingUpdate.maxUnavailable; raise maxSurge to keep rollouts fast.",
	},
	{
		ID:          RuleRolloutRevisionHistory,
		Summary:     "spec.revisionHistoryLimit keeps enough old ReplicaSets for kubectl rollout undo (default minimum 1).",
		PolicyField: "spec.rules.rollout.minRevisionHistory",
		Fix:         "Set spec.revisionHistoryLimit to at least the minimum, or leave it unset (the API default is 10).",
	},
	{
		ID:          RuleSpreadNodes,
		Summary:     "Two or more replicas are kept off a single node by a topologySpreadConstraint or pod anti-affinity that selects their own pods; required hostname anti-affinity must not meet a maxUnavailable of 0.",
		PolicyField: "spec.rules.spread.nodes: Preferred | Required",
		Fix:         "Add a topologySpreadConstraint with topologyKey kubernetes.io/hostname whose labelSelector matches spec.template.metadata.labels.",
	},
	{
		ID:          RuleSpreadZones,
		Summary:     "When the cluster's Nodes span two or more zones, two or more replicas are spread over zones by a topologySpreadConstraint or pod anti-affinity.",
		PolicyField: "spec.rules.spread.zones: Preferred | Required",
		Fix:         "Add a topologySpreadConstraint with topologyKey topology.kubernetes.io/zone (or the policy's zoneKey) whose labelSelector matches spec.template.metadata.labels.",
	},
	{
		ID:          RuleShutdownGracePeriod,
		Summary:     "Each container keeps at least the minimum seconds between SIGTERM and SIGKILL: terminationGracePeriodSeconds minus its preStop sleep.",
		PolicyField: "spec.rules.shutdown.minimumSeconds",
		Fix:         "Raise spec.template.spec.terminationGracePeriodSeconds, or shorten the preStop sleep.",
	},
	{
		ID:          RuleShutdownPreStop,
		Summary:     "Each container serving a port that a Service of the namespace targets has a preStop handler, so it drains before SIGTERM.",
		PolicyField: "spec.rules.shutdown.preStop: Required",
		Fix:         "Add lifecycle.preStop with the sleep action (sleep: {seconds: 5}); it needs no shell in the image.",
	},
	{
		ID:          RuleImagePinned,
		Summary:     "Every container, init container and sidecar image has a digest or an immutable tag: not missing (registry:5000/app has none), not in mutableTags.",
		PolicyField: "spec.rules.images.pinned: true",
		Fix:         "Reference the image by a version tag or by digest (name@sha256:...).",
	},
	{
		ID:          RulePriorityClass,
		Summary:     "The priorityClassName names an existing PriorityClass, and the resolved priority (the class, else the global default, else 0) meets the minimum and the allowed classes.",
		PolicyField: "spec.rules.priority.minimum, spec.rules.priority.allowedClasses",
		Fix:         "Set spec.template.spec.priorityClassName to an existing, allowed PriorityClass with a high enough value.",
	},
}

func resourceRule(kind, name string) RuleInfo {
	if kind == "requests" {
		return RuleInfo{
			ID:          RuleResourcesRequestPrefix + name,
			Summary:     "Every container and native sidecar requests " + name + ", so the scheduler reserves what it needs.",
			PolicyField: "spec.rules.resources.requests: [" + name + "]",
			Fix:         "Set spec.template.spec.containers[*].resources.requests." + name + " to what the container needs under normal load.",
		}
	}
	return RuleInfo{
		ID:          RuleResourcesLimitPrefix + name,
		Summary:     "Every container and native sidecar has a " + name + " limit, so one pod cannot starve its node.",
		PolicyField: "spec.rules.resources.limits: [" + name + "]",
		Fix:         "Set spec.template.spec.containers[*].resources.limits." + name + " to the most the container may use.",
	}
}

// Rules returns the catalog of every rule ID, in a stable order. The caller
// may modify the returned slice.
func Rules() []RuleInfo { return slices.Clone(catalog) }

// LookupRule returns the catalog entry of a rule ID.
func LookupRule(id string) (RuleInfo, bool) {
	i := slices.IndexFunc(catalog, func(r RuleInfo) bool { return r.ID == id })
	if i < 0 {
		return RuleInfo{}, false
	}
	return catalog[i], true
}
