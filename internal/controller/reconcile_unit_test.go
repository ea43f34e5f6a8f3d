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

package controller

import (
	"context"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/event"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
	"github.com/prodready/prodready/internal/gather"
	"github.com/prodready/prodready/internal/testutil"
)

func unitScheme(t *testing.T) *runtime.Scheme {
	t.Helper()
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	if err := prodreadyv1alpha1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	return s
}

// unitReconciler runs the ReadinessPolicy reconciler over a fake client at a
// fake time, recording Event calls.
func unitReconciler(t *testing.T, clk *clocktesting.FakeClock, objs ...client.Object) (*PolicyReconciler, client.Client, *testutil.CountingRecorder) {
	t.Helper()
	c := fake.NewClientBuilder().WithScheme(unitScheme(t)).WithObjects(objs...).
		WithStatusSubresource(&prodreadyv1alpha1.ReadinessPolicy{}, &prodreadyv1alpha1.ClusterReadinessPolicy{}).Build()
	rec := &testutil.CountingRecorder{}
	return &PolicyReconciler{
		Client: c, APIReader: c, Compiler: gather.NewCompiler(), Recorder: rec, Clock: clk,
		transitions: newTransitions(), metrics: newPolicyMetrics("ReadinessPolicy"),
	}, c, rec
}

func TestReconcileRequeuesAtTheExemptionExpiry(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	clk := clocktesting.NewFakeClock(now)
	legacy := testutil.CompliantDeployment("shop", "legacy", 2)
	legacy.Spec.Template.Spec.Containers[0].LivenessProbe = nil
	expires := metav1.NewTime(now.Add(time.Hour))
	later := metav1.NewTime(now.Add(3 * time.Hour))
	pol := &prodreadyv1alpha1.ReadinessPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "baseline", UID: "u", Generation: 1},
		Spec: prodreadyv1alpha1.PolicySpec{Rules: testutil.FullRules(), Exemptions: []prodreadyv1alpha1.Exemption{
			{Deployments: []string{"legacy"}, Rules: []string{"probes.liveness"}, Reason: "migrating", Expires: &expires},
			{Deployments: []string{"legacy"}, Rules: []string{"probes"}, Reason: "migrating", Expires: &later},
		}},
	}
	r, c, rec := unitReconciler(t, clk, legacy, pol)
	req := ctrl.Request{NamespacedName: types.NamespacedName{Namespace: "shop", Name: "baseline"}}
	status := func() prodreadyv1alpha1.PolicyStatus {
		var p prodreadyv1alpha1.ReadinessPolicy
		if err := c.Get(context.Background(), req.NamespacedName, &p); err != nil {
			t.Fatal(err)
		}
		return p.Status
	}

	res, err := r.Reconcile(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Hour + expiryGrace; res.RequeueAfter != want {
		t.Fatalf("RequeueAfter = %v, want %v (the earliest expiry of an exemption in use, plus grace)", res.RequeueAfter, want)
	}
	if s := status().Summary; s != (prodreadyv1alpha1.Summary{Matched: 1, Compliant: 1, Exempted: 1}) {
		t.Fatalf("summary before the expiry = %+v", s)
	}

	clk.Step(30 * time.Minute)
	if res, _ = r.Reconcile(context.Background(), req); res.RequeueAfter != 30*time.Minute+expiryGrace {
		t.Fatalf("RequeueAfter half-way = %v, want %v", res.RequeueAfter, 30*time.Minute+expiryGrace)
	}

	// Past the first expiry the broader exemption still waives the finding
	// and decides the next requeue.
	clk.Step(res.RequeueAfter)
	if res, _ = r.Reconcile(context.Background(), req); res.RequeueAfter != 2*time.Hour {
		t.Fatalf("RequeueAfter after the first expiry = %v, want %v", res.RequeueAfter, 2*time.Hour)
	}
	if s := status().Summary; s.Exempted != 1 || s.NonCompliant != 0 {
		t.Fatalf("summary after the first expiry = %+v, want still exempted", s)
	}
	if n := len(rec.CallsIn("shop")); n != 0 {
		t.Fatalf("%d Events while the Deployment stayed compliant", n)
	}

	clk.Step(res.RequeueAfter)
	res, err = r.Reconcile(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if res.RequeueAfter != 0 {
		t.Fatalf("RequeueAfter = %v once every exemption expired, want 0", res.RequeueAfter)
	}
	st := status()
	if st.Summary != (prodreadyv1alpha1.Summary{Matched: 1, NonCompliant: 1, Violations: 1}) || rulesOf(st.Violations)[0] != "probes.liveness" {
		t.Fatalf("status after expiry = %+v", st)
	}
	if calls := rec.Calls("shop", "legacy", ReasonPolicyViolation); len(calls) != 1 {
		t.Fatalf("PolicyViolation Eventf calls = %d, want 1", len(calls))
	}

	// Evaluating again without any change: no Event, no requeue.
	if res, _ = r.Reconcile(context.Background(), req); res.RequeueAfter != 0 {
		t.Fatalf("RequeueAfter = %v", res.RequeueAfter)
	}
	if calls := rec.Calls("shop", "legacy", ReasonPolicyViolation); len(calls) != 1 {
		t.Fatalf("PolicyViolation Eventf calls after an unchanged evaluation = %d, want still 1", len(calls))
	}
}

func TestReconcileWithoutExpiringExemptionDoesNotRequeue(t *testing.T) {
	clk := clocktesting.NewFakeClock(time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC))
	legacy := testutil.CompliantDeployment("shop", "legacy", 2)
	legacy.Spec.Template.Spec.Containers[0].LivenessProbe = nil
	pol := &prodreadyv1alpha1.ReadinessPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "baseline", UID: "u", Generation: 1},
		Spec: prodreadyv1alpha1.PolicySpec{Rules: testutil.FullRules(), Exemptions: []prodreadyv1alpha1.Exemption{
			{Deployments: []string{"legacy"}, Rules: []string{"probes"}, Reason: "forever"},
		}},
	}
	r, _, _ := unitReconciler(t, clk, legacy, pol)
	res, err := r.Reconcile(context.Background(), ctrl.Request{NamespacedName: types.NamespacedName{Namespace: "shop", Name: "baseline"}})
	if err != nil || res.RequeueAfter != 0 {
		t.Fatalf("Reconcile = %+v, %v; want no requeue for an exemption without expiry", res, err)
	}
}

