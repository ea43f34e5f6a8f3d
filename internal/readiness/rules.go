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
	"math"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// check is one rule: it reads the evaluation and appends its findings.
type check func(e *evaluation)

// enabledChecks returns, in a fixed order, the rules the policy turns on.
func (p *Policy) enabledChecks() []check {
	var cs []check
	if p.readiness {
		cs = append(cs, checkReadinessProbe)
	}
	if p.liveness {
		cs = append(cs, checkLivenessProbe)
	}
	if p.startup {
		cs = append(cs, checkStartupProbe)
	}
	if p.distinct {
		cs = append(cs, checkDistinctProbes)
	}
	if len(p.requests) > 0 {
		cs = append(cs, checkResourceRequests)
	}
	if len(p.limits) > 0 {
		cs = append(cs, checkResourceLimits)
	}
	if p.minReplicas > 0 {
		cs = append(cs, checkMinReplicas)
	}
	if p.pdbRequired {
		cs = append(cs, checkPDBRequired)
	}
	if p.pdbAllowsDisruption {
		cs = append(cs, checkPDBAllowsDisruption)
	}
	if len(p.annotations) > 0 {
		cs = append(cs, checkMetricsAnnotations)
	}
	return p.ops.operationalChecks(cs)
}

// evaluation holds one Deployment's input and the findings so far. Values
// that several rules need (the HPA, the matching PDBs) are computed once.
type evaluation struct {
	policy *Policy
	in     *Input
	d      *appsv1.Deployment
	active []*exemption // the exemptions that apply to this Deployment now
	res    Result

	hpaDone bool
	hpa     *autoscalingv2.HorizontalPodAutoscaler

	pdbsDone bool
	pdbs     []*policyv1.PodDisruptionBudget
}

func newEvaluation(p *Policy, in *Input) *evaluation {
	return &evaluation{policy: p, in: in, d: in.Deployment}
}

// add records a finding as a violation or, when an active exemption covers
// it, as exempted. Past MaxFindingsPerDeployment only the count grows, so
// memory stays bounded whatever the Deployment holds.
func (e *evaluation) add(rule, container, path, msg string, observed ...Observation) {
	f := Finding{Rule: rule, Container: container, Path: path, Message: msg}
	copy(f.Observed[:], observed)
	ex := coveringExemption(e.active, &f)
	if ex == nil {
		e.res.ViolationCount++
		if len(e.res.Violations) < MaxFindingsPerDeployment {
			e.res.Violations = append(e.res.Violations, f)
			return
		}
		if e.res.Unlisted == nil {
			e.res.Unlisted = map[string]int{}
		}
		e.res.Unlisted[rule]++
		return
	}
	e.res.ExemptedCount++
	if len(e.res.Exempted) < MaxFindingsPerDeployment {
		e.res.Exempted = append(e.res.Exempted, f)
	}
	if !ex.expires.IsZero() && (e.res.NextExpiry.IsZero() || ex.expires.Before(e.res.NextExpiry)) {
		e.res.NextExpiry = ex.expires
	}
}

// workloadContainer is a container the rules apply to: a regular container
// or a native sidecar (an init container with restartPolicy: Always).
type workloadContainer struct {
	c     *corev1.Container
	field string // "containers" or "initContainers"
	index int
}

func (w workloadContainer) path(child string) string {
	return "spec.template.spec." + w.field + "[" + strconv.Itoa(w.index) + "]." + child
}

// forEachContainer calls fn for every regular container and native sidecar.
// Plain init containers run to completion before the pod serves, so probe
// and resource rules do not apply to them.
func (e *evaluation) forEachContainer(fn func(w workloadContainer)) {
	spec := &e.d.Spec.Template.Spec
	for i := range spec.InitContainers {
		c := &spec.InitContainers[i]
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			fn(workloadContainer{c: c, field: "initContainers", index: i})
		}
	}
	for i := range spec.Containers {
		fn(workloadContainer{c: &spec.Containers[i], field: "containers", index: i})
	}
}

func checkReadinessProbe(e *evaluation) {
	requireProbe(e, RuleProbesReadiness, "readinessProbe", "so the pod receives traffic only when it can serve",
		func(c *corev1.Container) *corev1.Probe { return c.ReadinessProbe })
}

