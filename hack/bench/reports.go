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
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// ---- Row 5: OpenReports reports at scale ----
//
// 10,000 Deployments and the 20 policies of row 4. The row stops the
// operator of `make up` and runs the same binary with the same flags twice
// from a cold start (no reports, empty caches): once with --reports=none
// (the baseline) and once with --reports=auto (the OpenReports CRDs are
// installed by make up). It reports the time until every report is written,
// report writes per change of one Deployment, the extra peak RSS, and the
// size of the report objects as the API server stores them. At the end the
// operator of `make up` is restarted.

const (
	reportsDeployments = 10000
	reportsChanges     = 20
)

type reportsResult struct {
	Deployments       int     `json:"deployments"`
	Policies          int     `json:"policies"`
	Reports           int     `json:"reports"`
	AllWrittenSeconds float64 `json:"allWrittenSeconds"`
	ColdStartWrites   float64 `json:"coldStartWrites"`
	WritesPerChange   float64 `json:"writesPerChange"`
	PeakRSSNoneMiB    float64 `json:"peakRssNoneMiB"`
	PeakRSSAutoMiB    float64 `json:"peakRssAutoMiB"`
	ExtraPeakRSSMiB   float64 `json:"extraPeakRssMiB"`
	TotalBytes        int64   `json:"totalReportBytes"`
	MeanBytes         float64 `json:"meanReportBytes"`
}

var reportListGVK = schemaGVK("openreports.io", "v1alpha1", "ReportList")

func runReports(ctx context.Context, _ *options) (*rowResult, error) {
	lc, c, err := upCluster(ctx)
	if err != nil {
		return nil, err
	}
	root, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	metricsAddr := lc.managerArg("--metrics-bind-address")
	if lc.ManagerBinary == "" || metricsAddr == "" {
		return nil, errors.New("no operator binary or metrics address in .state/cluster.json")
	}
	if kcm := lc.pid("kube-controller-manager"); kcm != 0 {
		_ = syscall.Kill(kcm, syscall.SIGTERM) // no ReplicaSets or Pods, as in row 4
		defer logf("row 5: kube-controller-manager was stopped for this row; run 'make down' for a clean cluster")
	}
	for i := range scaleNamespaces {
		if err := createNamespace(ctx, c, scaleNS(i), map[string]string{"tier": scaleTier(i)}); err != nil {
			return nil, err
		}
	}
	start := time.Now()
	if err := createScaleDeployments(ctx, c, 0, reportsDeployments); err != nil {
		return nil, err
	}
	for _, p := range scalePolicies() {
		if err := c.Create(ctx, p); err != nil && !apierrors.IsAlreadyExists(err) {
			return nil, fmt.Errorf("creating policy %s: %w", p.GetName(), err)
		}
	}
	logf("row 5: %d Deployments and %d policies in place after %v", reportsDeployments, len(scalePolicies()), time.Since(start).Round(time.Millisecond))

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
			logf("row 5: restarting make up's operator failed: %v", err)
		}
	}()
	if err := deleteReports(ctx, c); err != nil {
		return nil, err
	}

	res := reportsResult{Deployments: reportsDeployments, Policies: len(scalePolicies()), Reports: expectedReports(reportsDeployments)}
	logDir := filepath.Join(root, ".state", "logs")

	// Baseline: --reports=none, until every policy status is complete.
	none, err := startManager(lc, logDir, "none")
	if err != nil {
		return nil, err
	}
	err = waitStatuses(ctx, c, reportsDeployments, 5*time.Minute)
	if err == nil {
		time.Sleep(5 * time.Second) // let the writes settle
		res.PeakRSSNoneMiB, _ = procMemMiB(none.Process.Pid)
	}
	if stopErr := stopProcess(none.Process.Pid); err == nil {
		err = stopErr
	}
	if err != nil {
		return nil, err
	}
	logf("row 5: --reports=none: statuses complete, peak RSS %.0f MiB", res.PeakRSSNoneMiB)

	// --reports=auto from a cold start: time until every report exists
	// with its final content (report writes have stopped).
	t0 := time.Now()
	auto, err := startManager(lc, logDir, "auto")
	if err != nil {
		return nil, err
	}
	defer func() { _ = stopProcess(auto.Process.Pid) }()
	if err := waitReports(ctx, c, metricsAddr, res.Reports, t0, &res); err != nil {
		return nil, err
	}
	if err := waitStatuses(ctx, c, reportsDeployments, 5*time.Minute); err != nil {
		return nil, err
	}
	logf("row 5: --reports=auto: %d reports written in %.1fs with %.0f writes", res.Reports, res.AllWrittenSeconds, res.ColdStartWrites)

	// Writes per change: toggle d-00000's readiness probe and wait for its
	// report to show it.
	if res.WritesPerChange, err = reportWritesPerChange(ctx, c, metricsAddr); err != nil {
		return nil, err
	}
	res.PeakRSSAutoMiB, _ = procMemMiB(auto.Process.Pid)
	res.ExtraPeakRSSMiB = res.PeakRSSAutoMiB - res.PeakRSSNoneMiB
	if res.TotalBytes, err = reportBytes(ctx, c); err != nil {
		return nil, err
	}
	res.MeanBytes = float64(res.TotalBytes) / float64(res.Reports)
	logf("row 5: %.2f writes/change, peak RSS %.0f MiB (none: %.0f MiB), reports %.1f MiB in total",
		res.WritesPerChange, res.PeakRSSAutoMiB, res.PeakRSSNoneMiB, float64(res.TotalBytes)/(1<<20))

	met := func(ok bool) *bool { return ptrTo(ok) }
	n := fmt.Sprintf("%d Deployments, %d policies: ", res.Deployments, res.Policies)
	return &rowResult{metrics: []metric{
		{Metric: n + fmt.Sprintf("every report written after a cold start (%d reports)", res.Reports), Value: res.AllWrittenSeconds, Unit: "s",
			Display: fmt.Sprintf("%.1f s (%.0f writes)", res.AllWrittenSeconds, res.ColdStartWrites)},
		{Metric: n + fmt.Sprintf("report writes per change of one Deployment (%d changes)", reportsChanges), Value: res.WritesPerChange, Unit: "writes",
			Display: fmt.Sprintf("%.2f", res.WritesPerChange), Target: "1", Met: met(res.WritesPerChange <= 1)},
		{Metric: n + "extra operator peak RSS with reports (auto - none)", Value: res.ExtraPeakRSSMiB, Unit: "MiB",
			Display: fmt.Sprintf("%.0f MiB (%.0f vs %.0f)", res.ExtraPeakRSSMiB, res.PeakRSSAutoMiB, res.PeakRSSNoneMiB), Target: "< 50 MiB", Met: met(res.ExtraPeakRSSMiB < 50)},
		{Metric: n + "total size of the report objects (JSON as stored)", Value: float64(res.TotalBytes) / (1 << 20), Unit: "MiB",
			Display: fmt.Sprintf("%.1f MiB (%.0f B per report)", float64(res.TotalBytes)/(1<<20), res.MeanBytes)},
	}, details: res}, nil
}

