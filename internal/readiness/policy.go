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
	"regexp"
	"slices"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
)

// Policy is a policy spec compiled once per generation: selectors parsed,
// regular expressions compiled, and the enabled rules resolved into a list of
// checks. It is immutable and safe for concurrent use.
type Policy struct {
	enforcement       prodreadyv1alpha1.Enforcement
	selector          labels.Selector // nil selects every Deployment
	namespaceSelector labels.Selector // nil selects every namespace

	readiness, liveness, startup, distinct bool
	requests, limits                       []corev1.ResourceName
	minReplicas                            int32
	pdbRequired, pdbAllowsDisruption       bool
	annotations                            []annotationRule
	exemptions                             []exemption
	ops                                    operationalRules

	checks []check
}

type annotationRule struct {
	key     string
	pattern string         // as written in the policy
	re      *regexp.Regexp // anchored; nil when any value is accepted
}

type exemption struct {
	namespaces []string // empty: any namespace the policy applies to
	names      []string
	selector   labels.Selector
	rules      []string
	containers []string
	expires    time.Time // zero: never
	reason     string
}

// Scope says where a policy lives, which decides where its exemptions may
// reach.
type Scope struct {
	// Cluster is true for a ClusterReadinessPolicy: every exemption must
	// name its namespaces.
	Cluster bool
	// Namespace is a ReadinessPolicy's namespace: its exemptions apply only
	// there. Empty for a cluster policy.
	Namespace string
}

// CompileFor compiles a policy of either kind with its scope, as the
// controller, the admission webhook and the policy webhook do.
func CompileFor(p prodreadyv1alpha1.Policy) (*Policy, error) {
	return compile(p.GetPolicySpec(), p.GetNamespaceSelector(), &Scope{Cluster: p.IsClusterScoped(), Namespace: p.GetNamespace()})
}

// Compile validates a policy spec and prepares it for evaluation. A
// ClusterReadinessPolicy passes its namespace selector; a ReadinessPolicy
// passes nil. Every problem is reported, each naming its field under spec.
// Compile knows nothing of where the policy lives, so exemptions reach
// wherever their namespaces field says; CompileFor adds the rules of each
// policy kind.
func Compile(spec *prodreadyv1alpha1.PolicySpec, namespaceSelector *prodreadyv1alpha1.LabelSelector) (*Policy, error) {
	return compile(spec, namespaceSelector, nil)
}

func compile(spec *prodreadyv1alpha1.PolicySpec, namespaceSelector *prodreadyv1alpha1.LabelSelector, scope *Scope) (*Policy, error) {
	root := field.NewPath("spec")
	var errs field.ErrorList
	p := &Policy{enforcement: spec.Enforcement}
	if p.enforcement == "" {
		p.enforcement = prodreadyv1alpha1.EnforcementAudit
	}
	switch p.enforcement {
	case prodreadyv1alpha1.EnforcementAudit, prodreadyv1alpha1.EnforcementWarn, prodreadyv1alpha1.EnforcementEnforce:
	default:
		errs = append(errs, field.NotSupported(root.Child("enforcement"), p.enforcement,
			[]prodreadyv1alpha1.Enforcement{prodreadyv1alpha1.EnforcementAudit, prodreadyv1alpha1.EnforcementWarn, prodreadyv1alpha1.EnforcementEnforce}))
	}
	var err *field.Error
	if p.selector, err = compileSelector(spec.Selector, root.Child("selector")); err != nil {
		errs = append(errs, err)
	}
	if p.namespaceSelector, err = compileSelector(namespaceSelector, root.Child("namespaceSelector")); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, p.compileRules(&spec.Rules, root.Child("rules"))...)
	errs = append(errs, p.compileOperationalRules(&spec.Rules, root.Child("rules"))...)
	errs = append(errs, p.compileExemptions(spec.Exemptions, scope, root.Child("exemptions"))...)
	if len(errs) > 0 {
		return nil, errs.ToAggregate()
	}
	p.checks = p.enabledChecks()
	return p, nil
}

// Enforcement is the policy's enforcement mode, Audit when unset.
func (p *Policy) Enforcement() prodreadyv1alpha1.Enforcement { return p.enforcement }

