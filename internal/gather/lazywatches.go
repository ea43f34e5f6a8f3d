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
	"sync"

	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/source"
)

// LazySources says how a controller watches each kind that only some rules
// read: Services (shutdown.preStop), Node metadata (spread.zones) and
// PriorityClasses (priority.class).
type LazySources struct {
	Services, Nodes, PriorityClasses func() source.Source
}

// LazyWatches starts a controller's watches on those kinds the first time a
// policy that reads them is evaluated, so that a cluster whose policies use
// none of those rules never caches those kinds. The policy controllers and
// the report writer each have one.
type LazyWatches struct {
	cache   cache.Cache
	sources LazySources

	mu      sync.Mutex
	ctrl    controller.Controller
	started map[string]bool
}

// NewLazyWatches returns the lazy watches of a controller that Build will
// build, reading informers from c.
func NewLazyWatches(c cache.Cache, sources LazySources) *LazyWatches {
	return &LazyWatches{cache: c, sources: sources, started: map[string]bool{}}
}

// Build builds the controller and records it. It holds the lock meanwhile:
// a controller may start reconciling as soon as it is built, on a running
// manager, and those reconciles' Ensure waits until it is recorded.
func (w *LazyWatches) Build(build func() (controller.Controller, error)) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	c, err := build()
	if err != nil {
		return err
	}
	w.ctrl = c
	return nil
}

// Ensure starts the watches the needs ask for that are not running yet,
// after waiting for each kind's informer to sync, so that the evaluation
// that follows reads a complete cache. A nil LazyWatches (unit tests) or
// one whose controller was never built does nothing.
func (w *LazyWatches) Ensure(ctx context.Context, needs Needs) error {
	if w == nil {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ctrl == nil {
		return nil
	}
	for _, k := range []struct {
		name   string
		needed bool
		obj    client.Object
		src    func() source.Source
	}{
		{"Services", needs.Services, &corev1.Service{}, w.sources.Services},
		{"Nodes", needs.Nodes, NodeMetadata(), w.sources.Nodes},
		{"PriorityClasses", needs.PriorityClasses, &schedulingv1.PriorityClass{}, w.sources.PriorityClasses},
	} {
		if !k.needed || w.started[k.name] {
			continue
		}
		if _, err := w.cache.GetInformer(ctx, k.obj); err != nil {
			return fmt.Errorf("starting the informer for %s: %w", k.name, err)
		}
		if err := w.ctrl.Watch(k.src()); err != nil {
			return fmt.Errorf("watching %s: %w", k.name, err)
		}
		w.started[k.name] = true
	}
	return nil
}