func TestHPAScalingChangedPredicate(t *testing.T) {
	base := &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web", Generation: 1},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
			MinReplicas:    ptr.To[int32](2), MaxReplicas: 5,
		},
	}
	with := func(mutate func(h *autoscalingv2.HorizontalPodAutoscaler)) *autoscalingv2.HorizontalPodAutoscaler {
		h := base.DeepCopy()
		mutate(h)
		return h
	}
	p := hpaScalingChanged()
	tests := map[string]struct {
		newObj client.Object
		want   bool
	}{
		"status only": {with(func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Status.CurrentReplicas, h.Status.DesiredReplicas = 4, 5
		}), false},
		"maxReplicas, which no rule reads": {with(func(h *autoscalingv2.HorizontalPodAutoscaler) { h.Spec.MaxReplicas = 9 }), false},
		"same minReplicas, new pointer":    {with(func(h *autoscalingv2.HorizontalPodAutoscaler) { h.Spec.MinReplicas = ptr.To[int32](2) }), false},
		"minReplicas":                      {with(func(h *autoscalingv2.HorizontalPodAutoscaler) { h.Spec.MinReplicas = ptr.To[int32](3) }), true},
		"minReplicas unset":                {with(func(h *autoscalingv2.HorizontalPodAutoscaler) { h.Spec.MinReplicas = nil }), true},
		"target name":                      {with(func(h *autoscalingv2.HorizontalPodAutoscaler) { h.Spec.ScaleTargetRef.Name = "api" }), true},
		"target kind":                      {with(func(h *autoscalingv2.HorizontalPodAutoscaler) { h.Spec.ScaleTargetRef.Kind = "StatefulSet" }), true},
		"not an HPA":                       {&appsv1.Deployment{}, true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := p.Update(event.UpdateEvent{ObjectOld: base, ObjectNew: tc.newObj}); got != tc.want {
				t.Errorf("Update = %v, want %v", got, tc.want)
			}
		})
	}
	if !p.Create(event.CreateEvent{Object: base}) || !p.Delete(event.DeleteEvent{Object: base}) {
		t.Error("creates and deletes of HPAs must pass")
	}
}

func TestMapHorizontalPodAutoscaler(t *testing.T) {
	clk := clocktesting.NewFakeClock(time.Now())
	web := testutil.CompliantDeployment("shop", "web", 2)
	replicas := &prodreadyv1alpha1.ReadinessPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "replicas", Generation: 1},
		Spec:       prodreadyv1alpha1.PolicySpec{Rules: prodreadyv1alpha1.Rules{Replicas: &prodreadyv1alpha1.ReplicaRules{Minimum: 2}}},
	}
	probes := &prodreadyv1alpha1.ReadinessPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "probes", Generation: 1},
		Spec:       prodreadyv1alpha1.PolicySpec{Rules: testutil.FullRules()},
	}
	r, _, _ := unitReconciler(t, clk, web, replicas, probes, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}})
	hpa := func(kind, target string) *autoscalingv2.HorizontalPodAutoscaler {
		return &autoscalingv2.HorizontalPodAutoscaler{
			ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "h"},
			Spec:       autoscalingv2.HorizontalPodAutoscalerSpec{ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{Kind: kind, Name: target}},
		}
	}
	got := r.mapHorizontalPodAutoscaler(context.Background(), hpa("Deployment", "web"))
	if len(got) != 1 || got[0].Name != "replicas" {
		t.Errorf("HPA of web mapped to %v, want only the policy with replica rules", got)
	}
	if got := r.mapHorizontalPodAutoscaler(context.Background(), hpa("Deployment", "missing")); got != nil {
		t.Errorf("HPA of a missing Deployment mapped to %v", got)
	}
	if got := r.mapHorizontalPodAutoscaler(context.Background(), hpa("StatefulSet", "web")); got != nil {
		t.Errorf("HPA of a StatefulSet mapped to %v", got)
	}
}