func checkLivenessProbe(e *evaluation) {
	requireProbe(e, RuleProbesLiveness, "livenessProbe", "so a hung process is restarted",
		func(c *corev1.Container) *corev1.Probe { return c.LivenessProbe })
}

func checkStartupProbe(e *evaluation) {
	requireProbe(e, RuleProbesStartup, "startupProbe", "so a slow start is not killed by the livenessProbe",
		func(c *corev1.Container) *corev1.Probe { return c.StartupProbe })
}

// requireProbe flags every container whose probe (the field named by
// fieldName, read by get) is missing; why completes the how-to-fix message.
func requireProbe(e *evaluation, rule, fieldName, why string, get func(*corev1.Container) *corev1.Probe) {
	e.forEachContainer(func(w workloadContainer) {
		if get(w.c) != nil {
			return
		}
		path := w.path(fieldName)
		e.add(rule, w.c.Name, path, fmt.Sprintf("container %q has no %s; add %s %s", w.c.Name, fieldName, path, why),
			Observation{"missing", fieldName})
	})
}

func checkDistinctProbes(e *evaluation) {
	e.forEachContainer(func(w workloadContainer) {
		if w.c.LivenessProbe == nil || w.c.ReadinessProbe == nil || !sameProbe(w.c.LivenessProbe, w.c.ReadinessProbe) {
			return
		}
		e.add(RuleProbesDistinct, w.c.Name, w.path("livenessProbe"), fmt.Sprintf(
			"container %q has a livenessProbe identical to its readinessProbe, so a pod that is only overloaded gets restarted; "+
				"give %s a higher failureThreshold or periodSeconds, or a cheaper endpoint",
			w.c.Name, w.path("livenessProbe")), Observation{"sameAs", "readinessProbe"})
	})
}

// Probe timing defaults applied by the API server; a field left unset equals
// its default when comparing probes.
const (
	defaultTimeoutSeconds   = 1
	defaultPeriodSeconds    = 10
	defaultSuccessThreshold = 1
	defaultFailureThreshold = 3
)

func orDefault(v, def int32) int32 {
	if v == 0 {
		return def
	}
	return v
}

// sameProbe reports whether two probes have the same handler and the same
// timing and thresholds, counting unset fields as their defaults.
func sameProbe(a, b *corev1.Probe) bool {
	if a.InitialDelaySeconds != b.InitialDelaySeconds ||
		orDefault(a.TimeoutSeconds, defaultTimeoutSeconds) != orDefault(b.TimeoutSeconds, defaultTimeoutSeconds) ||
		orDefault(a.PeriodSeconds, defaultPeriodSeconds) != orDefault(b.PeriodSeconds, defaultPeriodSeconds) ||
		orDefault(a.SuccessThreshold, defaultSuccessThreshold) != orDefault(b.SuccessThreshold, defaultSuccessThreshold) ||
		orDefault(a.FailureThreshold, defaultFailureThreshold) != orDefault(b.FailureThreshold, defaultFailureThreshold) {
		return false
	}
	if (a.TerminationGracePeriodSeconds == nil) != (b.TerminationGracePeriodSeconds == nil) ||
		(a.TerminationGracePeriodSeconds != nil && *a.TerminationGracePeriodSeconds != *b.TerminationGracePeriodSeconds) {
		return false
	}
	return sameHandler(a.ProbeHandler, b.ProbeHandler)
}

func sameHandler(a, b corev1.ProbeHandler) bool {
	if a.HTTPGet != nil && b.HTTPGet != nil {
		x, y := *a.HTTPGet, *b.HTTPGet
		if x.Scheme == "" {
			x.Scheme = corev1.URISchemeHTTP
		}
		if y.Scheme == "" {
			y.Scheme = corev1.URISchemeHTTP
		}
		a.HTTPGet, b.HTTPGet = &x, &y
	}
	return equality.Semantic.DeepEqual(a, b)
}

func checkResourceRequests(e *evaluation) {
	e.forEachContainer(func(w workloadContainer) {
		for _, name := range e.policy.requests {
			q, ok := w.c.Resources.Requests[name]
			if ok && !q.IsZero() {
				continue
			}
			e.add(RuleResourcesRequestPrefix+string(name), w.c.Name, w.path("resources.requests."+string(name)), fmt.Sprintf(
				"container %q does not request %s; set %s so the scheduler reserves what it needs",
				w.c.Name, name, w.path("resources.requests."+string(name))), quantityObserved("requests", name, ok, &q))
		}
	})
}

