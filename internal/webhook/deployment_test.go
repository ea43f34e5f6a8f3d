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
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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

func newNamespace() string {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "prodready-wh-"}}
	Expect(k8sClient.Create(ctx, ns)).To(Succeed())
	return ns.Name
}

func createPolicy(ns, name string, enf prodreadyv1alpha1.Enforcement, rules prodreadyv1alpha1.Rules) {
	Expect(k8sClient.Create(ctx, &prodreadyv1alpha1.ReadinessPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       prodreadyv1alpha1.PolicySpec{Enforcement: enf, Rules: rules},
	})).To(Succeed())
}

func setEnforcement(ns, name string, enf prodreadyv1alpha1.Enforcement) {
	Eventually(func(g Gomega) {
		var p prodreadyv1alpha1.ReadinessPolicy
		g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &p)).To(Succeed())
		p.Spec.Enforcement = enf
		g.Expect(k8sClient.Update(ctx, &p)).To(Succeed())
	}).WithTimeout(timeout).Should(Succeed())
}

// nonCompliant has no readiness probe, no memory limit and no scrape
// annotation.
func nonCompliant(ns, name string) *appsv1.Deployment {
	d := testutil.CompliantDeployment(ns, name, 2)
	d.Spec.Template.Spec.Containers[0].ReadinessProbe = nil
	d.Spec.Template.Spec.Containers[0].Resources.Limits = nil
	d.Spec.Template.Annotations = nil
	return d
}

