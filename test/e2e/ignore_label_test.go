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
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// The opt-out label is guarded by the ValidatingAdmissionPolicy of
// config/ignore-label, which `make up` installs with system:masters as the
// allowed group. The tenant is impersonated with kubectl --as.
var _ = Describe("The prodready.io/ignore label", Ordered, func() {
	var tenant, own string
	const allowedGroup = "system:masters"

	BeforeAll(func() {
		suffix := time.Now().UnixNano() % 1_000_000_000
		tenant = fmt.Sprintf("e2e-tenant-%d", suffix)
		own = newNamespace("e2e-tenant")
		creator := fmt.Sprintf("e2e-namespace-creator-%d", suffix)
		// A tenant as a self-service platform makes them: the built-in edit
		// role in their namespace, and the right to create and label
		// namespaces.
		mustKubectl("create", "clusterrole", creator, "--verb=create,get,list,update,patch", "--resource=namespaces")
		mustKubectl("create", "clusterrolebinding", creator, "--clusterrole="+creator, "--user="+tenant)
		mustKubectl("create", "rolebinding", "tenant-edit", "-n", own, "--clusterrole=edit", "--user="+tenant)
		DeferCleanup(func() {
			_, _ = kubectl("delete", "clusterrolebinding", creator, "--ignore-not-found")
			_, _ = kubectl("delete", "clusterrole", creator, "--ignore-not-found")
		})
	})

	asTenant := func(args ...string) result {
		return run("", append(args, "--as", tenant)...)
	}
	expectGuardDenied := func(r result) {
		GinkgoHelper()
		Expect(r.err).To(HaveOccurred(), "the tenant changed the ignore label: %s", r)
		Expect(r.stderr).To(ContainSubstring("prodready.io/ignore"), "%s", r)
		Expect(r.stderr).To(ContainSubstring(`only members of "system:masters"`), "the message says who may: %s", r)
	}
	label := func(ns string) string {
		return jsonpath(`{.metadata.labels.prodready\.io/ignore}`, "namespace", ns)
	}

	It("keeps a tenant with edit and namespace rights from setting it", func() {
		Expect(asTenant("auth", "can-i", "create", "namespaces").err).NotTo(HaveOccurred())
		Expect(asTenant("auth", "can-i", "create", "deployments", "-n", own).err).NotTo(HaveOccurred())

		By("on create")
		name := fmt.Sprintf("e2e-tenant-new-%d", time.Now().UnixNano()%1_000_000_000)
		DeferCleanup(func() { _, _ = kubectl("delete", "namespace", name, "--ignore-not-found", "--wait=false") })
		r := run(fmt.Sprintf("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s\n  labels:\n    prodready.io/ignore: \"true\"\n", name),
			"create", "-f", "-", "--as", tenant)
		expectGuardDenied(r)
		Expect(run("", "get", "namespace", name).err).To(HaveOccurred(), "the namespace was not created")

		By("creating without the label works")
		Expect(asTenant("create", "namespace", name).err).NotTo(HaveOccurred())

		By("by relabelling, including with kubectl label and a server-side apply")
		expectGuardDenied(asTenant("label", "namespace", name, "prodready.io/ignore=true"))
		expectGuardDenied(asTenant("label", "namespace", own, "prodready.io/ignore=true"))
		expectGuardDenied(run(fmt.Sprintf("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s\n  labels:\n    prodready.io/ignore: \"true\"\n", own),
			"apply", "--server-side", "-f", "-", "--as", tenant))
		Expect(label(own)).To(BeEmpty())

		By("other labels stay the tenant's to change")
		r = asTenant("label", "namespace", own, "team=payments")
		Expect(r.err).NotTo(HaveOccurred(), "%s", r)
	})

	It("lets the allowed group set it, and keeps the tenant from changing or removing it", func() {
		ns := newNamespace("e2e-optout")
		Expect(run("", "create", "rolebinding", "tenant-edit", "-n", ns, "--clusterrole=edit", "--user="+tenant).err).NotTo(HaveOccurred())

		By("an impersonated member of " + allowedGroup)
		r := run("", "label", "namespace", ns, "prodready.io/ignore=true", "--as", "e2e-platform-admin", "--as-group", allowedGroup)
		Expect(r.err).NotTo(HaveOccurred(), "%s", r)
		Expect(label(ns)).To(Equal("true"))

		By("the tenant can neither change nor remove it")
		expectGuardDenied(asTenant("label", "namespace", ns, "prodready.io/ignore=false", "--overwrite"))
		expectGuardDenied(asTenant("label", "namespace", ns, "prodready.io/ignore-"))
		Expect(label(ns)).To(Equal("true"))

		By("updates that keep it pass")
		r = asTenant("label", "namespace", ns, "team=payments")
		Expect(r.err).NotTo(HaveOccurred(), "%s", r)

		By("the allowed group removes it")
		r = run("", "label", "namespace", ns, "prodready.io/ignore-", "--as", "e2e-platform-admin", "--as-group", allowedGroup)
		Expect(r.err).NotTo(HaveOccurred(), "%s", r)
		Expect(label(ns)).To(BeEmpty())
	})
})
