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

// Package controller holds the reconcilers that evaluate ReadinessPolicies
// and ClusterReadinessPolicies against the Deployments they select and write
// the outcome into the policies' status.
package controller

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
	"github.com/prodready/prodready/internal/gather"
	"github.com/prodready/prodready/internal/readiness"
)

// Event reasons on Deployments.
const (
	// ReasonPolicyViolation is recorded when a Deployment becomes
	// non-compliant with a policy.
	ReasonPolicyViolation = "PolicyViolation"
	// ReasonPolicyCompliant is recorded when a non-compliant Deployment
	// complies again.
	ReasonPolicyCompliant = "PolicyCompliant"
	// ReasonTransitionsSummarized is recorded on a policy, in place of the
	// Events past maxTransitionEvents, when one evaluation sees more
	// Deployments change compliance than that (a new policy in a large
	// cluster).
	ReasonTransitionsSummarized = "TransitionsSummarized"
	// ReasonInvalidSpec is recorded as a Warning on a policy whose spec
	// became invalid, which then checks nothing: an Enforce policy stops
	// enforcing.
	ReasonInvalidSpec = prodreadyv1alpha1.ReasonInvalidSpec
)

// expiryGrace is added to an exemption's expiry before requeueing, so the
// re-evaluation surely sees it expired.
const expiryGrace = time.Second

// +kubebuilder:rbac:groups=prodready.io,resources=readinesspolicies;clusterreadinesspolicies,verbs=get;list;watch
// +kubebuilder:rbac:groups=prodready.io,resources=readinesspolicies/status;clusterreadinesspolicies/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=apps,resources=deployments,verbs=get;list;watch
// +kubebuilder:rbac:groups=policy,resources=poddisruptionbudgets,verbs=get;list;watch
// +kubebuilder:rbac:groups=autoscaling,resources=horizontalpodautoscalers,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=services;nodes,verbs=list;watch
// +kubebuilder:rbac:groups=scheduling.k8s.io,resources=priorityclasses,verbs=list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// +kubebuilder:rbac:groups="",resources=events,verbs=create;patch

// PolicyReconciler evaluates one kind of policy: ReadinessPolicy when
// Cluster is false, ClusterReadinessPolicy when it is true.
type PolicyReconciler struct {
	client.Client
	// APIReader reads the policy itself, uncached: the status written by the
	// previous reconcile may not have reached the cache yet, and a diff or an
	// "unchanged" check against a stale copy would lose a write.
	APIReader client.Reader
	// Cluster selects the ClusterReadinessPolicy kind.
	Cluster bool
	// Compiler caches compiled policies; shared with the webhook.
	Compiler *gather.Compiler
	// Recorder records Events on Deployments.
	Recorder events.EventRecorder
	// Clock decides whether exemptions have expired.
	Clock clock.PassiveClock

	transitions *transitions
	metrics     *policyMetrics
	lazy        *gather.LazyWatches
}

func (r *PolicyReconciler) newPolicy() (prodreadyv1alpha1.Policy, client.Object) {
	if r.Cluster {
		p := &prodreadyv1alpha1.ClusterReadinessPolicy{}
		return p, p
	}
	p := &prodreadyv1alpha1.ReadinessPolicy{}
	return p, p
}

