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
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
)

// Component names, in start order.
const (
	etcdName      = "etcd"
	apiserverName = "kube-apiserver"
	kcmName       = "kube-controller-manager"
	managerName   = "manager"
)

var componentNames = []string{etcdName, apiserverName, kcmName, managerName}

func isComponent(name string) bool { return slices.Contains(componentNames, name) }

// layout holds the paths under .state/.
type layout struct {
	root, state string
	bin, certs  string
	logs, pids  string
	etcdData    string
	webhookCert string
	kubeconfig  string
	kcmConfig   string
	clusterJSON string
}

func newLayout(root string) layout {
	s := filepath.Join(root, ".state")
	certs := filepath.Join(s, "certs")
	return layout{
		root:        root,
		state:       s,
		bin:         filepath.Join(s, "bin"),
		certs:       certs,
		logs:        filepath.Join(s, "logs"),
		pids:        filepath.Join(s, "pids"),
		etcdData:    filepath.Join(s, "etcd"),
		webhookCert: filepath.Join(certs, "webhook"),
		kubeconfig:  filepath.Join(s, "kubeconfig"),
		kcmConfig:   filepath.Join(s, "kube-controller-manager.kubeconfig"),
		clusterJSON: filepath.Join(s, "cluster.json"),
	}
}

func (l layout) cert(name string) string { return filepath.Join(l.certs, name) }
func (l layout) logFile(name string) string {
	return filepath.Join(l.logs, name+".log")
}
func (l layout) pidFile(name string) string { return filepath.Join(l.pids, name+".pid") }

// rel shortens a path under the repository for display.
func (l layout) rel(path string) string {
	if r, ok := strings.CutPrefix(path, l.root+string(filepath.Separator)); ok {
		return r
	}
	return path
}

// ports are the loopback ports the cluster listens on.
type ports struct {
	Etcd      int `json:"etcd"`
	EtcdPeer  int `json:"etcdPeer"`
	APIServer int `json:"apiserver"`
	KCM       int `json:"kubeControllerManager"`
	Webhook   int `json:"webhook"`
	Metrics   int `json:"metrics"`
	Probe     int `json:"probe"`
	Pprof     int `json:"pprof"`
}

func portsFromEnv() (ports, error) {
	var p ports
	var errs []error
	get := func(env string, def int) int {
		v := os.Getenv(env)
		if v == "" {
			return def
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 65535 {
			errs = append(errs, fmt.Errorf("%s=%q is not a port number", env, v))
			return def
		}
		return n
	}
	p.Etcd = get("PRODREADY_ETCD_PORT", 12379)
	p.EtcdPeer = p.Etcd + 1
	p.APIServer = get("PRODREADY_APISERVER_PORT", 16443)
	p.KCM = get("PRODREADY_KCM_PORT", 20257)
	p.Webhook = get("PRODREADY_WEBHOOK_PORT", 19443)
	p.Metrics = get("PRODREADY_METRICS_PORT", 18080)
	p.Probe = get("PRODREADY_PROBE_PORT", 18081)
	p.Pprof = get("PRODREADY_PPROF_PORT", 18082)
	seen := map[int]bool{}
	for _, n := range []int{p.Etcd, p.EtcdPeer, p.APIServer, p.KCM, p.Webhook, p.Metrics, p.Probe, p.Pprof} {
		if seen[n] {
			errs = append(errs, fmt.Errorf("port %d is configured twice (etcd also uses PRODREADY_ETCD_PORT+1 as its peer port)", n))
		}
		seen[n] = true
	}
	return p, errors.Join(errs...)
}

// component is one process of the cluster, as recorded in cluster.json.
type component struct {
	Name string `json:"name"`
	// PID is also the process group id: every component leads its own group.
	PID int    `json:"pid"`
	Log string `json:"log"`
	// Binary and Args are the full command line (Args without the binary).
	Binary string   `json:"binary"`
	Args   []string `json:"args"`
	// Ports the component listens on, the first being its main port.
	Ports []int `json:"ports"`
	// Health is the URL polled until it answers 200.
	Health string `json:"health"`
	// Env is added to the environment the component inherits.
	Env []string `json:"env,omitempty"`
}

// clusterState is .state/cluster.json.
type clusterState struct {
	Kubeconfig     string      `json:"kubeconfig"`
	BinDir         string      `json:"binDir"`
	Kubectl        string      `json:"kubectl"`
	ManagerBinary  string      `json:"managerBinary"`
	ManagerArgs    []string    `json:"managerArgs"`
	Ports          ports       `json:"ports"`
	WebhookCertDir string      `json:"webhookCertDir"`
	Components     []component `json:"components"`
}

func (s *clusterState) component(name string) *component {
	for i := range s.Components {
		if s.Components[i].Name == name {
			return &s.Components[i]
		}
	}
	return nil
}

// loadState returns nil, nil when there is no cluster.json.
func loadState(l layout) (*clusterState, error) {
	data, err := os.ReadFile(l.clusterJSON)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var s clusterState
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("%s is corrupt (%v); run 'make down' to clean up", l.rel(l.clusterJSON), err)
	}
	return &s, nil
}

// save writes cluster.json atomically and one pid file per running component.
func (s *clusterState) save(l layout) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	if err := writeFileAtomic(l.clusterJSON, append(data, '\n'), 0o644); err != nil {
		return err
	}
	if err := os.MkdirAll(l.pids, 0o755); err != nil {
		return err
	}
	for _, c := range s.Components {
		if c.PID == 0 {
			if err := os.Remove(l.pidFile(c.Name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			continue
		}
		if err := os.WriteFile(l.pidFile(c.Name), []byte(strconv.Itoa(c.PID)+"\n"), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, perm); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// lock serializes up, down and restart. The descriptor is close-on-exec, so
// the started components do not inherit the lock.
func lock(l layout) (unlock func(), err error) {
	if err := os.MkdirAll(l.state, 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(l.state, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		say("waiting for another localcluster command to finish ...")
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("locking %s: %w", f.Name(), err)
		}
	}
	return func() { _ = f.Close() }, nil
}

// wipe removes what belongs to one run of the cluster, keeping the logs and
// the operator binary: the next up starts from a fresh etcd and new certs.
func wipe(l layout) error {
	var errs []error
	for _, p := range []string{l.etcdData, l.certs, l.pids, l.kubeconfig, l.kcmConfig, l.clusterJSON} {
		if err := os.RemoveAll(p); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// leftovers reports whether an earlier run left files that wipe removes.
func leftovers(l layout) bool {
	for _, p := range []string{l.etcdData, l.certs, l.pids, l.kubeconfig, l.kcmConfig, l.clusterJSON} {
		if _, err := os.Stat(p); err == nil {
			return true
		}
	}
	return false
}
