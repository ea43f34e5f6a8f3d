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
	"fmt"
	"io"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
	"github.com/prodready/prodready/internal/readiness"
)

// opsDeployment is a Deployment with two replicas; spec and pod are YAML
// lines added under spec and under the pod template's spec (indented 2 and 6
// spaces), container under the container (indented 8 spaces).
func opsDeployment(ns, name, image, spec, pod, container string) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: %[1]s
  namespace: %[2]s
spec:
  replicas: 2
  selector:
    matchLabels: {app: %[1]s}
%[4]s  template:
    metadata:
      labels: {app: %[1]s}
    spec:
%[5]s      containers:
      - name: app
        image: %[3]s
        ports:
        - {name: http, containerPort: 8080}
%[6]s`, name, ns, image, spec, pod, container)
}

// opsRuleCase is one operational rule in e2e: the policy's rules (YAML
// under spec.rules), objects the rule reads, and what makes a Deployment
// violate it.
type opsRuleCase struct {
	rule                 string
	rules                string
	objects              func(ns string) string
	image                string // the violating image; a good one by default
	spec, pod, container string
}

var opsRuleCases = []opsRuleCase{
	{rule: "rollout.maxUnavailable", rules: "rollout: {}", spec: "  strategy: {type: Recreate}\n"},
	{rule: "rollout.revisionHistory", rules: "rollout: {maxUnavailable: 100%}", spec: "  revisionHistoryLimit: 0\n"},
	{rule: "spread.nodes", rules: "spread: {nodes: Preferred}"},
	{rule: "spread.zones", rules: "spread: {zones: Required, zoneKey: e2e.prodready.io/zone}", objects: func(ns string) string {
		var b strings.Builder
		for _, zone := range []string{"a", "b"} {
			fmt.Fprintf(&b, "---\napiVersion: v1\nkind: Node\nmetadata:\n  name: %s-%s\n  labels: {e2e.prodready.io/zone: %s}\n", ns, zone, zone)
		}
		return b.String()
	}},
	{rule: "shutdown.gracePeriod", rules: "shutdown: {minimumSeconds: 10}", pod: "      terminationGracePeriodSeconds: 1\n"},
	{rule: "shutdown.preStop", rules: "shutdown: {preStop: Required}", objects: func(ns string) string {
		return fmt.Sprintf("apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: %s}\nspec:\n  selector: {app: legacy}\n  ports: [{port: 80, targetPort: http}]\n"+
			"---\napiVersion: v1\nkind: Service\nmetadata: {name: fresh, namespace: %s}\nspec:\n  selector: {app: fresh}\n  ports: [{port: 80, targetPort: http}]\n", ns, ns)
	}},
	{rule: "image.pinned", rules: "images: {pinned: true}", image: "registry:5000/app"},
	{rule: "priority.class", rules: "priority: {minimum: 0}", pod: "      priorityClassName: e2e-no-such-class\n"},
}

var _ = Describe("The operational rules", func() {
	It("pass the operator's own Deployment, with its Services, in a two-zone cluster", func() {
		render := mustKubectl("kustomize", "config/default")
		in := readiness.Input{
			Nodes: []metav1.PartialObjectMetadata{
				{ObjectMeta: metav1.ObjectMeta{Name: "n1", Labels: map[string]string{corev1.LabelTopologyZone: "a"}}},
				{ObjectMeta: metav1.ObjectMeta{Name: "n2", Labels: map[string]string{corev1.LabelTopologyZone: "b"}}},
			},
			// The built-in classes the API server creates.
			PriorityClasses: []schedulingv1.PriorityClass{
				{ObjectMeta: metav1.ObjectMeta{Name: "system-cluster-critical"}, Value: 2000000000},
				{ObjectMeta: metav1.ObjectMeta{Name: "system-node-critical"}, Value: 2000001000},
			},
		}
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
				in.Deployment = &appsv1.Deployment{}
				Expect(yaml.UnmarshalStrict(doc, in.Deployment)).To(Succeed())
			case "Service":
				var svc corev1.Service
				Expect(yaml.UnmarshalStrict(doc, &svc)).To(Succeed())
				in.Services = append(in.Services, svc)
			case "PodDisruptionBudget":
				var pdb policyv1.PodDisruptionBudget
				Expect(yaml.UnmarshalStrict(doc, &pdb)).To(Succeed())
				in.PodDisruptionBudgets = append(in.PodDisruptionBudgets, pdb)
			}
		}
		Expect(in.Deployment).NotTo(BeNil())
		Expect(in.Services).NotTo(BeEmpty(), "the webhook and metrics Services target the manager's ports")

		policy, err := readiness.Compile(&prodreadyv1alpha1.PolicySpec{Rules: prodreadyv1alpha1.Rules{
			Rollout:  &prodreadyv1alpha1.RolloutRules{},
			Spread:   &prodreadyv1alpha1.SpreadRules{Nodes: prodreadyv1alpha1.SpreadPreferred, Zones: prodreadyv1alpha1.SpreadPreferred},
			Shutdown: &prodreadyv1alpha1.ShutdownRules{MinimumSeconds: new(int64(10)), PreStop: prodreadyv1alpha1.RequirementRequired},
			Images:   &prodreadyv1alpha1.ImageRules{Pinned: true},
			Priority: &prodreadyv1alpha1.PriorityRules{Minimum: new(int32(1000000000))},
		}}, nil)
		Expect(err).NotTo(HaveOccurred())
		res := policy.Evaluate(in, time.Now())
		Expect(res.Violations).To(BeEmpty())
	})

	for _, tc := range opsRuleCases {
		It("deny "+tc.rule+" under Enforce and ratchet an old violation through an image change", func() {
			ns := newNamespace("e2e-" + strings.ToLower(strings.ReplaceAll(tc.rule, ".", "-")))
			if tc.objects != nil {
				objs := tc.objects(ns)
				Expect(apply(objs).err).NotTo(HaveOccurred())
				DeferCleanup(func() { _ = run(objs, "delete", "-f", "-", "--ignore-not-found", "--wait=false") })
			}
			image := tc.image
			if image == "" {
				image = "registry.example/app:1.0"
			}
			By("creating a violating Deployment before any policy exists")
			legacy := apply(opsDeployment(ns, "legacy", image, tc.spec, tc.pod, tc.container))
			Expect(legacy.err).NotTo(HaveOccurred(), legacy.String())

			policy := fmt.Sprintf("apiVersion: prodready.io/v1alpha1\nkind: ReadinessPolicy\nmetadata: {name: ops, namespace: %s}\nspec:\n  enforcement: Enforce\n  rules:\n    %s\n", ns, tc.rules)
			Expect(apply(policy).err).NotTo(HaveOccurred())

			By("denying a new Deployment with the same violation")
			fresh := opsDeployment(ns, "fresh", image, tc.spec, tc.pod, tc.container)
			// A server-side dry run persists nothing, so it can be retried
			// until the webhook's cache has the policy.
			Eventually(func() error {
				return deniedBy(apply(fresh, "--dry-run=server"), tc.rule)
			}).WithTimeout(timeout).WithPolling(interval).Should(Succeed(), "the webhook never denied the Deployment")
			denied := apply(fresh)
			Expect(denied.err).To(HaveOccurred(), denied.String())
			Expect(denied.stderr).To(ContainSubstring(tc.rule))
			Expect(denied.stderr).To(ContainSubstring(`The Deployment "fresh" is invalid`))
			Expect(denied.stderr).To(ContainSubstring("ReadinessPolicy/" + ns + "/ops"))

			By("auditing the old violation")
			Eventually(func() string {
				return jsonpath(`{.status.violations[*].rule}`, "rpol", "-n", ns, "ops")
			}).WithTimeout(timeout).WithPolling(interval).Should(Equal(tc.rule))

			By("admitting an image change that keeps the old violation")
			newImage := "registry.example/app:1.1"
			if tc.image != "" {
				newImage = tc.image + "-next" // still untagged
			}
			changed := run("", "set", "image", "-n", ns, "deployment/legacy", "app="+newImage)
			Expect(changed.err).NotTo(HaveOccurred(), changed.String())
			Expect(jsonpath(`{.spec.template.spec.containers[0].image}`, "deployment", "-n", ns, "legacy")).To(Equal(newImage))
		})
	}
})