// expectedReports counts the Deployments at least one benchmark policy
// selects.
func expectedReports(size int) int {
	n := 0
	for i := range size {
		ns := i % scaleNamespaces
		selected := ns < scaleNamespaced
		for k := range scaleCluster {
			tier, team := clusterPolicyScope(k)
			selected = selected || (scaleTier(ns) == tier && scaleTeam(i) == team)
		}
		if selected {
			n++
		}
	}
	return n
}

// startManager runs the operator binary of make up with its flags and
// environment plus --reports=mode, logging to .state/logs/bench-manager-<mode>.log.
func startManager(lc *localCluster, logDir, mode string) (*exec.Cmd, error) {
	f, err := os.Create(filepath.Join(logDir, "bench-manager-"+mode+".log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(lc.ManagerBinary, append(append([]string{}, lc.ManagerArgs...), "--reports="+mode)...)
	// make up's environment for the operator (GOMEMLIMIT), so that both runs
	// measure the configuration row 4 measures.
	cmd.Env = append(os.Environ(), lc.component("manager").Env...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("starting the operator: %w", err)
	}
	go func() { _ = cmd.Wait(); _ = f.Close() }()
	return cmd, nil
}

// stopProcess sends SIGTERM and waits up to 30 s for the process to exit.
func stopProcess(pid int) error {
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		if errors.Is(err, syscall.ESRCH) {
			return nil
		}
		return err
	}
	for range 300 {
		if syscall.Kill(pid, 0) != nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	_ = syscall.Kill(pid, syscall.SIGKILL)
	return fmt.Errorf("process %d did not stop within 30 s", pid)
}

// deleteReports removes every report prodready wrote, for a cold start.
func deleteReports(ctx context.Context, c client.Client) error {
	for _, ns := range scaleNamespaceNames() {
		u := &unstructured.Unstructured{}
		u.SetGroupVersionKind(schemaGVK("openreports.io", "v1alpha1", "Report"))
		err := c.DeleteAllOf(ctx, u, client.InNamespace(ns), client.MatchingLabels{"app.kubernetes.io/managed-by": "prodready"})
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("deleting reports in %s: %w", ns, err)
		}
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		n, err := countReports(ctx, c)
		if err != nil || n == 0 {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d reports left after deleting them", n)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func scaleNamespaceNames() []string {
	out := make([]string, scaleNamespaces)
	for i := range out {
		out[i] = scaleNS(i)
	}
	return out
}

// countReports counts prodready's reports in the row's namespaces, reading
// metadata only. Reports elsewhere do not count: row 3's namespaces, for
// one, may still be terminating with their reports when row 4 stops
// kube-controller-manager, and then never go away.
func countReports(ctx context.Context, c client.Client) (int, error) {
	list := &metav1.PartialObjectMetadataList{}
	list.SetGroupVersionKind(reportListGVK)
	if err := c.List(ctx, list, client.MatchingLabels{"app.kubernetes.io/managed-by": "prodready"}); err != nil {
		return 0, err
	}
	return countInNamespaces(list.Items, scaleNamespaceNames()), nil
}

// countInNamespaces counts the objects that live in one of namespaces.
func countInNamespaces(items []metav1.PartialObjectMetadata, namespaces []string) int {
	n := 0
	for i := range items {
		if slices.Contains(namespaces, items[i].Namespace) {
			n++
		}
	}
	return n
}

func waitStatuses(ctx context.Context, c client.Client, size int, limit time.Duration) error {
	want := expectedMatched(size)
	start := time.Now()
	for {
		st, fresh, err := policyStatuses(ctx, c)
		if err != nil {
			return err
		}
		done := len(st) == len(want)
		for name, n := range want {
			if s := st[name]; s == nil || !fresh[name] || s.Summary.Matched != n {
				done = false
			}
		}
		if done {
			return nil
		}
		if time.Since(start) > limit {
			return fmt.Errorf("policy statuses incomplete after %v", limit)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// waitReports waits until every expected report exists and the writer has
// been idle for 3 s, and records the time from t0 to the last write.
func waitReports(ctx context.Context, c client.Client, metricsAddr string, want int, t0 time.Time, res *reportsResult) error {
	var (
		lastWrites float64 = -1
		lastChange         = time.Now()
	)
	for {
		n, err := countReports(ctx, c)
		if err != nil && !apierrors.IsNotFound(err) && !strings.Contains(err.Error(), "no matches for kind") {
			return err
		}
		w, _ := scrapeCounter(metricsAddr, "prodready_report_writes_total{")
		if w != lastWrites {
			lastWrites, lastChange = w, time.Now()
		}
		if n == want && time.Since(lastChange) > 3*time.Second {
			res.AllWrittenSeconds = lastChange.Sub(t0).Seconds()
			res.ColdStartWrites = w
			return nil
		}
		if time.Since(t0) > 15*time.Minute {
			return fmt.Errorf("%d of %d reports after 15 minutes", n, want)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func reportWritesPerChange(ctx context.Context, c client.Client, metricsAddr string) (float64, error) {
	before, err := scrapeCounter(metricsAddr, "prodready_report_writes_total{")
	if err != nil {
		return 0, err
	}
	bad := true // d-00000 starts without a readiness probe
	for range reportsChanges {
		bad = !bad
		d := benchDeployment(scaleNS(0), "d-00000", scaleTeam(0), bad)
		cur := d.DeepCopy()
		if err := c.Get(ctx, client.ObjectKeyFromObject(d), cur); err != nil {
			return 0, err
		}
		cur.Spec.Template.Spec = d.Spec.Template.Spec
		if err := c.Update(ctx, cur); err != nil {
			return 0, fmt.Errorf("updating d-00000: %w", err)
		}
		name := "prodready-" + string(cur.UID)
		t0 := time.Now()
		for {
			u := &unstructured.Unstructured{}
			u.SetGroupVersionKind(schemaGVK("openreports.io", "v1alpha1", "Report"))
			if err := c.Get(ctx, client.ObjectKey{Namespace: cur.Namespace, Name: name}, u); err != nil {
				return 0, err
			}
			fail, _, _ := unstructured.NestedInt64(u.Object, "summary", "fail")
			// rp-00 and crp-0 both require a readiness probe.
			if (fail > 0) == bad {
				break
			}
			if time.Since(t0) > time.Minute {
				return 0, errors.New("a change to d-00000 did not reach its report within a minute")
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	time.Sleep(3 * time.Second) // a late duplicate write would count
	after, err := scrapeCounter(metricsAddr, "prodready_report_writes_total{")
	if err != nil {
		return 0, err
	}
	return (after - before) / reportsChanges, nil
}

// reportBytes sums the JSON size of every prodready report, managedFields
// included: custom resources are stored in etcd as JSON.
func reportBytes(ctx context.Context, c client.Client) (int64, error) {
	var total int64
	cont := ""
	for {
		list := &unstructured.UnstructuredList{}
		list.SetGroupVersionKind(reportListGVK)
		if err := c.List(ctx, list, client.MatchingLabels{"app.kubernetes.io/managed-by": "prodready"}, client.Limit(500), client.Continue(cont)); err != nil {
			return 0, err
		}
		for i := range list.Items {
			b, err := json.Marshal(list.Items[i].Object)
			if err != nil {
				return 0, err
			}
			total += int64(len(b))
		}
		if cont = list.GetContinue(); cont == "" {
			return total, nil
		}
	}
}

func schemaGVK(group, version, kind string) schema.GroupVersionKind {
	return schema.GroupVersionKind{Group: group, Version: version, Kind: kind}
}

// scrapeCounter sums the series of the operator's metrics whose line starts
// with prefix.
func scrapeCounter(addr, prefix string) (float64, error) {
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Get("http://" + addr + "/metrics")
	if err != nil {
		return 0, fmt.Errorf("scraping the operator's metrics: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	var sum float64
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, prefix) {
			f := strings.Fields(line)
			v, _ := strconv.ParseFloat(f[len(f)-1], 64)
			sum += v
		}
	}
	return sum, nil
}
