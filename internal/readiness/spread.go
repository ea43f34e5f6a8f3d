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
	"fmt"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
)

// Well-known topology keys. Pods spread over zones or regions by
// anti-affinity are also on different nodes.
const (
	hostnameKey     = corev1.LabelHostname
	regionKey       = corev1.LabelTopologyRegion
	legacyZoneKey   = corev1.LabelFailureDomainBetaZone
	legacyRegionKey = corev1.LabelFailureDomainBetaRegion
)

func checkSpreadNodes(e *evaluation) {
	replicas := e.effectiveReplicas()
	if replicas < 2 {
		return
	}
	spec := &e.d.Spec.Template.Spec
	if pinnedToOne(spec, hostnameKey) {
		return // a nodeSelector or required node affinity allows one host only
	}
	mode := e.policy.ops.spreadNodes
	antiKeys := []string{hostnameKey, defaultZoneKey, legacyZoneKey, regionKey, legacyRegionKey, e.policy.ops.zoneKey}
	if !e.spreads(mode, []string{hostnameKey}, antiKeys) {
		e.add(RuleSpreadNodes, "", "spec.template.spec.topologySpreadConstraints", fmt.Sprintf(
			"nothing keeps the %d replicas off a single node; add a topologySpreadConstraint with topologyKey %s, %s and a labelSelector matching the pod template's labels%s",
			replicas, hostnameKey, whenUnsatisfiable(mode), orAntiAffinity(mode, hostnameKey)), Observation{"replicas", itoa(replicas)})
		return
	}
	// Required hostname anti-affinity with maxUnavailable 0 can deadlock:
	// the surge pod finds no node without a replica (kubernetes #116891).
	if e.d.Spec.Strategy.Type == appsv1.RecreateDeploymentStrategyType || !e.requiredAntiAffinity(hostnameKey) {
		return
	}
	if unavailable, ok := rollingMaxUnavailable(e.d.Spec.Strategy.RollingUpdate, replicas); ok && unavailable == 0 {
		e.add(RuleSpreadNodes, "", "spec.strategy.rollingUpdate.maxUnavailable", fmt.Sprintf(
			"required pod anti-affinity on %s with a maxUnavailable that resolves to 0 can deadlock a rollout once every node runs a replica; "+
				"set spec.strategy.rollingUpdate.maxUnavailable to at least 1 or make the anti-affinity preferred", hostnameKey),
			Observation{"maxUnavailable", "0"})
	}
}

func checkSpreadZones(e *evaluation) {
	replicas := e.effectiveReplicas()
	if replicas < 2 {
		return
	}
	key := e.policy.ops.zoneKey
	if !distinctValues(e.in.Nodes, key) {
		return // fewer than two zones: nothing to spread over
	}
	spec := &e.d.Spec.Template.Spec
	if pinnedToOne(spec, key) {
		return
	}
	mode := e.policy.ops.spreadZones
	antiKeys := []string{key, regionKey, legacyRegionKey}
	if !e.spreads(mode, []string{key}, antiKeys) {
		e.add(RuleSpreadZones, "", "spec.template.spec.topologySpreadConstraints", fmt.Sprintf(
			"nothing keeps the %d replicas out of a single zone; add a topologySpreadConstraint with topologyKey %s, %s and a labelSelector matching the pod template's labels%s",
			replicas, key, whenUnsatisfiable(mode), orAntiAffinity(mode, key)), Observation{"replicas", itoa(replicas)}, Observation{"topologyKey", key})
	}
}

func whenUnsatisfiable(mode prodreadyv1alpha1.SpreadRequirement) string {
	if mode == prodreadyv1alpha1.SpreadRequired {
		return "whenUnsatisfiable: DoNotSchedule"
	}
	return "whenUnsatisfiable: ScheduleAnyway (or DoNotSchedule)"
}

func orAntiAffinity(mode prodreadyv1alpha1.SpreadRequirement, key string) string {
	if mode == prodreadyv1alpha1.SpreadRequired {
		return ", or a requiredDuringSchedulingIgnoredDuringExecution pod anti-affinity term on " + key
	}
	return ", or a pod anti-affinity term on " + key
}

