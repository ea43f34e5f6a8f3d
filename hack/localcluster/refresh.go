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
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// refresh brings the operator of a running cluster up to date with the
// working tree, so that `make up` (and `make test-e2e`, which runs it) never
// tests a stale build: it re-applies the CRDs, rebuilds the operator,
// restarts it when the running process is not the fresh binary or its
// command line changed, and re-registers the webhook configuration rendered
// from config/webhook.
func refresh(ctx context.Context, l layout, st *clusterState) error {
	if err := installCRDs(ctx, l, st); err != nil {
		return &componentError{name: "CRD installation", err: err, cause: "the CRDs in config/crd/bases do not apply; run 'make manifests'"}
	}
	t0 := time.Now()
	if err := buildManager(ctx, l, st.ManagerBinary); err != nil {
		return err
	}
	c := st.component(managerName)
	if c == nil {
		return fmt.Errorf("%s is not recorded in .state/cluster.json; start over with 'make down && make up'", managerName)
	}
	args := newState(l, st.BinDir, st.Ports).ManagerArgs
	if why := staleManager(c, args); why != "" {
		say("Restarting the operator: %s", why)
		how, err := stop(ctx, c.PID, marker(l), stopGraceRestart)
		if err != nil {
			return &componentError{name: managerName, log: c.Log, err: err}
		}
		say("Stopped %s (pid %d, %s)", managerName, c.PID, how)
		if err := waitPortsFree(ctx, c, 10*time.Second); err != nil {
			return err
		}
		c.Args, st.ManagerArgs = args, args
		t1 := time.Now()
		r, err := start(l, c)
		if err != nil {
			return err
		}
		if err := st.save(l); err != nil {
			return err
		}
		if err := waitHealthy(ctx, l, c, r, healthTimeouts[managerName]); err != nil {
			return err
		}
		say("Started %s (pid %d), healthy after %.1fs", managerName, c.PID, time.Since(t1).Seconds())
	} else {
		say("%-24s pid %d runs the current build of %s (checked in %.1fs)", managerName, c.PID, l.rel(st.ManagerBinary), time.Since(t0).Seconds())
	}

	ca, err := os.ReadFile(filepath.Join(l.webhookCert, "ca.crt"))
	if err != nil {
		return fmt.Errorf("reading the webhook CA: %w; start over with 'make down && make up'", err)
	}
	vwc, err := webhookConfiguration(ctx, l, st.Kubectl, st.Ports.Webhook, ca)
	if err != nil {
		return &componentError{name: "webhook configuration", err: err}
	}
	cs, err := clientset(st.Kubeconfig)
	if err == nil {
		err = registerWebhooks(ctx, cs, vwc)
	}
	if err != nil {
		return &componentError{name: "webhook registration", err: err}
	}
	say("%-24s ValidatingWebhookConfiguration %s re-registered from %s", "", webhookConfigName, webhookDir)
	return nil
}

// staleManager says why the running operator is not the one the working
// tree builds, or "" when it is: its executable was replaced by the rebuild
// (or is another file), or its command line differs from what up would
// start now.
func staleManager(c *component, args []string) string {
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", c.PID))
	switch {
	case err != nil && hasProc():
		return fmt.Sprintf("cannot tell which binary pid %d runs (%v)", c.PID, err)
	case err != nil:
		return "this system has no /proc to tell which binary it runs"
	case strings.HasSuffix(exe, " (deleted)"):
		return fmt.Sprintf("pid %d runs a %s that the rebuild replaced", c.PID, strings.TrimSuffix(exe, " (deleted)"))
	case exe != c.Binary:
		return fmt.Sprintf("pid %d runs %s, not %s", c.PID, exe, c.Binary)
	case !slices.Equal(c.Args, args):
		return "its command line changed"
	}
	return ""
}
