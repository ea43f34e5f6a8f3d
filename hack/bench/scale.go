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
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
)

const (
	scaleNamespaces = 100
	scaleChanges    = 100
	scaleTeams      = 4
	// scaleCreateWorkers is how many creates are in flight at once; the API
	// server, etcd and the webhook share 2 cores, so more only queue.
	scaleCreateWorkers = 16
)

// scaleLayout is where a scale series puts its objects: Deployments
// round-robin over namespaces (every fifth labeled tier=gold), one
// ReadinessPolicy in each of the first few namespaces, and
// ClusterReadinessPolicies that select a tier of namespaces and one of four
// teams of Deployments.
type scaleLayout struct {
	nsFormat   string // namespace i; every name starts with nsPrefix
	nsPrefix   string
	namespaces int
	namespaced int    // ReadinessPolicies rp-NN, one in each of the first namespaced namespaces
	cluster    int    // ClusterReadinessPolicies
	crpFormat  string // their names
	depFormat  string // Deployment i
}

// layout4 is row 4's: 100 namespaces and 20 policies (row 5 reuses it).
var layout4 = scaleLayout{nsFormat: "scale-%03d", nsPrefix: "scale-", namespaces: scaleNamespaces,
	namespaced: scaleNamespaced, cluster: scaleCluster, crpFormat: "crp-%d", depFormat: "d-%05d"}

func (l scaleLayout) ns(i int) string         { return fmt.Sprintf(l.nsFormat, i%l.namespaces) }
func (l scaleLayout) deployment(i int) string { return fmt.Sprintf(l.depFormat, i) }
func (l scaleLayout) crp(k int) string        { return fmt.Sprintf(l.crpFormat, k) }
func (l scaleLayout) policyCount() int        { return l.namespaced + l.cluster }

// clusterScope: ClusterReadinessPolicy k selects namespaces of a tier (the
// first half gold, the rest std) and Deployments of a team.
func (l scaleLayout) clusterScope(k int) (tier, team string) {
	tier = "gold"
	if k >= (l.cluster+1)/2 {
		tier = "std"
	}
	return tier, scaleTeam(k)
}

// selecting lists the cluster policies that select Deployment 0 (the one
// the change step toggles); rp-00 selects it too.
func (l scaleLayout) selecting() []string {
	var out []string
	for k := range l.cluster {
		if tier, team := l.clusterScope(k); tier == scaleTier(0) && team == scaleTeam(0) {
			out = append(out, l.crp(k))
		}
	}
	return out
}

// Row 5 reads row 4's layout through these.
const (
	scaleNamespaced = 15
	scaleCluster    = 5
)

func scaleNS(i int) string                         { return layout4.ns(i) }
func clusterPolicyScope(k int) (tier, team string) { return layout4.clusterScope(k) }
func scaleTier(ns int) string {
	if ns%5 == 0 {
		return "gold"
	}
	return "std"
}
func scaleTeam(i int) string { return fmt.Sprintf("t%d", i%scaleTeams) }

// scaleSize is what one size measured.
type scaleSize struct {
	Deployments      int       `json:"deployments"`
	Namespaces       int       `json:"namespaces"`
	Policies         int       `json:"policies"`
	SetupSeconds     float64   `json:"setupSeconds"`
	Created          int       `json:"objectsCreated"`
	CreateRetries    int64     `json:"createRetries"`
	FullStatus       float64   `json:"fullStatusSeconds"`
	ChangeP50        float64   `json:"changeP50Ms"`
	ChangeP99        float64   `json:"changeP99Ms"`
	WritesPerChange  float64   `json:"statusWritesPerChange"`
	SelectingChanged int       `json:"policiesSelectingChangedDeployment"`
	PeakRSSMiB       float64   `json:"peakRssMiB"`         // VmHWM since the reset before this step
	LifetimePeakMiB  float64   `json:"lifetimePeakRssMiB"` // highest VmHWM of the process so far
	RSSMiB           float64   `json:"rssMiB"`
	SettledHeapMiB   float64   `json:"settledHeapMiB"`
	HeapInuseMiB     float64   `json:"heapInuseMiB"`
	ChangesMs        []float64 `json:"changesMs"`
}