// Reconcile evaluates one policy and patches its status when it changed.
func (r *PolicyReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	pol, obj := r.newPolicy()
	key := gather.PolicyKey{Cluster: r.Cluster, NamespacedName: req.NamespacedName}
	if err := r.APIReader.Get(ctx, req.NamespacedName, obj); err != nil {
		if apierrors.IsNotFound(err) {
			r.Compiler.Forget(key)
			r.transitions.forget(key)
			r.metrics.forget(key)
			r.metrics.setInvalid(key, false, "")
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, fmt.Errorf("getting %s: %w", key, err)
	}
	log := ctrl.LoggerFrom(ctx).WithValues("policy", key.String(), "generation", obj.GetGeneration())
	ctx = ctrl.LoggerInto(ctx, log)
	before := pol.GetPolicyStatus().DeepCopy()

	compiled, err := r.Compiler.Compile(pol)
	if err != nil {
		// Permanent until the spec changes: record it, do not retry.
		log.Info("Policy spec is invalid", "error", err.Error())
		enforcement := enforcementOf(pol)
		r.metrics.forget(key)
		r.metrics.setInvalid(key, true, enforcement)
		setInvalidSpecStatus(pol.GetPolicyStatus(), obj.GetGeneration(), err)
		if err := r.patchStatus(ctx, obj, before, pol.GetPolicyStatus()); err != nil {
			return ctrl.Result{}, err
		}
		if !wasInvalid(before, obj.GetGeneration()) && r.Recorder != nil {
			r.Recorder.Eventf(obj, nil, corev1.EventTypeWarning, ReasonInvalidSpec, "Compile", "%s", invalidNote(enforcement, err))
		}
		return ctrl.Result{}, nil
	}
	r.metrics.setInvalid(key, false, "")

	if err := r.lazy.Ensure(ctx, gather.NeedsOf(compiled)); err != nil {
		return ctrl.Result{}, err
	}
	start := time.Now()
	o, deployments, err := r.evaluate(ctx, obj, compiled)
	if err != nil {
		return ctrl.Result{}, err
	}
	r.metrics.observe(key, o, time.Since(start))
	setEvaluatedStatus(pol.GetPolicyStatus(), obj.GetGeneration(), o)
	if err := r.patchStatus(ctx, obj, before, pol.GetPolicyStatus()); err != nil {
		return ctrl.Result{}, err
	}
	r.recordTransitions(key, obj, before, o, deployments)
	log.V(1).Info("Policy evaluated", "matched", o.summary.Matched, "nonCompliant", o.summary.NonCompliant, "violations", o.summary.Violations)

	if !o.nextExpiry.IsZero() {
		return ctrl.Result{RequeueAfter: o.nextExpiry.Sub(r.Clock.Now()) + expiryGrace}, nil
	}
	return ctrl.Result{}, nil
}

// evaluate gathers the Deployments the policy selects, with the objects of
// their namespaces, and evaluates each one.
func (r *PolicyReconciler) evaluate(ctx context.Context, obj client.Object, p *readiness.Policy) (*outcome, map[types.NamespacedName]*appsv1.Deployment, error) {
	var list appsv1.DeploymentList
	// Only the selected Deployments are copied into the list: at 10,000
	// Deployments a list of all of them per reconcile was the largest
	// allocation of a full evaluation.
	opts := []client.ListOption{client.UnsafeDisableDeepCopy, client.MatchingLabelsSelector{Selector: p.DeploymentSelector()}}
	if !r.Cluster {
		opts = append(opts, client.InNamespace(obj.GetNamespace()))
	}
	if err := r.List(ctx, &list, opts...); err != nil {
		return nil, nil, fmt.Errorf("listing Deployments: %w", err)
	}
	var nsSelected map[string]bool
	if r.Cluster && p.HasNamespaceSelector() {
		var err error
		if nsSelected, err = r.selectedNamespaces(ctx, p); err != nil {
			return nil, nil, err
		}
	}

	now := r.Clock.Now()
	o := newOutcome()
	byName := map[types.NamespacedName]*appsv1.Deployment{}
	needs := gather.NeedsOf(p)
	cluster := &gather.NamespaceObjects{} // cluster-scoped objects, listed once
	if err := cluster.LoadCluster(ctx, r.Client, needs); err != nil {
		return nil, nil, err
	}
	perNamespace := map[string]*gather.NamespaceObjects{}
	for i := range list.Items {
		d := &list.Items[i]
		if d.DeletionTimestamp != nil || !p.SelectsDeployment(d.Labels) || (nsSelected != nil && !nsSelected[d.Namespace]) {
			continue
		}
		objs := perNamespace[d.Namespace]
		if objs == nil {
			objs = &gather.NamespaceObjects{}
			objs.ShareCluster(cluster)
			if err := objs.Load(ctx, r.Client, d.Namespace, needs); err != nil {
				return nil, nil, err
			}
			perNamespace[d.Namespace] = objs
		}
		res := p.Evaluate(objs.Input(d), now)
		name := types.NamespacedName{Namespace: d.Namespace, Name: d.Name}
		o.add(name, &res)
		byName[name] = d
	}
	return o, byName, nil
}

func (r *PolicyReconciler) selectedNamespaces(ctx context.Context, p *readiness.Policy) (map[string]bool, error) {
	var nss corev1.NamespaceList
	if err := r.List(ctx, &nss, client.UnsafeDisableDeepCopy); err != nil {
		return nil, fmt.Errorf("listing Namespaces: %w", err)
	}
	out := make(map[string]bool, len(nss.Items))
	for i := range nss.Items {
		out[nss.Items[i].Name] = p.SelectsNamespace(nss.Items[i].Labels)
	}
	return out, nil
}

// patchStatus writes the status once, and only if it differs from what was
// read. The patch carries the whole status, so every count is written even
// when it is zero and an emptied violations list is cleared, and the
// resourceVersion read, so a concurrent change makes it fail and retry
// instead of overwriting.
func (r *PolicyReconciler) patchStatus(ctx context.Context, obj client.Object, before, after *prodreadyv1alpha1.PolicyStatus) error {
	if equality.Semantic.DeepEqual(before, after) {
		return nil
	}
	body, err := statusPatch(obj.GetResourceVersion(), after)
	if err != nil {
		return err
	}
	if err := r.Status().Patch(ctx, obj, client.RawPatch(types.MergePatchType, body)); err != nil {
		if apierrors.IsNotFound(err) {
			return nil // deleted meanwhile
		}
		statusWriteErrors.WithLabelValues(kindOf(gather.PolicyKey{Cluster: r.Cluster})).Inc()
		if apierrors.IsConflict(err) {
			return fmt.Errorf("patching status: the policy changed meanwhile, retrying: %w", err)
		}
		return fmt.Errorf("patching status: %w", err)
	}
	statusWrites.WithLabelValues(kindOf(gather.PolicyKey{Cluster: r.Cluster})).Inc()
	ctrl.LoggerFrom(ctx).V(1).Info("Status patched")
	return nil
}

// statusPatch renders a JSON merge patch that replaces the whole status.
func statusPatch(resourceVersion string, st *prodreadyv1alpha1.PolicyStatus) ([]byte, error) {
	raw, err := json.Marshal(st)
	if err != nil {
		return nil, fmt.Errorf("encoding status: %w", err)
	}
	var fields map[string]any
	if err := json.Unmarshal(raw, &fields); err != nil {
		return nil, fmt.Errorf("encoding status: %w", err)
	}
	if _, ok := fields["violations"]; !ok {
		fields["violations"] = nil // clear a list left by an earlier write
	}
	return json.Marshal(map[string]any{
		"metadata": map[string]any{"resourceVersion": resourceVersion},
		"status":   fields,
	})
}

// maxTransitionEvents bounds the Events on Deployments one evaluation
// records. A new policy in a cluster of 10,000 Deployments would otherwise
// queue thousands at once (memory, and API writes competing with status
// patches); the rest are counted in one TransitionsSummarized Event on the
// policy, and the policy's status lists the violations.
const maxTransitionEvents = 100

// recordTransitions emits an Event on every Deployment whose compliance with
// this policy changed since the last evaluation, in namespace and name
// order, at most maxTransitionEvents of them. The policy is the Event's
// related object, so Events from two policies about one Deployment are not
// merged into one.
func (r *PolicyReconciler) recordTransitions(key gather.PolicyKey, policy client.Object, before *prodreadyv1alpha1.PolicyStatus, o *outcome, deployments map[types.NamespacedName]*appsv1.Deployment) {
	if r.Recorder == nil {
		return
	}
	changes := r.transitions.update(key, before, o)
	slices.SortFunc(changes, func(a, b change) int {
		return cmp.Or(cmp.Compare(a.deployment.Namespace, b.deployment.Namespace), cmp.Compare(a.deployment.Name, b.deployment.Name))
	})
	emitted, moreViolating, moreCompliant := 0, 0, 0
	for _, c := range changes {
		d := deployments[c.deployment]
		switch {
		case d == nil:
			continue
		case emitted == maxTransitionEvents && c.rules != nil:
			moreViolating++
			continue
		case emitted == maxTransitionEvents:
			moreCompliant++
			continue
		}
		emitted++
		if c.rules != nil {
			r.Recorder.Eventf(d, policy, corev1.EventTypeWarning, ReasonPolicyViolation, "Evaluate", "%s", violationNote(key.String(), c.rules))
			continue
		}
		r.Recorder.Eventf(d, policy, corev1.EventTypeNormal, ReasonPolicyCompliant, "Evaluate", "Deployment complies with %s", key.String())
	}
	if moreViolating+moreCompliant == 0 {
		return
	}
	typ := corev1.EventTypeNormal
	if moreViolating > 0 {
		typ = corev1.EventTypeWarning
	}
	r.Recorder.Eventf(policy, nil, typ, ReasonTransitionsSummarized, "Evaluate",
		"%d more Deployment(s) became non-compliant and %d compliant in this evaluation, past the %d Events on Deployments one evaluation records; see status.violations",
		moreViolating, moreCompliant, maxTransitionEvents)
}
