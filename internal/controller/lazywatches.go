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

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
	"github.com/prodready/prodready/internal/gather"
	"github.com/prodready/prodready/internal/readiness"
)

// lazySources are how the policy controller watches the kinds only some
// rules read, once a policy needs them (gather.LazyWatches).
func (r *PolicyReconciler) lazySources(c cache.Cache) gather.LazySources {
	return gather.LazySources{
		Services: func() source.Source {
			return source.Kind[client.Object](c, &corev1.Service{}, coalescing(r.mapService), gather.ServiceRoutingChanged())
		},
		Nodes: func() source.Source { return source.Kind[client.Object](c, gather.NodeMetadata(), r.nodeHandler()) },
		PriorityClasses: func() source.Source {
			return source.Kind[client.Object](c, &schedulingv1.PriorityClass{}, coalescing(r.mapPriorityClass), gather.PriorityChanged())
		},
	}
}

// mapService enqueues the policies with rule shutdown.preStop that select a
// Deployment whose pods the Service selects. On an update it is called for
// the old and the new Service, so pods it stops selecting count too.
func (r *PolicyReconciler) mapService(ctx context.Context, obj client.Object) []reconcile.Request {
	svc, ok := obj.(*corev1.Service)
	if !ok || len(svc.Spec.Selector) == 0 {
		return nil // a Service without a selector targets no pods
	}
	var candidates []gather.Candidate
	for _, c := range r.policiesInScope(ctx, svc.Namespace) {
		if c.Compiled.UsesServices() {
			candidates = append(candidates, c)
		}
	}
	if len(candidates) == 0 {
		return nil
	}
	var list appsv1.DeploymentList
	if err := r.List(ctx, &list, client.InNamespace(svc.Namespace), client.UnsafeDisableDeepCopy); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "Listing Deployments to map a Service event", "namespace", svc.Namespace)
		return nil
	}
	sel := labels.SelectorFromValidatedSet(svc.Spec.Selector)
	seen := map[reconcile.Request]bool{}
	var reqs []reconcile.Request
	for i := range list.Items {
		d := &list.Items[i]
		if !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
			continue
		}
		for _, c := range candidates {
			req := reconcile.Request{NamespacedName: c.Key.NamespacedName}
			if !seen[req] && c.Compiled.SelectsDeployment(d.Labels) {
				seen[req] = true
				reqs = append(reqs, req)
			}
		}
	}
	return reqs
}

// mapPriorityClass enqueues every policy with rule priority.class:
// PriorityClasses are cluster-scoped.
func (r *PolicyReconciler) mapPriorityClass(ctx context.Context, _ client.Object) []reconcile.Request {
	return r.allPoliciesWhere(ctx, func(p *readiness.Policy) bool { return p.UsesPriorityClasses() })
}

// nodeHandler enqueues the policies with rule spread.zones whose zone key a
// Node event can change: a Node carrying the key appears or goes, or the
// key's value changes. Other Node updates (status, unrelated labels) are
// ignored.
func (r *PolicyReconciler) nodeHandler() handler.EventHandler {
	enqueue := func(ctx context.Context, q workqueue.TypedRateLimitingInterface[reconcile.Request], affected func(key string) bool) {
		for _, req := range r.allPoliciesWhere(ctx, func(p *readiness.Policy) bool { return p.UsesNodes() && affected(p.ZoneKey()) }) {
			q.AddAfter(req, coalesceWindow)
		}
	}
	has := func(obj client.Object) func(string) bool {
		return func(key string) bool { _, ok := obj.GetLabels()[key]; return ok }
	}
	return handler.Funcs{
		CreateFunc: func(ctx context.Context, e event.CreateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			enqueue(ctx, q, has(e.Object))
		},
		UpdateFunc: func(ctx context.Context, e event.UpdateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			o, n := e.ObjectOld.GetLabels(), e.ObjectNew.GetLabels()
			if equality.Semantic.DeepEqual(o, n) {
				return
			}
			enqueue(ctx, q, func(key string) bool {
				ov, ook := o[key]
				nv, nok := n[key]
				return ook != nok || ov != nv
			})
		},
		DeleteFunc: func(ctx context.Context, e event.DeleteEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			enqueue(ctx, q, has(e.Object))
		},
	}
}

// allPoliciesWhere returns the valid policies of this reconciler's kind, in
// every namespace, for which keep is true.
func (r *PolicyReconciler) allPoliciesWhere(ctx context.Context, keep func(*readiness.Policy) bool) []reconcile.Request {
	var pols []prodreadyv1alpha1.Policy
	if r.Cluster {
		var list prodreadyv1alpha1.ClusterReadinessPolicyList
		if err := r.List(ctx, &list, client.UnsafeDisableDeepCopy); err != nil {
			ctrl.LoggerFrom(ctx).Error(err, "Listing ClusterReadinessPolicies to map an event")
			return nil
		}
		for i := range list.Items {
			pols = append(pols, &list.Items[i])
		}
	} else {
		var list prodreadyv1alpha1.ReadinessPolicyList
		if err := r.List(ctx, &list, client.UnsafeDisableDeepCopy); err != nil {
			ctrl.LoggerFrom(ctx).Error(err, "Listing ReadinessPolicies to map an event")
			return nil
		}
		for i := range list.Items {
			pols = append(pols, &list.Items[i])
		}
	}
	var reqs []reconcile.Request
	for _, p := range pols {
		if compiled, err := r.Compiler.Compile(p); err == nil && keep(compiled) {
			reqs = append(reqs, reconcile.Request{NamespacedName: gather.KeyOf(p).NamespacedName})
		}
	}
	return reqs
}