// deniedCreate waits until the webhook's cache has the policy and denies
// the create, and returns the error. A create admitted meanwhile (cache
// still cold) is undone; a dry-run create left nothing to undo.
func deniedCreate(obj client.Object, opts ...client.CreateOption) error {
	dryRun := len((&client.CreateOptions{}).ApplyOptions(opts).DryRun) > 0
	var err error
	Eventually(func(g Gomega) {
		err = k8sClient.Create(ctx, obj.DeepCopyObject().(client.Object), opts...)
		if err == nil && !dryRun {
			g.Expect(client.IgnoreNotFound(k8sClient.Delete(ctx, obj.DeepCopyObject().(client.Object)))).To(Succeed())
		}
		g.Expect(apierrors.IsInvalid(err)).To(BeTrue(), "the create was never denied; last answer: %v", err)
	}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
	return err
}

func eventsAbout(ns, name string) []eventsv1.Event {
	var list eventsv1.EventList
	Expect(k8sClient.List(ctx, &list, client.InNamespace(ns))).To(Succeed())
	var out []eventsv1.Event
	for _, e := range list.Items {
		if e.Regarding.Name == name {
			out = append(out, e)
		}
	}
	return out
}

var _ = Describe("Deployment admission", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	It("denies a non-compliant create under Enforce with every violated rule, and admits a compliant one", func() {
		createPolicy(ns, "strict", prodreadyv1alpha1.EnforcementEnforce, testutil.FullRules())
		err := deniedCreate(nonCompliant(ns, "web"))
		for _, rule := range []string{"probes.readiness", "resources.limits.memory", "metrics.annotation"} {
			Expect(err.Error()).To(ContainSubstring(rule))
		}
		Expect(err.Error()).To(ContainSubstring("ReadinessPolicy/" + ns + "/strict"))
		Expect(err.Error()).To(ContainSubstring("spec.template.spec.containers[0].readinessProbe"))
		Expect(err.Error()).To(ContainSubstring("add spec.template.spec.containers[0].readinessProbe"), "says how to fix")
		Expect(apierrors.ReasonForError(err)).To(Equal(metav1.StatusReasonInvalid))
		Expect(err.(apierrors.APIStatus).Status().Details.Causes).To(HaveLen(3))

		Expect(k8sClient.Create(ctx, testutil.CompliantDeployment(ns, "api", 2))).To(Succeed())
	})

	It("admits under Warn and returns one warning per violation", func() {
		createPolicy(ns, "advice", prodreadyv1alpha1.EnforcementWarn, testutil.FullRules())
		// Wait until the webhook sees the policy: a dry-run create warns.
		Eventually(func() []string {
			warnings.take()
			Expect(k8sClient.Create(ctx, nonCompliant(ns, "probe"), client.DryRunAll)).To(Succeed())
			return warnings.take()
		}).WithTimeout(timeout).WithPolling(interval).ShouldNot(BeEmpty())

		warnings.take()
		Expect(k8sClient.Create(ctx, nonCompliant(ns, "web"))).To(Succeed())
		got := warnings.take()
		Expect(got).To(HaveLen(3))
		Expect(strings.Join(got, "\n")).To(And(ContainSubstring("probes.readiness"), ContainSubstring("resources.limits.memory"),
			ContainSubstring("metrics.annotation"), ContainSubstring("ReadinessPolicy/"+ns+"/advice")))
	})

	It("admits silently under Audit", func() {
		createPolicy(ns, "watch", prodreadyv1alpha1.EnforcementAudit, testutil.FullRules())
		Eventually(func(g Gomega) {
			var p prodreadyv1alpha1.ReadinessPolicy
			g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: "watch"}, &p)).To(Succeed())
			g.Expect(p.Status.ObservedGeneration).To(Equal(p.Generation))
		}).WithTimeout(timeout).Should(Succeed())
		warnings.take()
		Expect(k8sClient.Create(ctx, nonCompliant(ns, "web"))).To(Succeed())
		Expect(warnings.take()).To(BeEmpty())
	})

	It("ratchets updates: a legacy Deployment can change its image but cannot lose its readiness probe", func() {
		createPolicy(ns, "baseline", prodreadyv1alpha1.EnforcementAudit, testutil.FullRules())
		legacy := testutil.CompliantDeployment(ns, "legacy", 2)
		legacy.Spec.Template.Spec.Containers[0].Resources.Limits = nil // already violates resources.limits.memory
		Expect(k8sClient.Create(ctx, legacy)).To(Succeed())
		setEnforcement(ns, "baseline", prodreadyv1alpha1.EnforcementEnforce)

		removeProbe := func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].ReadinessProbe = nil }
		By("waiting until an update that removes the readiness probe is denied")
		var err error
		Eventually(func() bool {
			err = update(ns, "legacy", removeProbe, client.DryRunAll)
			return apierrors.IsInvalid(err)
		}).WithTimeout(timeout).WithPolling(interval).Should(BeTrue())
		Expect(err.Error()).To(ContainSubstring("probes.readiness"))
		Expect(err.Error()).NotTo(ContainSubstring("resources.limits.memory"), "pre-existing violations are not held against the update")

		By("changing the image, which keeps the old violation but adds none")
		Expect(update(ns, "legacy", func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Image = "registry.example/app:0.9" })).To(Succeed())

		By("removing the readiness probe for real")
		Expect(apierrors.IsInvalid(update(ns, "legacy", removeProbe))).To(BeTrue())

		By("letting other controllers write metadata")
		Expect(update(ns, "legacy", func(d *appsv1.Deployment) {
			if d.Annotations == nil {
				d.Annotations = map[string]string{}
			}
			d.Annotations["example.com/owner"] = "team-a"
		})).To(Succeed())

		By("accepting the fix")
		Expect(update(ns, "legacy", func(d *appsv1.Deployment) {
			d.Spec.Template.Spec.Containers[0].Resources = testutil.CompliantDeployment(ns, "x", 1).Spec.Template.Spec.Containers[0].Resources
		})).To(Succeed())
	})

	It("never denies a scale through the scale subresource, nor a delete", func() {
		createPolicy(ns, "strict", prodreadyv1alpha1.EnforcementEnforce, prodreadyv1alpha1.Rules{Replicas: &prodreadyv1alpha1.ReplicaRules{Minimum: 2}})
		d := testutil.CompliantDeployment(ns, "web", 3)
		Expect(k8sClient.Create(ctx, d)).To(Succeed())
		// The policy is active: scaling down through an update is denied.
		Eventually(func() bool {
			return apierrors.IsInvalid(update(ns, "web", func(d *appsv1.Deployment) { d.Spec.Replicas = ptr.To[int32](1) }, client.DryRunAll))
		}).WithTimeout(timeout).WithPolling(interval).Should(BeTrue())

		scale := &autoscalingv1.Scale{Spec: autoscalingv1.ScaleSpec{Replicas: 1}}
		Expect(k8sClient.SubResource("scale").Update(ctx, d, client.WithSubResourceBody(scale))).To(Succeed())
		var cur appsv1.Deployment
		Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(d), &cur)).To(Succeed())
		Expect(*cur.Spec.Replicas).To(BeEquivalentTo(1))

		Expect(k8sClient.Delete(ctx, &cur)).To(Succeed())
	})

	It("admits a Deployment before its PodDisruptionBudget with a warning, then the status becomes compliant", func() {
		createPolicy(ns, "ha", prodreadyv1alpha1.EnforcementEnforce, prodreadyv1alpha1.Rules{
			PodDisruptionBudget: &prodreadyv1alpha1.PodDisruptionBudgetRules{Required: true, AllowsDisruption: true},
		})
		// Wait until the webhook sees the policy: a dry-run create warns.
		Eventually(func() []string {
			warnings.take()
			Expect(k8sClient.Create(ctx, testutil.CompliantDeployment(ns, "web", 2), client.DryRunAll)).To(Succeed())
			return warnings.take()
		}).WithTimeout(timeout).WithPolling(interval).ShouldNot(BeEmpty())

		warnings.take()
		Expect(k8sClient.Create(ctx, testutil.CompliantDeployment(ns, "web", 2))).To(Succeed())
		Expect(strings.Join(warnings.take(), "\n")).To(And(ContainSubstring("pdb.required"), ContainSubstring("not enforced on create")))
		Expect(k8sClient.Create(ctx, &policyv1.PodDisruptionBudget{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"},
			Spec: policyv1.PodDisruptionBudgetSpec{
				MaxUnavailable: ptr.To(intstr.FromInt32(1)),
				Selector:       &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			},
		})).To(Succeed())
		Eventually(func(g Gomega) {
			var p prodreadyv1alpha1.ReadinessPolicy
			g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: "ha"}, &p)).To(Succeed())
			c := meta.FindStatusCondition(p.Status.Conditions, prodreadyv1alpha1.ConditionCompliant)
			g.Expect(c).NotTo(BeNil())
			g.Expect(c.Reason).To(Equal(prodreadyv1alpha1.ReasonAllCompliant))
			g.Expect(p.Status.Summary.Matched).To(BeEquivalentTo(1))
		}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
	})

	It("gives a server-side dry run the same verdict as a real request", func() {
		createPolicy(ns, "strict", prodreadyv1alpha1.EnforcementEnforce, testutil.FullRules())
		dryErr := deniedCreate(nonCompliant(ns, "web"), client.DryRunAll)
		realErr := k8sClient.Create(ctx, nonCompliant(ns, "web"))
		Expect(apierrors.IsInvalid(realErr)).To(BeTrue())
		Expect(dryErr.(apierrors.APIStatus).Status().Details.Causes).To(Equal(realErr.(apierrors.APIStatus).Status().Details.Causes))

		Expect(k8sClient.Create(ctx, testutil.CompliantDeployment(ns, "api", 2), client.DryRunAll)).To(Succeed())
		Expect(apierrors.IsNotFound(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: "api"}, &appsv1.Deployment{}))).To(BeTrue())
	})

	DescribeTable("admits a non-compliant dry run without an Event or a status change",
		func(enf prodreadyv1alpha1.Enforcement) {
			createPolicy(ns, "policy", enf, testutil.FullRules())
			Expect(k8sClient.Create(ctx, testutil.CompliantDeployment(ns, "api", 2))).To(Succeed())
			compliant := prodreadyv1alpha1.Summary{Matched: 1, Compliant: 1}
			summary := func(g Gomega) prodreadyv1alpha1.Summary {
				var p prodreadyv1alpha1.ReadinessPolicy
				g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: "policy"}, &p)).To(Succeed())
				return p.Status.Summary
			}
			Eventually(summary).WithTimeout(timeout).WithPolling(interval).Should(Equal(compliant))

			breakAPI := func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].ReadinessProbe = nil }
			By("dry-running a non-compliant create and an update that breaks api; both are admitted")
			Eventually(func(g Gomega) {
				warnings.take()
				g.Expect(k8sClient.Create(ctx, nonCompliant(ns, "web"), client.DryRunAll)).To(Succeed())
				g.Expect(update(ns, "api", breakAPI, client.DryRunAll)).To(Succeed())
				if enf == prodreadyv1alpha1.EnforcementWarn {
					// The webhook has the policy: both requests warned.
					g.Expect(strings.Join(warnings.take(), "\n")).To(And(ContainSubstring("metrics.annotation"), ContainSubstring("probes.readiness")))
				}
			}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())

			Consistently(func(g Gomega) {
				g.Expect(recorder.CallsIn(ns)).To(BeEmpty(), "Event calls about a dry run")
				g.Expect(eventsAbout(ns, "web")).To(BeEmpty())
				g.Expect(eventsAbout(ns, "api")).To(BeEmpty())
				g.Expect(summary(g)).To(Equal(compliant), "a dry run moved the status")
			}).WithTimeout(3 * time.Second).WithPolling(250 * time.Millisecond).Should(Succeed())

			By("doing the same for real, which the controller does see")
			Expect(k8sClient.Create(ctx, nonCompliant(ns, "web"))).To(Succeed())
			Eventually(func(g Gomega) {
				g.Expect(summary(g)).To(Equal(prodreadyv1alpha1.Summary{Matched: 2, Compliant: 1, NonCompliant: 1, Violations: 3}))
				g.Expect(recorder.Calls(ns, "web", "PolicyViolation")).To(HaveLen(1))
			}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		},
		Entry("under Audit", prodreadyv1alpha1.EnforcementAudit),
		Entry("under Warn", prodreadyv1alpha1.EnforcementWarn),
	)

	It("never reviews Deployments in kube-system, prodready-system or a namespace labeled prodready.io/ignore=true", func() {
		ignored := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "prodready-wh-ignored-", Labels: map[string]string{"prodready.io/ignore": "true"}}}
		Expect(k8sClient.Create(ctx, ignored)).To(Succeed())
		Expect(client.IgnoreAlreadyExists(k8sClient.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "prodready-system"}}))).To(Succeed())
		excluded := []string{"kube-system", "prodready-system", ignored.Name}
		name := "strict-" + ns
		for _, n := range excluded {
			createPolicy(n, name, prodreadyv1alpha1.EnforcementEnforce, testutil.FullRules())
			DeferCleanup(func() {
				Expect(client.IgnoreNotFound(k8sClient.Delete(ctx, &prodreadyv1alpha1.ReadinessPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: n, Name: name}}))).To(Succeed())
			})
		}
		// Created last: once the webhook denies here, its cache holds the
		// policies above too (one watch delivers them in order).
		createPolicy(ns, name, prodreadyv1alpha1.EnforcementEnforce, testutil.FullRules())
		Expect(deniedCreate(nonCompliant(ns, "web"), client.DryRunAll).Error()).To(ContainSubstring("probes.readiness"))

		for _, n := range excluded {
			Expect(k8sClient.Create(ctx, nonCompliant(n, "web-"+ns), client.DryRunAll)).To(Succeed(), "namespace %s is reviewed", n)
		}
	})
})