// operatorProc is the operator process a row measures and where it serves
// metrics and pprof.
type operatorProc struct {
	pid          int
	metricsAddr  string
	pprofAddr    string
	lifetimePeak float64 // highest VmHWM read before a reset, MiB
}

func newOperatorProc(lc *localCluster, pid int) (*operatorProc, error) {
	p := &operatorProc{pid: pid, metricsAddr: lc.managerArg("--metrics-bind-address"), pprofAddr: lc.managerArg("--pprof-bind-address")}
	if pid == 0 || p.metricsAddr == "" || p.pprofAddr == "" || p.pprofAddr == "0" {
		return nil, fmt.Errorf("no operator process, metrics or pprof address in .state/cluster.json")
	}
	return p, nil
}

// running fails when the operator process has exited (it exits when it
// loses its leader lease, e.g. when the API server is too slow to renew it).
func (p *operatorProc) running() error {
	if err := syscall.Kill(p.pid, 0); err != nil {
		return fmt.Errorf("the operator (pid %d) exited; see its log in .state/logs", p.pid)
	}
	return nil
}

// resetPeak remembers the process's VmHWM and resets it to the current RSS
// (writing 5 to /proc/PID/clear_refs), so that the next reading is the peak
// of one step.
func (p *operatorProc) resetPeak() error {
	peak, _ := procMemMiB(p.pid)
	p.lifetimePeak = max(p.lifetimePeak, peak)
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", p.pid), []byte("5"), 0); err != nil {
		return fmt.Errorf("resetting the operator's peak RSS: %w", err)
	}
	return nil
}

// peak returns the peak RSS since the last reset and the lifetime peak.
func (p *operatorProc) peak() (step, lifetime, cur float64) {
	step, cur = procMemMiB(p.pid)
	p.lifetimePeak = max(p.lifetimePeak, step)
	return step, p.lifetimePeak, cur
}

