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
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
)

const (
	scaleNamespaces   = 100
	scaleNamespaced   = 15 // ReadinessPolicies, in the first 15 namespaces
	scaleCluster      = 5  // ClusterReadinessPolicies
	scaleChanges      = 100
	scaleTeams        = 4
	scaleCreateWorker = 16
)

func scaleNS(i int) string { return fmt.Sprintf("scale-%03d", i%scaleNamespaces) }
func scaleTier(ns int) string {
	if ns%5 == 0 {
		return "gold"
	}
	return "std"
}
func scaleTeam(i int) string { return fmt.Sprintf("t%d", i%scaleTeams) }

// clusterPolicyScope: ClusterReadinessPolicy k selects namespaces of a tier
// and Deployments of a team.
func clusterPolicyScope(k int) (tier, team string) {
	tier = "gold"
	if k >= 3 {
		tier = "std"
	}
	return tier, scaleTeam(k)
}

// scaleSize is what one size measured.
type scaleSize struct {
	Deployments      int       `json:"deployments"`
	FullStatus       float64   `json:"fullStatusSeconds"`
	ChangeP50        float64   `json:"changeP50Ms"`
	ChangeP99        float64   `json:"changeP99Ms"`
	WritesPerChange  float64   `json:"statusWritesPerChange"`
	SelectingChanged int       `json:"policiesSelectingChangedDeployment"`
	PeakRSSMiB       float64   `json:"peakRssMiB"`
	RSSMiB           float64   `json:"rssMiB"`
	ChangesMs        []float64 `json:"changesMs"`
}

func runScale(ctx context.Context, o *options) (*rowResult, error) {
	lc, c, err := upCluster(ctx)
	if err != nil {
		return nil, err
	}
	mgr := lc.pid("manager")
	metricsAddr := lc.managerArg("--metrics-bind-address")
	if mgr == 0 || metricsAddr == "" {
		return nil, fmt.Errorf("no operator process or metrics address in .state/cluster.json")
	}
	// Without kube-controller-manager no ReplicaSets or Pods are made: the
	// operator does not read them, and 10,000 Deployments' Pods would only
	// load etcd on this 2-core machine. It stays stopped: restarting it
	// would create them all; run make down for a clean cluster.
	if kcm := lc.pid("kube-controller-manager"); kcm != 0 {
		_ = syscall.Kill(kcm, syscall.SIGTERM)
		defer logf("row 4: kube-controller-manager was stopped for this row; run 'make down' for a clean cluster")
	}
	for i := range scaleNamespaces {
		if err := createNamespace(ctx, c, scaleNS(i), map[string]string{"tier": scaleTier(i)}); err != nil {
			return nil, err
		}
	}
	var sizes []int
	for _, s := range strings.Split(o.scaleSizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < scaleNamespaces {
			return nil, fmt.Errorf("bad -scale-sizes entry %q", s)
		}
		sizes = append(sizes, n)
	}
	var results []scaleSize
	created := 0
	for _, size := range sizes {
		if err := deleteScalePolicies(ctx, c); err != nil {
			return nil, err
		}
		start := time.Now()
		if err := createScaleDeployments(ctx, c, created, size); err != nil {
			return nil, err
		}
		logf("row 4: %d Deployments (+%d PDBs) in place after %v", size, size/2, time.Since(start).Round(time.Millisecond))
		created = size
		r, err := measureScale(ctx, c, size, mgr, metricsAddr)
		if err != nil {
			return nil, err
		}
		logf("row 4: %d Deployments: full status %.2fs, change p50 %.1fms p99 %.1fms, %.2f writes/change, peak RSS %.0f MiB",
			size, r.FullStatus, r.ChangeP50, r.ChangeP99, r.WritesPerChange, r.PeakRSSMiB)
		results = append(results, r)
	}
	return &rowResult{metrics: scaleMetrics(results), details: results}, nil
}

