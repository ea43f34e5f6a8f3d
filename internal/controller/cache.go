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
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/prodready/prodready/internal/readiness"
)

// CacheOptions keeps the informer cache small: every cached object loses
// its managedFields; Deployments, PodDisruptionBudgets,
// HorizontalPodAutoscalers and Services keep only the fields the rules read
// plus their identity (readiness.TrimDeployment and its siblings: no env,
// volumes, commands, status, annotations or last-applied copy); and
// metadata-only objects (Nodes, whose labels alone the rules read) lose
// their annotations and owner references. Equal small maps of cached
// Deployments (resource lists, template annotations, template labels equal
// to the selector's) are shared (interner).
//
// A read of a kind without an informer fails instead of starting one: the
// controllers' watches and the webhooks (webhook.SetupWithManager) register
// the informers of the kinds they always read up front, and the kinds only
// some rules need (gather.LazyWatches) are started explicitly before their
// first read. An informer started by a read would make that read, possibly
// an admission review, wait for a full LIST unannounced.
func CacheOptions() cache.Options {
	in := newInterner()
	return cache.Options{
		ReaderFailOnMissingInformer: true,
		DefaultTransform:            stripDefault,
		ByObject: map[client.Object]cache.ByObject{
			&appsv1.Deployment{}:                     {Transform: trim(func(d *appsv1.Deployment) *appsv1.Deployment { return in.deployment(readiness.TrimDeployment(d)) })},
			&policyv1.PodDisruptionBudget{}:          {Transform: trim(readiness.TrimPodDisruptionBudget)},
			&autoscalingv2.HorizontalPodAutoscaler{}: {Transform: trim(readiness.TrimHorizontalPodAutoscaler)},
			&corev1.Service{}:                        {Transform: trim(readiness.TrimService)},
		},
	}
}

var stripManagedFields toolscache.TransformFunc = cache.TransformStripManagedFields()

// stripDefault drops managedFields from every object, and annotations and
// owner references from metadata-only ones.
func stripDefault(obj any) (any, error) {
	obj, err := stripManagedFields(obj)
	if err != nil {
		return obj, err
	}
	if m, ok := obj.(*metav1.PartialObjectMetadata); ok {
		m.Annotations, m.OwnerReferences = nil, nil
	}
	return obj, nil
}

// trim turns a readiness Trim function into a cache transform. Anything
// else the informer hands over (a tombstone) passes through unchanged.
func trim[T any](f func(*T) *T) toolscache.TransformFunc {
	return func(obj any) (any, error) {
		if o, ok := obj.(*T); ok {
			return f(o), nil
		}
		return obj, nil
	}
}
