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
	"strings"
	"testing"

	"github.com/go-logr/logr/funcr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
	"github.com/prodready/prodready/internal/gather"
	"github.com/prodready/prodready/internal/testutil"
)

// TestDeploymentValidatorLogsEachDecision checks the one log line per
// denial or warned admission: which policies decided and which rules, each
// named once.
func TestDeploymentValidatorLogsEachDecision(t *testing.T) {
	advice := &prodreadyv1alpha1.ReadinessPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "advice", UID: "3", Generation: 1},
		Spec:       prodreadyv1alpha1.PolicySpec{Enforcement: prodreadyv1alpha1.EnforcementWarn, Rules: testutil.FullRules()},
	}
	c := fake.NewClientBuilder().WithScheme(testScheme(t)).WithObjects(strictPolicy(), advice).Build()
	v := &DeploymentValidator{Reader: c, Compiler: gather.NewCompiler(), Clock: clocktesting.NewFakePassiveClock(fuzzNow)}
	run := func(call func(ctx context.Context) error) string {
		var lines []string
		log := funcr.New(func(_, args string) { lines = append(lines, args) }, funcr.Options{})
		_ = call(ctrl.LoggerInto(context.Background(), log))
		return strings.Join(lines, "\n")
	}

	denied := run(func(ctx context.Context) error { _, err := v.ValidateCreate(ctx, deployment(noReadiness)); return err })
	for _, want := range []string{`"msg"="Denied a Deployment that violates an enforced policy"`, `"policies"=["ReadinessPolicy/shop/strict"]`,
		`"rules"=["probes.readiness" "pdb.required"]`} {
		if !strings.Contains(denied, want) {
			t.Errorf("denial log %s\nlacks %s", denied, want)
		}
	}
	if strings.Contains(denied, "Admitted") {
		t.Errorf("a denial logged an admission: %s", denied)
	}

	v.Reader = fake.NewClientBuilder().WithScheme(testScheme(t)).WithObjects(advice).Build()
	warned := run(func(ctx context.Context) error {
		_, err := v.ValidateCreate(ctx, deployment(noReadiness, noScrape))
		return err
	})
	for _, want := range []string{`"msg"="Admitted a Deployment with warnings"`, `"policies"=["ReadinessPolicy/shop/advice"]`,
		`"rules"=["metrics.annotation" "probes.readiness"]`} {
		if !strings.Contains(warned, want) {
			t.Errorf("warning log %s\nlacks %s", warned, want)
		}
	}

	if quiet := run(func(ctx context.Context) error { _, err := v.ValidateCreate(ctx, deployment()); return err }); quiet != "" {
		t.Errorf("a compliant Deployment was logged: %s", quiet)
	}
}

// TestPolicyValidatorWarnsOnlyWhenNothingIsSelected: the warning appears
// for a policy that selects no Deployment now, and only then.
func TestPolicyValidatorWarnsOnlyWhenNothingIsSelected(t *testing.T) {
	prod := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop", Labels: map[string]string{"env": "production"}}}
	web := testutil.CompliantDeployment("shop", "web", 2)
	cluster := func(env string) *prodreadyv1alpha1.ClusterReadinessPolicy {
		return &prodreadyv1alpha1.ClusterReadinessPolicy{
			ObjectMeta: metav1.ObjectMeta{Name: "c"},
			Spec: prodreadyv1alpha1.ClusterReadinessPolicySpec{PolicySpec: prodreadyv1alpha1.PolicySpec{Rules: testutil.FullRules()},
				NamespaceSelector: &prodreadyv1alpha1.LabelSelector{MatchLabels: map[string]string{"env": env}}},
		}
	}
	namespaced := func(ns string, sel map[string]string) *prodreadyv1alpha1.ReadinessPolicy {
		p := &prodreadyv1alpha1.ReadinessPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "p"}, Spec: prodreadyv1alpha1.PolicySpec{Rules: testutil.FullRules()}}
		if sel != nil {
			p.Spec.Selector = &prodreadyv1alpha1.LabelSelector{MatchLabels: sel}
		}
		return p
	}
	objs := []client.Object{prod, web}
	for name, tc := range map[string]struct {
		validate func(r client.Reader) ([]string, error)
		wantWarn bool
	}{
		"namespaced, selects web": {func(r client.Reader) ([]string, error) {
			return (&PolicyValidator[*prodreadyv1alpha1.ReadinessPolicy]{Reader: r}).ValidateCreate(context.Background(), namespaced("shop", nil))
		}, false},
		"namespaced, selector matches nothing": {func(r client.Reader) ([]string, error) {
			return (&PolicyValidator[*prodreadyv1alpha1.ReadinessPolicy]{Reader: r}).ValidateCreate(context.Background(), namespaced("shop", map[string]string{"app": "api"}))
		}, true},
		"namespaced, other namespace": {func(r client.Reader) ([]string, error) {
			return (&PolicyValidator[*prodreadyv1alpha1.ReadinessPolicy]{Reader: r}).ValidateUpdate(context.Background(), nil, namespaced("lab", nil))
		}, true},
		"cluster, selected namespace": {func(r client.Reader) ([]string, error) {
			return (&PolicyValidator[*prodreadyv1alpha1.ClusterReadinessPolicy]{Reader: r}).ValidateCreate(context.Background(), cluster("production"))
		}, false},
		"cluster, unselected namespace": {func(r client.Reader) ([]string, error) {
			return (&PolicyValidator[*prodreadyv1alpha1.ClusterReadinessPolicy]{Reader: r}).ValidateCreate(context.Background(), cluster("dev"))
		}, true},
	} {
		t.Run(name, func(t *testing.T) {
			w, err := tc.validate(fake.NewClientBuilder().WithScheme(testScheme(t)).WithObjects(objs...).Build())
			if err != nil {
				t.Fatal(err)
			}
			if got := len(w) == 1 && strings.Contains(w[0], "selects no Deployment"); got != tc.wantWarn || (!tc.wantWarn && len(w) != 0) {
				t.Errorf("warnings %q, want the no-match warning: %v", w, tc.wantWarn)
			}
		})
	}
}