// createScaleDeployments creates Deployments from..to-1, round-robin over
// the namespaces; every third lacks a readiness probe, every second gets a
// PodDisruptionBudget.
func createScaleDeployments(ctx context.Context, c client.Client, from, to int) error {
	work := make(chan int)
	errs := make(chan error, scaleCreateWorker)
	var wg sync.WaitGroup
	for range scaleCreateWorker {
		wg.Go(func() {
			for i := range work {
				ns, name := scaleNS(i), fmt.Sprintf("d-%05d", i)
				if err := c.Create(ctx, benchDeployment(ns, name, scaleTeam(i), i%3 == 0)); err != nil && !apierrors.IsAlreadyExists(err) {
					errs <- fmt.Errorf("creating Deployment %s/%s: %w", ns, name, err)
					return
				}
				if i%2 == 0 {
					pdb := &policyv1.PodDisruptionBudget{
						ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
						Spec: policyv1.PodDisruptionBudgetSpec{MaxUnavailable: ptr.To(intstr.FromInt32(1)),
							Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}}},
					}
					if err := c.Create(ctx, pdb); err != nil && !apierrors.IsAlreadyExists(err) {
						errs <- fmt.Errorf("creating PDB %s/%s: %w", ns, name, err)
						return
					}
				}
			}
		})
	}
	var firstErr error
loop:
	for i := from; i < to; i++ {
		select {
		case work <- i:
		case firstErr = <-errs:
			break loop
		}
	}
	close(work)
	wg.Wait()
	if firstErr == nil {
		select {
		case firstErr = <-errs:
		default:
		}
	}
	return firstErr
}

func scalePolicies() []client.Object {
	var out []client.Object
	for i := range scaleNamespaced {
		out = append(out, &prodreadyv1alpha1.ReadinessPolicy{
			ObjectMeta: metav1.ObjectMeta{Namespace: scaleNS(i), Name: fmt.Sprintf("rp-%02d", i)},
			Spec: prodreadyv1alpha1.PolicySpec{Rules: prodreadyv1alpha1.Rules{
				Probes:              &prodreadyv1alpha1.ProbeRules{Readiness: prodreadyv1alpha1.RequirementRequired},
				Replicas:            &prodreadyv1alpha1.ReplicaRules{Minimum: 2},
				PodDisruptionBudget: &prodreadyv1alpha1.PodDisruptionBudgetRules{Required: true, AllowsDisruption: true},
			}},
		})
	}
	for k := range scaleCluster {
		tier, team := clusterPolicyScope(k)
		out = append(out, &prodreadyv1alpha1.ClusterReadinessPolicy{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("crp-%d", k)},
			Spec: prodreadyv1alpha1.ClusterReadinessPolicySpec{
				NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"tier": tier}},
				PolicySpec: prodreadyv1alpha1.PolicySpec{
					Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"team": team}},
					Rules: prodreadyv1alpha1.Rules{
						Probes:    &prodreadyv1alpha1.ProbeRules{Readiness: prodreadyv1alpha1.RequirementRequired, Liveness: prodreadyv1alpha1.RequirementRequired},
						Resources: &prodreadyv1alpha1.ResourceRules{Limits: []prodreadyv1alpha1.ResourceName{"memory"}},
					},
				},
			},
		})
	}
	return out
}

func deleteScalePolicies(ctx context.Context, c client.Client) error {
	for _, p := range scalePolicies() {
		if err := c.Delete(ctx, p); err != nil && !apierrors.IsNotFound(err) {
			return err
		}
	}
	return nil
}

// expectedMatched is how many Deployments each policy selects at a size.
func expectedMatched(size int) map[string]int32 {
	m := map[string]int32{}
	for i := range size {
		ns := i % scaleNamespaces
		if ns < scaleNamespaced {
			m[fmt.Sprintf("rp-%02d", ns)]++
		}
		for k := range scaleCluster {
			tier, team := clusterPolicyScope(k)
			if scaleTier(ns) == tier && scaleTeam(i) == team {
				m[fmt.Sprintf("crp-%d", k)]++
			}
		}
	}
	return m
}

