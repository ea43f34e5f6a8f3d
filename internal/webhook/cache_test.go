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

package webhook

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache/informertest"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllertest"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
)

func TestCacheSyncedWaitsForEveryKindTheWebhooksRead(t *testing.T) {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	if err := prodreadyv1alpha1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	fake := &informertest.FakeInformers{Scheme: s, InformersByGVK: map[schema.GroupVersionKind]toolscache.SharedIndexInformer{}}
	// Every informer starts unsynced.
	unsynced := map[string]*controllertest.FakeInformer{}
	for _, kind := range []schema.GroupVersionKind{
		{Group: "apps", Version: "v1", Kind: "Deployment"},
		{Group: "policy", Version: "v1", Kind: "PodDisruptionBudget"},
		{Group: "autoscaling", Version: "v2", Kind: "HorizontalPodAutoscaler"},
		{Version: "v1", Kind: "Namespace"},
		prodreadyv1alpha1.GroupVersion.WithKind("ReadinessPolicy"),
		prodreadyv1alpha1.GroupVersion.WithKind("ClusterReadinessPolicy"),
	} {
		inf := controllertest.NewFakeInformer()
		fake.InformersByGVK[kind] = inf
		unsynced[kind.Kind] = inf
	}

	check, err := CacheSynced(fake)
	if err != nil {
		t.Fatal(err)
	}
	if len(fake.InformersByGVK) != len(unsynced) {
		t.Fatalf("the webhooks read kinds this test does not know: %v", fake.InformersByGVK)
	}
	for kind, inf := range unsynced {
		err := check()
		if err == nil || !strings.Contains(err.Error(), kind) {
			t.Fatalf("ready while %s has not synced: %v", kind, err)
		}
		inf.Synced()
	}
	if err := check(); err != nil {
		t.Fatalf("not ready once every informer synced: %v", err)
	}
}
