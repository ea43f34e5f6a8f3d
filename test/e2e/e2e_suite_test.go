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

// Package e2e drives a running cluster with the real kubectl, as a user
// would. By default it uses the local control plane that `make up` starts
// (described by .state/cluster.json), which also lets it kill and restart
// the operator and the API server. Set E2E_KUBECONFIG to run the non-fault
// specs against another cluster where prodready is already installed.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// cluster is what `make up` writes to .state/cluster.json.
type cluster struct {
	Kubeconfig     string         `json:"kubeconfig"`
	BinDir         string         `json:"binDir"`
	Kubectl        string         `json:"kubectl"`
	ManagerBinary  string         `json:"managerBinary"`
	ManagerArgs    []string       `json:"managerArgs"`
	Ports          map[string]int `json:"ports"`
	WebhookCertDir string         `json:"webhookCertDir"`
	Components     []component    `json:"components"`
}

type component struct {
	Name string   `json:"name"`
	PID  int      `json:"pid"`
	Log  string   `json:"log"`
	Args []string `json:"args"`
}

var (
	root       string // repository root
	kubeconfig string
	kubectlBin string
	local      *cluster // nil when running against another cluster
)

func TestE2E(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "prodready end-to-end")
}

var _ = BeforeSuite(func() {
	wd, err := os.Getwd()
	Expect(err).NotTo(HaveOccurred())
	root = filepath.Clean(filepath.Join(wd, "..", ".."))

	if kc := os.Getenv("E2E_KUBECONFIG"); kc != "" {
		kubeconfig = kc
		kubectlBin, err = exec.LookPath("kubectl")
		Expect(err).NotTo(HaveOccurred(), "E2E_KUBECONFIG is set but kubectl is not on PATH")
	} else {
		local = readCluster()
		kubeconfig = local.Kubeconfig
		kubectlBin = local.Kubectl
	}
	out, err := kubectl("version")
	Expect(err).NotTo(HaveOccurred(), "kubectl cannot reach the cluster: %s", out)
	GinkgoWriter.Printf("kubectl %s against %s\n", kubectlBin, kubeconfig)
})

func readCluster() *cluster {
	path := filepath.Join(root, ".state", "cluster.json")
	b, err := os.ReadFile(path)
	Expect(err).NotTo(HaveOccurred(), "no local cluster: run 'make up' first (or set E2E_KUBECONFIG)")
	var c cluster
	Expect(json.Unmarshal(b, &c)).To(Succeed(), "parsing %s", path)
	Expect(c.Kubeconfig).To(BeAnExistingFile())
	Expect(c.Kubectl).To(BeAnExistingFile())
	return &c
}

// result is one kubectl run.
type result struct {
	stdout, stderr string
	err            error
}

func (r result) String() string {
	return fmt.Sprintf("err=%v\nstdout:\n%s\nstderr:\n%s", r.err, r.stdout, r.stderr)
}

// run executes kubectl with the suite's kubeconfig, optionally feeding stdin.
func run(stdin string, args ...string) result {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, kubectlBin, args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig)
	cmd.Dir = root
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return result{stdout: out.String(), stderr: errb.String(), err: err}
}

// kubectl runs kubectl and returns stdout and stderr together.
func kubectl(args ...string) (string, error) {
	r := run("", args...)
	return r.stdout + r.stderr, r.err
}

// mustKubectl runs kubectl and fails the spec on error.
func mustKubectl(args ...string) string {
	r := run("", args...)
	ExpectWithOffset(1, r.err).NotTo(HaveOccurred(), "kubectl %s\n%s", strings.Join(args, " "), r)
	return r.stdout
}

// apply pipes YAML to kubectl apply -f - with extra flags.
func apply(yaml string, flags ...string) result {
	return run(yaml, append([]string{"apply", "-f", "-"}, flags...)...)
}

// jsonpath reads one field of an object.
func jsonpath(path string, args ...string) string {
	out, err := kubectl(append([]string{"get", "-o", "jsonpath=" + path}, args...)...)
	if err != nil {
		return "error: " + out
	}
	return out
}

// newNamespace creates a namespace for one spec.
func newNamespace(prefix string) string {
	name := fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano()%1_000_000_000)
	mustKubectl("create", "namespace", name)
	DeferCleanup(func() { _, _ = kubectl("delete", "namespace", name, "--wait=false") })
	return name
}
