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
	"bytes"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

const cliFixture = `
apiVersion: prodready.io/v1alpha1
kind: ReadinessPolicy
metadata:
  name: cli-audit
spec:
  enforcement: Audit
  rules:
    probes: {readiness: Required, liveness: Required}
    resources: {requests: [cpu]}
    replicas: {minimum: 2}
    podDisruptionBudget: {required: true}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: bad
spec:
  selector: {matchLabels: {app: bad}}
  template:
    metadata:
      labels: {app: bad}
    spec:
      containers:
      - name: app
        image: registry.example/bad:1
      - name: sidecar
        image: registry.example/sidecar:1
        readinessProbe: {httpGet: {path: /ready, port: 8080}}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: good
spec:
  replicas: 2
  selector: {matchLabels: {app: good}}
  template:
    metadata:
      labels: {app: good}
    spec:
      containers:
      - name: app
        image: registry.example/good:1
        resources: {requests: {cpu: 100m}}
        readinessProbe: {httpGet: {path: /ready, port: 8080}}
        livenessProbe: {httpGet: {path: /healthz, port: 8080}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: good
spec:
  maxUnavailable: 1
  selector: {matchLabels: {app: good}}
`

// buildCLI builds the prodready CLI into a temporary directory.
func buildCLI() string {
	bin := filepath.Join(GinkgoT().TempDir(), "prodready")
	build := exec.Command("go", "build", "-o", bin, "./cmd/prodready")
	build.Dir = root
	out, err := build.CombinedOutput()
	ExpectWithOffset(1, err).NotTo(HaveOccurred(), "building the CLI: %s", out)
	return bin
}

var _ = Describe("prodready check --cluster", func() {
	It("reports the same violations as the policy's status", func() {
		bin := buildCLI()

		ns := newNamespace("cli")
		r := apply(cliFixture, "-n", ns)
		Expect(r.err).NotTo(HaveOccurred(), "%s", r)

		type violation struct {
			Namespace  string `json:"namespace"`
			Deployment string `json:"deployment"`
			Rule       string `json:"rule"`
			Container  string `json:"container"`
			Message    string `json:"message"`
		}
		key := func(v violation) string {
			return strings.Join([]string{v.Namespace, v.Deployment, v.Rule, v.Container, v.Message}, " | ")
		}
		var status []string
		Eventually(func(g Gomega) {
			g.Expect(summary(ns, "cli-audit")).To(Equal("2/1/False"))
			var vs []violation
			raw := mustKubectl("get", "rpol", "-n", ns, "cli-audit", "-o", "jsonpath={.status.violations}")
			g.Expect(json.Unmarshal([]byte(raw), &vs)).To(Succeed(), raw)
			status = nil
			for _, v := range vs {
				status = append(status, key(v))
			}
			g.Expect(status).NotTo(BeEmpty())
		}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		slices.Sort(status)

		cmd := exec.Command(bin, "check", "--cluster", "--kubeconfig", kubeconfig, "-n", ns, "-o", "json")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		// Audit findings are notes: exit 0 with the default --fail-on error.
		Expect(err).NotTo(HaveOccurred(), "stderr: %s", stderr.String())
		var report struct {
			Deployments []struct{ Name string } `json:"deployments"`
			Findings    []struct {
				violation
				Policy   string `json:"policy"`
				Status   string `json:"status"`
				Severity string `json:"severity"`
			} `json:"findings"`
		}
		Expect(json.Unmarshal(stdout.Bytes(), &report)).To(Succeed(), stdout.String())
		Expect(report.Deployments).To(HaveLen(2))
		var cli []string
		for _, f := range report.Findings {
			if f.Policy != "ReadinessPolicy/"+ns+"/cli-audit" {
				continue // a cluster policy of another spec
			}
			Expect(f.Status).To(Equal("fail"))
			Expect(f.Severity).To(Equal("note"))
			cli = append(cli, key(f.violation))
		}
		slices.Sort(cli)
		Expect(cli).To(Equal(status))
	})
})
