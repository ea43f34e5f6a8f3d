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
	"io"
	"net/http"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/prodready/prodready/test/observability"
)

// externalMetrics are read by the alerts but exported by neither prodready
// nor the API server: Prometheus' own up, and kube-state-metrics.
var externalMetrics = map[string]bool{"up": true, "kube_deployment_status_replicas_available": true}

// pendingMetrics are used by the alerts and the dashboard but come with work
// that is not on this branch yet; the spec checks that they are still
// missing, so whoever adds one must delete it here and it is then checked
// like every other metric.
var pendingMetrics = map[string]string{}

// failingWebhook is a webhook configuration that calls an address where
// nothing listens, for ConfigMaps carrying the label e2e-<name>=true, so the
// API server records a failed call for it.
func failingWebhook(name, failurePolicy string) string {
	return fmt.Sprintf(`apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: %[1]s.e2e.prodready.io
webhooks:
- name: %[1]s.e2e.prodready.io
  admissionReviewVersions: [v1]
  sideEffects: None
  failurePolicy: %[2]s
  timeoutSeconds: 1
  clientConfig:
    url: https://127.0.0.1:1/nothing-listens-here
  objectSelector:
    matchLabels: {e2e-%[1]s: "true"}
  rules:
  - apiGroups: [""]
    apiVersions: [v1]
    operations: [CREATE]
    resources: [configmaps]
`, name, failurePolicy)
}

var _ = Describe("Alerts and dashboard", func() {
	It("use only metrics and labels that the running operator and the API server export", func() {
		if local == nil {
			Skip("needs the local cluster of make up (the operator's plain-HTTP metrics on loopback)")
		}
		metricsAddr := argValue(local.ManagerArgs, "--metrics-bind-address")
		Expect(metricsAddr).NotTo(BeEmpty())

		// Make the operator export every series family: a policy with
		// violations (policy gauges, status writes), and reviews that are
		// allowed, warned and denied.
		ns := newNamespace("e2e-observe")
		Expect(apply(policyYAML(ns, "strict", "Enforce")).err).NotTo(HaveOccurred())
		Expect(apply(policyYAML(ns, "advice", "Warn")).err).NotTo(HaveOccurred())
		Eventually(func() error { return apply(deploymentYAML(ns, "web", true), "--dry-run=server").err }).
			WithTimeout(timeout).WithPolling(interval).Should(HaveOccurred(), "the webhook never denied")
		Expect(apply(deploymentYAML(ns, "ok", false)).err).NotTo(HaveOccurred())
		Expect(apply(policyYAML(ns, "audit", "Audit")).err).NotTo(HaveOccurred())
		Expect(apply(policyYAML(ns, "strict", "Audit")).err).NotTo(HaveOccurred())
		// The webhook sees the policy change within a moment.
		Eventually(func() error { return apply(deploymentYAML(ns, "bad", true)).err }).
			WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		Eventually(func() string { return summary(ns, "audit") }).WithTimeout(timeout).WithPolling(interval).Should(Equal("2/1/False"))

		// Make the API server record a webhook call that failed open and one
		// that was rejected because the call failed.
		for name, policy := range map[string]string{"failopen": "Ignore", "failclosed": "Fail"} {
			Expect(apply(failingWebhook(name, policy)).err).NotTo(HaveOccurred())
			DeferCleanup(func() {
				_, _ = kubectl("delete", "validatingwebhookconfiguration", name+".e2e.prodready.io", "--ignore-not-found")
			})
		}
		cm := func(name, label string) string {
			return fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n  namespace: %s\n  labels: {%s: \"true\"}\n", name, ns, label)
		}
		// The API server picks up new webhook configurations within a
		// moment; once the fail-closed one rejects, both are active.
		Eventually(func() error { return apply(cm("failclosed", "e2e-failclosed")).err }).
			WithTimeout(timeout).WithPolling(interval).Should(HaveOccurred(), "failurePolicy Fail rejects")
		r := apply(cm("failopen", "e2e-failopen"))
		Expect(r.err).NotTo(HaveOccurred(), "failurePolicy Ignore admits: %s", r)

		qs, err := observability.Queries(root)
		Expect(err).NotTo(HaveOccurred())
		var problems []string
		Eventually(func() []string {
			have, err := scrapeOperator(metricsAddr)
			if err != nil {
				return []string{err.Error()}
			}
			apiserver := mustKubectl("get", "--raw", "/metrics")
			fromAPIServer, err := observability.ParseExposition(apiserver)
			if err != nil {
				return []string{err.Error()}
			}
			have.Merge(fromAPIServer)
			notChecked := map[string]bool{}
			for m := range externalMetrics {
				notChecked[m] = true
			}
			problems = nil
			for m, why := range pendingMetrics {
				notChecked[m] = true
				if _, ok := have[m]; ok {
					problems = append(problems, fmt.Sprintf("%s is exported now (%s): delete it from pendingMetrics", m, why))
				}
			}
			problems = append(problems, observability.Check(qs, have, notChecked)...)
			return problems
		}).WithTimeout(2*time.Minute).WithPolling(2*time.Second).Should(BeEmpty(),
			"metrics or labels used by config/prometheus/prodready.rules.yaml or config/grafana/prodready.json that nothing exports")
		GinkgoWriter.Printf("checked %d queries of the alerts and the dashboard\n", len(qs))
	})
})

func scrapeOperator(addr string) (observability.Exported, error) {
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Get("http://" + addr + "/metrics")
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /metrics: %s", resp.Status)
	}
	if !strings.Contains(string(b), "prodready_") {
		return nil, fmt.Errorf("the operator at %s exports no prodready_ metric", addr)
	}
	return observability.ParseExposition(string(b))
}
