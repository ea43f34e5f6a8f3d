//go:build unix

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

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// healthTimeouts bound how long each component may take to become healthy.
var healthTimeouts = map[string]time.Duration{
	etcdName:      30 * time.Second,
	apiserverName: 90 * time.Second,
	kcmName:       60 * time.Second,
	managerName:   90 * time.Second,
}

const (
	stopGraceDown    = 15 * time.Second
	stopGraceRestart = 10 * time.Second
)

// newState describes the cluster to start: binaries, ports and the full
// command line of every component.
func newState(l layout, binDir string, p ports) *clusterState {
	loop := func(port int) string { return "127.0.0.1:" + strconv.Itoa(port) }
	etcdURL, peerURL := "http://"+loop(p.Etcd), "http://"+loop(p.EtcdPeer)
	st := &clusterState{
		Kubeconfig:     l.kubeconfig,
		BinDir:         binDir,
		Kubectl:        filepath.Join(binDir, "kubectl"),
		ManagerBinary:  filepath.Join(l.bin, "manager"),
		Ports:          p,
		WebhookCertDir: l.webhookCert,
		ManagerArgs: []string{
			"--kubeconfig", l.kubeconfig,
			"--leader-elect", "--leader-election-namespace", operatorNamespace,
			"--namespace", operatorNamespace,
			"--cert-rotation=false",
			"--webhook-cert-dir", l.webhookCert,
			"--webhook-host", "127.0.0.1",
			"--webhook-port", strconv.Itoa(p.Webhook),
			"--metrics-bind-address", loop(p.Metrics),
			"--metrics-secure=false",
			"--health-probe-bind-address", loop(p.Probe),
			"--pprof-bind-address", loop(p.Pprof),
			// Nothing removes this process from an endpoints list before
			// SIGTERM (no kubelet, no preStop): report not ready and serve
			// on for a moment first, as a pod does during its preStop sleep.
			"--shutdown-delay", "2s",
		},
	}
	st.Components = []component{{
		Name:   etcdName,
		Binary: filepath.Join(binDir, "etcd"),
		Args: []string{
			"--name", "default",
			"--data-dir", l.etcdData,
			"--listen-client-urls", etcdURL, "--advertise-client-urls", etcdURL,
			"--listen-peer-urls", peerURL, "--initial-advertise-peer-urls", peerURL,
			"--initial-cluster", "default=" + peerURL,
			// A throwaway local cluster does not need durable writes.
			"--unsafe-no-fsync",
		},
		Ports:  []int{p.Etcd, p.EtcdPeer},
		Health: etcdURL + "/health",
	}, {
		Name:   apiserverName,
		Binary: filepath.Join(binDir, "kube-apiserver"),
		Args: []string{
			"--etcd-servers", etcdURL,
			"--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1",
			// The endpoint reconciler refuses a loopback address; nothing
			// in this cluster needs the endpoints of the kubernetes Service.
			"--endpoint-reconciler-type", "none",
			"--secure-port", strconv.Itoa(p.APIServer),
			"--tls-cert-file", l.cert("apiserver.crt"), "--tls-private-key-file", l.cert("apiserver.key"),
			"--client-ca-file", l.cert("ca.crt"),
			"--service-account-issuer", "https://kubernetes.default.svc",
			"--service-account-key-file", l.cert("service-account.pub"),
			"--service-account-signing-key-file", l.cert("service-account.key"),
			"--service-cluster-ip-range", "10.0.0.0/24",
			"--authorization-mode", "RBAC",
			"--allow-privileged=true",
			"--cert-dir", l.cert("apiserver"),
			// Close open watches on SIGTERM instead of waiting up to the
			// request timeout (1m) for them, so that a restart is quick
			// and the operator keeps its leader lease.
			"--shutdown-watch-termination-grace-period", "2s",
		},
		Ports:  []int{p.APIServer},
		Health: "https://" + loop(p.APIServer) + "/readyz",
	}, {
		Name:   kcmName,
		Binary: filepath.Join(binDir, "kube-controller-manager"),
		Args: []string{
			"--kubeconfig", l.kcmConfig,
			"--authentication-kubeconfig", l.kcmConfig, "--authorization-kubeconfig", l.kcmConfig,
			// Do not look up the request-header CA, which this apiserver
			// has none of (the lookup fails and logs every few seconds);
			// the health probes need no authentication.
			"--authentication-skip-lookup",
			"--bind-address", "127.0.0.1", "--secure-port", strconv.Itoa(p.KCM),
			"--leader-elect=false",
			"--service-account-private-key-file", l.cert("service-account.key"),
			"--root-ca-file", l.cert("ca.crt"),
			"--cluster-signing-cert-file", l.cert("ca.crt"), "--cluster-signing-key-file", l.cert("ca.key"),
			"--use-service-account-credentials=false",
			"--controllers=*",
			"--cert-dir", l.cert("kube-controller-manager"),
		},
		Ports:  []int{p.KCM},
		Health: "https://" + loop(p.KCM) + "/healthz",
	}, {
		Name:   managerName,
		Binary: st.ManagerBinary,
		Args:   st.ManagerArgs,
		Ports:  []int{p.Webhook, p.Metrics, p.Probe},
		Health: "http://" + loop(p.Probe) + "/readyz",
		Env:    managerEnv(),
	}}
	for i := range st.Components {
		st.Components[i].Log = l.logFile(st.Components[i].Name)
	}
	return st
}

