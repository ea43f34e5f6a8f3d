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
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
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

// deniedBy is nil when kubectl failed because the webhook found the object
// invalid, naming every rule; any other failure (a timeout, a refused
// connection, a typo in the manifest) is an error that says what happened.
func deniedBy(r result, rules ...string) error {
	if r.err == nil {
		return fmt.Errorf("admitted:\n%s", r)
	}
	if !strings.Contains(r.stderr, "is invalid") {
		return fmt.Errorf("failed, but not as a denial by the webhook:\n%s", r)
	}
	for _, rule := range rules {
		if !strings.Contains(r.stderr, rule) {
			return fmt.Errorf("denied without naming %s:\n%s", rule, r)
		}
	}
	return nil
}

// eventSeries says how often the Event with the reason about a Deployment
// was emitted: "none", "once", or "repeated (series ...)". The
// events.k8s.io recorder folds a repeat into the same object and records
// it in series, so counting objects alone cannot see one.
func eventSeries(ns, deployment, reason string) string {
	var list struct {
		Items []struct {
			Metadata  struct{ Name string } `json:"metadata"`
			Regarding struct{ Kind, Name string }
			Reason    string
			Series    *struct{ Count int32 } `json:"series"`
		} `json:"items"`
	}
	Expect(json.Unmarshal([]byte(mustKubectl("get", "events.events.k8s.io", "-n", ns, "-o", "json")), &list)).To(Succeed())
	var found []string
	repeated := false
	for _, e := range list.Items {
		if e.Regarding.Kind != "Deployment" || e.Regarding.Name != deployment || e.Reason != reason {
			continue
		}
		if e.Series != nil {
			repeated = true
			found = append(found, fmt.Sprintf("%s with series.count %d", e.Metadata.Name, e.Series.Count))
		} else {
			found = append(found, e.Metadata.Name)
		}
	}
	switch {
	case len(found) == 0:
		return "none"
	case len(found) > 1 || repeated:
		return "repeated (" + strings.Join(found, ", ") + ")"
	}
	return "once"
}

// summary reads a policy's matched, nonCompliant counts and Compliant status.
func summary(ns, name string) string {
	return jsonpath(`{.status.summary.matched}/{.status.summary.nonCompliant}/{.status.conditions[?(@.type=="Compliant")].status}`,
		"rpol", "-n", ns, name)
}

var _ = Describe("prodready through kubectl", func() {
	It("applies the samples and reports status through get, describe and explain", func() {
		// The sample policy names namespace shop; it goes into this spec's
		// own namespace instead, so a rerun never meets a terminating shop.
		ns := newNamespace("e2e-samples")
		sample, err := os.ReadFile(filepath.Join(root, "config", "samples", "prodready_v1alpha1_readinesspolicy.yaml"))
		Expect(err).NotTo(HaveOccurred())
		Expect(string(sample)).To(ContainSubstring("\n  namespace: shop\n"))
		r := run(strings.Replace(string(sample), "\n  namespace: shop\n", "\n  namespace: "+ns+"\n", 1), "apply", "-f", "-")
		Expect(r.err).NotTo(HaveOccurred(), r.String())
		mustKubectl("apply", "-f", "config/samples/prodready_v1alpha1_clusterreadinesspolicy.yaml")
		DeferCleanup(func() {
			_, _ = kubectl("delete", "-f", "config/samples/prodready_v1alpha1_clusterreadinesspolicy.yaml", "--ignore-not-found")
		})
		mustKubectl("create", "deployment", "web", "-n", ns, "--image=registry.example/shop/web:1.4.2")

		Eventually(func(g Gomega) {
			out := mustKubectl("get", "rpol", "-A")
			lines := strings.Split(strings.TrimSpace(out), "\n")
			g.Expect(strings.Fields(lines[0])).To(Equal([]string{"NAMESPACE", "NAME", "ENFORCEMENT", "MATCHED", "NONCOMPLIANT", "COMPLIANT", "AGE"}))
			var row []string
			for _, l := range lines[1:] {
				if f := strings.Fields(l); len(f) > 1 && f[0] == ns && f[1] == "production-baseline" {
					row = f
				}
			}
			g.Expect(row).To(HaveLen(7), out)
			g.Expect(row[2:6]).To(Equal([]string{"Audit", "1", "1", "False"}), out)
		}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())

		Expect(mustKubectl("get", "crpol")).To(ContainSubstring("production-probes"))

		described := mustKubectl("describe", "rpol", "-n", ns, "production-baseline")
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
			return deniedBy(r, badRules...)
		}).WithTimeout(timeout).WithPolling(interval).Should(Succeed(), "the webhook never denied the Deployment")
		Expect(r.stderr).To(ContainSubstring(`The Deployment "web" is invalid`))

		dry := apply(deploymentYAML(ns, "web", true), "--dry-run=server")
		Expect(deniedBy(dry, badRules...)).To(Succeed())
		Expect(apply(deploymentYAML(ns, "api", false), "--dry-run=server").err).NotTo(HaveOccurred())
		got := run("", "get", "deployment", "-n", ns, "api")
		Expect(got.err).To(HaveOccurred(), "a dry run creates nothing")
		Expect(got.stderr).To(ContainSubstring("not found"), got.String())

		ok := apply(deploymentYAML(ns, "api", false))
		Expect(ok.err).NotTo(HaveOccurred(), ok.String())
		Expect(ok.stderr).NotTo(ContainSubstring("Warning"))
	})

	It("admits with one warning per violation under Warn", func() {
		ns := newNamespace("e2e-warn")
		Expect(apply(policyYAML(ns, "advice", "Warn")).err).NotTo(HaveOccurred())
		Eventually(func() string {
			return apply(deploymentYAML(ns, "probe", true), "--dry-run=server").stderr
		}).WithTimeout(timeout).WithPolling(interval).Should(And(ContainSubstring("Warning"), ContainSubstring("probes.readiness")))

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

		By("re-evaluating while web stays non-compliant: a second Deployment arrives")
		Expect(apply(deploymentYAML(ns, "api", true)).err).NotTo(HaveOccurred())
		Eventually(func() string { return summary(ns, "audit") }).WithTimeout(timeout).WithPolling(interval).Should(Equal("2/2/False"))
		Eventually(func() string { return eventSeries(ns, "api", "PolicyViolation") }).WithTimeout(timeout).WithPolling(interval).Should(Equal("once"))
		Expect(eventSeries(ns, "web", "PolicyViolation")).To(Equal("once"), "the violation Event about web was repeated")

		Expect(apply(deploymentYAML(ns, "web", false)).err).NotTo(HaveOccurred())
		Eventually(func() string { return mustKubectl("describe", "deployment", "-n", ns, "web") }).
			WithTimeout(timeout).WithPolling(interval).Should(ContainSubstring("PolicyCompliant"))
		Eventually(func() string { return summary(ns, "audit") }).WithTimeout(timeout).Should(Equal("2/1/False"))
		Expect(eventSeries(ns, "web", "PolicyViolation")).To(Equal("once"))
		Expect(eventSeries(ns, "web", "PolicyCompliant")).To(Equal("once"))
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