// settledHeapMiB is the operator's live heap right after a forced GC:
// GET /debug/pprof/heap?gc=1 runs runtime.GC() before writing the profile,
// then go_memstats_heap_alloc_bytes (the bytes of live objects; the
// settled heap) and go_memstats_heap_inuse_bytes (the spans holding them,
// free slots included) are read from the metrics endpoint.
func (p *operatorProc) settledHeapMiB() (live, inuse float64, err error) {
	resp, err := (&http.Client{Timeout: 60 * time.Second}).Get("http://" + p.pprofAddr + "/debug/pprof/heap?gc=1")
	if err != nil {
		return 0, 0, fmt.Errorf("forcing a GC through pprof: %w", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, 0, fmt.Errorf("forcing a GC through pprof: %s", resp.Status)
	}
	for _, m := range []struct {
		name string
		into *float64
	}{{"go_memstats_heap_alloc_bytes ", &live}, {"go_memstats_heap_inuse_bytes ", &inuse}} {
		b, err := scrapeCounter(p.metricsAddr, m.name)
		if err != nil {
			return 0, 0, err
		}
		if b == 0 {
			return 0, 0, fmt.Errorf("the operator's metrics have no %s", strings.TrimSpace(m.name))
		}
		*m.into = b / (1 << 20)
	}
	return live, inuse, nil
}

func runScale(ctx context.Context, o *options) (*rowResult, error) {
	lc, c, err := upCluster(ctx)
	if err != nil {
		return nil, err
	}
	op, err := newOperatorProc(lc, lc.pid("manager"))
	if err != nil {
		return nil, err
	}
	// Without kube-controller-manager no ReplicaSets or Pods are made: the
	// operator does not read them, and 10,000 Deployments' Pods would only
	// load etcd on this 2-core machine. It stays stopped: restarting it
	// would create them all; run make down for a clean cluster.
	stopKCM(lc, "row 4")
	sizes, err := parseSizes(o.scaleSizes, layout4.namespaces)
	if err != nil {
		return nil, err
	}
	results, err := runScaleSeries(ctx, c, layout4, sizes, op, "row 4")
	if err != nil {
		return nil, err
	}
	return &rowResult{metrics: scaleMetrics(layout4, results, op.lifetimePeak), details: results}, nil
}

// stopKCM stops make up's kube-controller-manager (see runScale).
func stopKCM(lc *localCluster, row string) {
	if kcm := lc.pid("kube-controller-manager"); kcm != 0 && syscall.Kill(kcm, 0) == nil {
		_ = syscall.Kill(kcm, syscall.SIGTERM)
		logf("%s: kube-controller-manager stopped for this row (no ReplicaSets or Pods); run 'make down' for a clean cluster", row)
	}
}

func parseSizes(list string, minSize int) ([]int, error) {
	var sizes []int
	for _, s := range strings.Split(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < minSize || (len(sizes) > 0 && n <= sizes[len(sizes)-1]) {
			return nil, fmt.Errorf("bad size %q in %q: sizes are increasing Deployment counts of at least one per namespace (%d)", s, list, minSize)
		}
		sizes = append(sizes, n)
	}
	return sizes, nil
}

// runScaleSeries grows the layout to each size in turn and measures it:
// policies deleted, the peak RSS reset, the missing Deployments created,
// then measureScale.
func runScaleSeries(ctx context.Context, c client.Client, l scaleLayout, sizes []int, op *operatorProc, row string) ([]scaleSize, error) {
	for i := range l.namespaces {
		err := retry.OnError(createBackoff, retryableCreate, func() error {
			return createNamespace(ctx, c, l.ns(i), map[string]string{"tier": scaleTier(i)})
		})
		if err != nil {
			return nil, err
		}
	}
	var results []scaleSize
	created := 0
	for _, size := range sizes {
		if err := l.deletePolicies(ctx, c); err != nil {
			return nil, err
		}
		if err := op.resetPeak(); err != nil {
			return nil, err
		}
		start := time.Now()
		st, err := l.createDeployments(ctx, c, created, size, row)
		if err != nil {
			return results, err
		}
		setup := time.Since(start)
		logf("%s: %d Deployments (+%d PDBs) in %d namespaces in place after %v (%d objects created, %.0f/s, %d retries)",
			row, size, size/2, l.namespaces, setup.Round(time.Millisecond), st.created, float64(st.created)/setup.Seconds(), st.retries)
		created = size
		r, err := measureScale(ctx, c, l, size, op)
		if err != nil {
			return results, err
		}
		r.SetupSeconds, r.Created, r.CreateRetries = setup.Seconds(), int(st.created), st.retries
		logf("%s: %d Deployments: full status %.2fs, change p50 %.1fms p99 %.1fms, %.2f writes/change, peak RSS %.0f MiB in this step (%.0f MiB lifetime), settled heap %.1f MiB",
			row, size, r.FullStatus, r.ChangeP50, r.ChangeP99, r.WritesPerChange, r.PeakRSSMiB, r.LifetimePeakMiB, r.SettledHeapMiB)
		results = append(results, r)
	}
	return results, nil
}

// createStats counts what createDeployments did.
type createStats struct {
	created, retries int64
}

// createScaleDeployments creates row 4's Deployments from..to-1 (row 5
// reuses them).
func createScaleDeployments(ctx context.Context, c client.Client, from, to int) error {
	_, err := layout4.createDeployments(ctx, c, from, to, "setup")
	return err
}

// createDeployments creates Deployments from..to-1, round-robin over the
// namespaces; every third lacks a readiness probe, every second gets a
// PodDisruptionBudget. scaleCreateWorkers creates are in flight at once
// (controller-runtime's client sends built-in kinds as protobuf); a create
// the API server throttles (429), times out or fails with a 5xx or a
// connection error is retried with exponential backoff, and one that
// already exists (from an earlier run, or a retried create that had in
// fact succeeded) counts as done. Progress goes to stderr every 15 s.
func (l scaleLayout) createDeployments(ctx context.Context, c client.Client, from, to int, row string) (createStats, error) {
	var st createStats
	if from >= to {
		return st, nil
	}
	// Objects left by an earlier run are not created again (the list is
	// metadata only, paged), so a rerun on the same cluster starts at once.
	have, err := existingNames(ctx, c)
	if err != nil {
		return st, err
	}
	work := make(chan int)
	errs := make(chan error, scaleCreateWorkers)
	var wg sync.WaitGroup
	create := func(obj client.Object) error {
		first := true
		err := retry.OnError(createBackoff, retryableCreate, func() error {
			if !first {
				atomic.AddInt64(&st.retries, 1)
			}
			first = false
			cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			return c.Create(cctx, obj)
		})
		if apierrors.IsAlreadyExists(err) {
			return nil
		}
		if err == nil {
			atomic.AddInt64(&st.created, 1)
		}
		return err
	}
	for range scaleCreateWorkers {
		wg.Go(func() {
			for i := range work {
				ns, name := l.ns(i), l.deployment(i)
				if have["Deployment/"+ns+"/"+name] && (i%2 != 0 || have["PodDisruptionBudget/"+ns+"/"+name]) {
					continue
				}
				if err := create(benchDeployment(ns, name, scaleTeam(i), i%3 == 0)); err != nil {
					errs <- fmt.Errorf("creating Deployment %s/%s: %w", ns, name, err)
					return
				}
				if i%2 == 0 {
					pdb := &policyv1.PodDisruptionBudget{
						ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
						Spec: policyv1.PodDisruptionBudgetSpec{MaxUnavailable: ptr.To(intstr.FromInt32(1)),
							Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}}},
					}
					if err := create(pdb); err != nil {
						errs <- fmt.Errorf("creating PDB %s/%s: %w", ns, name, err)
						return
					}
				}
			}
		})
	}
	start, tick := time.Now(), time.NewTicker(15*time.Second)
	defer tick.Stop()
	var firstErr error
