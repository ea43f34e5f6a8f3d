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
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
)

// These specs cover the rules that read Services, Node metadata and
// PriorityClasses: the controller starts watching those kinds when a policy
// needs them, and a change to one re-evaluates the policies that use them.
var _ = Describe("Rules that read Services, Nodes and PriorityClasses", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace(nil) })

	createPolicy := func(name string, rules prodreadyv1alpha1.Rules) {
		Expect(k8sClient.Create(ctx, &prodreadyv1alpha1.ReadinessPolicy{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
			Spec:       prodreadyv1alpha1.PolicySpec{Rules: rules},
		})).To(Succeed())
	}
	expectRules := func(name string, want ...string) {
		GinkgoHelper()
		Eventually(func(g Gomega) {
			p := getPolicy(ns, name)(g)
			g.Expect(p.Status.ObservedGeneration).To(Equal(p.Generation))
			g.Expect(rulesOf(p.Status.Violations)).To(Equal(want))
		}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
	}

	It("re-evaluates shutdown.preStop when a Service starts and stops targeting a container's port", func() {
		d := compliantDeployment(ns, "web", 2)
		d.Spec.Template.Spec.Containers[0].Ports = []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}}
		Expect(k8sClient.Create(ctx, d)).To(Succeed())
		createPolicy("prestop", prodreadyv1alpha1.Rules{Shutdown: &prodreadyv1alpha1.ShutdownRules{PreStop: prodreadyv1alpha1.RequirementRequired}})
		expectRules("prestop")

		svc := &corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"},
			Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "web"},
				Ports: []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromString("http")}}},
		}
		Expect(k8sClient.Create(ctx, svc)).To(Succeed())
		expectRules("prestop", "shutdown.preStop")

		Expect(k8sClient.Delete(ctx, svc)).To(Succeed())
		expectRules("prestop")
	})

	It("reads Node metadata for spread.zones and re-evaluates when a zone appears", func() {
		Expect(k8sClient.Create(ctx, compliantDeployment(ns, "web", 3))).To(Succeed())
		createPolicy("zones", prodreadyv1alpha1.Rules{Spread: &prodreadyv1alpha1.SpreadRules{
			Zones: prodreadyv1alpha1.SpreadPreferred, ZoneKey: "zones.prodready.test/" + ns}})
		expectRules("zones") // no Node carries the key: one zone at most

		var nodes []*corev1.Node
		for _, zone := range []string{"a", "b"} {
			n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{GenerateName: "prodready-test-", Labels: map[string]string{"zones.prodready.test/" + ns: zone}}}
			Expect(k8sClient.Create(ctx, n)).To(Succeed())
			nodes = append(nodes, n)
		}
		DeferCleanup(func() {
			for _, n := range nodes {
				Expect(client.IgnoreNotFound(k8sClient.Delete(ctx, n))).To(Succeed())
			}
		})
		expectRules("zones", "spread.zones")

		n := nodes[1].DeepCopy()
		n.Labels["zones.prodready.test/"+ns] = "a" // back to a single zone
		Expect(k8sClient.Update(ctx, n)).To(Succeed())
		expectRules("zones")
	})

	It("fails priority.class for a missing PriorityClass and passes once it exists", func() {
		className := "prodready-test-" + ns
		d := compliantDeployment(ns, "web", 2)
		d.Spec.Template.Spec.PriorityClassName = className
		Expect(k8sClient.Create(ctx, d)).To(Succeed())
		createPolicy("priority", prodreadyv1alpha1.Rules{Priority: &prodreadyv1alpha1.PriorityRules{Minimum: ptr.To[int32](1000)}})
		expectRules("priority", "priority.class")
		Eventually(func(g Gomega) {
			g.Expect(getPolicy(ns, "priority")(g).Status.Violations[0].Message).To(ContainSubstring("names no PriorityClass"))
		}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())

		pc := &schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: className}, Value: 5000}
		Expect(k8sClient.Create(ctx, pc)).To(Succeed())
		DeferCleanup(func() { Expect(client.IgnoreNotFound(k8sClient.Delete(ctx, pc))).To(Succeed()) })
		expectRules("priority")
	})
})
