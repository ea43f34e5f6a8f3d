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
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// ---- Row 4b: the controller at 100,000 Deployments ----
//
// A second series in its own layout, so that 10k and 100k compare like with
// like: 1,000 namespaces and 50 policies at both sizes (row 4's 100
// namespaces and 20 policies would put 1,000 Deployments in each namespace
// at 100k). Row 4's and row 5's objects are deleted first, so that the
// operator holds only this series. make up's operator is stopped and the
// same binary runs with the same flags plus --reports=none and
// --leader-elect=false (see startOperator) (100,000
// OpenReports reports at the writer's default 50/s would take over half an
// hour; reports at scale are row 5), from a fresh process. After the
// largest size it is restarted cold with everything in place (policy
// statuses cleared) and timed to full status. At the end make up's operator
// is restarted.

var layout100k = scaleLayout{nsFormat: "s100k-%04d", nsPrefix: "s100k-", namespaces: 1000,
	namespaced: 40, cluster: 10, crpFormat: "crp100k-%d", depFormat: "d-%06d"}

// coldStartResult is the operator restarted with every object in place.
type coldStartResult struct {
	Deployments       int     `json:"deployments"`
	FullStatusSeconds float64 `json:"fullStatusSeconds"`
	ReadySeconds      float64 `json:"readySeconds"`
	PeakRSSMiB        float64 `json:"peakRssMiB"`
	SettledHeapMiB    float64 `json:"settledHeapMiB"`
	HeapInuseMiB      float64 `json:"heapInuseMiB"`
}

type scale100kResult struct {
	Sizes           []scaleSize      `json:"sizes"`
	ColdStart       *coldStartResult `json:"coldStart,omitempty"`
	LifetimePeakMiB float64          `json:"lifetimePeakRssMiB"`
	EtcdDBMiB       float64          `json:"etcdDbMiB,omitempty"`
	LoadBefore      string           `json:"loadavgBefore"`
	LoadAfter       string           `json:"loadavgAfter"`
	Seconds         float64          `json:"rowSeconds"`
}