loop:
	for i := from; i < to; i++ {
		select {
		case work <- i:
		case firstErr = <-errs:
			break loop
		case <-ctx.Done():
			firstErr = ctx.Err()
			break loop
		case <-tick.C:
			i-- // nothing was sent
			n := atomic.LoadInt64(&st.created)
			logf("%s: creating Deployments %d..%d: at %d, %d objects created (%.0f/s), %d retries",
				row, from, to-1, i+1, n, float64(n)/time.Since(start).Seconds(), atomic.LoadInt64(&st.retries))
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
	return st, firstErr
}

// existingNames lists every Deployment and PDB as Kind/namespace/name.
func existingNames(ctx context.Context, c client.Client) (map[string]bool, error) {
	have := map[string]bool{}
	for _, kind := range []string{"Deployment", "PodDisruptionBudget"} {
		list := &metav1.PartialObjectMetadataList{}
		list.SetGroupVersionKind(schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "DeploymentList"})
		if kind == "PodDisruptionBudget" {
			list.SetGroupVersionKind(schema.GroupVersionKind{Group: "policy", Version: "v1", Kind: "PodDisruptionBudgetList"})
		}
		cont := ""
		for {
			if err := c.List(ctx, list, client.Limit(5000), client.Continue(cont)); err != nil {
				return nil, fmt.Errorf("listing %ss: %w", kind, err)
			}
			for i := range list.Items {
				have[kind+"/"+list.Items[i].Namespace+"/"+list.Items[i].Name] = true
			}
			if cont = list.Continue; cont == "" {
				break
			}
		}
	}
	return have, nil
}

