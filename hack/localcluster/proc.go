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
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// componentError is a failure of one component, reported with its log.
type componentError struct {
	name  string
	log   string
	err   error
	cause string
}

func (e *componentError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s failed: %v", e.name, e.err)
	if e.cause != "" {
		fmt.Fprintf(&b, "\n  likely cause: %s", e.cause)
	}
	if e.log != "" {
		fmt.Fprintf(&b, "\n  log: %s", e.log)
		if tail := tailLines(e.log, 10); tail != "" {
			fmt.Fprintf(&b, " (last lines):\n%s", indent(tail, "    "))
		}
	}
	return b.String()
}

func (e *componentError) Unwrap() error { return e.err }

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n")
}

// tailLines returns the last n lines of a file, or "" if it cannot be read.
func tailLines(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer func() { _ = f.Close() }()
	const window = 64 << 10
	if st, err := f.Stat(); err == nil && st.Size() > window {
		if _, err := f.Seek(st.Size()-window, io.SeekStart); err != nil {
			return ""
		}
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	for i, l := range lines {
		if len(l) > 400 {
			lines[i] = l[:400] + " ..."
		}
	}
	return strings.Join(lines, "\n")
}

// portFree reports whether 127.0.0.1:port can be bound.
func portFree(port int) bool {
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return false
	}
	_ = ln.Close()
	return true
}

// portEnv names the variables that set each component's ports, in order.
var portEnv = map[string][]string{
	etcdName:      {"PRODREADY_ETCD_PORT", "PRODREADY_ETCD_PORT (the peer port is this + 1)"},
	apiserverName: {"PRODREADY_APISERVER_PORT"},
	kcmName:       {"PRODREADY_KCM_PORT"},
	managerName:   {"PRODREADY_WEBHOOK_PORT", "PRODREADY_METRICS_PORT", "PRODREADY_PROBE_PORT"},
}

// checkPorts fails naming the first port of c that is taken.
func checkPorts(c *component) error {
	for i, p := range c.Ports {
		if portFree(p) {
			continue
		}
		env := "the PRODREADY_*_PORT variables"
		if names := portEnv[c.Name]; i < len(names) {
			env = names[i]
		}
		return &componentError{name: c.Name,
			err: fmt.Errorf("port %d in use (by another cluster or an earlier run?)", p),
			cause: fmt.Sprintf("something already listens on 127.0.0.1:%d; run 'make down', find it with 'ss -ltnp', or choose another port with %s",
				p, env)}
	}
	return nil
}

// waitPortsFree waits for a stopped component's ports to be released.
func waitPortsFree(ctx context.Context, c *component, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for checkPorts(c) != nil && time.Now().Before(deadline) {
		if err := sleep(ctx, 200*time.Millisecond); err != nil {
			return err
		}
	}
	return checkPorts(c)
}

// errInterrupted ends a command on SIGINT or SIGTERM.
var errInterrupted = errors.New("interrupted")

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return errInterrupted
	case <-t.C:
		return nil
	}
}

// running is a component started by this invocation.
type running struct {
	c      *component
	exited chan struct{}
	err    error // the exit status, once exited is closed
}

// start launches c detached: in its own session and process group, with
// stdin from /dev/null and stdout and stderr appended to its log, so that it
// keeps running after this command exits. It records the PID in c.
func start(l layout, c *component) (*running, error) {
	st, err := os.Stat(c.Binary)
	if err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
		return nil, &componentError{name: c.Name, err: fmt.Errorf("binary %s missing or not executable", c.Binary),
			cause: "the binary was not built; rerun hack/envtest.sh (or unset KUBEBUILDER_ASSETS) and 'make up'"}
	}
	if err := os.MkdirAll(filepath.Dir(c.Log), 0o755); err != nil {
		return nil, err
	}
	logf, err := os.OpenFile(c.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer func() { _ = logf.Close() }()
	_, _ = fmt.Fprintf(logf, "==== localcluster %s: starting %s %s\n",
		time.Now().Format(time.RFC3339), c.Binary, strings.Join(c.Args, " "))
	cmd := exec.Command(c.Binary, c.Args...)
	cmd.Dir = l.root
	cmd.Env = append(os.Environ(), c.Env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return nil, &componentError{name: c.Name, log: c.Log, err: fmt.Errorf("starting %s: %w", c.Binary, err)}
	}
	c.PID = cmd.Process.Pid
	r := &running{c: c, exited: make(chan struct{})}
	go func() { r.err = cmd.Wait(); close(r.exited) }()
	return r, nil
}

