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

// Command localcluster runs a local Kubernetes control plane (etcd,
// kube-apiserver, kube-controller-manager) and the prodready operator as
// plain processes on 127.0.0.1, from binaries built through the Go module
// proxy by hack/envtest.sh. No container runtime is needed; there is no
// scheduler and no kubelet, so Pods stay Pending, but Deployments get
// ReplicaSets and the admission webhooks work as in a real cluster.
//
//	go run ./hack/localcluster up                 # or: make up
//	go run ./hack/localcluster status             # or: make status
//	go run ./hack/localcluster restart <component> [-build]
//	go run ./hack/localcluster down               # or: make down
//
// Everything lives under .state/ at the repository root: certs/, logs/,
// pids/, etcd/, bin/manager, kubeconfig, and cluster.json, which describes
// the running cluster (ports, binaries, the argv and PID of every process)
// for scripts such as the end-to-end suite.
//
// Ports (all on 127.0.0.1) come from the environment:
//
//	PRODREADY_ETCD_PORT       12379 (the peer port is this + 1)
//	PRODREADY_APISERVER_PORT  16443
//	PRODREADY_KCM_PORT        20257
//	PRODREADY_WEBHOOK_PORT    19443
//	PRODREADY_METRICS_PORT    18080
//	PRODREADY_PROBE_PORT      18081
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
)

const usage = `usage: go run ./hack/localcluster <command>

commands:
  up                    start etcd, kube-apiserver, kube-controller-manager and the
                        operator on 127.0.0.1 and print the KUBECONFIG to use
  down                  stop every process 'up' started and remove etcd data and certs
  status                one line per component: running or dead, pid, ports, log
  restart <component>   stop one component (SIGTERM, SIGKILL after 10s) and start it
                        again with the same arguments; <component> is one of
                        etcd, kube-apiserver, kube-controller-manager, manager;
                        add -build to rebuild the operator before restarting it
`

// out receives progress and results; errors go to stderr.
var out io.Writer = os.Stdout

func say(format string, args ...any) {
	_, _ = fmt.Fprintf(out, format+"\n", args...)
}

func main() {
	// A closed stdout (e.g. "make up | head") must not kill up half-way,
	// leaving processes running that nobody recorded as stopped.
	signal.Ignore(syscall.SIGPIPE)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:])
	stop()
	if err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			_, _ = fmt.Fprintf(os.Stderr, "localcluster: %v\n\n%s", err, usage)
			os.Exit(2)
		}
		_, _ = fmt.Fprintf(os.Stderr, "\nlocalcluster: %v\n", err)
		os.Exit(1)
	}
}

type usageError string

func (e usageError) Error() string { return string(e) }

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usageError("no command given")
	}
	root, err := repoRoot()
	if err != nil {
		return err
	}
	l := newLayout(root)
	switch cmd, rest := args[0], args[1:]; cmd {
	case "up":
		if len(rest) != 0 {
			return usageError("up takes no arguments")
		}
		return up(ctx, l)
	case "down":
		if len(rest) != 0 {
			return usageError("down takes no arguments")
		}
		return down(ctx, l)
	case "status":
		if len(rest) != 0 {
			return usageError("status takes no arguments")
		}
		return status(ctx, l)
	case "restart":
		name, build, err := parseRestartArgs(rest)
		if err != nil {
			return err
		}
		return restart(ctx, l, name, build)
	case "help", "-h", "--help":
		_, _ = fmt.Fprint(out, usage)
		return nil
	default:
		return usageError(fmt.Sprintf("unknown command %q", cmd))
	}
}

func parseRestartArgs(args []string) (name string, build bool, err error) {
	for _, a := range args {
		switch {
		case a == "-build" || a == "--build":
			build = true
		case strings.HasPrefix(a, "-"):
			return "", false, usageError(fmt.Sprintf("restart: unknown flag %s", a))
		case name != "":
			return "", false, usageError("restart takes one component")
		default:
			name = a
		}
	}
	if !isComponent(name) {
		return "", false, usageError(fmt.Sprintf("restart: component must be one of %s, got %q",
			strings.Join(componentNames, ", "), name))
	}
	if build && name != managerName {
		return "", false, usageError("restart: -build applies to the manager only")
	}
	return name, build, nil
}

// repoRoot finds the directory of the prodready go.mod, starting from the
// working directory, so the command also works from a subdirectory.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.Contains(string(data), "module github.com/prodready/prodready\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run this inside the prodready repository (no go.mod of github.com/prodready/prodready found above the working directory)")
		}
		dir = parent
	}
}
