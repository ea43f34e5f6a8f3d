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
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// helmBin builds (first time) or finds the pinned helm binary.
func helmBin() string {
	out, err := exec.Command(filepath.Join(root, "hack", "tool.sh"), "helm").Output()
	Expect(err).NotTo(HaveOccurred(), "hack/tool.sh helm")
	return strings.TrimSpace(string(out))
}

var _ = Describe("The Helm chart", func() {
	// The API server validates every object the chart renders, in each
	// variant, without creating anything. cert-manager's Issuer and
	// Certificate are left out: the local cluster does not serve their API.
	DescribeTable("renders objects the API server accepts",
		func(set ...string) {
			ns := newNamespace("e2e-helm")
			args := []string{"template", "prodready", "dist/chart", "--namespace", ns, "--include-crds"}
			for _, s := range set {
				args = append(args, "--set", s)
			}
			cmd := exec.Command(helmBin(), args...)
			cmd.Dir = root
			out, err := cmd.CombinedOutput()
			Expect(err).NotTo(HaveOccurred(), "helm template:\n%s", out)
			render := string(out)

			// make up registered its own (URL-based) webhook configuration
			// under the chart's name; validate the rendered one under another
			// name rather than merging the two.
			Expect(render).To(ContainSubstring("name: prodready-validating-webhook-configuration"))
			render = strings.Replace(render, "name: prodready-validating-webhook-configuration", "name: prodready-e2e-helm-dry-run-webhooks", 1)
			var docs []string
			skipped := 0
			for _, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(render, -1) {
				if regexp.MustCompile(`(?m)^apiVersion: cert-manager\.io/`).MatchString(doc) {
					skipped++
					continue
				}
				docs = append(docs, doc)
			}
			r := run(strings.Join(docs, "\n---\n"), "apply", "--dry-run=server", "-f", "-")
			Expect(r.err).NotTo(HaveOccurred(), r.String())
			for _, want := range []string{
				"deployment.apps/prodready-controller-manager",
				"validatingwebhookconfiguration.admissionregistration.k8s.io/prodready-e2e-helm-dry-run-webhooks",
				"service/prodready-controller-manager-metrics-service",
				"clusterrole.rbac.authorization.k8s.io/prodready-manager-role",
				"customresourcedefinition.apiextensions.k8s.io/readinesspolicies.prodready.io",
				"poddisruptionbudget.policy/prodready-controller-manager",
			} {
				Expect(r.stdout).To(ContainSubstring(want))
			}
			Expect(r.stdout).To(ContainSubstring("(server dry run)"))
			if strings.Contains(strings.Join(set, ","), "certManager.enable=true") {
				Expect(skipped).To(Equal(2), "the cert-manager variant renders an Issuer and a Certificate")
				Expect(r.stdout).NotTo(ContainSubstring("secret/prodready-webhook-server-cert"))
			} else {
				Expect(r.stdout).To(ContainSubstring("secret/prodready-webhook-server-cert"))
			}
		},
		Entry("default values"),
		Entry("fail closed", "webhook.failurePolicy=Fail"),
		Entry("cert-manager", "certManager.enable=true"),
		Entry("without reports", "reports.mode=none"),
	)
})
