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
	"encoding/json"
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
)

// statusByteBound is the most bytes a policy status can take as JSON under
// the schema's limits (docs/security.md derives it): 50 violations of at
// most 1,531 bytes of fields plus keys, two conditions, the summary.
const statusByteBound = 85 << 10

var _ = Describe("Tenant input", func() {
	It("marks a regular expression bomb InvalidSpec naming the field, its size and the limit", func() {
		ns := newNamespace(nil)
		bomb := `^(?:(?:` + strings.Repeat("a", 496) + `){1000})$`
		Expect(k8sClient.Create(ctx, &prodreadyv1alpha1.ReadinessPolicy{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "bomb"},
			Spec: prodreadyv1alpha1.PolicySpec{Rules: prodreadyv1alpha1.Rules{Metrics: &prodreadyv1alpha1.MetricsRules{
				Annotations: []prodreadyv1alpha1.AnnotationRequirement{{Key: "prometheus.io/port", Value: bomb}},
			}}},
		})).To(Succeed())
		Eventually(func(g Gomega) {
			p := getPolicy(ns, "bomb")(g)
			ready := condition(&p.Status, prodreadyv1alpha1.ConditionReady)
			g.Expect(ready.Reason).To(Equal(prodreadyv1alpha1.ReasonInvalidSpec))
			g.Expect(ready.Message).To(ContainSubstring("spec.rules.metrics.annotations[0].value"))
			g.Expect(ready.Message).To(ContainSubstring("the 512-character regular expression compiles to 496006 instructions, over the limit of 1024 per value"))
		}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
	})

	It("rejects a cluster policy exemption without namespaces in the schema", func() {
		err := k8sClient.Create(ctx, &prodreadyv1alpha1.ClusterReadinessPolicy{
			ObjectMeta: metav1.ObjectMeta{Name: "self-exempt"},
			Spec: prodreadyv1alpha1.ClusterReadinessPolicySpec{PolicySpec: prodreadyv1alpha1.PolicySpec{
				Rules: prodreadyv1alpha1.Rules{Probes: &prodreadyv1alpha1.ProbeRules{Readiness: prodreadyv1alpha1.RequirementRequired}},
				Exemptions: []prodreadyv1alpha1.Exemption{{
					Selector: &prodreadyv1alpha1.LabelSelector{MatchLabels: map[string]string{"tier": "batch"}},
					Rules:    []string{"probes"}, Reason: "batch jobs",
				}},
			}},
		})
		Expect(apierrors.IsInvalid(err)).To(BeTrue(), "got %v", err)
		Expect(err.Error()).To(ContainSubstring("spec.exemptions"))
		Expect(err.Error()).To(ContainSubstring("must name the namespaces it applies to"))
	})
})

var _ = Describe("Status size", func() {
	It("stays under the stated bound with 200 violating Deployments carrying 100 KiB annotations", func() {
		ns := newNamespace(nil)
		huge := strings.Repeat("x", 100<<10)
		for i := range 200 {
			d := compliantDeployment(ns, fmt.Sprintf("web-%03d", i), 2)
			d.Spec.Template.Annotations = map[string]string{"prometheus.io/port": huge}
			Expect(k8sClient.Create(ctx, d)).To(Succeed())
		}
		Expect(k8sClient.Create(ctx, &prodreadyv1alpha1.ReadinessPolicy{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "scrape"},
			Spec: prodreadyv1alpha1.PolicySpec{Rules: prodreadyv1alpha1.Rules{Metrics: &prodreadyv1alpha1.MetricsRules{
				Annotations: []prodreadyv1alpha1.AnnotationRequirement{{Key: "prometheus.io/port", Value: "[0-9]+"}},
			}}},
		})).To(Succeed())
		Eventually(func(g Gomega) {
			p := getPolicy(ns, "scrape")(g)
			st := p.Status
			g.Expect(st.ObservedGeneration).To(Equal(p.Generation))
			g.Expect(st.Summary.NonCompliant).To(BeEquivalentTo(200))
			g.Expect(st.Summary.Violations).To(BeEquivalentTo(200))
			g.Expect(st.Violations).To(HaveLen(prodreadyv1alpha1.MaxStatusViolations))
			g.Expect(st.Violations[0].Message).To(ContainSubstring("is 102400 bytes long"))
			b, err := json.Marshal(st)
			g.Expect(err).NotTo(HaveOccurred())
			GinkgoWriter.Printf("status of 200 violating Deployments with 100 KiB annotations: %d bytes\n", len(b))
			g.Expect(len(b)).To(BeNumerically("<", statusByteBound))
		}).WithTimeout(2 * timeout).WithPolling(interval).Should(Succeed())
	})
})
