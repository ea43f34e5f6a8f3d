//go:build e2e

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

package e2e

import (
	"bufio"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	policyv1 "k8s.io/api/policy/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
	"github.com/prodready/prodready/internal/readiness"
)

var _ = Describe("The operator's own manifests", func() {
	It("pass prodready's own production baseline", func() {
		render := mustKubectl("kustomize", "config/default")
		var deploy *appsv1.Deployment
		var pdbs []policyv1.PodDisruptionBudget
		dec := utilyaml.NewYAMLReader(bufio.NewReader(strings.NewReader(render)))
		for {
			doc, err := dec.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			Expect(err).NotTo(HaveOccurred())
			var tm metav1.TypeMeta
			Expect(yaml.Unmarshal(doc, &tm)).To(Succeed())
			switch tm.Kind {
			case "Deployment":
				deploy = &appsv1.Deployment{}
				Expect(yaml.UnmarshalStrict(doc, deploy)).To(Succeed())
			case "PodDisruptionBudget":
				var p policyv1.PodDisruptionBudget
				Expect(yaml.UnmarshalStrict(doc, &p)).To(Succeed())
				pdbs = append(pdbs, p)
			}
		}
		Expect(deploy).NotTo(BeNil(), "config/default renders a Deployment")
		Expect(pdbs).To(HaveLen(1))

		b, err := os.ReadFile(filepath.Join(root, "config", "samples", "prodready_v1alpha1_readinesspolicy.yaml"))
		Expect(err).NotTo(HaveOccurred())
		var baseline prodreadyv1alpha1.ReadinessPolicy
		Expect(yaml.UnmarshalStrict(b, &baseline)).To(Succeed())
		policy, err := readiness.Compile(&baseline.Spec, nil)
		Expect(err).NotTo(HaveOccurred())

		// The API server creates the built-in system-cluster-critical class
		// the manifest uses in every cluster.
		builtin := []schedulingv1.PriorityClass{{ObjectMeta: metav1.ObjectMeta{Name: "system-cluster-critical"}, Value: 2000000000}}
		res := policy.Evaluate(readiness.Input{Deployment: deploy, PodDisruptionBudgets: pdbs, PriorityClasses: builtin}, time.Now())
		Expect(res.Violations).To(BeEmpty())
		Expect(res.Exempted).To(BeEmpty(), "no exemption needed")

		By("checking the hardening the baseline does not cover")
		pod := deploy.Spec.Template.Spec
		Expect(*deploy.Spec.Replicas).To(BeNumerically(">=", 2))
		Expect(deploy.Spec.Template.Spec.Containers[0].Args).To(ContainElement("--leader-elect"))
		Expect(pod.TopologySpreadConstraints).NotTo(BeEmpty())
		Expect(*pod.SecurityContext.RunAsNonRoot).To(BeTrue())
		Expect(string(pod.SecurityContext.SeccompProfile.Type)).To(Equal("RuntimeDefault"))
		for _, c := range pod.Containers {
			Expect(*c.SecurityContext.ReadOnlyRootFilesystem).To(BeTrue(), c.Name)
			Expect(*c.SecurityContext.AllowPrivilegeEscalation).To(BeFalse(), c.Name)
			Expect(c.SecurityContext.Capabilities.Drop).To(ContainElement(BeEquivalentTo("ALL")), c.Name)
			Expect(c.ReadinessProbe.HTTPGet.Path).To(Equal("/readyz"))
			Expect(c.LivenessProbe.HTTPGet.Path).To(Equal("/healthz"))
		}
	})
})