// spreads reports whether the pod template spreads its own pods by a
// topologySpreadConstraint on one of tscKeys or a pod anti-affinity term on
// one of antiKeys. Required accepts only DoNotSchedule and
// requiredDuringScheduling terms.
func (e *evaluation) spreads(mode prodreadyv1alpha1.SpreadRequirement, tscKeys, antiKeys []string) bool {
	spec := &e.d.Spec.Template.Spec
	required := mode == prodreadyv1alpha1.SpreadRequired
	for i := range spec.TopologySpreadConstraints {
		c := &spec.TopologySpreadConstraints[i]
		if required && c.WhenUnsatisfiable != corev1.DoNotSchedule {
			continue
		}
		// matchLabelKeys (such as pod-template-hash) only narrow the
		// selector to one revision; they are not part of the template.
		if slices.Contains(tscKeys, c.TopologyKey) && selectorMatches(c.LabelSelector, e.d.Spec.Template.Labels) {
			return true
		}
	}
	aff := spec.Affinity
	if aff == nil || aff.PodAntiAffinity == nil {
		return false
	}
	for i := range aff.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution {
		if e.selectsOwnPods(&aff.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution[i], antiKeys) {
			return true
		}
	}
	if required {
		return false
	}
	for i := range aff.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution {
		w := &aff.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution[i]
		if w.Weight > 0 && e.selectsOwnPods(&w.PodAffinityTerm, antiKeys) {
			return true
		}
	}
	return false
}

// requiredAntiAffinity reports whether a required pod anti-affinity term on
// key selects the pod's own pods.
func (e *evaluation) requiredAntiAffinity(key string) bool {
	aff := e.d.Spec.Template.Spec.Affinity
	if aff == nil || aff.PodAntiAffinity == nil {
		return false
	}
	keys := []string{key}
	for i := range aff.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution {
		if e.selectsOwnPods(&aff.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution[i], keys) {
			return true
		}
	}
	return false
}

// selectsOwnPods reports whether an affinity term on one of keys selects
// the pod template's labels in the Deployment's own namespace: no namespaces
// and no namespaceSelector (the pod's namespace), the own namespace listed,
// or an empty namespaceSelector (every namespace).
func (e *evaluation) selectsOwnPods(t *corev1.PodAffinityTerm, keys []string) bool {
	if !slices.Contains(keys, t.TopologyKey) || !selectorMatches(t.LabelSelector, e.d.Spec.Template.Labels) {
		return false
	}
	switch {
	case len(t.Namespaces) == 0 && t.NamespaceSelector == nil:
		return true
	case slices.Contains(t.Namespaces, e.d.Namespace):
		return true
	case t.NamespaceSelector != nil && len(t.NamespaceSelector.MatchLabels) == 0 && len(t.NamespaceSelector.MatchExpressions) == 0:
		return true
	}
	return false
}

// pinnedToOne reports whether a nodeSelector or the required node affinity
// restricts the pods to a single value of the node label key (one host for
// kubernetes.io/hostname, one zone for a zone key).
func pinnedToOne(spec *corev1.PodSpec, key string) bool {
	if key == hostnameKey && spec.NodeName != "" {
		return true
	}
	if _, ok := spec.NodeSelector[key]; ok {
		return true
	}
	if spec.Affinity == nil || spec.Affinity.NodeAffinity == nil || spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		return false
	}
	terms := spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
	if len(terms) == 0 {
		return false
	}
	// Terms are ORed: pinned only if every term allows the same single value.
	pinned := ""
	for i := range terms {
		v := termPins(&terms[i], key)
		if v == "" || (pinned != "" && v != pinned) {
			return false
		}
		pinned = v
	}
	return true
}

// termPins returns the single value of key that a node selector term
// allows, or "" when it allows more (or says nothing about key). For the
// hostname key a matchFields metadata.name term counts too.
func termPins(t *corev1.NodeSelectorTerm, key string) string {
	pin := func(reqs []corev1.NodeSelectorRequirement, k string) string {
		for i := range reqs {
			r := &reqs[i]
			if r.Key == k && r.Operator == corev1.NodeSelectorOpIn && len(r.Values) == 1 {
				return r.Values[0]
			}
		}
		return ""
	}
	if v := pin(t.MatchExpressions, key); v != "" {
		return v
	}
	if key == hostnameKey {
		return pin(t.MatchFields, "metadata.name")
	}
	return ""
}

// distinctValues reports whether the nodes carry at least two distinct
// values of the label key. It stops at the second value.
func distinctValues(nodes []metav1.PartialObjectMetadata, key string) bool {
	first, seen := "", false
	for i := range nodes {
		v, ok := nodes[i].Labels[key]
		if !ok {
			continue
		}
		if !seen {
			first, seen = v, true
			continue
		}
		if v != first {
			return true
		}
	}
	return false
}
