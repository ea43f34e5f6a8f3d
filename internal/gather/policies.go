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

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
	"github.com/prodready/prodready/internal/readiness"
)

// Scope says which policy kinds to consider.
type Scope int

const (
	// Namespaced considers ReadinessPolicies only.
	Namespaced Scope = 1 << iota
	// Cluster considers ClusterReadinessPolicies only.
	Cluster
	// All considers both kinds.
	All = Namespaced | Cluster
)

// Candidate is a valid policy that may apply to Deployments of a namespace.
type Candidate struct {
	Key      PolicyKey
	Compiled *readiness.Policy
}

// PoliciesInScope returns the valid policies of the scope that apply to
// Deployments in the namespace: the namespace's ReadinessPolicies and the
// ClusterReadinessPolicies whose namespace selector selects it. Whether a
// policy's selector selects a given Deployment is left to the caller.
// Invalid policies select nothing (their status says why).
func PoliciesInScope(ctx context.Context, r client.Reader, c *Compiler, namespace string, scope Scope) ([]Candidate, error) {
	var out []Candidate
	if scope&Namespaced != 0 {
		var list prodreadyv1alpha1.ReadinessPolicyList
		if err := r.List(ctx, &list, client.InNamespace(namespace), client.UnsafeDisableDeepCopy); err != nil {
			return nil, fmt.Errorf("listing ReadinessPolicies in %q: %w", namespace, err)
		}
		for i := range list.Items {
			p := &list.Items[i]
			if compiled, err := c.Compile(p); err == nil {
				out = append(out, Candidate{Key: KeyOf(p), Compiled: compiled})
			}
		}
	}
	if scope&Cluster == 0 {
		return out, nil
	}
	var list prodreadyv1alpha1.ClusterReadinessPolicyList
	if err := r.List(ctx, &list, client.UnsafeDisableDeepCopy); err != nil {
		return nil, fmt.Errorf("listing ClusterReadinessPolicies: %w", err)
	}
	var nsLabels map[string]string
	nsRead := false
	for i := range list.Items {
		p := &list.Items[i]
		compiled, err := c.Compile(p)
		if err != nil {
			continue
		}
		if compiled.HasNamespaceSelector() {
			if !nsRead {
				nsRead = true
				var ns corev1.Namespace
				// Only the labels are read: no deep copy of the cached Namespace.
				if err := r.Get(ctx, types.NamespacedName{Name: namespace}, &ns, client.UnsafeDisableDeepCopy); err != nil && !apierrors.IsNotFound(err) {
					return nil, fmt.Errorf("reading Namespace %q: %w", namespace, err)
				}
				nsLabels = ns.Labels
			}
			if !compiled.SelectsNamespace(nsLabels) {
				continue
			}
		}
		out = append(out, Candidate{Key: KeyOf(p), Compiled: compiled})
	}
	return out, nil
}