// policyStatuses reads every benchmark policy's observed generation state
// and summary.
func policyStatuses(ctx context.Context, c client.Client) (map[string]*prodreadyv1alpha1.PolicyStatus, map[string]bool, error) {
	st, fresh := map[string]*prodreadyv1alpha1.PolicyStatus{}, map[string]bool{}
	var rl prodreadyv1alpha1.ReadinessPolicyList
	if err := c.List(ctx, &rl); err != nil {
		return nil, nil, err
	}
	for i := range rl.Items {
		p := &rl.Items[i]
		if strings.HasPrefix(p.Namespace, "scale-") {
			st[p.Name], fresh[p.Name] = &p.Status, p.Status.ObservedGeneration == p.Generation
		}
	}
	var cl prodreadyv1alpha1.ClusterReadinessPolicyList
	if err := c.List(ctx, &cl); err != nil {
		return nil, nil, err
	}
	for i := range cl.Items {
		p := &cl.Items[i]
		if strings.HasPrefix(p.Name, "crp-") {
			st[p.Name], fresh[p.Name] = &p.Status, p.Status.ObservedGeneration == p.Generation
		}
	}
	return st, fresh, nil
}

func measureScale(ctx context.Context, c client.Client, size, mgr int, metricsAddr string) (scaleSize, error) {
	res := scaleSize{Deployments: size}
	want := expectedMatched(size)

	// 1. Time from creating the 20 policies to every status being complete.
	start := time.Now()
	for _, p := range scalePolicies() {
		if err := c.Create(ctx, p); err != nil {
			return res, fmt.Errorf("creating policy %s: %w", p.GetName(), err)
		}
	}
	for {
		st, fresh, err := policyStatuses(ctx, c)
		if err != nil {
			return res, err
		}
		done := len(st) == len(want)
		for name, n := range want {
			if s := st[name]; s == nil || !fresh[name] || s.Summary.Matched != n {
				done = false
			}
		}
		if done {
			break
		}
		if time.Since(start) > 5*time.Minute {
			return res, fmt.Errorf("statuses incomplete after 5 minutes at %d Deployments", size)
		}
		time.Sleep(20 * time.Millisecond)
	}
	res.FullStatus = time.Since(start).Seconds()

	// 2. One change to d-00000 (selected by rp-00 and crp-0): toggle its
	// readiness probe, and time until rp-00's violation count reflects it.
	res.SelectingChanged = 2
	writesBefore, err := statusWrites(metricsAddr)
	if err != nil {
		return res, err
	}
	var lat []time.Duration
	bad := true // d-00000 starts without a readiness probe
	for range scaleChanges {
		st, _, err := policyStatuses(ctx, c)
		if err != nil {
			return res, err
		}
		rpBefore, crpBefore := st["rp-00"].Summary.Violations, st["crp-0"].Summary.Violations
		bad = !bad
		delta := int32(-1)
		if bad {
			delta = 1
		}
		d := benchDeployment(scaleNS(0), "d-00000", scaleTeam(0), bad)
		var cur = d.DeepCopy()
		if err := c.Get(ctx, client.ObjectKeyFromObject(d), cur); err != nil {
			return res, err
		}
		cur.Spec.Template.Spec = d.Spec.Template.Spec
		t0 := time.Now()
		if err := c.Update(ctx, cur); err != nil {
			return res, fmt.Errorf("updating d-00000: %w", err)
		}
		var seenRP time.Duration
		for {
			st, _, err := policyStatuses(ctx, c)
			if err != nil {
				return res, err
			}
			if seenRP == 0 && st["rp-00"].Summary.Violations == rpBefore+delta {
				seenRP = time.Since(t0)
			}
			if seenRP != 0 && st["crp-0"].Summary.Violations == crpBefore+delta {
				break
			}
			if time.Since(t0) > time.Minute {
				return res, fmt.Errorf("a change to d-00000 was not reflected within a minute")
			}
			time.Sleep(2 * time.Millisecond)
		}
		lat = append(lat, seenRP)
	}
	writesAfter, err := statusWrites(metricsAddr)
	if err != nil {
		return res, err
	}
	slices.Sort(lat)
	res.ChangeP50, res.ChangeP99 = ms(percentile(lat, 0.50)), ms(percentile(lat, 0.99))
	res.ChangesMs = durationsMs(lat)
	res.WritesPerChange = (writesAfter - writesBefore) / scaleChanges

	// 3. The operator's memory.
	res.PeakRSSMiB, res.RSSMiB = procMemMiB(mgr)
	return res, nil
}

