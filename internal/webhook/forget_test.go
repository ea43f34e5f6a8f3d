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
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/cache/informertest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
	"github.com/prodready/prodready/internal/gather"
	"github.com/prodready/prodready/internal/testutil"
)

// A replica that is not the leader never reconciles, so only the informer's
// delete event can make it forget a policy.
func TestForgetDeletedPoliciesOnEveryReplica(t *testing.T) {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	if err := prodreadyv1alpha1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	fake := &informertest.FakeInformers{Scheme: s}
	compiler := gather.NewCompiler()
	if err := ForgetDeletedPolicies(fake, compiler); err != nil {
		t.Fatal(err)
	}

	rules := testutil.FullRules()
	policies := []prodreadyv1alpha1.Policy{
		&prodreadyv1alpha1.ReadinessPolicy{
			ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "gone", UID: "1", Generation: 1},
			Spec:       prodreadyv1alpha1.PolicySpec{Enforcement: prodreadyv1alpha1.EnforcementEnforce, Rules: rules},
		},
		&prodreadyv1alpha1.ClusterReadinessPolicy{
			ObjectMeta: metav1.ObjectMeta{Name: "gone-too", UID: "2", Generation: 1},
			Spec: prodreadyv1alpha1.ClusterReadinessPolicySpec{
				PolicySpec: prodreadyv1alpha1.PolicySpec{Enforcement: prodreadyv1alpha1.EnforcementWarn, Rules: rules},
			},
		},
	}
	kept := &prodreadyv1alpha1.ReadinessPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "kept", UID: "3", Generation: 1},
		Spec:       prodreadyv1alpha1.PolicySpec{Enforcement: prodreadyv1alpha1.EnforcementEnforce, Rules: rules},
	}
	for _, p := range append(policies, kept) {
		if _, err := compiler.Compile(p); err != nil {
			t.Fatalf("compiling %s: %v", p.GetName(), err)
		}
		observe(admissionv1.Create, map[string]string{gather.KeyOf(p).String(): decisionDenied}, 0)
	}
	series := func(p prodreadyv1alpha1.Policy) int {
		ch := make(chan prometheus.Metric, 1000)
		admissionDecisions.Collect(ch)
		close(ch)
		n := 0
		for m := range ch {
			var pb dto.Metric
			if err := m.Write(&pb); err != nil {
				t.Fatal(err)
			}
			for _, l := range pb.GetLabel() {
				if l.GetName() == "policy" && l.GetValue() == gather.KeyOf(p).String() {
					n++
				}
			}
		}
		return n
	}

	for _, p := range policies {
		inf, err := fake.FakeInformerFor(t.Context(), p.(client.Object))
		if err != nil {
			t.Fatal(err)
		}
		inf.Delete(p.(client.Object))
		if series(p) != 0 {
			t.Errorf("%s: admission series kept after the delete", gather.KeyOf(p))
		}
	}
	if compiler.Len() != 1 {
		t.Errorf("compiler holds %d policies after deleting two of three, want 1", compiler.Len())
	}
	if series(kept) != 1 {
		t.Errorf("the series of a policy that still exists was dropped")
	}
}
