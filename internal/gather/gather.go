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
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/cache"
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
	pol, err := readiness.CompileFor(p)
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

// NamespaceObjects are the objects besides the Deployment that rules read:
// the PodDisruptionBudgets, HorizontalPodAutoscalers and Services of one
// namespace, and the cluster's Nodes (metadata only) and PriorityClasses.
// Each kind is listed only when a policy needs it (see Load).
type NamespaceObjects struct {
	PodDisruptionBudgets     []policyv1.PodDisruptionBudget
	HorizontalPodAutoscalers []autoscalingv2.HorizontalPodAutoscaler
	Services                 []corev1.Service
	Nodes                    []metav1.PartialObjectMetadata
	PriorityClasses          []schedulingv1.PriorityClass

	loaded Needs
}

// Needs says which kinds of objects a policy's rules read.
type Needs struct {
	// Replicas: PodDisruptionBudgets and HorizontalPodAutoscalers.
	Replicas        bool
	Services        bool
	Nodes           bool
	PriorityClasses bool
}

// NeedsOf returns what a compiled policy reads besides the Deployment.
func NeedsOf(p *readiness.Policy) Needs {
	return Needs{
		Replicas:        p.UsesClusterObjects(),
		Services:        p.UsesServices(),
		Nodes:           p.UsesNodes(),
		PriorityClasses: p.UsesPriorityClasses(),
	}
}

// Input builds the engine's input for a Deployment.
func (o *NamespaceObjects) Input(d *appsv1.Deployment) readiness.Input {
	return readiness.Input{
		Deployment:               d,
		PodDisruptionBudgets:     o.PodDisruptionBudgets,
		HorizontalPodAutoscalers: o.HorizontalPodAutoscalers,
		Services:                 o.Services,
		Nodes:                    o.Nodes,
		PriorityClasses:          o.PriorityClasses,
	}
}

// Load lists, from the reader, the kinds of objects the needs name that are
// not loaded yet: the namespaced ones in namespace, the cluster-scoped ones
// cluster-wide. With the manager's cache as the reader, the first Load of a
// kind starts its informer, so a kind no policy uses is never watched. The
// objects are shared with the cache: callers must not modify them.
func (o *NamespaceObjects) Load(ctx context.Context, r client.Reader, namespace string, n Needs) error {
	if n.Replicas && !o.loaded.Replicas {
		var pdbs policyv1.PodDisruptionBudgetList
		if err := r.List(ctx, &pdbs, client.InNamespace(namespace), client.UnsafeDisableDeepCopy); err != nil {
			return fmt.Errorf("listing PodDisruptionBudgets in %q: %w", namespace, err)
		}
		var hpas autoscalingv2.HorizontalPodAutoscalerList
		if err := r.List(ctx, &hpas, client.InNamespace(namespace), client.UnsafeDisableDeepCopy); err != nil {
			return fmt.Errorf("listing HorizontalPodAutoscalers in %q: %w", namespace, err)
		}
		o.PodDisruptionBudgets, o.HorizontalPodAutoscalers, o.loaded.Replicas = pdbs.Items, hpas.Items, true
	}
	if n.Services && !o.loaded.Services {
		if err := startInformer(ctx, r, &corev1.Service{}); err != nil {
			return err
		}
		var svcs corev1.ServiceList
		if err := r.List(ctx, &svcs, client.InNamespace(namespace), client.UnsafeDisableDeepCopy); err != nil {
			return fmt.Errorf("listing Services in %q: %w", namespace, err)
		}
		o.Services, o.loaded.Services = svcs.Items, true
	}
	return o.LoadCluster(ctx, r, n)
}

// LoadCluster lists the cluster-scoped kinds the needs name that are not
// loaded yet: Nodes (metadata only) and PriorityClasses.
func (o *NamespaceObjects) LoadCluster(ctx context.Context, r client.Reader, n Needs) error {
	if n.Nodes && !o.loaded.Nodes {
		if err := startInformer(ctx, r, NodeMetadata()); err != nil {
			return err
		}
		nodes := NodeMetadataList()
		if err := r.List(ctx, nodes, client.UnsafeDisableDeepCopy); err != nil {
			return fmt.Errorf("listing Node metadata: %w", err)
		}
		o.Nodes, o.loaded.Nodes = nodes.Items, true
	}
	if n.PriorityClasses && !o.loaded.PriorityClasses {
		if err := startInformer(ctx, r, &schedulingv1.PriorityClass{}); err != nil {
			return err
		}
		var pcs schedulingv1.PriorityClassList
		if err := r.List(ctx, &pcs, client.UnsafeDisableDeepCopy); err != nil {
			return fmt.Errorf("listing PriorityClasses: %w", err)
		}
		o.PriorityClasses, o.loaded.PriorityClasses = pcs.Items, true
	}
	return nil
}

// informerStarter is the part of a controller-runtime cache that starts
// (or returns the running) informer of a kind.
type informerStarter interface {
	GetInformer(ctx context.Context, obj client.Object, opts ...cache.InformerGetOption) (cache.Informer, error)
}

// startInformer makes sure the cache has a synced informer for a kind that
// is cached only once a policy needs it (Services, Node metadata,
// PriorityClasses), so that the read works even when the cache refuses
// reads of kinds without an informer. The first call waits for the
// informer's initial LIST, within ctx; later calls return at once. Readers
// that are not a cache are left alone.
func startInformer(ctx context.Context, r client.Reader, obj client.Object) error {
	s, ok := r.(informerStarter)
	if !ok {
		return nil
	}
	if _, err := s.GetInformer(ctx, obj); err != nil {
		return fmt.Errorf("starting the informer for %T: %w", obj, err)
	}
	return nil
}

// ShareCluster copies the cluster-scoped objects another NamespaceObjects
// has loaded, so that they are listed once per evaluation, not once per
// namespace.
func (o *NamespaceObjects) ShareCluster(from *NamespaceObjects) {
	if from.loaded.Nodes {
		o.Nodes, o.loaded.Nodes = from.Nodes, true
	}
	if from.loaded.PriorityClasses {
		o.PriorityClasses, o.loaded.PriorityClasses = from.PriorityClasses, true
	}
}

// NodeMetadata returns an empty metadata-only Node: rules read Node labels
// only, so the cache keeps metadata, not specs and statuses.
func NodeMetadata() *metav1.PartialObjectMetadata {
	m := &metav1.PartialObjectMetadata{}
	m.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Node"))
	return m
}

// NodeMetadataList returns an empty metadata-only Node list.
func NodeMetadataList() *metav1.PartialObjectMetadataList {
	l := &metav1.PartialObjectMetadataList{}
	l.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("NodeList"))
	return l
}

// ListNamespaceObjects lists the PodDisruptionBudgets and
// HorizontalPodAutoscalers of a namespace. The returned objects are shared
// with the cache when the reader is one: callers must not modify them.
func ListNamespaceObjects(ctx context.Context, r client.Reader, namespace string) (*NamespaceObjects, error) {
	o := &NamespaceObjects{}
	if err := o.Load(ctx, r, namespace, Needs{Replicas: true}); err != nil {
		return nil, err
	}
	return o, nil
}

// Len returns how many policies are cached.
func (c *Compiler) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.entries)
}