// createBackoff retries a create for up to about a minute.
var createBackoff = wait.Backoff{Duration: 200 * time.Millisecond, Factor: 2, Jitter: 0.5, Steps: 8, Cap: 15 * time.Second}

// retryableCreate: throttled (429), timed out, a 5xx (an overloaded
// webhook call is a 500) or a broken connection.
func retryableCreate(err error) bool {
	if apierrors.IsTooManyRequests(err) || apierrors.IsServerTimeout(err) || apierrors.IsTimeout(err) ||
		apierrors.IsServiceUnavailable(err) || apierrors.IsInternalError(err) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED)
}

func scalePolicies() []client.Object { return layout4.policies() }

func (l scaleLayout) policies() []client.Object {
	var out []client.Object
	for i := range l.namespaced {
		out = append(out, &prodreadyv1alpha1.ReadinessPolicy{
			ObjectMeta: metav1.ObjectMeta{Namespace: l.ns(i), Name: fmt.Sprintf("rp-%02d", i)},
			Spec: prodreadyv1alpha1.PolicySpec{Rules: prodreadyv1alpha1.Rules{
				Probes:              &prodreadyv1alpha1.ProbeRules{Readiness: prodreadyv1alpha1.RequirementRequired},
				Replicas:            &prodreadyv1alpha1.ReplicaRules{Minimum: 2},
				PodDisruptionBudget: &prodreadyv1alpha1.PodDisruptionBudgetRules{Required: true, AllowsDisruption: true},
			}},
		})
	}
	for k := range l.cluster {
		tier, team := l.clusterScope(k)
		out = append(out, &prodreadyv1alpha1.ClusterReadinessPolicy{
			ObjectMeta: metav1.ObjectMeta{Name: l.crp(k)},
			Spec: prodreadyv1alpha1.ClusterReadinessPolicySpec{
				NamespaceSelector: &prodreadyv1alpha1.LabelSelector{MatchLabels: map[string]string{"tier": tier}},
				PolicySpec: prodreadyv1alpha1.PolicySpec{
					Selector: &prodreadyv1alpha1.LabelSelector{MatchLabels: map[string]string{"team": team}},
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

func (l scaleLayout) deletePolicies(ctx context.Context, c client.Client) error {
	for _, p := range l.policies() {
		if err := c.Delete(ctx, p); err != nil && !apierrors.IsNotFound(err) {
			return err
		}
	}
	return nil
}

// expectedMatched is how many Deployments each of row 4's policies selects
// at a size.
func expectedMatched(size int) map[string]int32 { return layout4.expectedMatched(size) }

func (l scaleLayout) expectedMatched(size int) map[string]int32 {
	m := map[string]int32{}
	for i := range size {
		ns := i % l.namespaces
		if ns < l.namespaced {
			m[fmt.Sprintf("rp-%02d", ns)]++
		}
		for k := range l.cluster {
			tier, team := l.clusterScope(k)
			if scaleTier(ns) == tier && scaleTeam(i) == team {
				m[l.crp(k)]++
			}
		}
	}
	return m
}

// policyStatuses reads row 4's policies' status and whether it is fresh
// (observedGeneration current).
func policyStatuses(ctx context.Context, c client.Client) (map[string]*prodreadyv1alpha1.PolicyStatus, map[string]bool, error) {
	return layout4.policyStatuses(ctx, c)
}

func (l scaleLayout) policyStatuses(ctx context.Context, c client.Client) (map[string]*prodreadyv1alpha1.PolicyStatus, map[string]bool, error) {
	st, fresh := map[string]*prodreadyv1alpha1.PolicyStatus{}, map[string]bool{}
	var rl prodreadyv1alpha1.ReadinessPolicyList
	if err := c.List(ctx, &rl); err != nil {
		return nil, nil, err
	}
	for i := range rl.Items {
		p := &rl.Items[i]
		if strings.HasPrefix(p.Namespace, l.nsPrefix) {
			st[p.Name], fresh[p.Name] = &p.Status, p.Status.ObservedGeneration == p.Generation
		}
	}
	crps := map[string]bool{}
	for k := range l.cluster {
		crps[l.crp(k)] = true
	}
	var cl prodreadyv1alpha1.ClusterReadinessPolicyList
	if err := c.List(ctx, &cl); err != nil {
		return nil, nil, err
	}
	for i := range cl.Items {
		p := &cl.Items[i]
		if crps[p.Name] {
			st[p.Name], fresh[p.Name] = &p.Status, p.Status.ObservedGeneration == p.Generation
		}
	}
	return st, fresh, nil
}

// waitFullStatus polls until every policy of the layout has a fresh status
// that matched the expected number of Deployments.
func (l scaleLayout) waitFullStatus(ctx context.Context, c client.Client, op *operatorProc, size int, limit time.Duration, poll time.Duration) error {
	want := l.expectedMatched(size)
	start := time.Now()
	for {
		if err := op.running(); err != nil {
			return err
		}
		st, fresh, err := l.policyStatuses(ctx, c)
		if err != nil && !retryableCreate(err) {
			return err
		}
		// A poll the busy API server does not answer in time is not done.
		done := err == nil && len(st) == len(want)
		for name, n := range want {
			if s := st[name]; s == nil || !fresh[name] || s.Summary.Matched != n {
				done = false
			}
		}
		if done {
			return nil
		}
		if time.Since(start) > limit {
			return fmt.Errorf("policy statuses incomplete after %v at %d Deployments", limit, size)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(poll):
		}
	}
}

func measureScale(ctx context.Context, c client.Client, l scaleLayout, size int, op *operatorProc) (scaleSize, error) {
	res := scaleSize{Deployments: size, Namespaces: l.namespaces, Policies: l.policyCount()}

	// 1. Time from creating the policies to every status being complete.
	start := time.Now()
	for _, p := range l.policies() {
		if err := c.Create(ctx, p); err != nil {
			return res, fmt.Errorf("creating policy %s: %w", p.GetName(), err)
		}
	}
	if err := l.waitFullStatus(ctx, c, op, size, 10*time.Minute, 20*time.Millisecond); err != nil {
		return res, err
	}
	res.FullStatus = time.Since(start).Seconds()

	// 2. One change to Deployment 0 (selected by rp-00 and the cluster
	// policies of its tier and team): toggle its readiness probe, and time
	// until rp-00's violation count reflects it; then wait for the cluster
	// policies too, so that the next change starts from a settled state.
	crps := l.selecting()
	res.SelectingChanged = 1 + len(crps)
	writesBefore, err := statusWrites(op.metricsAddr)
	if err != nil {
		return res, err
	}
	var lat []time.Duration
	bad := true // Deployment 0 starts without a readiness probe
	for range scaleChanges {
		st, _, err := l.policyStatuses(ctx, c)
		if err != nil {
			return res, err
		}
		before := map[string]int32{}
		for _, name := range append([]string{"rp-00"}, crps...) {
			before[name] = st[name].Summary.Violations
		}
		bad = !bad
		delta := int32(-1)
		if bad {
			delta = 1
		}
		d := benchDeployment(l.ns(0), l.deployment(0), scaleTeam(0), bad)
		var cur = d.DeepCopy()
		if err := c.Get(ctx, client.ObjectKeyFromObject(d), cur); err != nil {
			return res, err
		}
		cur.Spec.Template.Spec = d.Spec.Template.Spec
		t0 := time.Now()
		if err := c.Update(ctx, cur); err != nil {
			return res, fmt.Errorf("updating %s: %w", d.Name, err)
		}
		var seenRP time.Duration
		for {
			st, _, err := l.policyStatuses(ctx, c)
			if err != nil {
				return res, err
			}
			if seenRP == 0 && st["rp-00"].Summary.Violations == before["rp-00"]+delta {
				seenRP = time.Since(t0)
			}
			all := seenRP != 0
			for _, name := range crps {
				all = all && st[name].Summary.Violations == before[name]+delta
			}
			if all {
				break
			}
			if err := op.running(); err != nil {
				return res, err
			}
			if time.Since(t0) > 2*time.Minute {
				return res, fmt.Errorf("a change to %s was not reflected within 2 minutes", d.Name)
			}
			time.Sleep(2 * time.Millisecond)
		}
		lat = append(lat, seenRP)
	}
	writesAfter, err := statusWrites(op.metricsAddr)
	if err != nil {
		return res, err
	}
	slices.Sort(lat)
	res.ChangeP50, res.ChangeP99 = ms(percentile(lat, 0.50)), ms(percentile(lat, 0.99))
	res.ChangesMs = durationsMs(lat)
	res.WritesPerChange = (writesAfter - writesBefore) / scaleChanges

	// 3. The operator's memory: the peak of this step, then the heap in use
	// after a forced GC.
	res.PeakRSSMiB, res.LifetimePeakMiB, res.RSSMiB = op.peak()
	if res.SettledHeapMiB, res.HeapInuseMiB, err = op.settledHeapMiB(); err != nil {
		return res, err
	}
	return res, nil
}

// statusWrites reads prodready_policy_status_writes_total, summed over kinds.
func statusWrites(addr string) (float64, error) {
	return scrapeCounter(addr, "prodready_policy_status_writes_total{")
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

// scaleTargets are the targets for one size; sizes without targets
// are reported for context.
type scaleTargets struct {
	fullStatus  float64 // seconds
	changeP99   float64 // ms
	peakRSS     float64 // MiB
	settledHeap float64 // MiB, 0: no target
}

func targetsFor(size int) *scaleTargets {
	switch size {
	case 10000:
		return &scaleTargets{fullStatus: 6, changeP99: 1000, peakRSS: 200, settledHeap: 60}
	case 100000:
		return &scaleTargets{fullStatus: 60, changeP99: 2000, peakRSS: 1024}
	}
	return nil
}

func scaleMetrics(l scaleLayout, rs []scaleSize, lifetimePeak float64) []metric {
	var out []metric
	for _, r := range rs {
		tg, has := targetsFor(r.Deployments), true
		if tg == nil {
			tg, has = &scaleTargets{}, false
		}
		target := func(t string, ok bool) (string, *bool) {
			if !has {
				return "", nil
			}
			return t, ptrTo(ok)
		}
		t1, m1 := target(fmt.Sprintf("< %.0f s", tg.fullStatus), r.FullStatus < tg.fullStatus)
		t2, m2 := target(fmt.Sprintf("< %.0f s", tg.changeP99/1000), r.ChangeP99 < tg.changeP99)
		t3, m3 := fmt.Sprintf("<= %d", r.SelectingChanged), ptrTo(r.WritesPerChange <= float64(r.SelectingChanged))
		t4, m4 := target(fmtMiB(tg.peakRSS), r.PeakRSSMiB < tg.peakRSS)
		t5, m5 := "", (*bool)(nil)
		if has && tg.settledHeap > 0 {
			t5, m5 = fmtMiB(tg.settledHeap), ptrTo(r.SettledHeapMiB < tg.settledHeap)
		}
		n := fmt.Sprintf("%d Deployments: ", r.Deployments)
		out = append(out,
			metric{Metric: n + fmt.Sprintf("setup: %d objects created (Deployments, PDBs; %d retries)", r.Created, r.CreateRetries), Value: r.SetupSeconds, Unit: "s",
				Display: fmt.Sprintf("%.0f s (%.0f/s)", r.SetupSeconds, float64(r.Created)/max(r.SetupSeconds, 0.001))},
			metric{Metric: n + fmt.Sprintf("full status after creating %d policies", r.Policies), Value: r.FullStatus, Unit: "s", Display: fmt.Sprintf("%.2f s", r.FullStatus), Target: t1, Met: m1},
			metric{Metric: n + fmt.Sprintf("one change reflected, p50 / p99 of %d", scaleChanges), Value: r.ChangeP99, Unit: "ms",
				Display: fmt.Sprintf("%.1f / %.1f ms", r.ChangeP50, r.ChangeP99), Target: t2, Met: m2},
			metric{Metric: n + fmt.Sprintf("status writes per change (policies selecting it: %d)", r.SelectingChanged), Value: r.WritesPerChange, Unit: "writes",
				Display: fmt.Sprintf("%.2f", r.WritesPerChange), Target: t3, Met: m3},
			metric{Metric: n + "operator peak RSS in this step", Value: r.PeakRSSMiB, Unit: "MiB", Display: fmt.Sprintf("%.0f MiB", r.PeakRSSMiB), Target: t4, Met: m4},
			metric{Metric: n + "operator settled heap (live after a forced GC; spans in use)", Value: r.SettledHeapMiB, Unit: "MiB",
				Display: fmt.Sprintf("%.1f MiB (%.1f MiB)", r.SettledHeapMiB, r.HeapInuseMiB), Target: t5, Met: m5},
		)
	}
	if lifetimePeak > 0 {
		out = append(out, metric{Metric: fmt.Sprintf("operator peak RSS over the row (%d namespaces, %d policies)", l.namespaces, l.policyCount()),
			Value: lifetimePeak, Unit: "MiB", Display: fmt.Sprintf("%.0f MiB", lifetimePeak)})
	}
	if len(rs) >= 2 {
		a, b := rs[0], rs[len(rs)-1]
		x := float64(b.Deployments) / float64(a.Deployments)
		limit := x // at most linear
		if a.Deployments == 10000 && b.Deployments == 100000 {
			limit = 11 // the target for 10k→100k
		}
		grow := func(name string, va, vb float64) metric {
			g := vb / va
			return metric{Metric: fmt.Sprintf("growth %d→%d (×%.0f Deployments): %s", a.Deployments, b.Deployments, x, name),
				Value: g, Unit: "×", Display: fmt.Sprintf("×%.2f", g), Target: fmt.Sprintf("<= ×%.0f", limit), Met: ptrTo(g <= limit)}
		}
		out = append(out, grow("full status time", a.FullStatus, b.FullStatus), grow("change p99", a.ChangeP99, b.ChangeP99),
			grow("peak RSS in the step", a.PeakRSSMiB, b.PeakRSSMiB), grow("settled heap", a.SettledHeapMiB, b.SettledHeapMiB))
	}
	return out
}

func fmtMiB(v float64) string {
	if v >= 1024 && int(v)%1024 == 0 {
		return fmt.Sprintf("< %d GiB", int(v)/1024)
	}
	return fmt.Sprintf("< %.0f MiB", v)
}

// kcmStoppedByBench reports whether make up's cluster runs with only its
// kube-controller-manager stopped, as rows 4, 4b and 5 leave it.
func kcmStoppedByBench(root string) bool {
	b, err := os.ReadFile(filepath.Join(root, ".state", "cluster.json"))
	if err != nil {
		return false
	}
	var lc localCluster
	if json.Unmarshal(b, &lc) != nil {
		return false
	}
	running := func(name string) bool { pid := lc.pid(name); return pid > 0 && syscall.Kill(pid, 0) == nil }
	if lc.pid("kube-controller-manager") == 0 || running("kube-controller-manager") ||
		!running("etcd") || !running("kube-apiserver") {
		return false
	}
	logf("make up's kube-controller-manager was stopped by an earlier row; using the cluster as it is")
	return true
}
