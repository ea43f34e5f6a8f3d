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

package startup

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var gv = schema.GroupVersion{Group: "prodready.io", Version: "v1alpha1"}

// TestCRDGateWaitsThenStarts serves no prodready resources, then one, then
// both, and checks the gate stays not-ready with a message naming what is
// missing and the fix, then calls OnReady exactly once and becomes ready.
func TestCRDGateWaitsThenStarts(t *testing.T) {
	fake := &stubLister{}
	setServed := fake.set
	var started atomic.Int32
	g := NewCRDGate(fake, gv, []string{"readinesspolicies", "clusterreadinesspolicies"}, "make install", func() error {
		started.Add(1)
		return nil
	})
	g.Interval = 10 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- g.Start(ctx) }()

	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	readyErr := func() string {
		if err := g.ReadyCheck(nil); err != nil {
			return err.Error()
		}
		return ""
	}

	waitFor("a not-ready message naming both resources", func() bool {
		m := readyErr()
		return strings.Contains(m, "readinesspolicies, clusterreadinesspolicies") && strings.Contains(m, "make install")
	})
	setServed("readinesspolicies")
	waitFor("a not-ready message naming only the missing resource", func() bool {
		m := readyErr()
		return strings.Contains(m, "does not serve clusterreadinesspolicies (")
	})
	if started.Load() != 0 {
		t.Fatal("OnReady ran before every resource was served")
	}
	setServed("readinesspolicies", "clusterreadinesspolicies")
	select {
	case <-g.Ready():
	case <-time.After(5 * time.Second):
		t.Fatal("the gate never opened")
	}
	if err := g.ReadyCheck(nil); err != nil {
		t.Fatalf("still not ready: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Start returned %v", err)
	}
	if n := started.Load(); n != 1 {
		t.Fatalf("OnReady ran %d times, want 1", n)
	}
}

// stubLister serves a settable list of resources; with none, the group
// version is not found, as on a real API server without the CRDs.
type stubLister struct {
	mu    sync.Mutex
	names []string
}

func (s *stubLister) set(names ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.names = names
}

func (s *stubLister) ServerResourcesForGroupVersion(groupVersion string) (*metav1.APIResourceList, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.names) == 0 {
		return nil, apierrors.NewNotFound(schema.GroupResource{Group: gv.Group}, groupVersion)
	}
	rl := &metav1.APIResourceList{GroupVersion: groupVersion}
	for _, n := range s.names {
		rl.APIResources = append(rl.APIResources, metav1.APIResource{Name: n})
	}
	return rl, nil
}