func checkResourceLimits(e *evaluation) {
	e.forEachContainer(func(w workloadContainer) {
		for _, name := range e.policy.limits {
			q, ok := w.c.Resources.Limits[name]
			if ok && !q.IsZero() {
				continue
			}
			e.add(RuleResourcesLimitPrefix+string(name), w.c.Name, w.path("resources.limits."+string(name)), fmt.Sprintf(
				"container %q has no %s limit; set %s so one pod cannot starve its node",
				w.c.Name, name, w.path("resources.limits."+string(name))), quantityObserved("limits", name, ok, &q))
		}
	})
}

// targetingHPA returns the HorizontalPodAutoscaler that scales the
// Deployment, or nil. If several target it (a misconfiguration), the one
// allowing the fewest replicas counts.
func (e *evaluation) targetingHPA() *autoscalingv2.HorizontalPodAutoscaler {
	if e.hpaDone {
		return e.hpa
	}
	e.hpaDone = true
	for i := range e.in.HorizontalPodAutoscalers {
		h := &e.in.HorizontalPodAutoscalers[i]
		if h.Namespace != e.d.Namespace || !targets(h.Spec.ScaleTargetRef, e.d.Name) {
			continue
		}
		if e.hpa == nil || hpaMin(h) < hpaMin(e.hpa) {
			e.hpa = h
		}
	}
	return e.hpa
}

func targets(ref autoscalingv2.CrossVersionObjectReference, name string) bool {
	if ref.Kind != "Deployment" || ref.Name != name {
		return false
	}
	gv, err := schema.ParseGroupVersion(ref.APIVersion)
	return err == nil && gv.Group == appsv1.GroupName
}

func hpaMin(h *autoscalingv2.HorizontalPodAutoscaler) int32 {
	if h.Spec.MinReplicas == nil {
		return 1
	}
	return *h.Spec.MinReplicas
}

// effectiveReplicas is the replica count rules reason about: the targeting
// HPA's minReplicas, else spec.replicas, which defaults to 1.
func (e *evaluation) effectiveReplicas() int32 {
	if h := e.targetingHPA(); h != nil {
		return hpaMin(h)
	}
	if e.d.Spec.Replicas == nil {
		return 1
	}
	return *e.d.Spec.Replicas
}

func checkMinReplicas(e *evaluation) {
	want := e.policy.minReplicas
	if h := e.targetingHPA(); h != nil {
		if got := hpaMin(h); got < want {
			e.add(RuleReplicasMinimum, "", "spec.replicas", fmt.Sprintf(
				"HorizontalPodAutoscaler %q may scale down to %d replica(s), below the minimum of %d; set its spec.minReplicas to at least %d",
				h.Name, got, want, want), Observation{"horizontalPodAutoscaler", h.Name}, Observation{"minReplicas", itoa(got)})
		}
		return
	}
	if got := e.effectiveReplicas(); got < want {
		e.add(RuleReplicasMinimum, "", "spec.replicas", fmt.Sprintf(
			"runs %d replica(s), below the minimum of %d; set spec.replicas to at least %d or add a HorizontalPodAutoscaler with minReplicas of at least %d",
			got, want, want, want), Observation{"replicas", itoa(got)})
	}
}

// matchingPDBs returns the PodDisruptionBudgets in the Deployment's namespace
// whose selector matches the pod template's labels.
func (e *evaluation) matchingPDBs() []*policyv1.PodDisruptionBudget {
	if e.pdbsDone {
		return e.pdbs
	}
	e.pdbsDone = true
	for i := range e.in.PodDisruptionBudgets {
		pdb := &e.in.PodDisruptionBudgets[i]
		if pdb.Namespace == e.d.Namespace && selectorMatches(pdb.Spec.Selector, e.d.Spec.Template.Labels) {
			e.pdbs = append(e.pdbs, pdb)
		}
	}
	return e.pdbs
}

func checkPDBRequired(e *evaluation) {
	if len(e.matchingPDBs()) > 0 {
		return
	}
	e.add(RulePDBRequired, "", "spec.template.metadata.labels", fmt.Sprintf(
		"no PodDisruptionBudget in namespace %q selects the pod template's labels; create one whose spec.selector matches them, e.g. with maxUnavailable: 1",
		e.d.Namespace))
}

