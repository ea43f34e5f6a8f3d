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

// Package startup holds the operator's start-up gates: it keeps the process
// running but not ready while something it needs is missing, says what is
// missing and how to fix it, and continues without a restart once it
// appears.
package startup

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	ctrl "sigs.k8s.io/controller-runtime"
)

// DefaultInterval is how often a gate re-checks and logs while waiting.
const DefaultInterval = 5 * time.Second

// CRDGate waits until the API server serves the required resources, then
// calls OnReady once (which registers the controllers and webhooks). It is a
// manager Runnable that runs on every replica.
type CRDGate struct {
	// Discovery asks the API server which resources it serves.
	Discovery ResourceLister
	// GroupVersion and Resources name what must be served.
	GroupVersion schema.GroupVersion
	Resources    []string
	// FixHint is the command that installs the missing resources.
	FixHint string
	// OnReady is called once all resources are served.
	OnReady func() error
	// Interval between checks; DefaultInterval when zero.
	Interval time.Duration

	ready    chan struct{}
	isReady  atomic.Bool
	lastMiss atomic.Pointer[string]
}

// ResourceLister is the part of client-go's discovery client the gate uses.
type ResourceLister interface {
	ServerResourcesForGroupVersion(groupVersion string) (*metav1.APIResourceList, error)
}

// NewCRDGate returns a gate for the resources of one group version.
func NewCRDGate(d ResourceLister, gv schema.GroupVersion, resources []string, fixHint string, onReady func() error) *CRDGate {
	return &CRDGate{Discovery: d, GroupVersion: gv, Resources: resources, FixHint: fixHint, OnReady: onReady, ready: make(chan struct{})}
}

// Start checks until the resources are served or ctx ends.
func (g *CRDGate) Start(ctx context.Context) error {
	log := ctrl.LoggerFrom(ctx).WithName("startup")
	interval := g.Interval
	if interval == 0 {
		interval = DefaultInterval
	}
	for {
		missing, err := g.missing()
		switch {
		case err != nil:
			msg := "cannot ask the API server which resources it serves: " + err.Error()
			g.lastMiss.Store(&msg)
			log.Error(err, "Waiting for the prodready CRDs: discovery failed; retrying", "groupVersion", g.GroupVersion.String())
		case len(missing) > 0:
			msg := fmt.Sprintf("the API server does not serve %s (%s); install the CRDs with %q",
				strings.Join(missing, ", "), g.GroupVersion, g.FixHint)
			g.lastMiss.Store(&msg)
			log.Info("Waiting for the prodready CRDs", "missing", missing, "groupVersion", g.GroupVersion.String(), "fix", g.FixHint)
		default:
			log.Info("The prodready CRDs are served; starting the controllers and webhooks")
			if err := g.OnReady(); err != nil {
				return fmt.Errorf("starting after the CRDs appeared: %w", err)
			}
			g.isReady.Store(true)
			close(g.ready)
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(interval):
		}
	}
}

// NeedLeaderElection is false: every replica needs the CRDs to serve
// admission and to be ready.
func (g *CRDGate) NeedLeaderElection() bool { return false }

// Ready is closed once the resources are served and OnReady succeeded.
func (g *CRDGate) Ready() <-chan struct{} { return g.ready }

// ReadyCheck fails, saying what is missing, until the gate has passed.
func (g *CRDGate) ReadyCheck(_ *http.Request) error {
	if g.isReady.Load() {
		return nil
	}
	if m := g.lastMiss.Load(); m != nil {
		return errors.New(*m)
	}
	return errors.New("checking whether the prodready CRDs are installed")
}

// missing returns the required resources the API server does not serve.
func (g *CRDGate) missing() ([]string, error) {
	list, err := g.Discovery.ServerResourcesForGroupVersion(g.GroupVersion.String())
	if err != nil {
		if apierrors.IsNotFound(err) {
			return slices.Clone(g.Resources), nil
		}
		return nil, err
	}
	var out []string
	for _, want := range g.Resources {
		if !slices.ContainsFunc(list.APIResources, func(r metav1.APIResource) bool { return r.Name == want }) {
			out = append(out, want)
		}
	}
	return out, nil
}