// SelectsNamespace reports whether the policy's namespace selector selects a
// namespace with these labels. Always true without a namespace selector.
func (p *Policy) SelectsNamespace(namespaceLabels map[string]string) bool {
	return p.namespaceSelector == nil || p.namespaceSelector.Matches(labels.Set(namespaceLabels))
}

// SelectsDeployment reports whether the policy's selector selects a
// Deployment with these labels. The namespace is checked by the caller, with
// SelectsNamespace for a cluster policy or by equality for a namespaced one.
func (p *Policy) SelectsDeployment(deploymentLabels map[string]string) bool {
	return p.selector == nil || p.selector.Matches(labels.Set(deploymentLabels))
}

// DeploymentSelector returns the policy's Deployment selector, for listing
// only the Deployments it selects (labels.Everything when it has none).
func (p *Policy) DeploymentSelector() labels.Selector {
	if p.selector == nil {
		return labels.Everything()
	}
	return p.selector
}

// HasNamespaceSelector reports whether the policy restricts namespaces by label.
func (p *Policy) HasNamespaceSelector() bool { return p.namespaceSelector != nil }

// UsesClusterObjects reports whether the outcome can depend on
// PodDisruptionBudgets or HorizontalPodAutoscalers (every rule that reads the
// effective replica count reads HPAs), so that a change to one needs a
// re-evaluation.
func (p *Policy) UsesClusterObjects() bool {
	return p.minReplicas > 0 || p.pdbRequired || p.pdbAllowsDisruption || p.ops.needsReplicas()
}

// Bounds on a label selector a tenant writes: the CRD schema's bounds
// (prodreadyv1alpha1.LabelSelector), checked again here for manifests read
// without an API server (the CLI). Key and value lengths are bounded by
// label syntax, which LabelSelectorAsSelector checks.
const (
	MaxSelectorExpressions = prodreadyv1alpha1.MaxSelectorExpressions
	MaxSelectorValues      = prodreadyv1alpha1.MaxSelectorValues
	MaxSelectorLabels      = prodreadyv1alpha1.MaxSelectorLabels
)

// selectorTooLarge reports a selector over the bounds above, naming the field.
func selectorTooLarge(sel *metav1.LabelSelector, path *field.Path) *field.Error {
	if n := len(sel.MatchLabels); n > MaxSelectorLabels {
		return field.TooMany(path.Child("matchLabels"), n, MaxSelectorLabels)
	}
	if n := len(sel.MatchExpressions); n > MaxSelectorExpressions {
		return field.TooMany(path.Child("matchExpressions"), n, MaxSelectorExpressions)
	}
	for i, e := range sel.MatchExpressions {
		if n := len(e.Values); n > MaxSelectorValues {
			return field.TooMany(path.Child("matchExpressions").Index(i).Child("values"), n, MaxSelectorValues)
		}
	}
	return nil
}

func compileSelector(policySel *prodreadyv1alpha1.LabelSelector, path *field.Path) (labels.Selector, *field.Error) {
	if policySel == nil {
		return nil, nil
	}
	sel := policySel.AsMetav1()
	if err := selectorTooLarge(sel, path); err != nil {
		return nil, err
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return nil, field.Invalid(path, sel.String(), err.Error())
	}
	if s.Empty() {
		return nil, nil
	}
	return s, nil
}