// statusWrites reads prodready_policy_status_writes_total, summed over kinds.
func statusWrites(addr string) (float64, error) {
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
		if strings.HasPrefix(line, "prodready_policy_status_writes_total{") {
			f := strings.Fields(line)
			v, _ := strconv.ParseFloat(f[len(f)-1], 64)
			sum += v
		}
	}
	return sum, nil
}

// procMemMiB returns the process's peak and current resident set size.
func procMemMiB(pid int) (peak, cur float64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "VmHWM:":
			peak = kb / 1024
		case "VmRSS:":
			cur = kb / 1024
		}
	}
	return peak, cur
}

func scaleMetrics(rs []scaleSize) []metric {
	var out []metric
	for _, r := range rs {
		is10k := r.Deployments >= 10000
		target := func(t string, ok bool) (string, *bool) {
			if !is10k {
				return "", nil
			}
			return t, ptrTo(ok)
		}
		t1, m1 := target("< 10 s", r.FullStatus < 10)
		t2, m2 := target("< 1 s", r.ChangeP99 < 1000)
		t3, m3 := target(fmt.Sprintf("<= %d", r.SelectingChanged), r.WritesPerChange <= float64(r.SelectingChanged))
		t4, m4 := target("< 300 MiB", r.PeakRSSMiB < 300)
		n := fmt.Sprintf("%d Deployments: ", r.Deployments)
		out = append(out,
			metric{Metric: n + "full status after creating 20 policies", Value: r.FullStatus, Unit: "s", Display: fmt.Sprintf("%.2f s", r.FullStatus), Target: t1, Met: m1},
			metric{Metric: n + fmt.Sprintf("one change reflected, p50 / p99 of %d", scaleChanges), Value: r.ChangeP99, Unit: "ms",
				Display: fmt.Sprintf("%.1f / %.1f ms", r.ChangeP50, r.ChangeP99), Target: t2, Met: m2},
			metric{Metric: n + "status writes per change (policies selecting it: 2)", Value: r.WritesPerChange, Unit: "writes",
				Display: fmt.Sprintf("%.2f", r.WritesPerChange), Target: t3, Met: m3},
			metric{Metric: n + "operator peak RSS", Value: r.PeakRSSMiB, Unit: "MiB", Display: fmt.Sprintf("%.0f MiB", r.PeakRSSMiB), Target: t4, Met: m4},
		)
	}
	if len(rs) >= 2 {
		a, b := rs[0], rs[len(rs)-1]
		x := float64(b.Deployments) / float64(a.Deployments)
		grow := func(name string, va, vb float64) metric {
			g := vb / va
			return metric{Metric: fmt.Sprintf("growth %d→%d (×%.0f Deployments): %s", a.Deployments, b.Deployments, x, name),
				Value: g, Unit: "×", Display: fmt.Sprintf("×%.2f", g), Target: fmt.Sprintf("<= ×%.0f", x), Met: ptrTo(g <= x)}
		}
		out = append(out, grow("full status time", a.FullStatus, b.FullStatus), grow("change p99", a.ChangeP99, b.ChangeP99),
			grow("peak RSS", a.PeakRSSMiB, b.PeakRSSMiB))
	}
	return out
}
