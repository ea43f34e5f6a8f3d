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
	"fmt"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	promtestutil "github.com/prometheus/client_golang/prometheus/testutil"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
	"github.com/prodready/prodready/internal/testutil"
)

const (
	timeout  = 60 * time.Second // generous: a busy 2-core CI machine must not miss it; Eventually returns as soon as it holds
	interval = 100 * time.Millisecond
)

// newNamespace creates a uniquely named namespace for one spec.
func newNamespace(labels map[string]string) string {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "prodready-test-", Labels: labels}}
	Expect(k8sClient.Create(ctx, ns)).To(Succeed())
	return ns.Name
}

var (
	compliantDeployment = testutil.CompliantDeployment
	fullRules           = testutil.FullRules
)

func getPolicy(ns, name string) func(g Gomega) *prodreadyv1alpha1.ReadinessPolicy {
	return func(g Gomega) *prodreadyv1alpha1.ReadinessPolicy {
		var p prodreadyv1alpha1.ReadinessPolicy
		g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &p)).To(Succeed())
		return &p
	}
}

func getClusterPolicy(name string) func(g Gomega) *prodreadyv1alpha1.ClusterReadinessPolicy {
	return func(g Gomega) *prodreadyv1alpha1.ClusterReadinessPolicy {
		var p prodreadyv1alpha1.ClusterReadinessPolicy
		g.Expect(k8sClient.Get(ctx, client.ObjectKey{Name: name}, &p)).To(Succeed())
		return &p
	}
}

// condition returns the policy's condition of that type, or an empty one.
func condition(st *prodreadyv1alpha1.PolicyStatus, t string) metav1.Condition {
	if c := meta.FindStatusCondition(st.Conditions, t); c != nil {
		return *c
	}
	return metav1.Condition{}
}

// emitted counts the reconcilers' Eventf calls about a Deployment.
func emitted(ns, deployment, reason string) int {
	return len(recorder.Calls(ns, deployment, reason))
}

// eventsFor lists the Events recorded about a Deployment with a reason. An
// Event emitted more than once is one object with a series; every Event
// here must have been emitted exactly once.
func eventsFor(g Gomega, ns, deployment, reason string) []eventsv1.Event {
	var list eventsv1.EventList
	g.Expect(k8sClient.List(ctx, &list, client.InNamespace(ns))).To(Succeed())
	var out []eventsv1.Event
	for _, e := range list.Items {
		if e.Regarding.Kind == "Deployment" && e.Regarding.Name == deployment && e.Reason == reason {
			g.Expect(e.Series).To(BeNil(), "Event %s/%s about %s was emitted repeatedly: %+v", ns, e.Name, deployment, e.Series)
			out = append(out, e)
		}
	}
	return out
}

func rulesOf(vs []prodreadyv1alpha1.Violation) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.Rule)
	}
	return out
}

