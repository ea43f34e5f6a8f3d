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
	"fmt"
	"os"
	"strconv"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// A tenant is a namespace editor: the built-in edit role in its own
// namespace, nothing cluster-wide. These specs act as the tenant through
// kubectl --as impersonation.

// tenantNamespace creates a namespace, labels it for this spec's cluster
// policy, and gives user the edit role there (plus ReadinessPolicy rights,
// should the cluster not aggregate them into edit).
func tenantNamespace(prefix, user, label string) string {
	ns := newNamespace(prefix)
	mustKubectl("label", "namespace", ns, "e2e-tenant="+label)
	mustKubectl("create", "rolebinding", "tenant-edit", "-n", ns, "--clusterrole=edit", "--user="+user)
	if out, _ := kubectl("auth", "can-i", "create", "readinesspolicies.prodready.io", "-n", ns, "--as", user); strings.TrimSpace(out) != "yes" {
		mustKubectl("create", "role", "tenant-rpol", "-n", ns, "--verb=*", "--resource=readinesspolicies.prodready.io")
		mustKubectl("create", "rolebinding", "tenant-rpol", "-n", ns, "--role=tenant-rpol", "--user="+user)
	}
	Eventually(func() string {
		out, _ := kubectl("auth", "can-i", "create", "deployments.apps", "-n", ns, "--as", user)
		return strings.TrimSpace(out)
	}).WithTimeout(timeout).WithPolling(interval).Should(Equal("yes"))
	return ns
}

// tenant is the namespace editor these specs impersonate.
const tenant = "tenant-a@example.com"

// asTenant applies YAML as the tenant.
func asTenant(yaml string) result {
	return apply(yaml, "--as", tenant)
}

// probeless is a Deployment without a readiness probe, with extra labels.
func probeless(ns, name, labels string) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: %[1]s
  namespace: %[2]s
  labels: {app: %[1]s%[3]s}
spec:
  replicas: 1
  selector:
    matchLabels: {app: %[1]s}
  template:
    metadata:
      labels: {app: %[1]s}
    spec:
      containers:
      - name: app
        image: registry.example/app:1.0
`, name, ns, labels)
}

var _ = Describe("A tenant with the edit role", func() {
	It("cannot exempt its Deployment from a cluster policy", func() {
		label := "exempt-" + strconv.Itoa(GinkgoParallelProcess()) + "-" + strconv.FormatInt(int64(os.Getpid()), 10)
		own := tenantNamespace("tenant-own", tenant, label)
		other := newNamespace("tenant-other")
		mustKubectl("label", "namespace", other, "e2e-tenant="+label)

		By("the platform team cannot write a selector exemption without namespaces")
		crpol := func(exemptions string) string {
			return fmt.Sprintf(`apiVersion: prodready.io/v1alpha1
kind: ClusterReadinessPolicy
metadata:
  name: tenant-floor-%[1]s
spec:
  namespaceSelector:
    matchLabels: {e2e-tenant: %[1]s}
  enforcement: Enforce
  rules:
    probes:
      readiness: Required
  exemptions:
%[2]s`, label, exemptions)
		}
		// exemption renders one exemptions item with the given selecting
		// fields (YAML lines after the dash, indented four spaces).
		exemption := func(fields ...string) string {
			return "  - " + strings.Join(fields, "\n    ") +
				"\n    rules: [probes]\n    reason: the other team's batch jobs have no HTTP endpoint\n"
		}
		r := apply(crpol(exemption("selector: {matchLabels: {tier: batch}}")))
		Expect(r.err).To(HaveOccurred(), "%s", r)
		Expect(r.stderr).To(ContainSubstring("must name the namespaces it applies to"))

		By("so the exemptions name the other team's namespace")
		r = apply(crpol(exemption("namespaces: ["+other+"]", "selector: {matchLabels: {tier: batch}}") +
			exemption("namespaces: ["+other+"]", "deployments: [web]")))
		Expect(r.err).NotTo(HaveOccurred(), "%s", r)
		DeferCleanup(func() { _, _ = kubectl("delete", "crpol", "tenant-floor-"+label, "--ignore-not-found") })

		By("the tenant cannot edit the cluster policy")
		canI, _ := kubectl("auth", "can-i", "update", "clusterreadinesspolicies.prodready.io", "--as", tenant)
		Expect(canI).To(HavePrefix("no"))

		By("a Deployment named like the exempted one, with the exempted labels, is still denied in the tenant's namespace")
		Eventually(func(g Gomega) {
			r := asTenant(probeless(own, "web", ", tier: batch"))
			if r.err == nil {
				// Admitted before the webhook saw the policy: start over.
				mustKubectl("delete", "deployment", "web", "-n", own)
			}
			g.Expect(r.err).To(HaveOccurred(), "the tenant's Deployment was admitted: %s", r)
			g.Expect(r.stderr).To(ContainSubstring("probes.readiness"))
			g.Expect(r.stderr).To(ContainSubstring("ClusterReadinessPolicy/tenant-floor-" + label))
		}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())

		By("while the same Deployment is exempted in the namespace the exemption names")
		r = apply(probeless(other, "web", ", tier: batch"))
		Expect(r.err).NotTo(HaveOccurred(), "%s", r)
	})

	It("cannot take the operator down with a regular expression bomb", func() {
		own := tenantNamespace("tenant-bomb", tenant, "bomb-"+strconv.FormatInt(int64(os.Getpid()), 10))
		before := managerRSS()

		By("the bomb is rejected, naming the field, the size and the limit")
		bomb := `^(?:(?:` + strings.Repeat("a", 480) + `){1000})$`
		r := asTenant(fmt.Sprintf(`apiVersion: prodready.io/v1alpha1
kind: ReadinessPolicy
metadata:
  name: bomb
  namespace: %s
spec:
  enforcement: Enforce
  rules:
    metrics:
      annotations:
      - key: prometheus.io/port
        value: '%s'
`, own, bomb))
		Expect(r.err).To(HaveOccurred(), "%s", r)
		Expect(r.stderr).To(ContainSubstring("spec.rules.metrics.annotations[0].value"))
		Expect(r.stderr).To(ContainSubstring("compiles to 480006 instructions, over the limit of 1024 per value"))

		By("the full-size bomb from the issue does not even pass the schema")
		r = asTenant(fmt.Sprintf(`apiVersion: prodready.io/v1alpha1
kind: ReadinessPolicy
metadata:
  name: bomb
  namespace: %s
spec:
  rules:
    metrics:
      annotations:
      - key: prometheus.io/port
        value: '^(?:(?:%s){1000})$'
`, own, strings.Repeat("a", 1008)))
		Expect(r.err).To(HaveOccurred(), "%s", r)
		Expect(r.stderr).To(ContainSubstring("Too long"))

		By("the operator keeps answering admission")
		Expect(asTenant(policyYAML(own, "strict", "Enforce")).err).NotTo(HaveOccurred())
		Eventually(func(g Gomega) {
			r := asTenant(deploymentYAML(own, "web", true))
			if r.err == nil {
				mustKubectl("delete", "deployment", "web", "-n", own)
			}
			g.Expect(r.err).To(HaveOccurred(), "admitted: %s", r)
			g.Expect(r.stderr).To(ContainSubstring("probes.readiness"))
		}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		if after := managerRSS(); before > 0 && after > 0 {
			GinkgoWriter.Printf("operator RSS before the bomb %d KiB, after %d KiB\n", before, after)
			Expect(after).To(BeNumerically("<", before+64<<10), "the operator grew by more than 64 MiB")
		}
	})
})

// managerRSS is the local operator's resident set in KiB, or 0 when the
// suite runs against another cluster.
func managerRSS() int {
	if local == nil {
		return 0
	}
	pid := 0
	for _, c := range readCluster().Components {
		if c.Name == "manager" {
			pid = c.PID
		}
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	return 0
}