func runScale100k(ctx context.Context, o *options) (*rowResult, error) {
	began := time.Now()
	res := &scale100kResult{LoadBefore: loadAvg()}
	lc, c, err := upCluster(ctx)
	if err != nil {
		return nil, err
	}
	sizes, err := parseSizes(o.scale100kSizes, layout100k.namespaces)
	if err != nil {
		return nil, err
	}
	root, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	stopKCM(lc, "row 4b")
	if err := deleteLayout(ctx, c, layout4); err != nil {
		return nil, err
	}

	// A fresh operator must not start into an earlier run's policies (it
	// would evaluate them and send their Events before the first step).
	if err := layout100k.deletePolicies(ctx, c); err != nil {
		return nil, err
	}
	// Stop make up's operator; restart it at the end.
	if pid := lc.pid("manager"); pid != 0 {
		if err := stopProcess(pid); err != nil {
			return nil, err
		}
	}
	defer func() {
		cmd := exec.Command("go", "run", "./hack/localcluster", "restart", "manager")
		cmd.Dir, cmd.Stdout, cmd.Stderr = root, os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			logf("row 4b: restarting make up's operator failed: %v", err)
		}
	}()
	logPath := filepath.Join(root, ".state", "logs", "bench-manager-scale100k.log")
	mgr, err := startOperator(ctx, lc, logPath)
	if err != nil {
		return nil, err
	}
	defer func() {
		if mgr != nil {
			_ = stopProcess(mgr.Process.Pid)
		}
	}()
	op, err := newOperatorProc(lc, mgr.Process.Pid)
	if err != nil {
		return nil, err
	}

	res.Sizes, err = runScaleSeries(ctx, c, layout100k, sizes, op, "row 4b")
	if err != nil {
		// The sizes measured before the failure still go into the table.
		return &rowResult{metrics: scaleMetrics(layout100k, res.Sizes, 0), details: res}, err
	}
	_, res.LifetimePeakMiB, _ = op.peak()

	// Cold start at the largest size.
	largest := sizes[len(sizes)-1]
	if err := stopProcess(mgr.Process.Pid); err != nil {
		return nil, err
	}
	if err := layout100k.clearStatuses(ctx, c); err != nil {
		return nil, err
	}
	cs := &coldStartResult{Deployments: largest}
	t0 := time.Now()
	if mgr, err = startOperator(ctx, lc, logPath); err != nil {
		return nil, fmt.Errorf("cold start: %w", err)
	}
	cs.ReadySeconds = time.Since(t0).Seconds()
	cold, err := newOperatorProc(lc, mgr.Process.Pid)
	if err != nil {
		return nil, err
	}
	if err := layout100k.waitFullStatus(ctx, c, cold, largest, 10*time.Minute, 100*time.Millisecond); err != nil {
		return nil, fmt.Errorf("cold start: %w", err)
	}
	cs.FullStatusSeconds = time.Since(t0).Seconds()
	cs.PeakRSSMiB, _ = procMemMiB(mgr.Process.Pid)
	if cs.SettledHeapMiB, cs.HeapInuseMiB, err = cold.settledHeapMiB(); err != nil {
		return nil, err
	}
	res.ColdStart = cs
	res.LifetimePeakMiB = max(res.LifetimePeakMiB, cs.PeakRSSMiB)
	logf("row 4b: cold start at %d Deployments: ready after %.1fs, full status after %.1fs, peak RSS %.0f MiB, settled heap %.1f MiB",
		largest, cs.ReadySeconds, cs.FullStatusSeconds, cs.PeakRSSMiB, cs.SettledHeapMiB)

	if b, err := scrapeCounter(fmt.Sprintf("127.0.0.1:%d", lc.Ports.Etcd), "etcd_mvcc_db_total_size_in_bytes "); err == nil {
		res.EtcdDBMiB = b / (1 << 20)
	}
	res.LoadAfter, res.Seconds = loadAvg(), time.Since(began).Seconds()
	logf("row 4b: done in %v; etcd database %.0f MiB; load average before %s, after %s",
		time.Since(began).Round(time.Second), res.EtcdDBMiB, res.LoadBefore, res.LoadAfter)
	return &rowResult{metrics: scale100kMetrics(res), details: res}, nil
}

func scale100kMetrics(res *scale100kResult) []metric {
	out := scaleMetrics(layout100k, res.Sizes, 0)
	if cs := res.ColdStart; cs != nil {
		n := fmt.Sprintf("%d Deployments, cold start: ", cs.Deployments)
		tg := targetsFor(cs.Deployments)
		var t string
		var met *bool
		if tg != nil {
			t, met = fmtMiB(tg.peakRSS), ptrTo(cs.PeakRSSMiB < tg.peakRSS)
		}
		out = append(out,
			metric{Metric: n + "process start to full status (statuses cleared)", Value: cs.FullStatusSeconds, Unit: "s",
				Display: fmt.Sprintf("%.2f s (ready %.1f s)", cs.FullStatusSeconds, cs.ReadySeconds)},
			metric{Metric: n + "operator peak RSS from start (initial lists)", Value: cs.PeakRSSMiB, Unit: "MiB",
				Display: fmt.Sprintf("%.0f MiB", cs.PeakRSSMiB), Target: t, Met: met},
			metric{Metric: n + "operator settled heap", Value: cs.SettledHeapMiB, Unit: "MiB", Display: fmt.Sprintf("%.1f MiB", cs.SettledHeapMiB)},
		)
	}
	out = append(out, metric{Metric: fmt.Sprintf("operator peak RSS over the row, cold start included (%d namespaces, %d policies)",
		layout100k.namespaces, layout100k.policyCount()), Value: res.LifetimePeakMiB, Unit: "MiB", Display: fmt.Sprintf("%.0f MiB", res.LifetimePeakMiB)})
	return out
}

