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

// Package gather reads what the rule engine needs from the cluster (in
// practice from the manager's informer cache) and keeps each policy compiled
// once per generation. The controller and the admission webhook both use it,
// so they evaluate the same input with the same compiled policies.
package gather

import (
	"context"
	"fmt"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
	"github.com/prodready/prodready/internal/readiness"
)

// Compiler caches compiled policies by kind, namespace and name, and
// recompiles only when the UID or generation changes. Safe for concurrent use.
type Compiler struct {
	mu      sync.RWMutex
	entries map[PolicyKey]compiled
}

// PolicyKey identifies a policy of either kind.
type PolicyKey struct {
	Cluster bool
	types.NamespacedName
}

// KeyOf returns the key of a policy.
func KeyOf(p prodreadyv1alpha1.Policy) PolicyKey {
	return PolicyKey{Cluster: p.IsClusterScoped(), NamespacedName: types.NamespacedName{Namespace: p.GetNamespace(), Name: p.GetName()}}
}

// String renders the key as Kind/[namespace/]name.
func (k PolicyKey) String() string {
	if k.Cluster {
		return "ClusterReadinessPolicy/" + k.Name
	}
	return "ReadinessPolicy/" + k.Namespace + "/" + k.Name
}

type compiled struct {
	uid        types.UID
	generation int64
	policy     *readiness.Policy
	err        error
}

// NewCompiler returns an empty Compiler.
func NewCompiler() *Compiler {
	return &Compiler{entries: map[PolicyKey]compiled{}}
}

// Compile returns the compiled form of the policy's current generation,
// compiling it on first use. The error, if any, names the invalid field.
func (c *Compiler) Compile(p prodreadyv1alpha1.Policy) (*readiness.Policy, error) {
	key := KeyOf(p)
	c.mu.RLock()
	e, ok := c.entries[key]
	c.mu.RUnlock()
	if ok && e.uid == p.GetUID() && e.generation == p.GetGeneration() {
		return e.policy, e.err
	}
	pol, err := readiness.Compile(p.GetPolicySpec(), p.GetNamespaceSelector())
	c.mu.Lock()
	c.entries[key] = compiled{uid: p.GetUID(), generation: p.GetGeneration(), policy: pol, err: err}
	c.mu.Unlock()
	return pol, err
}

// Forget drops a deleted policy.
func (c *Compiler) Forget(key PolicyKey) {
	c.mu.Lock()
	delete(c.entries, key)
	c.mu.Unlock()
}

// NamespaceObjects are the objects of one namespace that rules about
// disruption budgets and autoscaling read.
type NamespaceObjects struct {
	PodDisruptionBudgets     []policyv1.PodDisruptionBudget
	HorizontalPodAutoscalers []autoscalingv2.HorizontalPodAutoscaler
}

// Input builds the engine's input for a Deployment.
func (o *NamespaceObjects) Input(d *appsv1.Deployment) readiness.Input {
	return readiness.Input{Deployment: d, PodDisruptionBudgets: o.PodDisruptionBudgets, HorizontalPodAutoscalers: o.HorizontalPodAutoscalers}
}

// ListNamespaceObjects lists the PodDisruptionBudgets and
// HorizontalPodAutoscalers of a namespace. The returned objects are shared
// with the cache when the reader is one: callers must not modify them.
func ListNamespaceObjects(ctx context.Context, r client.Reader, namespace string) (*NamespaceObjects, error) {
	var pdbs policyv1.PodDisruptionBudgetList
	if err := r.List(ctx, &pdbs, client.InNamespace(namespace), client.UnsafeDisableDeepCopy); err != nil {
		return nil, fmt.Errorf("listing PodDisruptionBudgets in %q: %w", namespace, err)
	}
	var hpas autoscalingv2.HorizontalPodAutoscalerList
	if err := r.List(ctx, &hpas, client.InNamespace(namespace), client.UnsafeDisableDeepCopy); err != nil {
		return nil, fmt.Errorf("listing HorizontalPodAutoscalers in %q: %w", namespace, err)
	}
	return &NamespaceObjects{PodDisruptionBudgets: pdbs.Items, HorizontalPodAutoscalers: hpas.Items}, nil
}
