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

// Package webhook holds prodready's validating admission webhooks. They are
// thin adapters over the rule engine: the same gather step and compiled
// policies as the controller, so admission and status never disagree.
package webhook

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/go-logr/logr"
	admissionv1 "k8s.io/api/admission/v1"
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
	"github.com/prodready/prodready/internal/gather"
	"github.com/prodready/prodready/internal/readiness"
)

// +kubebuilder:webhook:path=/validate-apps-v1-deployment,mutating=false,failurePolicy=ignore,sideEffects=None,groups=apps,resources=deployments,verbs=create;update,versions=v1,name=vdeployment.prodready.io,admissionReviewVersions=v1,timeoutSeconds=3,matchPolicy=Equivalent

// DeploymentValidator admits or denies Deployment creates and updates
// according to the policies that select them.
type DeploymentValidator struct {
	// Reader reads policies, Namespaces and the objects rules need (PDBs,
	// HPAs, Services, Node metadata, PriorityClasses); the manager's cache,
	// shared with the controller.
	Reader client.Reader
	// Compiler is shared with the controller.
	Compiler *gather.Compiler
	// Clock decides whether exemptions have expired; the controller uses the
	// same kind of clock.
	Clock clock.PassiveClock
}

var _ admission.Validator[*appsv1.Deployment] = &DeploymentValidator{}

// MaxAdmissionMessages caps the denials plus warnings one admission response
// carries; the response then states how many more there are. Every message
// is itself bounded (quoted values are cut, name lists capped), so a
// response stays in the tens of kilobytes whatever the Deployment holds.
const MaxAdmissionMessages = 50

// verdict collects what every matching policy says about one request.
type verdict struct {
	denials  field.ErrorList
	warnings admission.Warnings
	// droppedDenials and droppedWarnings count the messages past
	// MaxAdmissionMessages (including those the engine only counted).
	droppedDenials, droppedWarnings int
	// decisions maps each policy that had something to say to
	// allowed, warned or denied, for metrics and the log.
	decisions map[string]string
	rules     []string
}

// ValidateCreate checks a new Deployment. Rules about PodDisruptionBudgets
// only warn on create, so a Deployment and its PDB can be applied in any
// order; the controller flags a PDB that is still missing afterwards.
func (v *DeploymentValidator) ValidateCreate(ctx context.Context, d *appsv1.Deployment) (admission.Warnings, error) {
	return v.validate(ctx, admissionv1.Create, nil, d)
}

// ValidateUpdate checks a changed Deployment. Only violations the old object
// did not already have are denied (ratcheting), so a legacy Deployment can
// always roll out a fix, a rollback or a partial improvement. Updates that
// leave the spec unchanged (metadata written by other controllers) and
// Deployments being deleted are always admitted.
func (v *DeploymentValidator) ValidateUpdate(ctx context.Context, oldD, newD *appsv1.Deployment) (admission.Warnings, error) {
	if newD.DeletionTimestamp != nil || equality.Semantic.DeepEqual(oldD.Spec, newD.Spec) {
		return nil, nil
	}
	return v.validate(ctx, admissionv1.Update, oldD, newD)
}

// ValidateDelete admits every delete; the webhook is not registered for
// deletes, this only completes the interface.
func (v *DeploymentValidator) ValidateDelete(context.Context, *appsv1.Deployment) (admission.Warnings, error) {
	return nil, nil
}

func (v *DeploymentValidator) validate(ctx context.Context, op admissionv1.Operation, oldD, d *appsv1.Deployment) (admission.Warnings, error) {
	start := time.Now()
	// Built only when something is logged: most requests log nothing.
	// The request's uid and user join it when the request is known.
	log := func() logr.Logger {
		l := ctrl.LoggerFrom(ctx)
		if req, err := admission.RequestFromContext(ctx); err == nil {
			l = requestLogger(l, req)
		}
		return l.WithValues("deployment", klog.KObj(d), "operation", op)
	}
	if d.Namespace == "" {
		// The API server always sends the namespace; a review without one
		// must not be evaluated against the policies of every namespace
		// (listing in namespace "" lists them all).
		if req, err := admission.RequestFromContext(ctx); err == nil {
			d.Namespace = req.Namespace
		}
		if d.Namespace == "" {
			return nil, apierrors.NewInvalid(appsv1.SchemeGroupVersion.WithKind("Deployment").GroupKind(), d.Name,
				field.ErrorList{field.Required(field.NewPath("metadata", "namespace"), "a Deployment is namespaced")})
		}
	}
	candidates, err := gather.PoliciesInScope(ctx, v.Reader, v.Compiler, d.Namespace, gather.All)
	if err != nil {
		// Fail open: the controller's audit catches what slips through.
		log().Error(err, "Could not read policies; admitting")
		return admission.Warnings{"prodready could not evaluate this Deployment (" + err.Error() + "); it was admitted and will be audited"}, nil
	}
	objs := &gather.NamespaceObjects{} // loaded as the policies need them
	now := v.Clock.Now()
	vd := verdict{decisions: map[string]string{}}
	for _, c := range candidates {
		enf := c.Compiled.Enforcement()
		if enf == prodreadyv1alpha1.EnforcementAudit || !c.Compiled.SelectsDeployment(d.Labels) {
			continue
		}
		if err := objs.Load(ctx, v.Reader, d.Namespace, gather.NeedsOf(c.Compiled)); err != nil {
			log().Error(err, "Could not read the objects the rules need; admitting")
			return admission.Warnings{"prodready could not evaluate this Deployment (" + err.Error() + "); it was admitted and will be audited"}, nil
		}
		res := c.Compiled.Evaluate(objs.Input(d), now)
		if res.Compliant() {
			vd.decisions[c.Key.String()] = decisionAllowed
			continue
		}
		var preexisting map[ruleContainer]int
		oldCount := 0
		if oldD != nil {
			old := c.Compiled.Evaluate(objs.Input(oldD), now)
			preexisting = countByRule(old.Violations)
			oldCount = old.ViolationCount
		}
		vd.judge(c.Key.String(), enf, op, &res, preexisting, oldCount)
	}
	vd.summarizeDropped()
	observe(op, vd.decisions, time.Since(start))
	if len(vd.denials) > 0 {
		log().Info("Denied a Deployment that violates an enforced policy", "policies", keys(vd.decisions, decisionDenied), "rules", vd.rules)
		return vd.warnings, apierrors.NewInvalid(appsv1.SchemeGroupVersion.WithKind("Deployment").GroupKind(), d.Name, vd.denials)
	}
	if len(vd.warnings) > 0 {
		log().Info("Admitted a Deployment with warnings", "policies", keys(vd.decisions, decisionWarned), "rules", vd.rules)
	}
	return vd.warnings, nil
}

