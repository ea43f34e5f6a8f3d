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

package controller

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
	"github.com/prodready/prodready/internal/gather"
)

// SetupWithManager registers the reconcilers of both policy kinds, sharing
// one compiler (also shared with the webhook) and one Event recorder.
func SetupWithManager(mgr ctrl.Manager, compiler *gather.Compiler, recorder events.EventRecorder) error {
	for _, cluster := range []bool{false, true} {
		r := &PolicyReconciler{Client: mgr.GetClient(), Cluster: cluster, Compiler: compiler, Recorder: recorder}
		if err := r.SetupWithManager(mgr); err != nil {
			return fmt.Errorf("creating the controller (cluster=%v): %w", cluster, err)
		}
	}
	return nil
}

// SetupWithManager registers the reconciler. Besides its own policies it
// watches Deployments, PodDisruptionBudgets, HorizontalPodAutoscalers and (for
// cluster policies) Namespaces, and maps each change through the policies'
// selectors to only the policies it can affect. Services, Node metadata and
// PriorityClasses are watched from the first reconcile of a policy whose
// rules read them (see gather.LazyWatches).
func (r *PolicyReconciler) SetupWithManager(mgr ctrl.Manager) error {
	r.transitions = newTransitions()
	r.metrics = newPolicyMetrics(kindOf(gather.PolicyKey{Cluster: r.Cluster}))
	if r.APIReader == nil {
		r.APIReader = mgr.GetAPIReader()
	}
	if r.Clock == nil {
		r.Clock = clock.RealClock{}
	}
	_, obj := r.newPolicy()
	name := "readinesspolicy"
	if r.Cluster {
		name = "clusterreadinesspolicy"
	}
	b := ctrl.NewControllerManagedBy(mgr).
		Named(name).
		For(obj, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Watches(&appsv1.Deployment{}, coalescing(r.mapDeployment),
			builder.WithPredicates(predicate.Or(predicate.GenerationChangedPredicate{}, predicate.LabelChangedPredicate{}))).
		Watches(&policyv1.PodDisruptionBudget{}, coalescing(r.mapPodDisruptionBudget),
			builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Watches(&autoscalingv2.HorizontalPodAutoscaler{}, coalescing(r.mapHorizontalPodAutoscaler),
			builder.WithPredicates(hpaScalingChanged()))
	if r.Cluster {
		b = b.Watches(&corev1.Namespace{}, coalescing(r.mapNamespace),
			builder.WithPredicates(predicate.LabelChangedPredicate{}))
	}
	r.lazy = gather.NewLazyWatches(mgr.GetCache(), r.lazySources(mgr.GetCache()))
	return r.lazy.Build(func() (controller.Controller, error) { return b.Build(r) })
}

// coalesceWindow is how long an evaluation triggered by a Deployment, PDB,
// HPA or Namespace event waits. Events for the same policy within the window
// collapse into one evaluation and at most one status write, so a rollout or
// a kubectl apply -f dir/ touching many Deployments costs one patch per
// policy, not one per Deployment.
const coalesceWindow = 100 * time.Millisecond

// coalescing enqueues the policies a map function returns after
// coalesceWindow; the queue keeps one entry per policy, due at the earliest
// time asked for.
func coalescing(fn handler.MapFunc) handler.EventHandler {
	add := func(ctx context.Context, obj client.Object, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
		for _, req := range fn(ctx, obj) {
			q.AddAfter(req, coalesceWindow)
		}
	}
	return handler.Funcs{
		CreateFunc: func(ctx context.Context, e event.CreateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			add(ctx, e.Object, q)
		},
		UpdateFunc: func(ctx context.Context, e event.UpdateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			add(ctx, e.ObjectOld, q) // a policy that stops selecting the old labels
			add(ctx, e.ObjectNew, q)
		},
		DeleteFunc: func(ctx context.Context, e event.DeleteEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			add(ctx, e.Object, q)
		},
		GenericFunc: func(ctx context.Context, e event.GenericEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			add(ctx, e.Object, q)
		},
	}
}

// hpaScalingChanged passes HPA creates and deletes, and updates that change
// what the rules read (the target or minReplicas), not the frequent status
// updates.
func hpaScalingChanged() predicate.Predicate {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		o, ok1 := e.ObjectOld.(*autoscalingv2.HorizontalPodAutoscaler)
		n, ok2 := e.ObjectNew.(*autoscalingv2.HorizontalPodAutoscaler)
		if !ok1 || !ok2 {
			return true
		}
		return o.Spec.ScaleTargetRef != n.Spec.ScaleTargetRef || !equality.Semantic.DeepEqual(o.Spec.MinReplicas, n.Spec.MinReplicas)
	}}
}

