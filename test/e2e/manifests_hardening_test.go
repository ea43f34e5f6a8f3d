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
	"slices"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// rendered is what kubectl kustomize renders, by kind.
type rendered struct {
	deployment *appsv1.Deployment
	rules      map[string][]rbacv1.PolicyRule // "Kind/name" of every (Cluster)Role
	vaps       []admissionregistrationv1.ValidatingAdmissionPolicy
	bindings   []admissionregistrationv1.ValidatingAdmissionPolicyBinding
}

func render(dir string) rendered {
	GinkgoHelper()
	out := rendered{rules: map[string][]rbacv1.PolicyRule{}}
	dec := utilyaml.NewYAMLReader(bufio.NewReader(strings.NewReader(mustKubectl("kustomize", dir))))
	for {
		doc, err := dec.Read()
		if errors.Is(err, io.EOF) {
			return out
		}
		Expect(err).NotTo(HaveOccurred())
		var tm metav1.TypeMeta
		Expect(yaml.Unmarshal(doc, &tm)).To(Succeed())
		switch tm.Kind {
		case "Deployment":
			out.deployment = &appsv1.Deployment{}
			Expect(yaml.UnmarshalStrict(doc, out.deployment)).To(Succeed())
		case "ClusterRole", "Role":
			var r rbacv1.ClusterRole // same shape as Role for rules
			Expect(yaml.Unmarshal(doc, &r)).To(Succeed())
			out.rules[tm.Kind+"/"+r.Name] = r.Rules
		case "ValidatingAdmissionPolicy":
			var p admissionregistrationv1.ValidatingAdmissionPolicy
			Expect(yaml.UnmarshalStrict(doc, &p)).To(Succeed())
			out.vaps = append(out.vaps, p)
		case "ValidatingAdmissionPolicyBinding":
			var b admissionregistrationv1.ValidatingAdmissionPolicyBinding
			Expect(yaml.UnmarshalStrict(doc, &b)).To(Succeed())
			out.bindings = append(out.bindings, b)
		}
	}
}

var writeVerbs = []string{"*", "create", "update", "patch", "delete", "deletecollection"}

// writers returns "role: resource" for every rule of the manager's roles
// that lets it write the resource, and whether it is limited by
// resourceNames.
func writers(r rendered, group, res string) map[string][]string {
	out := map[string][]string{}
	for role, rules := range r.rules {
		if !strings.Contains(role, "prodready-manager-role") && !strings.Contains(role, "prodready-cert-rotator-role") {
			continue
		}
		for _, rule := range rules {
			if !slices.Contains(rule.APIGroups, group) || !slices.Contains(rule.Resources, res) {
				continue
			}
			if slices.ContainsFunc(rule.Verbs, func(v string) bool { return slices.Contains(writeVerbs, v) }) {
				out[role] = append(out[role], rule.ResourceNames...)
				if len(rule.ResourceNames) == 0 {
					out[role] = append(out[role], "<all>")
				}
			}
		}
	}
	return out
}

var _ = Describe("The operator's hardened manifests", func() {
	It("limit the manager's writes to its own webhook configuration and Secret", func() {
		r := render("config/default")
		Expect(writers(r, "admissionregistration.k8s.io", "validatingwebhookconfigurations")).To(Equal(map[string][]string{
			"ClusterRole/prodready-cert-rotator-role": {"prodready-validating-webhook-configuration"},
		}))
		Expect(writers(r, "", "secrets")).To(Equal(map[string][]string{
			"Role/prodready-cert-rotator-role": {"prodready-webhook-server-cert"},
		}))
	})

	It("give the cert-manager variant no write access to Secrets or webhook configurations", func() {
		r := render("test/e2e/testdata/certmanager")
		Expect(r.rules).To(HaveKey("ClusterRole/prodready-manager-role"))
		Expect(writers(r, "admissionregistration.k8s.io", "validatingwebhookconfigurations")).To(BeEmpty())
		Expect(writers(r, "", "secrets")).To(BeEmpty())
		Expect(r.deployment.Spec.Template.Spec.Containers[0].Args).To(ContainElement("--cert-rotation=false"))
	})

	It("install the ignore-label guard, bound with Deny", func() {
		r := render("config/default")
		Expect(r.vaps).To(HaveLen(1))
		Expect(r.vaps[0].Spec.Variables[0].Name).To(Equal("allowedGroups"))
		Expect(r.vaps[0].Spec.Variables[0].Expression).To(Equal("['system:masters']"))
		Expect(r.bindings).To(HaveLen(1))
		Expect(r.bindings[0].Spec.PolicyName).To(Equal(r.vaps[0].Name))
		Expect(r.bindings[0].Spec.ValidationActions).To(ConsistOf(admissionregistrationv1.Deny))
	})

	It("drain the manager without failed reviews and keep it scheduled", func() {
		d := render("config/default").deployment
		pod := d.Spec.Template.Spec
		c := pod.Containers[0]

		By("a preStop sleep, then the graceful shutdown, within the grace period")
		Expect(c.Lifecycle).NotTo(BeNil())
		Expect(c.Lifecycle.PreStop).NotTo(BeNil())
		Expect(c.Lifecycle.PreStop.Sleep).NotTo(BeNil())
		preStop := c.Lifecycle.PreStop.Sleep.Seconds
		Expect(preStop).To(BeNumerically(">=", 5))
		shutdown := int64(25) // --graceful-shutdown-timeout default
		Expect(*pod.TerminationGracePeriodSeconds).To(BeNumerically(">=", preStop+shutdown))

		By("priority, spread across zones and nodes")
		Expect(pod.PriorityClassName).To(Equal("system-cluster-critical"))
		var keys []string
		for _, t := range pod.TopologySpreadConstraints {
			keys = append(keys, t.TopologyKey)
		}
		Expect(keys).To(ContainElements(corev1.LabelTopologyZone, corev1.LabelHostname))

		By("no CPU limit, a memory limit and GOMEMLIMIT at about 90 % of it")
		Expect(c.Resources.Limits).NotTo(HaveKey(corev1.ResourceCPU))
		Expect(c.Resources.Limits).To(HaveKey(corev1.ResourceMemory))
		limit := c.Resources.Limits[corev1.ResourceMemory]
		var gomemlimit string
		for _, e := range c.Env {
			if e.Name == "GOMEMLIMIT" {
				gomemlimit = e.Value
			}
		}
		Expect(gomemlimit).To(HaveSuffix("MiB"))
		q := resource.MustParse(strings.TrimSuffix(gomemlimit, "B"))
		ratio := float64(q.Value()) / float64(limit.Value())
		Expect(ratio).To(BeNumerically("~", 0.9, 0.03))
	})
})
