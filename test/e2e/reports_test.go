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
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// samplesIn returns the sample policies with the namespaced one moved into
// namespace ns, so the spec does not share "shop" with other specs.
func samplesIn(ns string) string {
	var docs []string
	for _, f := range []string{"prodready_v1alpha1_readinesspolicy.yaml", "prodready_v1alpha1_clusterreadinesspolicy.yaml"} {
		b, err := os.ReadFile(filepath.Join(root, "config", "samples", f))
		ExpectWithOffset(1, err).NotTo(HaveOccurred())
		docs = append(docs, strings.Replace(string(b), "namespace: shop", "namespace: "+ns, 1))
	}
	return strings.Join(docs, "\n---\n")
}

var _ = Describe("OpenReports reports", func() {
	It("writes one Report per selected Deployment that kubectl get reports lists, and the garbage collector deletes it with the Deployment", func() {
		ns := newNamespace("e2e-reports")
		mustKubectl("label", "namespace", ns, "env=production")
		r := apply(samplesIn(ns))
		Expect(r.err).NotTo(HaveOccurred(), "applying the samples\n%s", r)
		DeferCleanup(func() {
			_, _ = kubectl("delete", "-f", "config/samples/prodready_v1alpha1_clusterreadinesspolicy.yaml", "--ignore-not-found")
		})
		mustKubectl("create", "deployment", "web", "-n", ns, "--image=registry.example/shop/web:1.4.2")
		uid := mustKubectl("get", "deployment", "web", "-n", ns, "-o", "jsonpath={.metadata.uid}")
		Expect(uid).NotTo(BeEmpty())
		report := "prodready-" + uid

		// kubectl get reports -o wide: the upstream printer columns, with
		// the Deployment's kind and name and the counts.
		Eventually(func(g Gomega) {
			out := mustKubectl("get", "reports", "-n", ns, "-o", "wide")
			lines := strings.Split(strings.TrimSpace(out), "\n")
			g.Expect(strings.Fields(lines[0])).To(Equal([]string{"NAME", "KIND", "NAME", "PASS", "FAIL", "WARN", "ERROR", "SKIP", "AGE"}), out)
			g.Expect(lines).To(HaveLen(2), out)
			row := strings.Fields(lines[1])
			g.Expect(row).To(HaveLen(9), out)
			g.Expect(row[0:3]).To(Equal([]string{report, "Deployment", "web"}), out)
			// The counts are the report's summary: the bare Deployment
			// fails most rules of the samples and passes some (it has no
			// PDB, so pdb.allowsDisruption passes).
			summary := mustKubectl("get", "report", report, "-n", ns, "-o",
				"jsonpath={.summary.pass} {.summary.fail} {.summary.warn} {.summary.error} {.summary.skip}")
			g.Expect(row[3:8]).To(Equal(strings.Fields(summary)), out)
			g.Expect(row[3]).NotTo(Equal("0"), out)
			g.Expect(row[4]).NotTo(Equal("0"), out)
		}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())

		// Without -o wide: name and counts.
		out := mustKubectl("get", "reports", "-n", ns)
		Expect(strings.Fields(strings.Split(out, "\n")[0])).To(Equal([]string{"NAME", "PASS", "FAIL", "WARN", "ERROR", "SKIP", "AGE"}))

		// Results name namespaced policies namespace/name, cluster policies
		// by name, and carry the same message as the policy status.
		// Each policy's results arrive with that policy's evaluation, so
		// the report may first hold only one policy's.
		Eventually(func(g Gomega) {
			policies := mustKubectl("get", "report", report, "-n", ns, "-o", `jsonpath={range .results[*]}{.policy}{"\n"}{end}`)
			g.Expect(strings.Fields(policies)).To(ContainElements(ns+"/production-baseline", "production-probes"))
		}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		Expect(mustKubectl("get", "report", report, "-n", ns, "-o", "jsonpath={.metadata.labels.app\\.kubernetes\\.io/managed-by} {.source} {.metadata.ownerReferences[0].uid}")).
			To(Equal("prodready prodready " + uid))
		statusMsg := jsonpath(`{.status.violations[?(@.rule=="probes.readiness")].message}`, "rpol", "-n", ns, "production-baseline")
		Expect(statusMsg).To(ContainSubstring("readinessProbe"))
		reportMsgs := mustKubectl("get", "report", report, "-n", ns, "-o",
			`jsonpath={range .results[?(@.rule=="probes.readiness")]}{.message}{"\n"}{end}`)
		Expect(strings.Split(strings.TrimSpace(reportMsgs), "\n")).To(ContainElement(statusMsg))

		// A result carries what its rule observed and its source.
		Expect(mustKubectl("get", "report", report, "-n", ns, "-o",
			`jsonpath={.results[?(@.rule=="probes.readiness")].properties.missing} {.results[0].source}`)).
			To(And(HavePrefix("readinessProbe"), HaveSuffix(" prodready")))

		// prodready check --cluster -o report builds the same report as
		// the operator wrote: same name and the same content hash.
		bin := buildCLI()
		Eventually(func(g Gomega) {
			hash := mustKubectl("get", "report", report, "-n", ns, "-o", `jsonpath={.metadata.annotations.prodready\.io/report-hash}`)
			cmd := exec.Command(bin, "check", "--cluster", "--kubeconfig", kubeconfig, "-n", ns, "--fail-on", "none", "-o", "report")
			out, err := cmd.Output()
			g.Expect(err).NotTo(HaveOccurred())
			var cli []string
			for _, doc := range strings.Split(string(out), "---\n")[1:] {
				if strings.Contains(doc, "name: "+report+"\n") {
					cli = append(cli, doc)
				}
			}
			g.Expect(cli).To(HaveLen(1), "%s", out)
			g.Expect(cli[0]).To(ContainSubstring("prodready.io/report-hash: "+hash+"\n"), "the CLI's report differs from the operator's %s", hash)
		}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())

		// The operator never deletes a report because its Deployment is
		// gone; kube-controller-manager's garbage collector does, through
		// the owner reference.
		mustKubectl("delete", "deployment", "web", "-n", ns)
		Eventually(func() string {
			out, _ := kubectl("get", "report", report, "-n", ns, "-o", "name")
			return out
		}).WithTimeout(timeout).WithPolling(interval).Should(ContainSubstring("NotFound"))
	})
})
