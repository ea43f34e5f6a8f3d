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

package main

import (
	"context"
	"fmt"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
)

// cacheReader serves clusterObjects the way the manager's informer cache
// serves a List with client.UnsafeDisableDeepCopy: each item is a shallow
// copy of the stored object, with no serialization and no deep copy. The
// fake client, by contrast, round-trips every List through JSON. It only
// knows the kinds the Deployment webhook reads. Selected with -reader=cache
// to see what the fake client adds; the default is the fake client.
type cacheReader struct {
	namespaces map[string]*corev1.Namespace
	policies   []prodreadyv1alpha1.ReadinessPolicy
	cluster    []prodreadyv1alpha1.ClusterReadinessPolicy
	pdbs       []policyv1.PodDisruptionBudget
	hpas       []autoscalingv2.HorizontalPodAutoscaler
}

var _ client.Reader = &cacheReader{}

func newCacheReader(objs []client.Object) (*cacheReader, error) {
	r := &cacheReader{namespaces: map[string]*corev1.Namespace{}}
	for _, o := range objs {
		switch o := o.(type) {
		case *corev1.Namespace:
			r.namespaces[o.Name] = o
		case *prodreadyv1alpha1.ReadinessPolicy:
			r.policies = append(r.policies, *o)
		case *prodreadyv1alpha1.ClusterReadinessPolicy:
			r.cluster = append(r.cluster, *o)
		case *policyv1.PodDisruptionBudget:
			r.pdbs = append(r.pdbs, *o)
		case *autoscalingv2.HorizontalPodAutoscaler:
			r.hpas = append(r.hpas, *o)
		default:
			return nil, fmt.Errorf("cacheReader: unsupported %T", o)
		}
	}
	return r, nil
}

func (r *cacheReader) Get(_ context.Context, key client.ObjectKey, obj client.Object, _ ...client.GetOption) error {
	ns, ok := obj.(*corev1.Namespace)
	if !ok {
		return fmt.Errorf("cacheReader: unsupported Get of %T", obj)
	}
	stored, ok := r.namespaces[key.Name]
	if !ok {
		return apierrors.NewNotFound(schema.GroupResource{Resource: "namespaces"}, key.Name)
	}
	*ns = *stored
	return nil
}

func (r *cacheReader) List(_ context.Context, list client.ObjectList, opts ...client.ListOption) error {
	o := (&client.ListOptions{}).ApplyOptions(opts)
	switch l := list.(type) {
	case *prodreadyv1alpha1.ReadinessPolicyList:
		l.Items = inNamespace(r.policies, o.Namespace, func(p *prodreadyv1alpha1.ReadinessPolicy) string { return p.Namespace })
	case *prodreadyv1alpha1.ClusterReadinessPolicyList:
		l.Items = append([]prodreadyv1alpha1.ClusterReadinessPolicy(nil), r.cluster...)
	case *policyv1.PodDisruptionBudgetList:
		l.Items = inNamespace(r.pdbs, o.Namespace, func(p *policyv1.PodDisruptionBudget) string { return p.Namespace })
	case *autoscalingv2.HorizontalPodAutoscalerList:
		l.Items = inNamespace(r.hpas, o.Namespace, func(h *autoscalingv2.HorizontalPodAutoscaler) string { return h.Namespace })
	default:
		return fmt.Errorf("cacheReader: unsupported List of %T", list)
	}
	return nil
}

func inNamespace[T any](items []T, namespace string, nsOf func(*T) string) []T {
	var out []T
	for i := range items {
		if namespace == "" || nsOf(&items[i]) == namespace {
			out = append(out, items[i])
		}
	}
	return out
}
