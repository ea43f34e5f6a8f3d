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

package gather

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// DeploymentStore walks the cached Deployments by pointer. A client List,
// even with client.UnsafeDisableDeepCopy, copies every Deployment struct
// into the list's items: at 10,000 Deployments, mapping one policy event to
// its Deployments that way allocated over 10 MB, and the report writer's
// start-up (one such event per policy) was most of its extra memory. The
// zero value falls back to a List through the Reader given to Each.
type DeploymentStore struct {
	indexer toolscache.Indexer
}

// NewDeploymentStore returns the store of the cache's Deployment informer,
// starting the informer if it has not started yet (without waiting for it
// to sync). A cache whose informer exposes no indexer gives the zero
// value, which lists through the client instead.
func NewDeploymentStore(ctx context.Context, c cache.Cache) (DeploymentStore, error) {
	inf, err := c.GetInformer(ctx, &appsv1.Deployment{}, cache.BlockUntilSynced(false))
	if err != nil {
		return DeploymentStore{}, fmt.Errorf("getting the Deployment informer: %w", err)
	}
	if i, ok := inf.(interface{ GetIndexer() toolscache.Indexer }); ok {
		return DeploymentStore{indexer: i.GetIndexer()}, nil
	}
	return DeploymentStore{}, nil
}

// Each calls fn for every cached Deployment in namespace (every namespace
// when it is ""). fn gets the cached object itself: it must neither modify
// nor keep it. Without an indexer, Each lists the Deployments through r.
func (s DeploymentStore) Each(ctx context.Context, r client.Reader, namespace string, fn func(*appsv1.Deployment)) error {
	if s.indexer == nil {
		var list appsv1.DeploymentList
		opts := []client.ListOption{client.UnsafeDisableDeepCopy}
		if namespace != "" {
			opts = append(opts, client.InNamespace(namespace))
		}
		if err := r.List(ctx, &list, opts...); err != nil {
			return err
		}
		for i := range list.Items {
			fn(&list.Items[i])
		}
		return nil
	}
	var objs []any
	if namespace == "" {
		objs = s.indexer.List()
	} else {
		var err error
		if objs, err = s.indexer.ByIndex(toolscache.NamespaceIndex, namespace); err != nil {
			return fmt.Errorf("reading the cached Deployments of namespace %s: %w", namespace, err)
		}
	}
	for _, o := range objs {
		if d, ok := o.(*appsv1.Deployment); ok {
			fn(d)
		}
	}
	return nil
}