// marker is what every component's command line contains; it guards
// against signaling a recycled PID.
func marker(l layout) string { return l.state + string(filepath.Separator) }

func up(ctx context.Context, l layout) error {
	began := time.Now()
	unlock, err := lock(l)
	if err != nil {
		return err
	}
	defer unlock()
	if done, err := checkExisting(ctx, l); done || err != nil {
		return err
	}
	p, err := portsFromEnv()
	if err != nil {
		return err
	}
	binDir, err := envtestDir(ctx, l)
	if err != nil {
		return err
	}
	st := newState(l, binDir, p)
	for i := range st.Components {
		if err := checkPorts(&st.Components[i]); err != nil {
			return err
		}
	}
	u := &upRun{l: l, st: st}
	if err := u.run(ctx); err != nil {
		u.rollback()
		return err
	}
	say("")
	say("The prodready local cluster is up (%.0fs).", time.Since(began).Seconds())
	printNextSteps(l, st)
	return nil
}

// checkExisting handles an earlier up: done is true when the cluster is
// already up (or broken in a way the user must resolve).
func checkExisting(ctx context.Context, l layout) (done bool, err error) {
	st, err := loadState(l)
	if err != nil {
		return true, err
	}
	if st == nil {
		if s := strays(l, nil); len(s) > 0 {
			return true, fmt.Errorf("processes of an earlier run still use .state (%s) but .state/cluster.json is gone; stop them with 'make down'", describeStrays(s))
		}
		if leftovers(l) {
			say("Removing the leftovers of an earlier run (etcd data, certificates).")
			return false, wipe(l)
		}
		return false, nil
	}
	var dead, live []string
	for _, c := range st.Components {
		if alive(c.PID, marker(l)) {
			live = append(live, c.Name)
		} else {
			dead = append(dead, c.Name)
		}
	}
	switch {
	case len(live) == 0:
		if s := strays(l, nil); len(s) > 0 {
			return true, fmt.Errorf("no recorded process runs, but others still use .state (%s); stop them with 'make down'", describeStrays(s))
		}
		say("The cluster recorded in .state/cluster.json is gone (no process left, e.g. after a reboot); starting a fresh one.")
		return false, wipe(l)
	case len(dead) > 0:
		others := ""
		if s := strays(l, pids(st)); len(s) > 0 {
			others = fmt.Sprintf("  Not recorded in cluster.json but running: %s\n", describeStrays(s))
		}
		return true, fmt.Errorf("the local cluster is only partially up: %s not running (running: %s).\n"+
			"  Logs: %s\n%s"+
			"  Restart a component with 'go run ./hack/localcluster restart <component>', or start over with 'make down && make up'",
			strings.Join(dead, ", "), strings.Join(live, ", "), l.rel(l.logs), others)
	}
	client, err := healthClient(l, apiserverName)
	if err == nil {
		err = probe(ctx, client, st.component(apiserverName).Health)
	}
	if err != nil {
		return true, fmt.Errorf("every process runs but kube-apiserver is not ready: %v\n"+
			"  log: %s\n  try 'go run ./hack/localcluster restart kube-apiserver', or 'make down && make up'",
			err, l.rel(st.component(apiserverName).Log))
	}
	say("The prodready local cluster is already up; bringing the operator up to date.")
	if err := refresh(ctx, l, st); err != nil {
		return true, err
	}
	printExports(st)
	return true, nil
}

// upRun starts the components and remembers what it started, to stop it
// again on failure.
type upRun struct {
	l       layout
	st      *clusterState
	started []*running
}

