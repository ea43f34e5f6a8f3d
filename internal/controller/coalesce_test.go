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
	"runtime"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// recordingQueue records AddAfter calls; the handler must only ever delay.
type recordingQueue struct {
	workqueue.TypedRateLimitingInterface[reconcile.Request]
	delays map[reconcile.Request][]time.Duration
	added  int
}

func (q *recordingQueue) AddAfter(r reconcile.Request, d time.Duration) {
	q.delays[r] = append(q.delays[r], d)
}

func (q *recordingQueue) Add(reconcile.Request) { q.added++ }

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
	ctx := context.Background()
	d := func(name string) *appsv1.Deployment {
		return &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name}}
	}
	burst := func(q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
		for range 10 {
			h.Update(ctx, event.UpdateEvent{ObjectOld: d("web"), ObjectNew: d("web")}, q)
		}
		h.Create(ctx, event.CreateEvent{Object: d("api")}, q)
		h.Delete(ctx, event.DeleteEvent{Object: d("old")}, q)
		h.Generic(ctx, event.GenericEvent{Object: d("gen")}, q)
	}

	rec := &recordingQueue{delays: map[reconcile.Request][]time.Duration{}}
	burst(rec)
	if mapped != 23 {
		t.Fatalf("map function ran %d times, want 23 (old and new object of every update, the create, delete and generic)", mapped)
	}
	if rec.added != 0 {
		t.Fatalf("%d requests added without delay", rec.added)
	}
	if n := len(rec.delays[policy]); n != 23 {
		t.Fatalf("%d delayed adds of the policy, want 23", n)
	}
	for r, ds := range rec.delays {
		for _, d := range ds {
			if d != coalesceWindow {
				t.Fatalf("%v added after %v, want the coalescing window %v", r, d, coalesceWindow)
			}
		}
	}

	// The same burst through a real workqueue on a fake clock: nothing is
	// ready until the window has passed, then one request per policy.
	clk := clocktesting.NewFakeClock(time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC))
	q := workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[reconcile.Request](),
		workqueue.TypedRateLimitingQueueConfig[reconcile.Request]{Clock: clk})
	defer q.ShutDown()
	burst(q)
	if n := q.Len(); n != 0 {
		t.Fatalf("%d requests ready before the window passed, want 0", n)
	}
	clk.Step(coalesceWindow)
	// The queue moves due items on its own goroutine; wait for it without
	// asserting on how long that takes (the bound only stops a hang).
	for giveUp := time.Now().Add(time.Minute); q.Len() < 2; runtime.Gosched() {
		if time.Now().After(giveUp) {
			t.Fatalf("%d requests ready after the window, want 2", q.Len())
		}
	}
	clk.Step(time.Hour)
	got := map[reconcile.Request]int{}
	for q.Len() > 0 {
		r, _ := q.Get()
		got[r]++
		q.Done(r)
	}
	if len(got) != 2 || got[policy] != 1 || got[other] != 1 {
		t.Fatalf("dequeued %v, want one request per policy", got)
	}
}