var _ = Describe("ReadinessPolicy controller", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace(nil) })

	It("reports violations with conditions, counts, messages and an Event, and recovers when fixed", func() {
		bad := compliantDeployment(ns, "web", 2)
		bad.Spec.Template.Spec.Containers[0].ReadinessProbe = nil
		bad.Spec.Template.Spec.Containers[0].Resources.Limits = nil
		Expect(k8sClient.Create(ctx, bad)).To(Succeed())
		Expect(k8sClient.Create(ctx, compliantDeployment(ns, "api", 2))).To(Succeed())

		pol := &prodreadyv1alpha1.ReadinessPolicy{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "baseline"},
			Spec:       prodreadyv1alpha1.PolicySpec{Rules: fullRules()},
		}
		Expect(k8sClient.Create(ctx, pol)).To(Succeed())

		Eventually(func(g Gomega) {
			p := getPolicy(ns, "baseline")(g)
			st := p.Status
			g.Expect(st.ObservedGeneration).To(Equal(p.Generation))
			g.Expect(st.Summary).To(Equal(prodreadyv1alpha1.Summary{Matched: 2, Compliant: 1, NonCompliant: 1, Violations: 2}))
			ready := condition(&st, prodreadyv1alpha1.ConditionReady)
			g.Expect(ready.Status).To(Equal(metav1.ConditionTrue))
			g.Expect(ready.ObservedGeneration).To(Equal(p.Generation))
			compliant := condition(&st, prodreadyv1alpha1.ConditionCompliant)
			g.Expect(compliant.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(compliant.Reason).To(Equal(prodreadyv1alpha1.ReasonViolationsFound))
			g.Expect(compliant.ObservedGeneration).To(Equal(p.Generation))
			g.Expect(st.Violations).To(HaveLen(2))
			g.Expect(rulesOf(st.Violations)).To(Equal([]string{"probes.readiness", "resources.limits.memory"}))
			for _, v := range st.Violations {
				g.Expect(v.Namespace).To(Equal(ns))
				g.Expect(v.Deployment).To(Equal("web"))
				g.Expect(v.Container).To(Equal("app"))
			}
			g.Expect(st.Violations[0].Message).To(ContainSubstring("add spec.template.spec.containers[0].readinessProbe"))
			g.Expect(st.Violations[1].Message).To(ContainSubstring("set spec.template.spec.containers[0].resources.limits.memory"))
		}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())

		By("recording one PolicyViolation Event that names the rules")
		Eventually(func(g Gomega) {
			evs := eventsFor(g, ns, "web", ReasonPolicyViolation)
			g.Expect(evs).To(HaveLen(1))
			g.Expect(evs[0].Type).To(Equal(corev1.EventTypeWarning))
			g.Expect(evs[0].Note).To(ContainSubstring("ReadinessPolicy/" + ns + "/baseline"))
			g.Expect(evs[0].Note).To(ContainSubstring("probes.readiness, resources.limits.memory"))
		}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		Expect(emitted(ns, "web", ReasonPolicyViolation)).To(Equal(1))
		Expect(emitted(ns, "api", ReasonPolicyViolation)).To(BeZero())

		By("re-evaluating while web stays non-compliant: api loses its memory limit")
		Eventually(func(g Gomega) {
			var d appsv1.Deployment
			g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: "api"}, &d)).To(Succeed())
			d.Spec.Template.Spec.Containers[0].Resources.Limits = nil
			g.Expect(k8sClient.Update(ctx, &d)).To(Succeed())
		}).WithTimeout(timeout).Should(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(getPolicy(ns, "baseline")(g).Status.Summary).To(Equal(prodreadyv1alpha1.Summary{Matched: 2, NonCompliant: 2, Violations: 3}))
			g.Expect(emitted(ns, "api", ReasonPolicyViolation)).To(Equal(1))
		}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		Expect(emitted(ns, "web", ReasonPolicyViolation)).To(Equal(1), "a second evaluation repeated web's Event")
		Expect(eventsFor(Default, ns, "web", ReasonPolicyViolation)).To(HaveLen(1))

		By("fixing both Deployments")
		for _, name := range []string{"web", "api"} {
			Eventually(func(g Gomega) {
				var d appsv1.Deployment
				g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &d)).To(Succeed())
				fixed := compliantDeployment(ns, name, 2)
				d.Spec.Template.Spec.Containers = fixed.Spec.Template.Spec.Containers
				g.Expect(k8sClient.Update(ctx, &d)).To(Succeed())
			}).WithTimeout(timeout).Should(Succeed())
		}

		Eventually(func(g Gomega) {
			st := getPolicy(ns, "baseline")(g).Status
			g.Expect(st.Summary).To(Equal(prodreadyv1alpha1.Summary{Matched: 2, Compliant: 2}))
			g.Expect(st.Violations).To(BeEmpty())
			c := condition(&st, prodreadyv1alpha1.ConditionCompliant)
			g.Expect(c.Status).To(Equal(metav1.ConditionTrue))
			g.Expect(c.Reason).To(Equal(prodreadyv1alpha1.ReasonAllCompliant))
		}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(eventsFor(g, ns, "web", ReasonPolicyCompliant)).To(HaveLen(1))
		}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())

		By("touching a compliant Deployment: no Event is repeated")
		Eventually(func(g Gomega) {
			var d appsv1.Deployment
			g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: "web"}, &d)).To(Succeed())
			d.Spec.Template.Spec.Containers[0].Image = "registry.example/app:1.1"
			g.Expect(k8sClient.Update(ctx, &d)).To(Succeed())
		}).WithTimeout(timeout).Should(Succeed())
		Expect(k8sClient.Create(ctx, compliantDeployment(ns, "marker", 2))).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(getPolicy(ns, "baseline")(g).Status.Summary.Matched).To(BeEquivalentTo(3))
		}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		for _, name := range []string{"web", "api"} {
			Expect(emitted(ns, name, ReasonPolicyViolation)).To(Equal(1), "%s: no repeated violation Event", name)
			Expect(emitted(ns, name, ReasonPolicyCompliant)).To(Equal(1), "%s: no repeated compliant Event", name)
		}
		Expect(eventsFor(Default, ns, "web", ReasonPolicyViolation)).To(HaveLen(1))
		Eventually(func(g Gomega) {
			g.Expect(eventsFor(g, ns, "api", ReasonPolicyCompliant)).To(HaveLen(1))
		}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
	})

	It("reports NoMatches when the selector selects nothing", func() {
		Expect(k8sClient.Create(ctx, compliantDeployment(ns, "web", 2))).To(Succeed())
		Expect(k8sClient.Create(ctx, &prodreadyv1alpha1.ReadinessPolicy{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "none"},
			Spec: prodreadyv1alpha1.PolicySpec{
				Selector: &prodreadyv1alpha1.LabelSelector{MatchLabels: map[string]string{"tier": "batch"}},
				Rules:    fullRules(),
			},
		})).To(Succeed())
		Eventually(func(g Gomega) {
			st := getPolicy(ns, "none")(g).Status
			g.Expect(st.Summary.Matched).To(BeZero())
			c := condition(&st, prodreadyv1alpha1.ConditionCompliant)
			g.Expect(c.Status).To(Equal(metav1.ConditionTrue))
			g.Expect(c.Reason).To(Equal(prodreadyv1alpha1.ReasonNoMatches))
		}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())

		By("storing zero counts explicitly, so kubectl get prints 0 rather than nothing")
		u := &unstructured.Unstructured{}
		u.SetGroupVersionKind(prodreadyv1alpha1.GroupVersion.WithKind("ReadinessPolicy"))
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: "none"}, u)).To(Succeed())
		for _, f := range []string{"matched", "compliant", "nonCompliant", "exempted", "violations"} {
			v, found, err := unstructured.NestedInt64(u.Object, "status", "summary", f)
			Expect(err).NotTo(HaveOccurred())
			Expect(found).To(BeTrue(), "status.summary.%s is stored", f)
			Expect(v).To(BeZero())
		}
	})

	It("re-evaluates when a PodDisruptionBudget or HorizontalPodAutoscaler changes, without touching the policy", func() {
		Expect(k8sClient.Create(ctx, compliantDeployment(ns, "web", 1))).To(Succeed())
		Expect(k8sClient.Create(ctx, &prodreadyv1alpha1.ReadinessPolicy{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "ha"},
			Spec: prodreadyv1alpha1.PolicySpec{Rules: prodreadyv1alpha1.Rules{
				Replicas:            &prodreadyv1alpha1.ReplicaRules{Minimum: 2},
				PodDisruptionBudget: &prodreadyv1alpha1.PodDisruptionBudgetRules{Required: true, AllowsDisruption: true},
			}},
		})).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(rulesOf(getPolicy(ns, "ha")(g).Status.Violations)).To(Equal([]string{"pdb.required", "replicas.minimum"}))
		}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		generation := getPolicy(ns, "ha")(Default).Generation

		By("creating a PodDisruptionBudget with matchExpressions that selects the pods")
		pdb := &policyv1.PodDisruptionBudget{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"},
			Spec: policyv1.PodDisruptionBudgetSpec{
				MaxUnavailable: ptr.To(intstr.FromInt32(1)),
				Selector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
					{Key: "app", Operator: metav1.LabelSelectorOpIn, Values: []string{"web", "web-canary"}},
				}},
			},
		}
		Expect(k8sClient.Create(ctx, pdb)).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(rulesOf(getPolicy(ns, "ha")(g).Status.Violations)).To(Equal([]string{"replicas.minimum"}))
		}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())

		By("creating a HorizontalPodAutoscaler whose minReplicas meets the minimum")
		hpa := &autoscalingv2.HorizontalPodAutoscaler{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"},
			Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
				ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
				MinReplicas:    ptr.To[int32](3),
				MaxReplicas:    6,
			},
		}
		Expect(k8sClient.Create(ctx, hpa)).To(Succeed())
		Eventually(func(g Gomega) {
			st := getPolicy(ns, "ha")(g).Status
			g.Expect(st.Violations).To(BeEmpty())
			g.Expect(condition(&st, prodreadyv1alpha1.ConditionCompliant).Reason).To(Equal(prodreadyv1alpha1.ReasonAllCompliant))
		}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())

		By("making the PodDisruptionBudget block every eviction")
		Eventually(func(g Gomega) {
			var cur policyv1.PodDisruptionBudget
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(pdb), &cur)).To(Succeed())
			cur.Spec.MaxUnavailable = ptr.To(intstr.FromString("0%"))
			g.Expect(k8sClient.Update(ctx, &cur)).To(Succeed())
		}).WithTimeout(timeout).Should(Succeed())
		Eventually(func(g Gomega) {
			st := getPolicy(ns, "ha")(g).Status
			g.Expect(rulesOf(st.Violations)).To(Equal([]string{"pdb.allowsDisruption"}))
			g.Expect(st.Violations[0].Message).To(ContainSubstring("maxUnavailable: 0%"))
		}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		Expect(getPolicy(ns, "ha")(Default).Generation).To(Equal(generation), "the policy itself was never edited")
	})

	It("requires every policy that selects a Deployment (AND)", func() {
		d := compliantDeployment(ns, "web", 1)
		Expect(k8sClient.Create(ctx, d)).To(Succeed())
		Expect(k8sClient.Create(ctx, &prodreadyv1alpha1.ReadinessPolicy{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "probes"},
			Spec:       prodreadyv1alpha1.PolicySpec{Rules: fullRules()},
		})).To(Succeed())
		Expect(k8sClient.Create(ctx, &prodreadyv1alpha1.ReadinessPolicy{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "replicas"},
			Spec: prodreadyv1alpha1.PolicySpec{
				Selector: &prodreadyv1alpha1.LabelSelector{MatchLabels: map[string]string{"tier": "web"}},
				Rules:    prodreadyv1alpha1.Rules{Replicas: &prodreadyv1alpha1.ReplicaRules{Minimum: 2}},
			},
		})).To(Succeed())
		Eventually(func(g Gomega) {
			probes := getPolicy(ns, "probes")(g).Status
			replicas := getPolicy(ns, "replicas")(g).Status
			g.Expect(probes.Summary).To(Equal(prodreadyv1alpha1.Summary{Matched: 1, Compliant: 1}))
			g.Expect(replicas.Summary).To(Equal(prodreadyv1alpha1.Summary{Matched: 1, NonCompliant: 1, Violations: 1}))
			g.Expect(rulesOf(replicas.Violations)).To(Equal([]string{"replicas.minimum"}))
		}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		Eventually(func(g Gomega) {
			evs := eventsFor(g, ns, "web", ReasonPolicyViolation)
			g.Expect(evs).To(HaveLen(1))
			g.Expect(evs[0].Note).To(ContainSubstring("/replicas: replicas.minimum"))
		}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())

		By("relabeling the Deployment out of the second policy's selector")
		Eventually(func(g Gomega) {
			var cur appsv1.Deployment
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(d), &cur)).To(Succeed())
			cur.Labels["tier"] = "internal"
			g.Expect(k8sClient.Update(ctx, &cur)).To(Succeed())
		}).WithTimeout(timeout).Should(Succeed())
		Eventually(func(g Gomega) {
			st := getPolicy(ns, "replicas")(g).Status
			g.Expect(st.Summary.Matched).To(BeZero())
			g.Expect(st.Violations).To(BeEmpty())
		}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
	})

	It("records one Event per policy when two policies flag the same Deployment", func() {
		d := compliantDeployment(ns, "web", 1)
		d.Spec.Template.Spec.Containers[0].LivenessProbe = nil
		Expect(k8sClient.Create(ctx, d)).To(Succeed())
		for name, rules := range map[string]prodreadyv1alpha1.Rules{
			"probes":   fullRules(),
			"replicas": {Replicas: &prodreadyv1alpha1.ReplicaRules{Minimum: 2}},
		} {
			Expect(k8sClient.Create(ctx, &prodreadyv1alpha1.ReadinessPolicy{
				ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: prodreadyv1alpha1.PolicySpec{Rules: rules},
			})).To(Succeed())
		}
		Eventually(func(g Gomega) {
			evs := eventsFor(g, ns, "web", ReasonPolicyViolation)
			g.Expect(evs).To(HaveLen(2))
			notes := []string{evs[0].Note, evs[1].Note}
			g.Expect(notes).To(ContainElement(HaveSuffix("/probes: probes.liveness")))
			g.Expect(notes).To(ContainElement(HaveSuffix("/replicas: replicas.minimum")))
		}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
	})

	It("lets an exemption waive rules until it expires, then flips the status without an edit", func() {
		d := compliantDeployment(ns, "legacy", 2)
		d.Spec.Template.Spec.Containers[0].LivenessProbe = nil
		Expect(k8sClient.Create(ctx, d)).To(Succeed())
		// Far enough ahead that a busy machine surely sees the exempted
		// state first; the exact requeue time is unit-tested with a fake
		// clock (TestReconcileRequeuesAtTheExemptionExpiry).
		farAhead := metav1.NewTime(time.Now().Add(time.Hour))
		Expect(k8sClient.Create(ctx, &prodreadyv1alpha1.ReadinessPolicy{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "baseline"},
			Spec: prodreadyv1alpha1.PolicySpec{
				Rules: fullRules(),
				Exemptions: []prodreadyv1alpha1.Exemption{{
					Deployments: []string{"legacy"}, Rules: []string{"probes"}, Containers: []string{"app"},
					Reason: "migrating to the new health endpoint", Expires: &farAhead,
				}},
			},
		})).To(Succeed())
		Eventually(func(g Gomega) {
			st := getPolicy(ns, "baseline")(g).Status
			g.Expect(st.Summary).To(Equal(prodreadyv1alpha1.Summary{Matched: 1, Compliant: 1, Exempted: 1}))
		}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())

		By("moving the expiry close; the status flips when it passes, without another edit")
		expires := metav1.NewTime(time.Now().Add(3 * time.Second))
		Eventually(func(g Gomega) {
			p := getPolicy(ns, "baseline")(g)
			p.Spec.Exemptions[0].Expires = &expires
			g.Expect(k8sClient.Update(ctx, p)).To(Succeed())
		}).WithTimeout(timeout).Should(Succeed())
		Eventually(func(g Gomega) {
			st := getPolicy(ns, "baseline")(g).Status
			g.Expect(st.Summary).To(Equal(prodreadyv1alpha1.Summary{Matched: 1, NonCompliant: 1, Violations: 1}))
			g.Expect(rulesOf(st.Violations)).To(Equal([]string{"probes.liveness"}))
		}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		Expect(time.Now()).To(BeTemporally(">=", expires.Time), "the flip happened after the expiry, not before")
	})

	It("lists at most 50 violations and counts all of them", func() {
		d := compliantDeployment(ns, "wide", 2)
		var containers []corev1.Container
		for i := range 30 {
			containers = append(containers, corev1.Container{Name: fmt.Sprintf("c%02d", i), Image: "registry.example/app:1.0"})
		}
		d.Spec.Template.Spec.Containers = containers
		Expect(k8sClient.Create(ctx, d)).To(Succeed())
		Expect(k8sClient.Create(ctx, &prodreadyv1alpha1.ReadinessPolicy{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "baseline"},
			Spec: prodreadyv1alpha1.PolicySpec{Rules: prodreadyv1alpha1.Rules{Probes: &prodreadyv1alpha1.ProbeRules{
				Readiness: prodreadyv1alpha1.RequirementRequired, Liveness: prodreadyv1alpha1.RequirementRequired,
			}}},
		})).To(Succeed())
		Eventually(func(g Gomega) {
			st := getPolicy(ns, "baseline")(g).Status
			g.Expect(st.Summary.Violations).To(BeEquivalentTo(60))
			g.Expect(st.Violations).To(HaveLen(prodreadyv1alpha1.MaxStatusViolations))
			g.Expect(st.Violations[0].Container).To(Equal("c00"))
		}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
	})

	It("sets Ready=False with reason InvalidSpec naming the field when the schema cannot catch the error", func() {
		Expect(k8sClient.Create(ctx, &prodreadyv1alpha1.ReadinessPolicy{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "bad-regex"},
			Spec: prodreadyv1alpha1.PolicySpec{Rules: prodreadyv1alpha1.Rules{Metrics: &prodreadyv1alpha1.MetricsRules{
				Annotations: []prodreadyv1alpha1.AnnotationRequirement{{Key: "prometheus.io/port", Value: "[0-9"}},
			}}},
		})).To(Succeed())
		Eventually(func(g Gomega) {
			p := getPolicy(ns, "bad-regex")(g)
			ready := condition(&p.Status, prodreadyv1alpha1.ConditionReady)
			g.Expect(ready.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(ready.Reason).To(Equal(prodreadyv1alpha1.ReasonInvalidSpec))
			g.Expect(ready.Message).To(ContainSubstring("spec.rules.metrics.annotations[0].value"))
			g.Expect(condition(&p.Status, prodreadyv1alpha1.ConditionCompliant).Status).To(Equal(metav1.ConditionUnknown))
			g.Expect(p.Status.ObservedGeneration).To(Equal(p.Generation))
		}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
	})
})