var _ = Describe("Policy admission", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	It("rejects a regex that does not compile, naming the field", func() {
		p := &prodreadyv1alpha1.ReadinessPolicy{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "bad"},
			Spec: prodreadyv1alpha1.PolicySpec{Rules: prodreadyv1alpha1.Rules{Metrics: &prodreadyv1alpha1.MetricsRules{
				Annotations: []prodreadyv1alpha1.AnnotationRequirement{{Key: "prometheus.io/port", Value: "[0-9"}},
			}}},
		}
		err := k8sClient.Create(ctx, p)
		Expect(apierrors.IsInvalid(err)).To(BeTrue(), "got %v", err)
		Expect(err.Error()).To(ContainSubstring("spec.rules.metrics.annotations[0].value"))
	})

	It("warns when a policy selects no Deployment", func() {
		warnings.take()
		Expect(k8sClient.Create(ctx, &prodreadyv1alpha1.ClusterReadinessPolicy{
			ObjectMeta: metav1.ObjectMeta{Name: "nothing-" + ns},
			Spec: prodreadyv1alpha1.ClusterReadinessPolicySpec{
				PolicySpec:        prodreadyv1alpha1.PolicySpec{Rules: testutil.FullRules()},
				NamespaceSelector: &prodreadyv1alpha1.LabelSelector{MatchLabels: map[string]string{"no-such-label": ns}},
			},
		})).To(Succeed())
		Expect(strings.Join(warnings.take(), "\n")).To(ContainSubstring("selects no Deployment"))
	})
})

// update applies a change to the current Deployment.
func update(ns, name string, mutate func(*appsv1.Deployment), opts ...client.UpdateOption) error {
	var d appsv1.Deployment
	if err := k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &d); err != nil {
		return err
	}
	mutate(&d)
	return k8sClient.Update(ctx, &d, opts...)
}