// operator100kMemLimit is the GOMEMLIMIT row 4b's operator runs with.
const operator100kMemLimit = "900MiB"

// startOperator runs make up's operator binary with make up's flags,
// --reports=none and --leader-elect=false, logging to logPath, and waits until it is ready.
func startOperator(ctx context.Context, lc *localCluster, logPath string) (*exec.Cmd, error) {
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	// The only replica: make up's is stopped. Leader election is off because
	// on a busy 2-core machine the API server, loaded with 100,000
	// Deployments, answered the lease renewal too late (10 s renew
	// deadline) and the operator exited, as it must on a lost lease.
	cmd := exec.Command(lc.ManagerBinary, append(append([]string{}, lc.ManagerArgs...), "--reports=none", "--leader-elect=false")...)
	cmd.Stdout, cmd.Stderr = f, f
	// Sized like a pod with a 1 GiB memory limit (the 100k target), whose
	// chart sets GOMEMLIMIT to 90 % of it; make up's 150 MiB would keep the
	// garbage collector running non-stop at this size.
	cmd.Env = append(os.Environ(), "GOMEMLIMIT="+operator100kMemLimit)
	if err := cmd.Start(); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("starting the operator: %w", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); _ = f.Close(); close(exited) }()
	probe := "http://" + lc.managerArg("--health-probe-bind-address") + "/readyz"
	hc := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if resp, err := hc.Get(probe); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return cmd, nil
			}
		}
		select {
		case <-exited:
			return nil, fmt.Errorf("the operator exited at start; see %s", logPath)
		case <-ctx.Done():
			_ = stopProcess(cmd.Process.Pid)
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = stopProcess(cmd.Process.Pid)
			return nil, fmt.Errorf("the operator was not ready within 2 minutes; see %s", logPath)
		}
	}
}

// deleteLayout removes a layout's policies, Deployments and PDBs (and
// prodready's reports in its namespaces). Namespaces stay: without
// kube-controller-manager nothing would finish deleting them.
func deleteLayout(ctx context.Context, c client.Client, l scaleLayout) error {
	if err := l.deletePolicies(ctx, c); err != nil {
		return err
	}
	t0 := time.Now()
	for i := range l.namespaces {
		ns := l.ns(i)
		for _, obj := range []client.Object{&appsv1.Deployment{}, &policyv1.PodDisruptionBudget{}} {
			if err := c.DeleteAllOf(ctx, obj, client.InNamespace(ns)); err != nil {
				return fmt.Errorf("deleting %T in %s: %w", obj, ns, err)
			}
		}
	}
	if l.nsPrefix == layout4.nsPrefix {
		if err := deleteReports(ctx, c); err != nil && !meta.IsNoMatchError(err) && !errors.Is(err, context.DeadlineExceeded) {
			logf("row 4b: deleting row 5's reports: %v (continuing)", err)
		}
	}
	logf("row 4b: deleted the objects of %s* (%d namespaces) in %v", l.nsPrefix, l.namespaces, time.Since(t0).Round(time.Millisecond))
	return nil
}

// clearStatuses empties every policy's status (observedGeneration 0), so
// that a cold start's full status can be timed.
func (l scaleLayout) clearStatuses(ctx context.Context, c client.Client) error {
	for _, p := range l.policies() {
		if err := c.Status().Patch(ctx, p, client.RawPatch(types.MergePatchType, []byte(`{"status":null}`))); err != nil {
			return fmt.Errorf("clearing the status of %s: %w", p.GetName(), err)
		}
	}
	_, fresh, err := l.policyStatuses(ctx, c)
	if err != nil {
		return err
	}
	for name, f := range fresh {
		if f {
			return fmt.Errorf("the status of %s is still current after clearing it", name)
		}
	}
	return nil
}
