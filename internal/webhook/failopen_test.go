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
	"context"
	"errors"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
	"github.com/prodready/prodready/internal/gather"
)

var errCacheRead = errors.New("timed out waiting for cache to be synced")

// TestDeploymentValidatorFailsOpenOnReadErrors: when the cache cannot be
// read, a Deployment that an Enforce policy would deny is admitted with a
// warning that says so (the controller audits it later), never denied and
// never admitted silently.
func TestDeploymentValidatorFailsOpenOnReadErrors(t *testing.T) {
	clusterPolicy := &prodreadyv1alpha1.ClusterReadinessPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "production", UID: "c", Generation: 1},
		Spec: prodreadyv1alpha1.ClusterReadinessPolicySpec{
			PolicySpec:        strictPolicy().Spec,
			NamespaceSelector: &prodreadyv1alpha1.LabelSelector{MatchLabels: map[string]string{"env": "production"}},
		},
	}
	fail := func(match func(obj any) bool) interceptor.Funcs {
		return interceptor.Funcs{
			List: func(ctx context.Context, c client.WithWatch, list client.ObjectList, opts ...client.ListOption) error {
				if match(list) {
					return errCacheRead
				}
				return c.List(ctx, list, opts...)
			},
			Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
				if match(obj) {
					return errCacheRead
				}
				return c.Get(ctx, key, obj, opts...)
			},
		}
	}
	tests := map[string]struct {
		policy    client.Object
		fails     func(obj any) bool
		wantInMsg string
	}{
		"listing ReadinessPolicies": {strictPolicy(), func(o any) bool { _, ok := o.(*prodreadyv1alpha1.ReadinessPolicyList); return ok },
			"listing ReadinessPolicies"},
		"listing ClusterReadinessPolicies": {clusterPolicy, func(o any) bool { _, ok := o.(*prodreadyv1alpha1.ClusterReadinessPolicyList); return ok },
			"listing ClusterReadinessPolicies"},
		"reading the Namespace": {clusterPolicy, func(o any) bool { _, ok := o.(*corev1.Namespace); return ok },
			`reading Namespace "shop"`},
		"listing PodDisruptionBudgets": {strictPolicy(), func(o any) bool { _, ok := o.(*policyv1.PodDisruptionBudgetList); return ok },
			"listing PodDisruptionBudgets"},
		"listing HorizontalPodAutoscalers": {strictPolicy(), func(o any) bool {
			_, ok := o.(*autoscalingv2.HorizontalPodAutoscalerList)
			return ok
		}, "listing HorizontalPodAutoscalers"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop", Labels: map[string]string{"env": "production"}}}
			c := fake.NewClientBuilder().WithScheme(testScheme(t)).WithObjects(ns, tc.policy).WithInterceptorFuncs(fail(tc.fails)).Build()
			v := &DeploymentValidator{Reader: c, Compiler: gather.NewCompiler(), Clock: clocktesting.NewFakePassiveClock(fuzzNow)}

			bad := deployment(noReadiness)
			for op, call := range map[string]func() ([]string, error){
				"create": func() (w []string, err error) { return v.ValidateCreate(context.Background(), bad) },
				"update": func() (w []string, err error) { return v.ValidateUpdate(context.Background(), deployment(), bad) },
			} {
				warnings, err := call()
				if err != nil {
					t.Fatalf("%s denied with %v; a read error must fail open", op, err)
				}
				if len(warnings) != 1 || !strings.Contains(warnings[0], "could not evaluate this Deployment") ||
					!strings.Contains(warnings[0], tc.wantInMsg) || !strings.Contains(warnings[0], errCacheRead.Error()) {
					t.Fatalf("%s warnings = %q, want one that says the Deployment was not evaluated because of %q", op, warnings, tc.wantInMsg)
				}
			}

			// The same client without the fault denies: the warning above
			// really replaced a denial.
			healthy := fake.NewClientBuilder().WithScheme(testScheme(t)).WithObjects(ns, tc.policy).Build()
			v.Reader = healthy
			if _, err := v.ValidateCreate(context.Background(), bad); err == nil {
				t.Fatal("without the read error the Deployment is admitted; the case tests nothing")
			}
		})
	}
}

// TestValidateUpdateAdmitsWithoutEvaluating covers the updates that are
// never judged: an unchanged spec and a Deployment being deleted.
func TestValidateUpdateAdmitsWithoutEvaluating(t *testing.T) {
	c := fake.NewClientBuilder().WithScheme(testScheme(t)).WithObjects(strictPolicy()).WithInterceptorFuncs(interceptor.Funcs{
		List: func(context.Context, client.WithWatch, client.ObjectList, ...client.ListOption) error {
			t.Fatal("the cache was read for an update that needs no evaluation")
			return nil
		},
	}).Build()
	v := &DeploymentValidator{Reader: c, Compiler: gather.NewCompiler(), Clock: clocktesting.NewFakePassiveClock(fuzzNow)}
	bad := deployment(noReadiness)
	relabeled := bad.DeepCopy()
	relabeled.Labels["team"] = "a"
	deleting := deployment(noReadiness, noScrape)
	deleting.DeletionTimestamp = &metav1.Time{Time: fuzzNow}
	for name, pair := range map[string][2]*appsv1.Deployment{
		"metadata only": {bad, relabeled},
		"being deleted": {deployment(), deleting},
	} {
		w, err := v.ValidateUpdate(context.Background(), pair[0], pair[1])
		if err != nil || w != nil {
			t.Errorf("%s: got %q, %v; want admitted silently", name, w, err)
		}
	}
	if w, err := v.ValidateDelete(context.Background(), bad); err != nil || w != nil {
		t.Errorf("delete: got %q, %v", w, err)
	}
}
