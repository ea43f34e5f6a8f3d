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
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

func TestCoalescingCollapsesABurst(t *testing.T) {
	policy := reconcile.Request{NamespacedName: types.NamespacedName{Namespace: "shop", Name: "baseline"}}
	other := reconcile.Request{NamespacedName: types.NamespacedName{Namespace: "shop", Name: "other"}}
	mapped := 0
	h := coalescing(func(_ context.Context, obj client.Object) []reconcile.Request {
		mapped++
		if obj.GetName() == "api" {
			return []reconcile.Request{policy, other}
		}
		return []reconcile.Request{policy}
	})
	q := workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[reconcile.Request]())
	defer q.ShutDown()
	ctx := context.Background()
	d := func(name string) *appsv1.Deployment {
		return &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name}}
	}
	for range 10 {
		h.Update(ctx, event.UpdateEvent{ObjectOld: d("web"), ObjectNew: d("web")}, q)
	}
	h.Create(ctx, event.CreateEvent{Object: d("api")}, q)
	if mapped != 21 {
		t.Fatalf("map function ran %d times, want 21 (old and new object of every update, plus the create)", mapped)
	}
	if n := q.Len(); n != 0 {
		t.Fatalf("%d requests ready before the window passed, want 0", n)
	}
	deadline := time.Now().Add(5 * time.Second)
	for q.Len() < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(2 * coalesceWindow) // anything still due would arrive now
	if n := q.Len(); n != 2 {
		t.Fatalf("%d requests after the window, want 2 (one per policy)", n)
	}
}
