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
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"sigs.k8s.io/yaml"
)

// The fault specs need the processes of `make up`; they are skipped against
// another cluster.
var _ = Describe("Faults", Ordered, Serial, func() {
	BeforeAll(func() {
		if local == nil {
			Skip("fault specs need the local control plane of 'make up'")
		}
	})

	It("converges to the truth after the operator is SIGKILLed while Deployments change", func() {
		ns := newNamespace("e2e-kill")
		Expect(apply(policyYAML(ns, "audit", "Audit")).err).NotTo(HaveOccurred())
		for i := range 2 {
			Expect(apply(deploymentYAML(ns, fmt.Sprintf("d%d", i), true)).err).NotTo(HaveOccurred())
		}
		killManager()
		for i := 2; i < 5; i++ {
			Expect(apply(deploymentYAML(ns, fmt.Sprintf("d%d", i), true)).err).NotTo(HaveOccurred())
		}
		for i := 5; i < 8; i++ {
			Expect(apply(deploymentYAML(ns, fmt.Sprintf("d%d", i), false)).err).NotTo(HaveOccurred())
		}
		Expect(apply(deploymentYAML(ns, "d0", false)).err).NotTo(HaveOccurred(), "fix one while the operator is down")
		restart("manager")
		Eventually(func() string { return summary(ns, "audit") }).WithTimeout(timeout).WithPolling(interval).Should(Equal("8/4/False"))
	})

	It("admits while the operator is down (failurePolicy Ignore) and flags the Deployment once it is back", func() {
		ns := newNamespace("e2e-down")
		Expect(apply(policyYAML(ns, "strict", "Enforce")).err).NotTo(HaveOccurred())
		Eventually(func() error {
			return deniedBy(apply(deploymentYAML(ns, "probe", true), "--dry-run=server"), badRules...)
		}).
			WithTimeout(timeout).WithPolling(interval).Should(Succeed(), "the webhook enforces before the fault")

		killManager()
		r := apply(deploymentYAML(ns, "web", true))
		Expect(r.err).NotTo(HaveOccurred(), "fail open: %s", r)
		restart("manager")
		Eventually(func() string { return summary(ns, "strict") }).WithTimeout(timeout).WithPolling(interval).Should(Equal("1/1/False"))
	})

	It("hands reconciliation to the other replica when the leader dies, while both serve admission", func() {
		primary := managerEndpoints(readCluster().ManagerArgs)
		second, stop := startSecondManager(primary)
		DeferCleanup(stop)

		By("both replicas answer admission requests")
		for _, ep := range []endpoints{primary, second} {
			Eventually(func() error { return admits(ep.webhookPort) }).WithTimeout(timeout).WithPolling(interval).Should(Succeed(), "webhook on %d", ep.webhookPort)
		}

		By("finding the leader from the leader-election metric")
		var leader, follower endpoints
		Eventually(func() bool {
			switch {
			case isLeader(primary.metricsAddr):
				leader, follower = primary, second
			case isLeader(second.metricsAddr):
				leader, follower = second, primary
			default:
				return false
			}
			return true
		}).WithTimeout(timeout).WithPolling(interval).Should(BeTrue())

		ns := newNamespace("e2e-leader")
		Expect(apply(policyYAML(ns, "audit", "Audit")).err).NotTo(HaveOccurred())
		Expect(apply(deploymentYAML(ns, "web", true)).err).NotTo(HaveOccurred())
		Eventually(func() string { return summary(ns, "audit") }).WithTimeout(timeout).WithPolling(interval).Should(Equal("1/1/False"))

		By("an Enforce policy the follower must know without ever having reconciled")
		// Its replicas rule makes the webhook read PodDisruptionBudgets and
		// HorizontalPodAutoscalers as well as policies.
		Expect(apply(fmt.Sprintf(`apiVersion: prodready.io/v1alpha1
kind: ReadinessPolicy
metadata:
  name: strict
  namespace: %s
spec:
  enforcement: Enforce
  rules:
    probes:
      readiness: Required
    replicas:
      minimum: 2
`, ns)).err).NotTo(HaveOccurred())
		Eventually(func() string { return summary(ns, "strict") }).WithTimeout(timeout).WithPolling(interval).Should(Equal("1/1/False"))
		Expect(httpStatus("http://"+follower.probeAddr+"/readyz/webhook")).To(Equal(http.StatusOK), "the follower's informers synced")

		By("killing the leader")
		if leader == primary {
			killManager()
			DeferCleanup(func() { restart("manager") })
		} else {
			stop()
		}
		By("the follower's first review after the kill is answered within the webhook timeout, from a warm cache")
		// A cold cache would make the review start informers: with the
		// cache's ReaderFailOnMissingInformer the webhook could not read
		// the policy and would admit with a warning; without it the review
		// would wait for a LIST. Either way it would not be denied here.
		denied, msg, err := review(follower.webhookPort, ns, deploymentYAML(ns, "web", true))
		Expect(err).NotTo(HaveOccurred(), "answered within 3 s")
		Expect(denied).To(BeTrue(), "denied by ReadinessPolicy/%s/strict: %s", ns, msg)
		Expect(msg).To(ContainSubstring("strict"))
		Eventually(func() bool { return isLeader(follower.metricsAddr) }).WithTimeout(90 * time.Second).WithPolling(time.Second).Should(BeTrue())
		Expect(apply(deploymentYAML(ns, "web", false)).err).NotTo(HaveOccurred())
		Eventually(func() string { return summary(ns, "audit") }).WithTimeout(timeout).WithPolling(interval).Should(Equal("1/0/True"))
		Expect(admits(follower.webhookPort)).To(Succeed())
	})

	It("releases its leader lease on SIGTERM, so a successor need not wait for it to expire", func() {
		lease := func(path string) string {
			return jsonpath(path, "lease", "-n", "prodready-system", "prodready-leader.prodready.io")
		}
		primary := managerEndpoints(readCluster().ManagerArgs)
		Eventually(func() bool { return isLeader(primary.metricsAddr) }).WithTimeout(90 * time.Second).WithPolling(time.Second).Should(BeTrue())
		Expect(lease("{.spec.holderIdentity}")).NotTo(BeEmpty())

		pid := componentPID("manager")
		DeferCleanup(func() { restart("manager") })
		Expect(syscall.Kill(pid, syscall.SIGTERM)).To(Succeed())
		Eventually(func() bool { return processAlive(pid) && !isZombie(pid) }).WithTimeout(60*time.Second).WithPolling(interval).
			Should(BeFalse(), "the operator did not stop within its graceful shutdown timeout")
		Expect(lease("{.spec.holderIdentity}")).To(BeEmpty(), "the lease still names the stopped operator")
		Expect(lease("{.spec.leaseDurationSeconds}")).To(Equal("1"))
	})

	It("reconnects to a restarted kube-apiserver without restarting itself", func() {
		pid := componentPID("manager")
		ns := newNamespace("e2e-apiserver")
		Expect(apply(policyYAML(ns, "audit", "Audit")).err).NotTo(HaveOccurred())
		Expect(apply(deploymentYAML(ns, "web", false)).err).NotTo(HaveOccurred())
		Eventually(func() string { return summary(ns, "audit") }).WithTimeout(timeout).WithPolling(interval).Should(Equal("1/0/True"))

		apiserver := componentPID("kube-apiserver")
		restart("kube-apiserver")
		Expect(componentPID("kube-apiserver")).NotTo(Equal(apiserver), "kube-apiserver was not restarted")
		Expect(apply(deploymentYAML(ns, "web", true)).err).NotTo(HaveOccurred())
		Eventually(func() string { return summary(ns, "audit") }).WithTimeout(90 * time.Second).WithPolling(interval).Should(Equal("1/1/False"))
		Expect(componentPID("manager")).To(Equal(pid), "the operator was not restarted")
		Expect(processAlive(pid)).To(BeTrue())
	})
})