func (p *Policy) compileRules(r *prodreadyv1alpha1.Rules, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if pr := r.Probes; pr != nil {
		pp := path.Child("probes")
		var err *field.Error
		if p.readiness, err = required(pr.Readiness, pp.Child("readiness")); err != nil {
			errs = append(errs, err)
		}
		if p.liveness, err = required(pr.Liveness, pp.Child("liveness")); err != nil {
			errs = append(errs, err)
		}
		if p.startup, err = required(pr.Startup, pp.Child("startup")); err != nil {
			errs = append(errs, err)
		}
		p.distinct = pr.Distinct
	}
	if rr := r.Resources; rr != nil {
		rp := path.Child("resources")
		var e field.ErrorList
		p.requests, e = resourceNames(rr.Requests, rp.Child("requests"))
		errs = append(errs, e...)
		p.limits, e = resourceNames(rr.Limits, rp.Child("limits"))
		errs = append(errs, e...)
	}
	if rep := r.Replicas; rep != nil {
		if rep.Minimum < 1 {
			errs = append(errs, field.Invalid(path.Child("replicas", "minimum"), rep.Minimum, "must be at least 1"))
		}
		p.minReplicas = rep.Minimum
	}
	if pdb := r.PodDisruptionBudget; pdb != nil {
		p.pdbRequired, p.pdbAllowsDisruption = pdb.Required, pdb.AllowsDisruption
	}
	if m := r.Metrics; m != nil {
		ap := path.Child("metrics", "annotations")
		seen := map[string]bool{}
		budget := MaxPolicyRegexProgramSize
		for i, a := range m.Annotations {
			if a.Key == "" {
				errs = append(errs, field.Required(ap.Index(i).Child("key"), "the annotation key must not be empty"))
				continue
			}
			if seen[a.Key] {
				errs = append(errs, field.Duplicate(ap.Index(i).Child("key"), a.Key))
				continue
			}
			seen[a.Key] = true
			ar := annotationRule{key: a.Key, pattern: a.Value}
			if a.Value != "" {
				re, size, err := compileBounded(a.Value, budget)
				if err != nil {
					msg := "not a valid regular expression: " + err.Error()
					if _, ok := err.(*regexBudgetError); ok {
						msg = err.Error()
					}
					errs = append(errs, field.Invalid(ap.Index(i).Child("value"), truncated(a.Value), msg))
					continue
				}
				budget -= size
				ar.re = re
			}
			p.annotations = append(p.annotations, ar)
		}
	}
	return errs
}

func required(r prodreadyv1alpha1.Requirement, path *field.Path) (bool, *field.Error) {
	switch r {
	case prodreadyv1alpha1.RequirementRequired:
		return true, nil
	case prodreadyv1alpha1.RequirementIgnore, "":
		return false, nil
	}
	return false, field.NotSupported(path, r, []prodreadyv1alpha1.Requirement{prodreadyv1alpha1.RequirementRequired, prodreadyv1alpha1.RequirementIgnore})
}

var knownResources = []prodreadyv1alpha1.ResourceName{"cpu", "memory", "ephemeral-storage"}

func resourceNames(names []prodreadyv1alpha1.ResourceName, path *field.Path) ([]corev1.ResourceName, field.ErrorList) {
	var out []corev1.ResourceName
	var errs field.ErrorList
	for i, n := range names {
		if !slices.Contains(knownResources, n) {
			errs = append(errs, field.NotSupported(path.Index(i), n, knownResources))
			continue
		}
		if !slices.Contains(out, corev1.ResourceName(n)) {
			out = append(out, corev1.ResourceName(n))
		}
	}
	return out, errs
}

// knownRuleIDs are the exact rule IDs; an exemption may also name a prefix
// that ends at a dot boundary of one of them.
var knownRuleIDs = []string{
	RuleProbesReadiness, RuleProbesLiveness, RuleProbesStartup, RuleProbesDistinct,
	"resources.requests.cpu", "resources.requests.memory", "resources.requests.ephemeral-storage",
	"resources.limits.cpu", "resources.limits.memory", "resources.limits.ephemeral-storage",
	RuleReplicasMinimum, RulePDBRequired, RulePDBAllowsDisruption, RuleMetricsAnnotation,
	RuleRolloutMaxUnavailable, RuleRolloutRevisionHistory, RuleSpreadNodes, RuleSpreadZones,
	RuleShutdownGracePeriod, RuleShutdownPreStop, RuleImagePinned, RulePriorityClass,
}

// KnownRuleID reports whether id is a rule ID or a rule ID prefix (such as
// "probes" or "resources.limits") that an exemption may name.
func KnownRuleID(id string) bool {
	for _, k := range knownRuleIDs {
		if ruleCovers(id, k) {
			return true
		}
	}
	return false
}

// ruleCovers reports whether an exemption entry (a rule ID or a prefix of
// one) covers the rule ID.
func ruleCovers(entry, rule string) bool {
	return entry == rule || (strings.HasPrefix(rule, entry) && rule[len(entry)] == '.')
}