// healthClient returns the HTTP client to probe a component with.
func healthClient(l layout, name string) (*http.Client, error) {
	tr := &http.Transport{TLSClientConfig: &tls.Config{}, DisableKeepAlives: true, Proxy: nil}
	switch name {
	case apiserverName:
		pool := x509.NewCertPool()
		ca, err := os.ReadFile(l.cert("ca.crt"))
		if err != nil {
			return nil, err
		}
		pool.AppendCertsFromPEM(ca)
		admin, err := tls.LoadX509KeyPair(l.cert("admin.crt"), l.cert("admin.key"))
		if err != nil {
			return nil, err
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{admin}}
	case kcmName:
		// Its serving certificate is self-signed at start-up; loopback only.
		tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // loopback health probe
	}
	return &http.Client{Transport: tr, Timeout: 3 * time.Second}, nil
}

// probe performs one health check; nil means healthy.
func probe(ctx context.Context, client *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: HTTP %d: %s", url, resp.StatusCode, lastLine(body))
	}
	// etcd answers 200 with {"health":"false"} when it has no quorum.
	if bytes.Contains(body, []byte(`"health":"false"`)) {
		return fmt.Errorf("%s: %s", url, strings.TrimSpace(string(body)))
	}
	return nil
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}

// waitHealthy polls c.Health until it answers, the process exits or the
// timeout passes. r may be nil for a process this invocation did not start.
func waitHealthy(ctx context.Context, l layout, c *component, r *running, timeout time.Duration) error {
	client, err := healthClient(l, c.Name)
	if err != nil {
		return &componentError{name: c.Name, log: c.Log, err: err}
	}
	deadline := time.Now().Add(timeout)
	var last error
	for {
		if r != nil {
			select {
			case <-r.exited:
				return &componentError{name: c.Name, log: c.Log, err: fmt.Errorf("exited during start-up (%v)", r.err),
					cause: causeFromLog(c)}
			default:
			}
		}
		if last = probe(ctx, client, c.Health); last == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return &componentError{name: c.Name, log: c.Log,
				err:   fmt.Errorf("timed out after %s waiting for %s (last answer: %v)", timeout, c.Health, last),
				cause: "timed out waiting for health; " + causeFromLog(c)}
		}
		if err := sleep(ctx, 250*time.Millisecond); err != nil {
			return fmt.Errorf("waiting for %s: %w", c.Name, err)
		}
	}
}

// causeFromLog guesses why a component failed from its log.
func causeFromLog(c *component) string {
	tail := tailLines(c.Log, 40)
	switch {
	case strings.Contains(tail, "address already in use"):
		return fmt.Sprintf("a port of %s (%s) is in use (by another cluster or an earlier run?)", c.Name, joinInts(c.Ports))
	case strings.Contains(tail, "connection refused"):
		return "it cannot reach a component it depends on; check that the earlier components are still running ('make status')"
	}
	if line := lastErrorLine(tail); line != "" {
		return "it logged: " + line
	}
	return "see the log lines below"
}

// lastErrorLine finds the last error in klog, zap or etcd log lines.
func lastErrorLine(tail string) string {
	lines := strings.Split(tail, "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		l := lines[i]
		if (len(l) > 5 && l[0] == 'E' && l[1] >= '0' && l[1] <= '9') || strings.Contains(l, `"level":"error"`) ||
			strings.Contains(l, `"level":"fatal"`) || strings.Contains(l, "\tERROR\t") {
			if len(l) > 300 {
				l = l[:300] + " ..."
			}
			return l
		}
	}
	return ""
}