var _ = Describe("An Enforce policy that becomes invalid", func() {
	It("records one Warning Event on the policy and counts it in prodready_policies_invalid until fixed", func() {
		ns := newNamespace(nil)
		invalid := func() float64 {
			return promtestutil.ToFloat64(policiesInvalid.WithLabelValues("ReadinessPolicy", "Enforce"))
		}
		before := invalid()
		p := &prodreadyv1alpha1.ReadinessPolicy{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "strict"},
			Spec: prodreadyv1alpha1.PolicySpec{Enforcement: prodreadyv1alpha1.EnforcementEnforce, Rules: prodreadyv1alpha1.Rules{
				Metrics: &prodreadyv1alpha1.MetricsRules{Annotations: []prodreadyv1alpha1.AnnotationRequirement{{Key: "prometheus.io/port", Value: "[0-9]+"}}},
			}},
		}
		Expect(k8sClient.Create(ctx, p)).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(condition(&getPolicy(ns, "strict")(g).Status, prodreadyv1alpha1.ConditionReady).Reason).To(Equal(prodreadyv1alpha1.ReasonEvaluated))
		}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())

		By("breaking the spec")
		Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(p), p)).To(Succeed())
		p.Spec.Rules.Metrics.Annotations[0].Value = "[0-9"
		Expect(k8sClient.Update(ctx, p)).To(Succeed())
		policyEvents := func(g Gomega) []eventsv1.Event {
			var list eventsv1.EventList
			g.Expect(k8sClient.List(ctx, &list, client.InNamespace(ns))).To(Succeed())
			var out []eventsv1.Event
			for _, e := range list.Items {
				if e.Regarding.Kind == "ReadinessPolicy" && e.Regarding.Name == "strict" && e.Reason == ReasonInvalidSpec {
					out = append(out, e)
				}
			}
			return out
		}
		Eventually(func(g Gomega) {
			evs := policyEvents(g)
			g.Expect(evs).To(HaveLen(1))
			g.Expect(evs[0].Type).To(Equal(corev1.EventTypeWarning))
			g.Expect(evs[0].Note).To(ContainSubstring("Policy stopped enforcing"))
			g.Expect(evs[0].Note).To(ContainSubstring("spec.rules.metrics.annotations[0].value"))
		}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		Expect(invalid()).To(Equal(before + 1))
		Consistently(policyEvents).WithTimeout(2*time.Second).WithPolling(interval).Should(HaveLen(1), "once per invalid generation")

		By("fixing it")
		Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(p), p)).To(Succeed())
		p.Spec.Rules.Metrics.Annotations[0].Value = "[0-9]+"
		Expect(k8sClient.Update(ctx, p)).To(Succeed())
		Eventually(invalid).WithTimeout(timeout).WithPolling(interval).Should(Equal(before))
	})
})

