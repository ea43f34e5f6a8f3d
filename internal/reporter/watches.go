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

package reporter

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
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

// lazySources are how the report writer watches the kinds only some rules
// read, once a selected policy needs them (gather.LazyWatches): the
// affected reports are re-evaluated when such an object alone changes.
func (r *Reconciler) lazySources(c cache.Cache) gather.LazySources {
	return gather.LazySources{
		Services: func() source.Source {
			return source.Kind[client.Object](c, &corev1.Service{}, handler.EnqueueRequestsFromMapFunc(r.mapService), gather.ServiceRoutingChanged())
		},
		Nodes: func() source.Source { return source.Kind[client.Object](c, gather.NodeMetadata(), r.nodeHandler()) },
		PriorityClasses: func() source.Source {
			return source.Kind[client.Object](c, &schedulingv1.PriorityClass{}, handler.EnqueueRequestsFromMapFunc(r.mapPriorityClass), gather.PriorityChanged())
		},
	}
}

// mapService enqueues the Deployments of the Service's namespace whose pods
// it selects and that a policy with rule shutdown.preStop selects. The
// handler calls it for the old and the new Service of an update, so pods it
// stops selecting count too.
func (r *Reconciler) mapService(ctx context.Context, obj client.Object) []reconcile.Request {
	svc, ok := obj.(*corev1.Service)
	if !ok || len(svc.Spec.Selector) == 0 {
		return nil // a Service without a selector targets no pods
	}
	candidates, err := gather.PoliciesInScope(ctx, r.Client, r.Compiler, svc.Namespace, gather.All)
	if err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "Finding the policies a Service event affects", "namespace", svc.Namespace)
		return nil
	}
	var using []*readiness.Policy
	for _, c := range candidates {
		if c.Compiled.UsesServices() {
			using = append(using, c.Compiled)
		}
	}
	if len(using) == 0 {
		return nil
	}
	sel := labels.SelectorFromValidatedSet(svc.Spec.Selector)
	return r.deploymentsWhere(ctx, func(d *appsv1.Deployment) bool {
		if !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
			return false
		}
		for _, p := range using {
			if p.SelectsDeployment(d.Labels) {
				return true
			}
		}
		return false
	}, svc.Namespace)
}

// mapPriorityClass enqueues the Deployments a policy with rule
// priority.class may select: PriorityClasses are cluster-scoped.
func (r *Reconciler) mapPriorityClass(ctx context.Context, _ client.Object) []reconcile.Request {
	return r.selectedByPoliciesWhere(ctx, (*readiness.Policy).UsesPriorityClasses)
}

// nodeHandler enqueues the Deployments a policy with rule spread.zones may
// select, when a Node event can change that policy's zone key: a Node
// carrying the key appears or goes, or the key's value changes. Other Node
// updates (status, unrelated labels) are ignored.
func (r *Reconciler) nodeHandler() handler.EventHandler {
	type queue = workqueue.TypedRateLimitingInterface[reconcile.Request]
	enqueue := func(ctx context.Context, q queue, affected func(key string) bool) {
		for _, req := range r.selectedByPoliciesWhere(ctx, func(p *readiness.Policy) bool { return p.UsesNodes() && affected(p.ZoneKey()) }) {
			q.Add(req)
		}
	}
	has := func(obj client.Object) func(string) bool {
		return func(key string) bool { _, ok := obj.GetLabels()[key]; return ok }
	}
	return handler.Funcs{
		CreateFunc: func(ctx context.Context, e event.CreateEvent, q queue) { enqueue(ctx, q, has(e.Object)) },
		UpdateFunc: func(ctx context.Context, e event.UpdateEvent, q queue) {
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
		DeleteFunc: func(ctx context.Context, e event.DeleteEvent, q queue) { enqueue(ctx, q, has(e.Object)) },
	}
}

// selectedByPoliciesWhere enqueues the Deployments that a valid policy for
// which keep is true may select: in its namespace for a ReadinessPolicy,
// in any namespace for a ClusterReadinessPolicy (whose namespace selector
// the reconcile applies), and whose labels its selector matches. None when
// no policy qualifies, so a cluster without such rules lists nothing.
func (r *Reconciler) selectedByPoliciesWhere(ctx context.Context, keep func(*readiness.Policy) bool) []reconcile.Request {
	var rpols prodreadyv1alpha1.ReadinessPolicyList
	if err := r.Client.List(ctx, &rpols, client.UnsafeDisableDeepCopy); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "Listing ReadinessPolicies to map an event")
		return nil
	}
	var crpols prodreadyv1alpha1.ClusterReadinessPolicyList
	if err := r.Client.List(ctx, &crpols, client.UnsafeDisableDeepCopy); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "Listing ClusterReadinessPolicies to map an event")
		return nil
	}
	byNamespace := map[string][]*readiness.Policy{}
	var cluster []*readiness.Policy
	for i := range rpols.Items {
		if p, err := r.Compiler.Compile(&rpols.Items[i]); err == nil && keep(p) {
			byNamespace[rpols.Items[i].Namespace] = append(byNamespace[rpols.Items[i].Namespace], p)
		}
	}
	for i := range crpols.Items {
		if p, err := r.Compiler.Compile(&crpols.Items[i]); err == nil && keep(p) {
			cluster = append(cluster, p)
		}
	}
	if len(byNamespace) == 0 && len(cluster) == 0 {
		return nil
	}
	return r.deploymentsWhere(ctx, func(d *appsv1.Deployment) bool {
		for _, ps := range [][]*readiness.Policy{cluster, byNamespace[d.Namespace]} {
			for _, p := range ps {
				if p.SelectsDeployment(d.Labels) {
					return true
				}
			}
		}
		return false
	}, "")
}

// deploymentsWhere enqueues the Deployments of namespace (all when "") for which
// keep is true.
func (r *Reconciler) deploymentsWhere(ctx context.Context, keep func(*appsv1.Deployment) bool, namespace string) []reconcile.Request {
	var reqs []reconcile.Request
	err := r.store.Each(ctx, r.Client, namespace, func(d *appsv1.Deployment) {
		if keep(d) {
			reqs = append(reqs, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: d.Namespace, Name: d.Name}})
		}
	})
	if err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "Listing Deployments to update their reports")
		return nil
	}
	return reqs
}
