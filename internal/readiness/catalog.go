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

// RuleInfo describes one rule for people: what it checks and how to fix a
// violation. The CLI prints these; the engine's own messages are more
// specific (they name the container and the field).
type RuleInfo struct {
	// ID is the stable rule ID, e.g. probes.readiness. For the resource
	// rules it is the prefix followed by <name>.
	ID string
	// Policy is the policy field that turns the rule on, under spec.rules.
	Policy string
	// Summary says in one line what the rule checks.
	Summary string
	// Fix says in one line how to make a failing Deployment pass.
	Fix string
}

// rules is the catalog, in the order the engine runs the rules.
var rules = []RuleInfo{
	{ID: RuleProbesReadiness, Policy: "rules.probes.readiness",
		Summary: "Every container has a readinessProbe, so a pod receives traffic only when it can serve.",
		Fix:     "Add a readinessProbe (httpGet, tcpSocket, grpc or exec) to each container."},
	{ID: RuleProbesLiveness, Policy: "rules.probes.liveness",
		Summary: "Every container has a livenessProbe, so a hung process is restarted.",
		Fix:     "Add a livenessProbe to each container, checking something cheaper than readiness."},
	{ID: RuleProbesStartup, Policy: "rules.probes.startup",
		Summary: "Every container has a startupProbe, so a slow start is not killed by the livenessProbe.",
		Fix:     "Add a startupProbe with failureThreshold × periodSeconds above the worst start time."},
	{ID: RuleProbesDistinct, Policy: "rules.probes.distinct",
		Summary: "No container's livenessProbe is identical to its readinessProbe.",
		Fix:     "Give the livenessProbe a higher failureThreshold or periodSeconds, or a cheaper endpoint."},
	{ID: RuleResourcesRequestPrefix + "<name>", Policy: "rules.resources.requests",
		Summary: "Every container requests a non-zero amount of each listed resource (cpu, memory, ephemeral-storage).",
		Fix:     "Set resources.requests.<name> on each container."},
	{ID: RuleResourcesLimitPrefix + "<name>", Policy: "rules.resources.limits",
		Summary: "Every container limits each listed resource to a non-zero quantity.",
		Fix:     "Set resources.limits.<name> on each container."},
	{ID: RuleReplicasMinimum, Policy: "rules.replicas.minimum",
		Summary: "The effective replica count (the HPA's minReplicas, else spec.replicas) is at least the minimum.",
		Fix:     "Raise spec.replicas, or the targeting HorizontalPodAutoscaler's minReplicas."},
	{ID: RulePDBRequired, Policy: "rules.podDisruptionBudget.required",
		Summary: "A PodDisruptionBudget in the namespace selects the pod template's labels.",
		Fix:     "Create a PodDisruptionBudget whose selector matches the pods, e.g. with maxUnavailable: 1."},
	{ID: RulePDBAllowsDisruption, Policy: "rules.podDisruptionBudget.allowsDisruption",
		Summary: "Exactly one matching PodDisruptionBudget, and it can allow a voluntary eviction.",
		Fix:     "Keep one PodDisruptionBudget per Deployment and allow at least one disruption."},
	{ID: RuleMetricsAnnotation, Policy: "rules.metrics.annotations",
		Summary: "Each listed pod template annotation is present and its value matches the pattern.",
		Fix:     "Add the annotation under spec.template.metadata.annotations."},
	{ID: RuleRolloutMaxUnavailable, Policy: "rules.rollout.maxUnavailable",
		Summary: "A rollout of 2 or more replicas never takes more than the allowed number down at once (default: never all); Recreate fails.",
		Fix:     "Use RollingUpdate and lower spec.strategy.rollingUpdate.maxUnavailable; raise maxSurge to keep rollouts fast."},
	{ID: RuleRolloutRevisionHistory, Policy: "rules.rollout.minRevisionHistory",
		Summary: "spec.revisionHistoryLimit keeps enough old ReplicaSets for kubectl rollout undo (default minimum 1).",
		Fix:     "Set spec.revisionHistoryLimit to at least the minimum (the API default is 10)."},
	{ID: RuleSpreadNodes, Policy: "rules.spread.nodes",
		Summary: "Two or more replicas are spread over nodes by a topologySpreadConstraint or pod anti-affinity selecting their own pods.",
		Fix:     "Add a topologySpreadConstraint on kubernetes.io/hostname whose labelSelector matches the pod template's labels."},
	{ID: RuleSpreadZones, Policy: "rules.spread.zones",
		Summary: "Two or more replicas are spread over zones when the cluster's Nodes span at least two zones.",
		Fix:     "Add a topologySpreadConstraint on the zone key whose labelSelector matches the pod template's labels."},
	{ID: RuleShutdownGracePeriod, Policy: "rules.shutdown.minimumSeconds",
		Summary: "Each container keeps at least the minimum seconds between SIGTERM and SIGKILL after its preStop sleep.",
		Fix:     "Raise spec.template.spec.terminationGracePeriodSeconds or shorten the preStop sleep."},
	{ID: RuleShutdownPreStop, Policy: "rules.shutdown.preStop",
		Summary: "Each container serving a port a Service targets has a preStop handler, so it drains before SIGTERM.",
		Fix:     "Add lifecycle.preStop with the sleep action (sleep: {seconds: 5}); it needs no shell in the image."},
	{ID: RuleImagePinned, Policy: "rules.images.pinned",
		Summary: "Every image has a digest or an immutable tag (not missing, not in mutableTags; a digest when requireDigest).",
		Fix:     "Reference images by version tag or by digest (name@sha256:...)."},
	{ID: RulePriorityClass, Policy: "rules.priority",
		Summary: "The priorityClassName exists, and the resolved priority (class, else global default, else 0) meets the minimum and allowed list.",
		Fix:     "Set spec.template.spec.priorityClassName to an existing, allowed PriorityClass with a high enough value."},
}

// Rules returns the catalog of every rule the engine knows, in the order
// the engine runs them. The caller may modify the returned slice.
func Rules() []RuleInfo { return slices.Clone(rules) }
