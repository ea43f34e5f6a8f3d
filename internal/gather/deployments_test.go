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
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/scheme"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
)

// TestDeploymentStoreEach checks that the indexer walk and the List
// fallback visit the same Deployments per namespace, and that the indexer
// walk hands out the cached objects themselves, not copies.
func TestDeploymentStoreEach(t *testing.T) {
	objs := []*appsv1.Deployment{
		{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web"}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "api"}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: "other", Name: "web"}},
	}
	indexer := toolscache.NewIndexer(toolscache.MetaNamespaceKeyFunc, toolscache.Indexers{toolscache.NamespaceIndex: toolscache.MetaNamespaceIndexFunc})
	builder := fake.NewClientBuilder().WithScheme(scheme.Scheme)
	for _, d := range objs {
		if err := indexer.Add(d); err != nil {
			t.Fatal(err)
		}
		builder = builder.WithObjects(d.DeepCopy())
	}
	c := builder.Build()

	walk := func(s DeploymentStore, ns string) ([]string, []*appsv1.Deployment) {
		t.Helper()
		var keys []string
		var seen []*appsv1.Deployment
		if err := s.Each(context.Background(), c, ns, func(d *appsv1.Deployment) {
			keys = append(keys, d.Namespace+"/"+d.Name)
			seen = append(seen, d)
		}); err != nil {
			t.Fatal(err)
		}
		slices.Sort(keys)
		return keys, seen
	}
	for ns, want := range map[string][]string{
		"shop":  {"shop/api", "shop/web"},
		"other": {"other/web"},
		"none":  nil,
		"":      {"other/web", "shop/api", "shop/web"},
	} {
		indexed, seen := walk(DeploymentStore{indexer: indexer}, ns)
		listed, _ := walk(DeploymentStore{}, ns)
		if !slices.Equal(indexed, want) || !slices.Equal(listed, want) {
			t.Errorf("namespace %q: indexer walk %v, List fallback %v, want %v", ns, indexed, listed, want)
		}
		for _, d := range seen {
			if !slices.Contains(objs, d) {
				t.Errorf("namespace %q: the indexer walk handed out a copy of %s/%s, not the cached object", ns, d.Namespace, d.Name)
			}
		}
	}
}