func (u *upRun) run(ctx context.Context) error {
	l, st := u.l, u.st
	// Fresh logs for a fresh cluster.
	if err := os.MkdirAll(l.logs, 0o755); err != nil {
		return err
	}
	for _, c := range st.Components {
		if err := os.WriteFile(c.Log, nil, 0o644); err != nil {
			return err
		}
	}
	say("Control plane binaries: %s", st.BinDir)

	buildCtx, cancelBuild := context.WithCancel(ctx)
	defer cancelBuild()
	built := make(chan error, 1)
	var buildTime time.Duration
	say("Building the operator into %s in the background ...", l.rel(st.ManagerBinary))
	go func() {
		t0 := time.Now()
		err := buildManager(buildCtx, l, st.ManagerBinary)
		buildTime = time.Since(t0)
		built <- err
	}()

	certs, err := generatePKI(l)
	if err != nil {
		return err
	}
	server := "https://127.0.0.1:" + strconv.Itoa(st.Ports.APIServer)
	if err := writeKubeconfig(l.kubeconfig, server, certs.ca, certs.admin, "prodready-admin"); err != nil {
		return err
	}
	if err := writeKubeconfig(l.kcmConfig, server, certs.ca, certs.kcm, "kube-controller-manager"); err != nil {
		return err
	}
	say("Certificates and kubeconfig written to %s", l.rel(l.state))
	vwc, err := webhookConfiguration(ctx, l, st.Kubectl, st.Ports.Webhook, certs.webhookCA.certPEM)
	if err != nil {
		return &componentError{name: "webhook configuration", err: err}
	}
	if err := st.save(l); err != nil {
		return err
	}

	for _, name := range []string{etcdName, apiserverName, kcmName} {
		if err := u.startAndWait(ctx, name); err != nil {
			return err
		}
	}
	if err := installCRDs(ctx, l, st); err != nil {
		return &componentError{name: "CRD installation", err: err, cause: "the CRDs in config/crd/bases or config/components/openreports do not apply; run 'make manifests'"}
	}
	cs, err := clientset(st.Kubeconfig)
	if err == nil {
		err = createNamespace(ctx, cs)
	}
	if err != nil {
		return &componentError{name: "namespace " + operatorNamespace, err: err}
	}
	say("%-24s CRDs installed and established, namespace %s created", "", operatorNamespace)
	if err := installIgnoreLabelGuard(ctx, l, st); err != nil {
		return &componentError{name: "ignore-label policy", err: err, cause: "config/ignore-label does not apply"}
	}
	say("%-24s ValidatingAdmissionPolicy guards prodready.io/ignore (allowed: system:masters)", "")

	select {
	case err := <-built:
		if err != nil {
			return err
		}
	case <-ctx.Done():
		return fmt.Errorf("waiting for the operator build: %w", errInterrupted)
	}
	say("%-24s built in %.1fs", "operator", buildTime.Seconds())
	if err := u.startAndWait(ctx, managerName); err != nil {
		return err
	}
	if err := registerWebhooks(ctx, cs, vwc); err != nil {
		return &componentError{name: "webhook registration", err: err}
	}
	say("%-24s ValidatingWebhookConfiguration %s -> https://127.0.0.1:%d", "", webhookConfigName, st.Ports.Webhook)
	return nil
}

func (u *upRun) startAndWait(ctx context.Context, name string) error {
	c := u.st.component(name)
	if err := checkPorts(c); err != nil {
		return err
	}
	t0 := time.Now()
	r, err := start(u.l, c)
	if err != nil {
		return err
	}
	u.started = append(u.started, r)
	if err := u.st.save(u.l); err != nil {
		return err
	}
	if err := waitHealthy(ctx, u.l, c, r, healthTimeouts[name]); err != nil {
		return err
	}
	say("%-24s running (pid %d), healthy after %.1fs", name, c.PID, time.Since(t0).Seconds())
	return nil
}

// rollback stops what this run started and removes its files but the logs.
func (u *upRun) rollback() {
	if len(u.started) > 0 {
		say("Stopping what this run started ...")
	}
	for i := len(u.started) - 1; i >= 0; i-- {
		c := u.started[i].c
		how, err := stop(context.Background(), c.PID, marker(u.l), stopGraceRestart)
		switch {
		case err != nil:
			say("  %s (pid %d): %v", c.Name, c.PID, err)
		case how != "":
			say("  stopped %s (pid %d, %s)", c.Name, c.PID, how)
		}
	}
	if err := wipe(u.l); err != nil {
		say("  cleaning up: %v", err)
	}
	say("Logs are kept in %s.", u.l.rel(u.l.logs))
}