func checkPDBAllowsDisruption(e *evaluation) {
	pdbs := e.matchingPDBs()
	switch {
	case len(pdbs) == 0:
		return
	case len(pdbs) > 1:
		names := make([]string, len(pdbs))
		for i, p := range pdbs {
			names[i] = p.Name
		}
		e.add(RulePDBAllowsDisruption, "", "spec.template.metadata.labels", fmt.Sprintf(
			"PodDisruptionBudgets %s all select these pods; the eviction API refuses to evict a pod covered by more than one, so node drains block; keep exactly one",
			quoteList(names)), Observation{"podDisruptionBudgets", itoa(int32(min(len(names), math.MaxInt32)))})
		return
	}
	replicas := e.effectiveReplicas()
	if replicas <= 0 {
		return // nothing runs, so nothing is ever evicted
	}
	if why := neverDisrupts(pdbs[0], replicas); why != "" {
		e.add(RulePDBAllowsDisruption, "", "spec.template.metadata.labels", fmt.Sprintf(
			"PodDisruptionBudget %q never allows a voluntary eviction (%s), so node drains block; allow at least one disruption, e.g. maxUnavailable: 1",
			pdbs[0].Name, why), Observation{"podDisruptionBudget", pdbs[0].Name}, Observation{"reason", why})
	}
}

// neverDisrupts explains why a PDB can never allow an eviction for a
// Deployment with this many replicas, or returns "". Percentages are scaled
// the way the disruption controller scales them (rounding up).
func neverDisrupts(pdb *policyv1.PodDisruptionBudget, replicas int32) string {
	if mu := pdb.Spec.MaxUnavailable; mu != nil {
		n, err := intstr.GetScaledValueFromIntOrPercent(mu, int(replicas), true)
		if err == nil && n <= 0 {
			return "maxUnavailable: " + mu.String()
		}
		return ""
	}
	if ma := pdb.Spec.MinAvailable; ma != nil {
		n, err := intstr.GetScaledValueFromIntOrPercent(ma, int(replicas), true)
		if err == nil && n >= int(replicas) {
			return fmt.Sprintf("minAvailable: %s with %d replica(s)", ma.String(), replicas)
		}
	}
	return ""
}

func checkMetricsAnnotations(e *evaluation) {
	ann := e.d.Spec.Template.Annotations
	for i := range e.policy.annotations {
		a := &e.policy.annotations[i]
		v, ok := ann[a.key]
		switch {
		case !ok:
			e.add(RuleMetricsAnnotation, "", "spec.template.metadata.annotations", fmt.Sprintf(
				"pod template annotation %s is missing; add it under spec.template.metadata.annotations%s",
				quote(a.key), wantValue(a)), Observation{"missing", truncated(a.key)})
		case a.re != nil && len(v) > MaxMatchedValueLength:
			e.add(RuleMetricsAnnotation, "", "spec.template.metadata.annotations", fmt.Sprintf(
				"pod template annotation %s is %d bytes long, more than the %d bytes prodready matches against %s; shorten the value under spec.template.metadata.annotations",
				quote(a.key), len(v), MaxMatchedValueLength, quote(a.pattern)), Observation{"annotation", truncated(a.key)}, Observation{"value", truncated(v)})
		case a.re != nil && !a.re.MatchString(v):
			e.add(RuleMetricsAnnotation, "", "spec.template.metadata.annotations", fmt.Sprintf(
				"pod template annotation %s is %s, which does not match %s; change the value under spec.template.metadata.annotations",
				quote(a.key), quote(v), quote(a.pattern)), Observation{"annotation", truncated(a.key)}, Observation{"value", truncated(v)})
		}
	}
}

func wantValue(a *annotationRule) string {
	if a.re == nil {
		return ""
	}
	return " with a value matching " + quote(a.pattern)
}

// quantityObserved names what a resource rule saw: the field missing, or
// its zero value.
func quantityObserved(kind string, name corev1.ResourceName, present bool, q *resource.Quantity) Observation {
	if !present {
		return Observation{"missing", "resources." + kind + "." + string(name)}
	}
	return Observation{"value", q.String()}
}

func itoa[T int32 | int64](v T) string { return strconv.FormatInt(int64(v), 10) }