// policiesInScope returns the valid policies of this reconciler's kind that
// may select Deployments in the namespace. Invalid policies select nothing.
func (r *PolicyReconciler) policiesInScope(ctx context.Context, namespace string) []gather.Candidate {
	scope := gather.Namespaced
	if r.Cluster {
		scope = gather.Cluster
	}
	cs, err := gather.PoliciesInScope(ctx, r.Client, r.Compiler, namespace, scope)
	if err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "Finding the policies an event affects", "namespace", namespace)
	}
	return cs
}

// mapDeployment enqueues the policies that select the Deployment. On an
// update it is called for the old and the new object, so a policy that
// stops selecting a relabelled Deployment is re-evaluated too.
func (r *PolicyReconciler) mapDeployment(ctx context.Context, obj client.Object) []reconcile.Request {
	d, ok := obj.(*appsv1.Deployment)
	if !ok {
		return nil
	}
	return r.requestsFor(ctx, d, false)
}

func (r *PolicyReconciler) requestsFor(ctx context.Context, d *appsv1.Deployment, onlyClusterObjects bool) []reconcile.Request {
	var reqs []reconcile.Request
	for _, c := range r.policiesInScope(ctx, d.Namespace) {
		if onlyClusterObjects && !c.Compiled.UsesClusterObjects() {
			continue
		}
		if c.Compiled.SelectsDeployment(d.Labels) {
			reqs = append(reqs, reconcile.Request{NamespacedName: c.Key.NamespacedName})
		}
	}
	return reqs
}

// mapPodDisruptionBudget enqueues the policies with disruption-budget or
// replica rules that may select Deployments in the PDB's namespace.
func (r *PolicyReconciler) mapPodDisruptionBudget(ctx context.Context, obj client.Object) []reconcile.Request {
	var reqs []reconcile.Request
	for _, c := range r.policiesInScope(ctx, obj.GetNamespace()) {
		if c.Compiled.UsesClusterObjects() {
			reqs = append(reqs, reconcile.Request{NamespacedName: c.Key.NamespacedName})
		}
	}
	return reqs
}

// mapHorizontalPodAutoscaler enqueues the policies that select the
// Deployment the HPA scales.
func (r *PolicyReconciler) mapHorizontalPodAutoscaler(ctx context.Context, obj client.Object) []reconcile.Request {
	h, ok := obj.(*autoscalingv2.HorizontalPodAutoscaler)
	if !ok || h.Spec.ScaleTargetRef.Kind != "Deployment" {
		return nil
	}
	var d appsv1.Deployment
	if err := r.Get(ctx, types.NamespacedName{Namespace: h.Namespace, Name: h.Spec.ScaleTargetRef.Name}, &d); err != nil {
		return nil // no such Deployment: the HPA affects no evaluation
	}
	return r.requestsFor(ctx, &d, true)
}

// mapNamespace enqueues the cluster policies whose namespace selector may
// have started or stopped selecting a relabelled namespace.
func (r *PolicyReconciler) mapNamespace(ctx context.Context, _ client.Object) []reconcile.Request {
	var list prodreadyv1alpha1.ClusterReadinessPolicyList
	if err := r.List(ctx, &list, client.UnsafeDisableDeepCopy); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "Listing ClusterReadinessPolicies to map a Namespace event")
		return nil
	}
	var reqs []reconcile.Request
	for i := range list.Items {
		if list.Items[i].Spec.NamespaceSelector != nil {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&list.Items[i])})
		}
	}
	return reqs
}
