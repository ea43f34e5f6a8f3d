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
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

const (
	timeout  = 60 * time.Second
	interval = 500 * time.Millisecond
)

// policyYAML is a ReadinessPolicy requiring readiness and liveness probes,
// cpu and memory requests, a memory limit and prometheus.io/scrape "true".
func policyYAML(ns, name, enforcement string) string {
	return fmt.Sprintf(`apiVersion: prodready.io/v1alpha1
kind: ReadinessPolicy
metadata:
  name: %s
  namespace: %s
spec:
  enforcement: %s
  rules:
    probes:
      readiness: Required
      liveness: Required
    resources:
      requests: [cpu, memory]
      limits: [memory]
    metrics:
      annotations:
      - key: prometheus.io/scrape
        value: "true"
`, name, ns, enforcement)
}

// deploymentYAML is a Deployment that passes policyYAML, or, when bad, has
// no readiness probe, no memory limit and no scrape annotation.
func deploymentYAML(ns, name string, bad bool) string {
	readiness := `
        readinessProbe:
          httpGet: {path: /ready, port: 8080}`
	limits := `
          limits: {memory: 128Mi}`
	annotations := `
      annotations:
        prometheus.io/scrape: "true"`
	if bad {
		readiness, limits, annotations = "", "", ""
	}
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: %[1]s
  namespace: %[2]s
  labels: {app: %[1]s}
spec:
  replicas: 2
  selector:
    matchLabels: {app: %[1]s}
  template:
    metadata:
      labels: {app: %[1]s}%[5]s
    spec:
      containers:
      - name: app
        image: registry.example/app:1.0%[3]s
        livenessProbe:
          httpGet: {path: /live, port: 8080}
          failureThreshold: 6
        resources:
          requests: {cpu: 50m, memory: 64Mi}%[4]s
`, name, ns, readiness, limits, annotations)
}

var badRules = []string{"probes.readiness", "resources.limits.memory", "metrics.annotation"}

// summary reads a policy's matched, nonCompliant counts and Compliant status.
func summary(ns, name string) string {
	return jsonpath(`{.status.summary.matched}/{.status.summary.nonCompliant}/{.status.conditions[?(@.type=="Compliant")].status}`,
		"rpol", "-n", ns, name)
}

var _ = Describe("prodready through kubectl", func() {
	It("applies the samples and reports status through get, describe and explain", func() {
		_ = run("", "create", "namespace", "shop")
		DeferCleanup(func() { _, _ = kubectl("delete", "namespace", "shop", "--wait=false") })
		mustKubectl("apply", "-f", "config/samples/prodready_v1alpha1_readinesspolicy.yaml",
			"-f", "config/samples/prodready_v1alpha1_clusterreadinesspolicy.yaml")
		DeferCleanup(func() {
			_, _ = kubectl("delete", "-f", "config/samples/prodready_v1alpha1_clusterreadinesspolicy.yaml", "--ignore-not-found")
		})
		mustKubectl("create", "deployment", "web", "-n", "shop", "--image=registry.example/shop/web:1.4.2")

		Eventually(func(g Gomega) {
			out := mustKubectl("get", "rpol", "-A")
			lines := strings.Split(strings.TrimSpace(out), "\n")
			g.Expect(strings.Fields(lines[0])).To(Equal([]string{"NAMESPACE", "NAME", "ENFORCEMENT", "MATCHED", "NONCOMPLIANT", "COMPLIANT", "AGE"}))
			var row []string
			for _, l := range lines[1:] {
				if f := strings.Fields(l); len(f) > 1 && f[0] == "shop" && f[1] == "production-baseline" {
					row = f
				}
			}
			g.Expect(row).To(HaveLen(7), out)
			g.Expect(row[2:6]).To(Equal([]string{"Audit", "1", "1", "False"}), out)
		}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())

		Expect(mustKubectl("get", "crpol")).To(ContainSubstring("production-probes"))

		described := mustKubectl("describe", "rpol", "-n", "shop", "production-baseline")
		for _, want := range []string{"Type:                  Ready", "Reason:                ViolationsFound", "Rule:        probes.readiness",
			"Rule:        replicas.minimum", "add spec.template.spec.containers[0].readinessProbe"} {
			Expect(described).To(ContainSubstring(want))
		}

		explained := mustKubectl("explain", "readinesspolicy.spec.rules")
		Expect(explained).To(ContainSubstring("probes requires readiness, liveness and startup probes"))
		Expect(explained).To(ContainSubstring("podDisruptionBudget"))
	})

	It("rejects a non-compliant Deployment under Enforce with every rule, and gives a dry run the same verdict", func() {
		ns := newNamespace("e2e-enforce")
		Expect(apply(policyYAML(ns, "strict", "Enforce")).err).NotTo(HaveOccurred())

		var r result
		Eventually(func() error {
			r = apply(deploymentYAML(ns, "web", true))
			return r.err
		}).WithTimeout(timeout).WithPolling(interval).Should(HaveOccurred(), "the webhook never denied the Deployment")
		for _, rule := range badRules {
			Expect(r.stderr).To(ContainSubstring(rule))
		}
		Expect(r.stderr).To(ContainSubstring(`The Deployment "web" is invalid`))

		dry := apply(deploymentYAML(ns, "web", true), "--dry-run=server")
		Expect(dry.err).To(HaveOccurred())
		for _, rule := range badRules {
			Expect(dry.stderr).To(ContainSubstring(rule))
		}
		Expect(apply(deploymentYAML(ns, "api", false), "--dry-run=server").err).NotTo(HaveOccurred())
		Expect(run("", "get", "deployment", "-n", ns, "api").err).To(HaveOccurred(), "a dry run creates nothing")

		ok := apply(deploymentYAML(ns, "api", false))
		Expect(ok.err).NotTo(HaveOccurred(), ok.String())
		Expect(ok.stderr).NotTo(ContainSubstring("Warning"))
	})

	It("admits with one warning per violation under Warn", func() {
		ns := newNamespace("e2e-warn")
		Expect(apply(policyYAML(ns, "advice", "Warn")).err).NotTo(HaveOccurred())
		Eventually(func() string {
			return apply(deploymentYAML(ns, "probe", true), "--dry-run=server").stderr
		}).WithTimeout(timeout).WithPolling(interval).Should(ContainSubstring("Warning"))

		r := apply(deploymentYAML(ns, "web", true))
		Expect(r.err).NotTo(HaveOccurred(), r.String())
		Expect(strings.Count(r.stderr, "Warning:")).To(Equal(len(badRules)), r.stderr)
		for _, rule := range badRules {
			Expect(r.stderr).To(ContainSubstring(rule))
		}
	})

	It("shows PolicyViolation and PolicyCompliant Events in kubectl describe deployment", func() {
		ns := newNamespace("e2e-events")
		Expect(apply(policyYAML(ns, "audit", "Audit")).err).NotTo(HaveOccurred())
		Expect(apply(deploymentYAML(ns, "web", true)).err).NotTo(HaveOccurred())
		Eventually(func() string { return mustKubectl("describe", "deployment", "-n", ns, "web") }).
			WithTimeout(timeout).WithPolling(interval).Should(And(ContainSubstring("PolicyViolation"), ContainSubstring("probes.readiness")))

		Expect(apply(deploymentYAML(ns, "web", false)).err).NotTo(HaveOccurred())
		Eventually(func() string { return mustKubectl("describe", "deployment", "-n", ns, "web") }).
			WithTimeout(timeout).WithPolling(interval).Should(ContainSubstring("PolicyCompliant"))
		Eventually(func() string { return summary(ns, "audit") }).WithTimeout(timeout).Should(Equal("1/0/True"))
	})

	It("renders config/default into objects the API server accepts", func() {
		render := mustKubectl("kustomize", "config/default")
		// make up registered its own (URL-based) webhook configuration under
		// the same name; a dry-run apply over it would merge the two client
		// configs. Validate the rendered one on its own, under another name.
		Expect(render).To(ContainSubstring("name: prodready-validating-webhook-configuration"))
		render = strings.Replace(render, "name: prodready-validating-webhook-configuration", "name: prodready-e2e-dry-run-webhooks", 1)
		r := run(render, "apply", "--dry-run=server", "-f", "-")
		Expect(r.err).NotTo(HaveOccurred(), r.String())
		for _, want := range []string{
			"deployment.apps/prodready-controller-manager", "validatingwebhookconfiguration.admissionregistration.k8s.io/prodready-e2e-dry-run-webhooks",
			"service/prodready-webhook-service", "poddisruptionbudget.policy/", "customresourcedefinition.apiextensions.k8s.io/readinesspolicies.prodready.io",
		} {
			Expect(r.stdout).To(ContainSubstring(want))
		}
		Expect(r.stdout).To(ContainSubstring("(server dry run)"))
	})
})