func printExports(st *clusterState) {
	say("")
	say("export KUBECONFIG=%s", st.Kubeconfig)
	if why := kubectlAdvice(st); why != "" {
		say("# %s; use the kubectl built for this cluster:", why)
		say("export PATH=%s:$PATH", st.BinDir)
	}
}

// kubectlAdvice says why the kubectl on PATH will not do, or "" if it will.
func kubectlAdvice(st *clusterState) string {
	path, err := exec.LookPath("kubectl")
	if err != nil {
		return "kubectl is not on PATH"
	}
	if filepath.Dir(path) == st.BinDir {
		return ""
	}
	theirs, ours := kubectlMinor(path), kubectlMinor(st.Kubectl)
	if theirs < 0 || ours < 0 {
		return ""
	}
	if d := theirs - ours; d > 1 || d < -1 {
		return fmt.Sprintf("%s is v1.%d, too far from the cluster's v1.%d (kubectl supports one minor version of skew)", path, theirs, ours)
	}
	return ""
}

// kubectlMinor returns the client minor version of a kubectl, or -1.
func kubectlMinor(path string) int {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	data, err := exec.CommandContext(ctx, path, "version", "--client", "-o", "json").Output()
	if err != nil {
		return -1
	}
	var v struct {
		ClientVersion struct {
			Minor string `json:"minor"`
		} `json:"clientVersion"`
	}
	if json.Unmarshal(data, &v) != nil {
		return -1
	}
	n, err := strconv.Atoi(strings.TrimRight(v.ClientVersion.Minor, "+"))
	if err != nil {
		return -1
	}
	return n
}

func printNextSteps(l layout, st *clusterState) {
	printExports(st)
	say(`
Then, for example:
  kubectl create namespace shop
  kubectl apply -f config/samples/prodready_v1alpha1_readinesspolicy.yaml
  kubectl get rpol -A
  kubectl patch rpol production-baseline -n shop --type merge -p '{"spec":{"enforcement":"Enforce"}}'
  kubectl create deployment bad --image=nginx -n shop    # rejected by the webhook

There is no scheduler or kubelet: Deployments get ReplicaSets, Pods stay Pending.

Logs:`)
	for _, c := range st.Components {
		say("  %-24s %s", c.Name, l.rel(c.Log))
	}
	say("\n'make status' shows what runs; 'make down' stops everything.")
}

func describeStrays(s []procInfo) string {
	parts := make([]string, len(s))
	for i, p := range s {
		parts[i] = fmt.Sprintf("%s pid %d", p.name, p.pid)
	}
	return strings.Join(parts, ", ")
}

func down(ctx context.Context, l layout) error {
	unlock, err := lock(l)
	if err != nil {
		return err
	}
	defer unlock()
	st, loadErr := loadState(l)
	if loadErr != nil {
		say("%v; stopping what can be found", loadErr)
	}
	// The recorded components and any strays, stopped in stopOrder.
	var targets []procInfo
	var known []int
	if st != nil {
		for _, c := range st.Components {
			if alive(c.PID, marker(l)) {
				targets = append(targets, procInfo{pid: c.PID, name: c.Name, recorded: true})
			}
			known = append(known, c.PID)
		}
	}
	targets = append(targets, strays(l, known)...)
	slices.SortStableFunc(targets, byStopOrder)
	stopped := 0
	var errs []error
	for _, t := range targets {
		note := ""
		if !t.recorded {
			note = fmt.Sprintf("; not recorded in cluster.json: %.120s", cmdline(t.pid))
		}
		how, err := stop(ctx, t.pid, marker(l), stopGraceDown)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", t.name, err))
			continue
		}
		if how != "" {
			say("Stopped %-24s pid %-7d (%s%s)", t.name, t.pid, how, note)
			stopped++
		}
	}
	for _, pid := range known {
		if alive(pid, marker(l)) {
			errs = append(errs, fmt.Errorf("pid %d is still running", pid))
		}
	}
	if left := strays(l, nil); len(left) > 0 {
		errs = append(errs, fmt.Errorf("still running: %s", describeStrays(left)))
	}
	if len(errs) > 0 {
		return fmt.Errorf("could not stop everything: %w", errors.Join(errs...))
	}
	hadFiles := leftovers(l)
	if err := wipe(l); err != nil {
		return err
	}
	switch {
	case stopped == 0 && !hadFiles:
		say("Nothing to stop: no local cluster is running.")
	case stopped == 0:
		say("No process was running; removed the etcd data, certificates and kubeconfig of the last run.")
	default:
		say("Stopped %d process(es); removed the etcd data, certificates and kubeconfig. Logs are kept in %s.", stopped, l.rel(l.logs))
	}
	return nil
}