var _ = Describe("ClusterReadinessPolicy controller", func() {
	It("applies only to namespaces its namespaceSelector selects, and follows namespace relabeling", func() {
		prod := newNamespace(map[string]string{"env": "production"})
		dev := newNamespace(map[string]string{"env": "dev"})
		for _, ns := range []string{prod, dev} {
			d := compliantDeployment(ns, "web", 2)
			d.Spec.Template.Spec.Containers[0].Resources.Limits = nil
			Expect(k8sClient.Create(ctx, d)).To(Succeed())
		}
		name := "limits-" + prod
		Expect(k8sClient.Create(ctx, &prodreadyv1alpha1.ClusterReadinessPolicy{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: prodreadyv1alpha1.ClusterReadinessPolicySpec{
				PolicySpec: prodreadyv1alpha1.PolicySpec{Rules: prodreadyv1alpha1.Rules{
					Resources: &prodreadyv1alpha1.ResourceRules{Limits: []prodreadyv1alpha1.ResourceName{"memory"}},
				}},
				// Both namespaces of this spec, and no other spec's.
				NamespaceSelector: &prodreadyv1alpha1.LabelSelector{MatchLabels: map[string]string{"env": "production"},
					MatchExpressions: []prodreadyv1alpha1.LabelSelectorRequirement{{
						Key: "kubernetes.io/metadata.name", Operator: prodreadyv1alpha1.LabelSelectorOpIn, Values: []string{prod, dev},
					}}},
			},
		})).To(Succeed())
		Eventually(func(g Gomega) {
			st := getClusterPolicy(name)(g).Status
			g.Expect(st.Summary).To(Equal(prodreadyv1alpha1.Summary{Matched: 1, NonCompliant: 1, Violations: 1}))
			g.Expect(st.Violations).To(HaveLen(1))
			g.Expect(st.Violations[0].Namespace).To(Equal(prod))
			g.Expect(st.Violations[0].Rule).To(Equal("resources.limits.memory"))
		}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		Eventually(func(g Gomega) {
			evs := eventsFor(g, prod, "web", ReasonPolicyViolation)
			g.Expect(evs).To(HaveLen(1))
			g.Expect(evs[0].Note).To(ContainSubstring("ClusterReadinessPolicy/" + name))
		}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())

		By("labeling the dev namespace as production")
		Eventually(func(g Gomega) {
			var n corev1.Namespace
			g.Expect(k8sClient.Get(ctx, client.ObjectKey{Name: dev}, &n)).To(Succeed())
			n.Labels["env"] = "production"
			g.Expect(k8sClient.Update(ctx, &n)).To(Succeed())
		}).WithTimeout(timeout).Should(Succeed())
		Eventually(func(g Gomega) {
			st := getClusterPolicy(name)(g).Status
			g.Expect(st.Summary).To(Equal(prodreadyv1alpha1.Summary{Matched: 2, NonCompliant: 2, Violations: 2}))
		}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
	})
})

var _ = Describe("Policy validation by the API server", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace(nil) })

	DescribeTable("rejects a bad policy with a message naming the field",
		func(mutate func(*prodreadyv1alpha1.PolicySpec), wantField string) {
			p := &prodreadyv1alpha1.ReadinessPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "bad"}, Spec: prodreadyv1alpha1.PolicySpec{Rules: fullRules()}}
			mutate(&p.Spec)
			err := k8sClient.Create(ctx, p)
			Expect(err).To(HaveOccurred())
			Expect(err.Error()).To(ContainSubstring(wantField))
		},
		Entry("unknown enforcement", func(s *prodreadyv1alpha1.PolicySpec) { s.Enforcement = "Block" }, "spec.enforcement"),
		Entry("unknown probe requirement", func(s *prodreadyv1alpha1.PolicySpec) { s.Rules.Probes.Readiness = "Maybe" }, "spec.rules.probes.readiness"),
		Entry("unknown resource name", func(s *prodreadyv1alpha1.PolicySpec) {
			s.Rules.Resources.Limits = []prodreadyv1alpha1.ResourceName{"gpu"}
		}, "spec.rules.resources.limits[0]"),
		Entry("replicas minimum below 1", func(s *prodreadyv1alpha1.PolicySpec) {
			s.Rules.Replicas = &prodreadyv1alpha1.ReplicaRules{Minimum: 0}
		}, "spec.rules.replicas.minimum"),
		Entry("exemption without a reason", func(s *prodreadyv1alpha1.PolicySpec) {
			s.Exemptions = []prodreadyv1alpha1.Exemption{{Deployments: []string{"a"}, Rules: []string{"probes"}}}
		}, "spec.exemptions[0].reason"),
		Entry("exemption with an unknown rule ID", func(s *prodreadyv1alpha1.PolicySpec) {
			s.Exemptions = []prodreadyv1alpha1.Exemption{{Deployments: []string{"a"}, Rules: []string{"probes.readyness"}, Reason: "x"}}
		}, "spec.exemptions[0].rules[0]"),
		Entry("exemption with both deployments and selector", func(s *prodreadyv1alpha1.PolicySpec) {
			s.Exemptions = []prodreadyv1alpha1.Exemption{{
				Deployments: []string{"a"}, Selector: &prodreadyv1alpha1.LabelSelector{}, Rules: []string{"probes"}, Reason: "x",
			}}
		}, "spec.exemptions[0]"),
		Entry("selector expression with a bad operator", func(s *prodreadyv1alpha1.PolicySpec) {
			s.Selector = &prodreadyv1alpha1.LabelSelector{MatchExpressions: []prodreadyv1alpha1.LabelSelectorRequirement{{Key: "a", Operator: "Equals", Values: []string{"b"}}}}
		}, "spec.selector"),
		Entry("In expression without values", func(s *prodreadyv1alpha1.PolicySpec) {
			s.Selector = &prodreadyv1alpha1.LabelSelector{MatchExpressions: []prodreadyv1alpha1.LabelSelectorRequirement{{Key: "a", Operator: prodreadyv1alpha1.LabelSelectorOpIn}}}
		}, "spec.selector"),
		Entry("empty annotation key", func(s *prodreadyv1alpha1.PolicySpec) {
			s.Rules.Metrics.Annotations = []prodreadyv1alpha1.AnnotationRequirement{{Key: ""}}
		}, "spec.rules.metrics.annotations[0].key"),
	)

	It("defaults enforcement to Audit and probe requirements to Ignore", func() {
		p := &prodreadyv1alpha1.ReadinessPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "defaults"},
			Spec: prodreadyv1alpha1.PolicySpec{Rules: prodreadyv1alpha1.Rules{Probes: &prodreadyv1alpha1.ProbeRules{Distinct: true}}}}
		Expect(k8sClient.Create(ctx, p)).To(Succeed())
		Expect(p.Spec.Enforcement).To(Equal(prodreadyv1alpha1.EnforcementAudit))
		Expect(p.Spec.Rules.Probes.Readiness).To(Equal(prodreadyv1alpha1.RequirementIgnore))
		Expect(strings.ToLower(string(p.Spec.Rules.Probes.Liveness))).To(Equal("ignore"))
	})
})
