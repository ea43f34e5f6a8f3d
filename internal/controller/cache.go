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
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// lastAppliedAnnotation is kubectl's copy of the whole object; the rules
// never read it, so it is not kept in the cache.
const lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"

// CacheOptions keeps the informer cache small: managedFields are stripped
// from every cached object, kubectl's last-applied copy from Deployments,
// and annotations from metadata-only objects (Nodes, whose labels alone the
// rules read).
//
// A read of a kind without an informer fails instead of starting one: the
// controllers' watches and the webhooks (webhook.SetupWithManager) register
// the informers of the kinds they always read up front, and the kinds only
// some rules need (gather.LazyKinds) are started explicitly before their
// first read. An informer started by a read would make that read, possibly
// an admission review, wait for a full LIST unannounced.
func CacheOptions() cache.Options {
	return cache.Options{
		ReaderFailOnMissingInformer: true,
		DefaultTransform:            stripDefault,
		ByObject: map[client.Object]cache.ByObject{
			&appsv1.Deployment{}: {Transform: stripDeployment},
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

// stripDeployment drops managedFields and the last-applied annotation. The
// pod template's annotations, which rules read, are kept.
func stripDeployment(obj any) (any, error) {
	obj, err := stripManagedFields(obj)
	if err != nil {
		return obj, err
	}
	if d, ok := obj.(*appsv1.Deployment); ok {
		delete(d.Annotations, lastAppliedAnnotation)
	}
	return obj, nil
}