func status(ctx context.Context, l layout) error {
	st, err := loadState(l)
	if err != nil {
		return err
	}
	if st == nil {
		if s := strays(l, nil); len(s) > 0 {
			return fmt.Errorf("no .state/cluster.json, but processes of an earlier run are running (%s); stop them with 'make down'", describeStrays(s))
		}
		say("No local cluster (no .state/cluster.json); start one with 'make up'.")
		return nil
	}
	var dead []string
	for i := range st.Components {
		c := &st.Components[i]
		state, health := "dead", ""
		if alive(c.PID, marker(l)) {
			state, health = "running", "healthy"
			client, err := healthClient(l, c.Name)
			if err == nil {
				err = probe(ctx, client, c.Health)
			}
			if err != nil {
				health = "unhealthy (" + err.Error() + ")"
			}
		} else {
			dead = append(dead, c.Name)
		}
		say("%-24s %-8s pid %-7d ports %-18s log %-38s %s", c.Name, state, c.PID, joinInts(c.Ports), l.rel(c.Log), health)
	}
	if s := strays(l, pids(st)); len(s) > 0 {
		say("also running, not recorded in cluster.json: %s", describeStrays(s))
	}
	say("KUBECONFIG=%s", st.Kubeconfig)
	if len(dead) > 0 {
		return fmt.Errorf("%s not running; see the logs, then 'go run ./hack/localcluster restart <component>' or 'make down && make up'",
			strings.Join(dead, ", "))
	}
	return nil
}

func pids(st *clusterState) []int {
	var ps []int
	for _, c := range st.Components {
		ps = append(ps, c.PID)
	}
	return ps
}

// restart stops one component and starts it again with the same command
// line and log, then waits until it is healthy.
func restart(ctx context.Context, l layout, name string, build bool) error {
	unlock, err := lock(l)
	if err != nil {
		return err
	}
	defer unlock()
	st, err := loadState(l)
	if err != nil {
		return err
	}
	if st == nil {
		return errors.New("no local cluster (no .state/cluster.json); start one with 'make up'")
	}
	c := st.component(name)
	if c == nil {
		return fmt.Errorf("%s is not recorded in .state/cluster.json", name)
	}
	if build {
		t0 := time.Now()
		if err := buildManager(ctx, l, st.ManagerBinary); err != nil {
			return err
		}
		say("Rebuilt %s in %.1fs", l.rel(st.ManagerBinary), time.Since(t0).Seconds())
	}
	how, err := stop(ctx, c.PID, marker(l), stopGraceRestart)
	if err != nil {
		return &componentError{name: name, log: c.Log, err: err}
	}
	if how != "" {
		say("Stopped %s (pid %d, %s)", name, c.PID, how)
	} else {
		say("%s was not running (recorded pid %d)", name, c.PID)
	}
	if err := waitPortsFree(ctx, c, 10*time.Second); err != nil {
		if s := strays(l, nil); len(s) > 0 {
			return fmt.Errorf("%w\n  processes not recorded in cluster.json use .state: %s", err, describeStrays(s))
		}
		return err
	}
	t0 := time.Now()
	r, err := start(l, c)
	if err != nil {
		return err
	}
	if err := st.save(l); err != nil {
		return err
	}
	if err := waitHealthy(ctx, l, c, r, healthTimeouts[name]); err != nil {
		return err
	}
	say("Started %s (pid %d), healthy after %.1fs; log %s", name, c.PID, time.Since(t0).Seconds(), l.rel(c.Log))
	return nil
}

// defaultManagerMemLimit is the GOMEMLIMIT the operator of 'make up' runs
// with unless the environment sets one: a soft limit like the one the
// manifests derive from the container's memory limit, so that the
// benchmarks measure the shipped configuration. Set GOMEMLIMIT for 'make
// up' to change it (e.g. GOMEMLIMIT=off, or more for 100,000 Deployments).
const defaultManagerMemLimit = "150MiB"

// managerEnv is what the operator gets on top of the inherited environment.
func managerEnv() []string {
	if os.Getenv("GOMEMLIMIT") != "" {
		return nil // inherited as set
	}
	return []string{"GOMEMLIMIT=" + defaultManagerMemLimit}
}