// componentPID reads a component's current PID from .state/cluster.json.
func componentPID(name string) int {
	for _, c := range readCluster().Components {
		if c.Name == name {
			return c.PID
		}
	}
	Fail("no component " + name + " in .state/cluster.json")
	return 0
}

func processAlive(pid int) bool { return syscall.Kill(pid, 0) == nil }

// killManager SIGKILLs the operator of `make up` and waits until it is gone.
func killManager() {
	pid := componentPID("manager")
	Expect(syscall.Kill(pid, syscall.SIGKILL)).To(Succeed())
	Eventually(func() bool { return processAlive(pid) && !isZombie(pid) }).WithTimeout(10 * time.Second).Should(BeFalse())
}

func isZombie(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	return err == nil && strings.Contains(string(b), ") Z ")
}

// restart restarts a component of `make up` with the same arguments.
func restart(name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "run", "./hack/localcluster", "restart", name)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	ExpectWithOffset(1, err).NotTo(HaveOccurred(), "restarting %s:\n%s", name, out)
}

// endpoints are where one operator process listens.
type endpoints struct {
	webhookPort int
	metricsAddr string
	probeAddr   string
}

func argValue(args []string, flag string) string {
	for i, a := range args {
		if v, ok := strings.CutPrefix(a, flag+"="); ok {
			return v
		}
		if a == flag && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

func managerEndpoints(args []string) endpoints {
	port, err := strconv.Atoi(argValue(args, "--webhook-port"))
	Expect(err).NotTo(HaveOccurred(), "manager args %v", args)
	ep := endpoints{webhookPort: port, metricsAddr: argValue(args, "--metrics-bind-address"), probeAddr: argValue(args, "--health-probe-bind-address")}
	Expect(ep.metricsAddr).NotTo(BeEmpty())
	Expect(ep.probeAddr).NotTo(BeEmpty())
	return ep
}

// startSecondManager runs another operator process with the same
// configuration on other ports, and returns a stop function.
func startSecondManager(primary endpoints) (endpoints, func()) {
	second, cmd, exited := startSecondManagerProcess(primary)
	stop := func() {
		select {
		case <-exited:
			return
		default:
		}
		_ = cmd.Process.Signal(syscall.SIGKILL)
		<-exited
	}
	return second, stop
}

// startSecondManagerProcess runs another operator process with the same
// configuration on other ports (the primary's plus 1000 for the webhook and
// 10000 for metrics and probes, so a cluster on other PRODREADY_*_PORT
// values gets other ones too), waits until it is ready, and returns it with
// a channel closed when it exits.
func startSecondManagerProcess(primary endpoints) (endpoints, *exec.Cmd, <-chan struct{}) {
	c := readCluster()
	second := endpoints{webhookPort: primary.webhookPort + 1000, metricsAddr: shiftPort(primary.metricsAddr, 10000), probeAddr: shiftPort(primary.probeAddr, 10000)}
	var args []string
	for i := 0; i < len(c.ManagerArgs); i++ {
		a := c.ManagerArgs[i]
		name, _, hasValue := strings.Cut(a, "=")
		switch name {
		case "--webhook-port", "--metrics-bind-address", "--health-probe-bind-address", "--pprof-bind-address":
			if !hasValue {
				i++ // skip the separate value
			}
			continue
		}
		args = append(args, a)
	}
	args = append(args, fmt.Sprintf("--webhook-port=%d", second.webhookPort),
		"--metrics-bind-address="+second.metricsAddr, "--health-probe-bind-address="+second.probeAddr,
		"--pprof-bind-address=0") // every listener must differ from the first process's
	logPath := filepath.Join(root, ".state", "logs", "manager-e2e-second.log")
	logFile, err := os.Create(logPath)
	Expect(err).NotTo(HaveOccurred())
	cmd := exec.Command(c.ManagerBinary, args...)
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	Expect(cmd.Start()).To(Succeed())
	GinkgoWriter.Printf("second operator pid %d, log %s\n", cmd.Process.Pid, logPath)
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited); _ = logFile.Close() }()
	Eventually(func() int { return httpStatus("http://" + second.probeAddr + "/readyz") }).
		WithTimeout(timeout).WithPolling(interval).Should(Equal(http.StatusOK), "second operator ready (log %s)", logPath)
	return second, cmd, exited
}