func (p *Policy) compileExemptions(exs []prodreadyv1alpha1.Exemption, scope *Scope, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, ex := range exs {
		ep := path.Index(i)
		c := exemption{namespaces: ex.Namespaces, names: ex.Deployments, containers: ex.Containers, reason: ex.Reason}
		errs = append(errs, exemptionNamespaces(&c, ex.Namespaces, scope, ep.Child("namespaces"))...)
		switch {
		case len(ex.Deployments) > 0 && ex.Selector != nil:
			errs = append(errs, field.Invalid(ep, "deployments and selector", "set exactly one of deployments or selector"))
		case len(ex.Deployments) == 0 && ex.Selector == nil:
			errs = append(errs, field.Required(ep, "set exactly one of deployments or selector"))
		case ex.Selector != nil:
			sel := ex.Selector.AsMetav1()
			if err := selectorTooLarge(sel, ep.Child("selector")); err != nil {
				errs = append(errs, err)
				break
			}
			s, err := metav1.LabelSelectorAsSelector(sel)
			if err != nil {
				errs = append(errs, field.Invalid(ep.Child("selector"), sel.String(), err.Error()))
			}
			c.selector = s
		}
		if len(ex.Rules) == 0 {
			errs = append(errs, field.Required(ep.Child("rules"), "name at least one rule ID or prefix"))
		}
		for j, r := range ex.Rules {
			if !KnownRuleID(r) {
				errs = append(errs, field.NotSupported(ep.Child("rules").Index(j), r, append([]string{"probes", "resources", "resources.requests", "resources.limits", "replicas", "pdb", "metrics",
					"rollout", "spread", "shutdown", "image", "priority"}, knownRuleIDs...)))
			}
		}
		c.rules = ex.Rules
		if strings.TrimSpace(ex.Reason) == "" {
			errs = append(errs, field.Required(ep.Child("reason"), "say why the exemption exists"))
		}
		if ex.Expires != nil {
			c.expires = ex.Expires.Time
		}
		p.exemptions = append(p.exemptions, c)
	}
	return errs
}

// exemptionNamespaces checks an exemption's namespaces against the policy's
// scope and pins a ReadinessPolicy's exemptions to its own namespace.
func exemptionNamespaces(c *exemption, namespaces []string, scope *Scope, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for j, ns := range namespaces {
		if msgs := validation.IsDNS1123Label(ns); len(msgs) > 0 {
			errs = append(errs, field.Invalid(path.Index(j), truncated(ns), strings.Join(msgs, "; ")))
		}
	}
	switch {
	case scope == nil:
	case scope.Cluster && len(namespaces) == 0:
		errs = append(errs, field.Required(path,
			"an exemption of a ClusterReadinessPolicy must name the namespaces it applies to, so that it cannot reach a Deployment of the same name or labels in another namespace"))
	case !scope.Cluster:
		for j, ns := range namespaces {
			if ns != scope.Namespace {
				errs = append(errs, field.Invalid(path.Index(j), truncated(ns),
					fmt.Sprintf("a ReadinessPolicy's exemptions apply only in its own namespace %q", scope.Namespace)))
			}
		}
		c.namespaces = []string{scope.Namespace}
	}
	return errs
}

// exemptionsFor returns the exemptions that apply to the Deployment at now.
func (p *Policy) exemptionsFor(d *appsv1.Deployment, now time.Time) []*exemption {
	var out []*exemption
	for i := range p.exemptions {
		ex := &p.exemptions[i]
		if !ex.expires.IsZero() && !now.Before(ex.expires) {
			continue
		}
		if len(ex.namespaces) > 0 && !slices.Contains(ex.namespaces, d.Namespace) {
			continue
		}
		if ex.selector != nil {
			if !ex.selector.Matches(labels.Set(d.Labels)) {
				continue
			}
		} else if !slices.Contains(ex.names, d.Name) {
			continue
		}
		out = append(out, ex)
	}
	return out
}

func coveringExemption(active []*exemption, f *Finding) *exemption {
	for _, ex := range active {
		if len(ex.containers) > 0 && (f.Container == "" || !slices.Contains(ex.containers, f.Container)) {
			continue
		}
		for _, r := range ex.rules {
			if ruleCovers(r, f.Rule) {
				return ex
			}
		}
	}
	return nil
}
