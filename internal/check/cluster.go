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

package check

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
	"github.com/prodready/prodready/internal/manifest"
	"github.com/prodready/prodready/internal/readiness"
)

// ClusterScope says what a cluster audit reads.
type ClusterScope struct {
	// Namespace limits Deployments, PDBs, HPAs and ReadinessPolicies to one
	// namespace; empty reads all namespaces.
	Namespace string
	// Timeout bounds every API call. Default 30 s.
	Timeout time.Duration
}

// listPage is how many objects one List call returns at most.
const listPage = 500

// RunCluster audits a live cluster read-only: it lists Deployments,
// PodDisruptionBudgets, HorizontalPodAutoscalers, Namespaces and the
// installed policies (plus those in policySources), and evaluates every
// Deployment as the controller does. Invalid installed policies are skipped
// with a warning, as the controller skips them (their status says why).
// With no policy at all, baseline applies.
func RunCluster(ctx context.Context, opts Options, r client.Reader, scope ClusterScope, policySources []manifest.Source, baseline []byte) (*Report, error) {
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	if scope.Timeout <= 0 {
		scope.Timeout = 30 * time.Second
	}
	c := &checker{
		opts:     opts,
		pdbs:     map[string][]policyv1.PodDisruptionBudget{},
		hpas:     map[string][]autoscalingv2.HorizontalPodAutoscaler{},
		nsLabels: map[string]map[string]string{},
	}
	if len(policySources) > 0 {
		pc := &checker{opts: opts, pdbs: c.pdbs, hpas: c.hpas, nsLabels: map[string]map[string]string{}}
		pc.read(policySources, true)
		if err := errors.Join(pc.errs...); err != nil {
			return nil, &InputError{Err: err}
		}
		c.policies = pc.policies
		if err := c.compile(); err != nil {
			return nil, &InputError{Err: err}
		}
	}
	deps, err := c.readCluster(ctx, r, scope)
	if err != nil {
		return nil, err
	}
	if len(c.compiled) == 0 && baseline != nil {
		c.policies = nil
		docs := manifest.Split("baseline", baseline)
		for i := range docs {
			objs, err := manifest.Parse(docs[i])
			if err != nil {
				return nil, &EvalError{Err: fmt.Errorf("built-in baseline: %w", err)}
			}
			c.policies = append(c.policies, objs...)
		}
		if err := c.compile(); err != nil {
			return nil, &EvalError{Err: err}
		}
	}
	slices.SortFunc(deps.Items, func(a, b appsv1.Deployment) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	rep := c.newReport()
	for i := range deps.Items {
		w, fs, or, err := c.Evaluate(&deps.Items[i], "", 0, nil)
		if err != nil {
			return nil, err
		}
		rep.Deployments = append(rep.Deployments, w)
		rep.Findings = append(rep.Findings, fs...)
		if or != nil {
			rep.OpenReports = append(rep.OpenReports, or)
		}
	}
	rep.summarize()
	return rep, nil
}

// readCluster lists what an audit reads, indexes PDBs, HPAs and Namespace
// labels, compiles the installed policies, and returns the Deployments.
func (c *checker) readCluster(ctx context.Context, r client.Reader, scope ClusterScope) (*appsv1.DeploymentList, error) {
	list := func(l client.ObjectList, what string, namespaced bool) error {
		var opts []client.ListOption
		if namespaced && scope.Namespace != "" {
			opts = append(opts, client.InNamespace(scope.Namespace))
		}
		return listAll(ctx, r, l, scope.Timeout, what, opts...)
	}
	var deps appsv1.DeploymentList
	var pdbs policyv1.PodDisruptionBudgetList
	var hpas autoscalingv2.HorizontalPodAutoscalerList
	var nss corev1.NamespaceList
	var rpols prodreadyv1alpha1.ReadinessPolicyList
	var crpols prodreadyv1alpha1.ClusterReadinessPolicyList
	var svcs corev1.ServiceList
	var prios schedulingv1.PriorityClassList
	nodes := &metav1.PartialObjectMetadataList{}
	nodes.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("NodeList"))
	for _, l := range []struct {
		list       client.ObjectList
		what       string
		namespaced bool
		optional   bool
	}{
		{&deps, "Deployments", true, false},
		{&pdbs, "PodDisruptionBudgets", true, false},
		{&hpas, "HorizontalPodAutoscalers", true, false},
		{&nss, "Namespaces", false, true},
		{&rpols, "ReadinessPolicies", true, true},
		{&crpols, "ClusterReadinessPolicies", false, true},
		{&svcs, "Services", true, true},
		{&prios, "PriorityClasses", false, true},
		{nodes, "Nodes", false, true},
	} {
		if err := list(l.list, l.what, l.namespaced); err != nil {
			if l.optional && (apierrors.IsForbidden(err) || apierrors.IsNotFound(err) || meta.IsNoMatchError(err)) {
				c.warn(fmt.Sprintf("not reading %s: %v", l.what, err))
				continue
			}
			return nil, &EvalError{Err: err}
		}
	}
	for i := range pdbs.Items {
		p := pdbs.Items[i]
		c.pdbs[p.Namespace] = append(c.pdbs[p.Namespace], p)
	}
	for i := range hpas.Items {
		h := hpas.Items[i]
		c.hpas[h.Namespace] = append(c.hpas[h.Namespace], h)
	}
	c.services = map[string][]corev1.Service{}
	for i := range svcs.Items {
		sv := svcs.Items[i]
		c.services[sv.Namespace] = append(c.services[sv.Namespace], sv)
	}
	c.prios = prios.Items
	c.nodes = nodes.Items
	for i := range nss.Items {
		c.nsLabels[nss.Items[i].Name] = nss.Items[i].Labels
	}
	var installed []prodreadyv1alpha1.Policy
	for i := range rpols.Items {
		installed = append(installed, &rpols.Items[i])
	}
	for i := range crpols.Items {
		installed = append(installed, &crpols.Items[i])
	}
	for _, p := range installed {
		compiled, err := readiness.Compile(p.GetPolicySpec(), p.GetNamespaceSelector())
		if err != nil {
			c.warn(fmt.Sprintf("%s is invalid and selects nothing, as in the controller: %v", policyKey(p), err))
			continue
		}
		c.compiled = append(c.compiled, Policy{Key: policyKey(p), Cluster: p.IsClusterScoped(), Namespace: p.GetNamespace(), Name: p.GetName(), Compiled: compiled})
	}
	return &deps, nil
}

// listAll lists every page of a kind into l, each call bounded by timeout.
func listAll(ctx context.Context, r client.Reader, l client.ObjectList, timeout time.Duration, what string, opts ...client.ListOption) error {
	var all []runtime.Object
	cont := ""
	for {
		callCtx, cancel := context.WithTimeout(ctx, timeout)
		page := append(slices.Clone(opts), client.Limit(listPage), client.Continue(cont))
		err := r.List(callCtx, l, page...)
		cancel()
		if err != nil {
			return fmt.Errorf("listing %s: %w", what, err)
		}
		objs, err := meta.ExtractList(l)
		if err != nil {
			return fmt.Errorf("listing %s: %w", what, err)
		}
		all = append(all, objs...)
		if cont = l.GetContinue(); cont == "" {
			break
		}
	}
	return meta.SetList(l, all)
}