// ruleContainer is what ratcheting compares: how many violations of a rule a
// container (or the whole Deployment) has.
type ruleContainer struct{ rule, container string }

func countByRule(fs []readiness.Finding) map[ruleContainer]int {
	m := make(map[ruleContainer]int, len(fs))
	for _, f := range fs {
		m[ruleContainer{f.Rule, f.Container}]++
	}
	return m
}

// judge sorts one policy's violations into denials and warnings. Only the
// violations the engine listed are judged one by one; when it counted more
// than it listed, the rest are counted as dropped, and under Enforce a rise
// in the total over the old object's denies the request even if no listed
// violation is new, so the cap never lets a new violation through.
func (vd *verdict) judge(policy string, enf prodreadyv1alpha1.Enforcement, op admissionv1.Operation, res *readiness.Result, preexisting map[ruleContainer]int, oldCount int) {
	violations := res.Violations
	readiness.SortFindings(violations)
	decision := decisionWarned
	seen := map[ruleContainer]int{}
	for _, f := range violations {
		k := ruleContainer{f.Rule, f.Container}
		seen[k]++
		isNew := seen[k] > preexisting[k]
		vd.rules = appendUnique(vd.rules, f.Rule)
		// PDB rules are only warned on create, so that a Deployment and its
		// PodDisruptionBudget can be applied in either order.
		deferred := op == admissionv1.Create && isPDBRule(f.Rule)
		switch {
		case enf == prodreadyv1alpha1.EnforcementEnforce && isNew && !deferred:
			decision = decisionDenied
			vd.deny(field.Invalid(field.NewPath(f.Path), field.OmitValueType{},
				fmt.Sprintf("%s (%s): %s", f.Rule, policy, f.Message)))
		case enf == prodreadyv1alpha1.EnforcementEnforce && deferred:
			vd.warn(fmt.Sprintf("%s (%s, not enforced on create so a Deployment and its PodDisruptionBudget can be applied in any order): %s", f.Rule, policy, f.Message))
		default:
			vd.warn(fmt.Sprintf("%s (%s): %s", f.Rule, policy, f.Message))
		}
	}
	if unlisted := res.ViolationCount - len(violations); unlisted > 0 {
		switch {
		case enf != prodreadyv1alpha1.EnforcementEnforce:
			vd.droppedWarnings += unlisted
		case decision == decisionDenied || res.ViolationCount > oldCount:
			decision = decisionDenied
			vd.droppedDenials += unlisted
		default:
			vd.droppedWarnings += unlisted
		}
	}
	vd.decisions[policy] = decision
}

func (vd *verdict) deny(e *field.Error) {
	if len(vd.denials)+len(vd.warnings) >= MaxAdmissionMessages {
		vd.droppedDenials++
		return
	}
	vd.denials = append(vd.denials, e)
}

func (vd *verdict) warn(w string) {
	if len(vd.denials)+len(vd.warnings) >= MaxAdmissionMessages {
		vd.droppedWarnings++
		return
	}
	vd.warnings = append(vd.warnings, w)
}

// summarizeDropped states how many messages the response leaves out, as one
// more denial and one more warning. A denial only ever counts as dropped
// when at least one policy denies, so the request is denied either way.
func (vd *verdict) summarizeDropped() {
	if vd.droppedDenials > 0 {
		vd.denials = append(vd.denials, field.Forbidden(field.NewPath("spec"), fmt.Sprintf(
			"and %d more violation(s) of enforced policies (%d in total); fix the ones listed and apply again to see the rest",
			vd.droppedDenials, vd.droppedDenials+len(vd.denials))))
	}
	if vd.droppedWarnings > 0 {
		vd.warnings = append(vd.warnings, fmt.Sprintf("and %d more warning(s) (%d in total); kubectl get rpol,crpol -A shows every policy's violations",
			vd.droppedWarnings, vd.droppedWarnings+len(vd.warnings)))
	}
}

func isPDBRule(rule string) bool { return strings.HasPrefix(rule, "pdb.") }

func appendUnique(s []string, v string) []string {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}

func keys(m map[string]string, decision string) []string {
	var out []string
	for k, d := range m {
		if d == decision {
			out = append(out, k)
		}
	}
	return out
}