func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ",")
}

// alive reports whether pid is a live (not zombie) process whose command
// line mentions marker, so that a recycled PID is never mistaken for ours.
func alive(pid int, marker string) bool {
	if pid <= 0 {
		return false
	}
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	if !hasProc() {
		return true
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the parenthesised command name.
	if i := bytes.LastIndexByte(stat, ')'); i >= 0 && i+2 < len(stat) && (stat[i+2] == 'Z' || stat[i+2] == 'X') {
		return false
	}
	return marker == "" || strings.Contains(cmdline(pid), marker)
}

func hasProc() bool {
	_, err := os.Stat("/proc/self/stat")
	return err == nil
}

func cmdline(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	return strings.ReplaceAll(strings.TrimRight(string(b), "\x00"), "\x00", " ")
}

// stop ends the process group led by pid: SIGTERM, then SIGKILL after
// grace. It returns how the process ended ("" if it was not running).
func stop(ctx context.Context, pid int, marker string, grace time.Duration) (string, error) {
	if !alive(pid, marker) {
		return "", nil
	}
	started := time.Now()
	signalGroup(pid, syscall.SIGTERM)
	if waitGone(ctx, pid, marker, grace) {
		return fmt.Sprintf("SIGTERM, %.1fs", time.Since(started).Seconds()), nil
	}
	signalGroup(pid, syscall.SIGKILL)
	// Not ctx: a SIGKILL sent must be seen through even when interrupted.
	if waitGone(context.Background(), pid, marker, 5*time.Second) {
		return fmt.Sprintf("SIGKILL after %s", grace), nil
	}
	return "", fmt.Errorf("pid %d is still running after SIGKILL", pid)
}

// signalGroup signals the process group, or the process if it leads none.
func signalGroup(pid int, sig syscall.Signal) {
	if err := syscall.Kill(-pid, sig); err != nil {
		_ = syscall.Kill(pid, sig)
	}
}

func waitGone(ctx context.Context, pid int, marker string, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for alive(pid, marker) {
		if time.Now().After(deadline) || sleep(ctx, 100*time.Millisecond) != nil {
			return !alive(pid, marker)
		}
	}
	return true
}

// stopOrder is the order to stop processes in, by executable name: the
// operator first (it releases its lease through the apiserver), etcd last.
var stopOrder = []string{"manager", "kube-controller-manager", "kube-apiserver", "etcd"}

// procInfo is a component process found running: a stray that cluster.json
// does not record, or (for down) a recorded one.
type procInfo struct {
	pid      int
	name     string
	recorded bool
}

func byStopOrder(a, b procInfo) int {
	return slices.Index(stopOrder, a.name) - slices.Index(stopOrder, b.name)
}

// strays lists processes running one of the component binaries with a
// command line that mentions this repository's .state directory, other than
// the given PIDs: for example an operator the end-to-end suite restarted or
// a second operator it started, or processes of a run whose cluster.json was
// lost. They are returned in stop order. Only Linux (/proc) is supported;
// elsewhere the list is empty.
func strays(l layout, known []int) []procInfo {
	if !hasProc() {
		return nil
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var found []procInfo
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() || slices.Contains(known, pid) {
			continue
		}
		exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
		if err != nil {
			continue
		}
		name := filepath.Base(strings.TrimSuffix(exe, " (deleted)"))
		if !slices.Contains(stopOrder, name) {
			continue
		}
		if strings.Contains(cmdline(pid), l.state+string(filepath.Separator)) && alive(pid, "") {
			found = append(found, procInfo{pid: pid, name: name})
		}
	}
	slices.SortStableFunc(found, byStopOrder)
	return found
}