func shiftPort(addr string, by int) string {
	host, port, err := net.SplitHostPort(addr)
	Expect(err).NotTo(HaveOccurred())
	n, err := strconv.Atoi(port)
	Expect(err).NotTo(HaveOccurred())
	return net.JoinHostPort(host, strconv.Itoa(n+by))
}

func httpStatus(url string) int {
	resp, err := (&http.Client{Timeout: 2 * time.Second}).Get(url)
	if err != nil {
		return 0
	}
	defer func() { _ = resp.Body.Close() }()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// isLeader reads controller-runtime's leader election metric.
func isLeader(metricsAddr string) bool {
	resp, err := (&http.Client{Timeout: 2 * time.Second}).Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		return false
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return strings.Contains(string(b), `leader_election_master_status{name="prodready-leader.prodready.io"} 1`)
}

// review posts an AdmissionReview creating the Deployment (YAML) straight to
// one replica's webhook, with the API server's 3 s timeout, and returns
// whether it was denied and the message.
func review(port int, ns, deployment string) (denied bool, msg string, err error) {
	obj, err := yaml.YAMLToJSON([]byte(deployment))
	if err != nil {
		return false, "", err
	}
	body, _ := json.Marshal(map[string]any{
		"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
		"request": map[string]any{
			"uid": "e2e", "operation": "CREATE", "namespace": ns, "name": "web",
			"kind":     map[string]string{"group": "apps", "version": "v1", "kind": "Deployment"},
			"resource": map[string]string{"group": "apps", "version": "v1", "resource": "deployments"},
			"object":   json.RawMessage(obj),
		},
	})
	resp, err := reviewClient.Post(fmt.Sprintf("https://127.0.0.1:%d/validate-apps-v1-deployment", port), "application/json", bytes.NewReader(body))
	if err != nil {
		return false, "", err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return false, "", fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	var out struct {
		Response struct {
			Allowed bool `json:"allowed"`
			Status  struct {
				Message string `json:"message"`
			} `json:"status"`
		} `json:"response"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return false, "", fmt.Errorf("decoding the AdmissionReview answer: %w", err)
	}
	return !out.Response.Allowed, out.Response.Status.Message, nil
}

// reviewClient calls a webhook as the API server does: 3 s timeout, TLS.
var reviewClient = &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{
	TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // loopback probe of a self-signed test server
}}

// admits posts an AdmissionReview for a compliant Deployment in a namespace
// without policies straight to one replica's webhook and expects allowed.
func admits(port int) error {
	review := map[string]any{
		"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
		"request": map[string]any{
			"uid": "e2e", "operation": "CREATE", "namespace": "default", "name": "probe",
			"kind":     map[string]string{"group": "apps", "version": "v1", "kind": "Deployment"},
			"resource": map[string]string{"group": "apps", "version": "v1", "resource": "deployments"},
			"object": map[string]any{
				"apiVersion": "apps/v1", "kind": "Deployment",
				"metadata": map[string]any{"name": "probe", "namespace": "default"},
				"spec":     map[string]any{"template": map[string]any{"spec": map[string]any{"containers": []any{map[string]any{"name": "a", "image": "x"}}}}},
			},
		},
	}
	body, _ := json.Marshal(review)
	client := &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // loopback probe of a self-signed test server
	}}
	resp, err := client.Post(fmt.Sprintf("https://127.0.0.1:%d/validate-apps-v1-deployment", port), "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	var out struct {
		Response struct {
			Allowed bool `json:"allowed"`
		} `json:"response"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return fmt.Errorf("decoding the AdmissionReview answer: %w", err)
	}
	if !out.Response.Allowed {
		return fmt.Errorf("not allowed")
	}
	return nil
}
