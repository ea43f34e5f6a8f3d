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

// Command soak runs policy and Deployment churn plus admission load against
// the `make up` cluster (started if needed) for a bounded time, samples the
// operator's goroutines, heap and RSS from its loopback metrics endpoint
// every interval, writes the samples as a table and fails when they keep
// growing.
//
//	go run ./hack/soak -duration 30m     (make soak SOAK_DURATION=30m)
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
)

const (
	maxDuration = 2 * time.Hour
	namespaces  = 4  // soak-0 .. soak-3
	deployments = 10 // per namespace, cycled
	policies    = 6  // per namespace, created and deleted in turn
)

type options struct {
	duration, interval, warmup time.Duration
	reviewsPerSecond           int
	tolerance                  float64
	out                        string
}

func main() {
	var o options
	flag.DurationVar(&o.duration, "duration", 30*time.Minute, "How long to soak (at most 2h).")
	flag.DurationVar(&o.interval, "interval", 30*time.Second, "Time between samples.")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Minute, "Samples in this first stretch are shown but not judged.")
	flag.IntVar(&o.reviewsPerSecond, "reviews-per-second", 20, "Admission reviews sent straight to the webhook per second (at most 200).")
	flag.Float64Var(&o.tolerance, "tolerance", 0.10,
		"Growth allowed: a series fails when its last-quarter median exceeds its first-quarter median by more than this fraction and its second-half minimum exceeds its first-half maximum.")
	flag.StringVar(&o.out, "out", "_out/soak", "Directory for samples.md and samples.csv.")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintf(os.Stderr, "soak: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	switch {
	case o.duration <= 0 || o.duration > maxDuration:
		return fmt.Errorf("-duration must be in (0, %s]", maxDuration)
	case o.interval < time.Second || o.interval > o.duration:
		return errors.New("-interval must be at least 1s and at most -duration")
	case o.reviewsPerSecond < 1 || o.reviewsPerSecond > 200:
		return errors.New("-reviews-per-second must be in [1, 200]")
	}
	lc, c, err := upCluster(ctx)
	if err != nil {
		return err
	}
	metricsAddr := lc.managerArg("--metrics-bind-address")
	webhookPort := lc.managerArg("--webhook-port")
	for _, a := range []string{metricsAddr, "127.0.0.1:" + webhookPort} {
		host, _, err := net.SplitHostPort(a)
		if err != nil || host != "127.0.0.1" {
			return fmt.Errorf("refusing to send load to %q: loopback only", a)
		}
	}
	if err := setup(ctx, c); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "soak: %s against the operator (pid %d), sampling http://%s/metrics every %s\n",
		o.duration, lc.pid("manager"), metricsAddr, o.interval)

	ctx, cancel := context.WithTimeout(ctx, o.duration)
	defer cancel()
	var st stats
	var wg sync.WaitGroup
	wg.Go(func() { churnPolicies(ctx, c, &st) })
	wg.Go(func() { churnDeployments(ctx, c, &st) })
	wg.Go(func() {
		reviews(ctx, "https://127.0.0.1:"+webhookPort+"/validate-apps-v1-deployment", o.reviewsPerSecond, &st)
	})

	var samples []sample
	start := time.Now()
	tick := time.NewTicker(o.interval)
	defer tick.Stop()
	for {
		s, err := scrape(metricsAddr, lc.pid("manager"))
		if err != nil {
			fmt.Fprintf(os.Stderr, "soak: sample failed: %v\n", err)
		} else {
			s.at = time.Since(start).Round(time.Second)
			s.stats = st.snapshot()
			samples = append(samples, s)
			fmt.Fprintln(os.Stderr, s.row())
		}
		select {
		case <-ctx.Done():
		case <-tick.C:
			continue
		}
		break
	}
	wg.Wait()
	final, err := scrape(metricsAddr, lc.pid("manager"))
	if err == nil {
		final.at = time.Since(start).Round(time.Second)
		final.stats = st.snapshot()
		samples = append(samples, final)
	}
	cleanup(c)
	verdict := judge(samples, o)
	if err := write(o, samples, verdict); err != nil {
		return err
	}
	if len(verdict.failures) > 0 {
		return fmt.Errorf("kept growing: %s", strings.Join(verdict.failures, "; "))
	}
	fmt.Fprintln(os.Stderr, "soak: no steady growth in goroutines, heap or RSS")
	return nil
}

// ---- cluster ----

type localCluster struct {
	Kubeconfig  string   `json:"kubeconfig"`
	ManagerArgs []string `json:"managerArgs"`
	Components  []struct {
		Name string `json:"name"`
		PID  int    `json:"pid"`
	} `json:"components"`
}

func (c *localCluster) pid(name string) int {
	for _, x := range c.Components {
		if x.Name == name {
			return x.PID
		}
	}
	return 0
}

func (c *localCluster) managerArg(flag string) string {
	for i, a := range c.ManagerArgs {
		if v, ok := strings.CutPrefix(a, flag+"="); ok {
			return v
		}
		if a == flag && i+1 < len(c.ManagerArgs) {
			return c.ManagerArgs[i+1]
		}
	}
	return ""
}

func upCluster(ctx context.Context) (*localCluster, client.Client, error) {
	cmd := exec.CommandContext(ctx, "go", "run", "./hack/localcluster", "up")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return nil, nil, fmt.Errorf("make up: %w", err)
	}
	b, err := os.ReadFile(filepath.Join(".state", "cluster.json"))
	if err != nil {
		return nil, nil, fmt.Errorf("run from the repository root: %w", err)
	}
	var lc localCluster
	if err := json.Unmarshal(b, &lc); err != nil {
		return nil, nil, fmt.Errorf("parsing cluster.json: %w", err)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", lc.Kubeconfig)
	if err != nil {
		return nil, nil, err
	}
	cfg.QPS, cfg.Burst = 50, 100
	s := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(s)
	_ = prodreadyv1alpha1.AddToScheme(s)
	c, err := client.New(cfg, client.Options{Scheme: s})
	return &lc, c, err
}

func nsName(i int) string { return fmt.Sprintf("soak-%d", i) }

func setup(ctx context.Context, c client.Client) error {
	for i := range namespaces {
		err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: nsName(i), Labels: map[string]string{"soak": "true"}}})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return err
		}
	}
	return nil
}

func cleanup(c client.Client) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for i := range namespaces {
		_ = c.Delete(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: nsName(i)}})
	}
	_ = c.DeleteAllOf(ctx, &prodreadyv1alpha1.ClusterReadinessPolicy{}, client.MatchingLabels{"soak": "true"})
}

// ---- load ----

type stats struct {
	policyOps, deploymentOps, reviews, reviewErrors, apiErrors atomic.Int64
}

type counts struct{ policyOps, deploymentOps, reviews, reviewErrors, apiErrors int64 }

func (s *stats) snapshot() counts {
	return counts{s.policyOps.Load(), s.deploymentOps.Load(), s.reviews.Load(), s.reviewErrors.Load(), s.apiErrors.Load()}
}

func every(ctx context.Context, d time.Duration, f func(i int)) {
	t := time.NewTicker(d)
	defer t.Stop()
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			f(i)
		}
	}
}

func policy(ns, name string, enforcement prodreadyv1alpha1.Enforcement) *prodreadyv1alpha1.ReadinessPolicy {
	return &prodreadyv1alpha1.ReadinessPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{"soak": "true"}},
		Spec: prodreadyv1alpha1.PolicySpec{Enforcement: enforcement, Rules: prodreadyv1alpha1.Rules{
			Probes:    &prodreadyv1alpha1.ProbeRules{Readiness: prodreadyv1alpha1.RequirementRequired},
			Resources: &prodreadyv1alpha1.ResourceRules{Requests: []prodreadyv1alpha1.ResourceName{"cpu"}},
			Metrics: &prodreadyv1alpha1.MetricsRules{Annotations: []prodreadyv1alpha1.AnnotationRequirement{
				{Key: "prometheus.io/port", Value: "[0-9]+"},
			}},
		}},
	}
}

// churnPolicies creates a policy with a new name and deletes an old one
// every second, so names never repeat: a replica that forgets nothing grows.
func churnPolicies(ctx context.Context, c client.Client, st *stats) {
	modes := []prodreadyv1alpha1.Enforcement{prodreadyv1alpha1.EnforcementAudit, prodreadyv1alpha1.EnforcementWarn, prodreadyv1alpha1.EnforcementEnforce}
	var live []*prodreadyv1alpha1.ReadinessPolicy
	every(ctx, time.Second, func(i int) {
		p := policy(nsName(i%namespaces), fmt.Sprintf("churn-%d", i), modes[i%len(modes)])
		if err := c.Create(ctx, p); err != nil {
			st.apiErrors.Add(1)
		} else {
			live = append(live, p)
		}
		st.policyOps.Add(1)
		if len(live) > policies*namespaces {
			if err := c.Delete(ctx, live[0]); err != nil && !apierrors.IsNotFound(err) {
				st.apiErrors.Add(1)
			}
			live = live[1:]
			st.policyOps.Add(1)
		}
	})
}

func deployment(ns, name string, bad bool, gen int) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	ctr := corev1.Container{
		Name: "app", Image: "registry.example/app:" + strconv.Itoa(gen),
		Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m")}},
	}
	if !bad {
		ctr.ReadinessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/ready", Port: intstr.FromInt32(8080)}}}
	}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](1),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels, Annotations: map[string]string{"prometheus.io/port": "8080"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{ctr}},
			},
		},
	}
}

// churnDeployments creates, updates and deletes Deployments in turn, five
// operations a second, through the API server (so the webhook reviews them
// too). Enforce policies deny some creates and updates; that is expected.
func churnDeployments(ctx context.Context, c client.Client, st *stats) {
	every(ctx, 200*time.Millisecond, func(i int) {
		ns := nsName(i % namespaces)
		name := fmt.Sprintf("web-%d", (i/namespaces)%deployments)
		d := deployment(ns, name, i%3 == 0, i)
		var err error
		switch (i / (namespaces * deployments)) % 3 {
		case 0:
			err = c.Create(ctx, d)
		case 1:
			err = c.Update(ctx, d)
			if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
				err = nil
			}
		default:
			err = c.Delete(ctx, d)
		}
		st.deploymentOps.Add(1)
		if err != nil && !apierrors.IsAlreadyExists(err) && !apierrors.IsNotFound(err) && !apierrors.IsForbidden(err) && !apierrors.IsInvalid(err) && !strings.Contains(err.Error(), "denied the request") {
			st.apiErrors.Add(1)
		}
	})
}

// reviews posts AdmissionReviews straight to the webhook at a fixed rate.
func reviews(ctx context.Context, url string, perSecond int, st *stats) {
	hc := &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // loopback, self-signed test certificate
	}}
	every(ctx, time.Second/time.Duration(perSecond), func(i int) {
		d := deployment(nsName(i%namespaces), fmt.Sprintf("review-%d", i%50), i%2 == 0, i)
		d.APIVersion, d.Kind = "apps/v1", "Deployment"
		body, _ := json.Marshal(map[string]any{
			"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
			"request": map[string]any{
				"uid": strconv.Itoa(i), "operation": "CREATE", "namespace": d.Namespace, "name": d.Name,
				"kind":     map[string]string{"group": "apps", "version": "v1", "kind": "Deployment"},
				"resource": map[string]string{"group": "apps", "version": "v1", "resource": "deployments"},
				"object":   d,
			},
		})
		st.reviews.Add(1)
		resp, err := hc.Post(url, "application/json", bytes.NewReader(body))
		if err != nil {
			st.reviewErrors.Add(1)
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			st.reviewErrors.Add(1)
		}
	})
}

// ---- sampling ----

type sample struct {
	at              time.Duration
	goroutines      float64
	heap, rss       float64 // bytes
	compiled        float64
	admissionSeries int
	stats           counts
	pid             int
}

func (s sample) row() string {
	return fmt.Sprintf("| %8s | %10.0f | %9.1f | %8.1f | %8.0f | %9d | %9d | %11d | %9d | %6d | %5d |",
		s.at, s.goroutines, s.heap/(1<<20), s.rss/(1<<20), s.compiled, s.admissionSeries,
		s.stats.policyOps, s.stats.deploymentOps, s.stats.reviews, s.stats.reviewErrors, s.stats.apiErrors)
}

const header = `| elapsed  | goroutines | heap MiB  | RSS MiB  | compiled | adm. series | policy ops | deployment ops | reviews | review errors | API errors |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |`

func scrape(addr string, pid int) (sample, error) {
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get("http://" + addr + "/metrics")
	if err != nil {
		return sample{}, err
	}
	defer func() { _ = resp.Body.Close() }()
	s := sample{pid: pid}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		name, value, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		v, _ := strconv.ParseFloat(strings.TrimSpace(value), 64)
		switch {
		case name == "go_goroutines":
			s.goroutines = v
		case name == "go_memstats_heap_inuse_bytes":
			s.heap = v
		case name == "process_resident_memory_bytes":
			s.rss = v
		case name == "prodready_compiled_policies":
			s.compiled = v
		case strings.HasPrefix(name, "prodready_admission_decisions_total{"):
			s.admissionSeries++
		}
	}
	if s.goroutines == 0 {
		return s, errors.New("no go_goroutines in the metrics")
	}
	return s, sc.Err()
}

type verdict struct {
	failures []string
	lines    []string
}

// judge fails a series that keeps growing. After the warm-up, both must
// hold: the lowest value of the second half of the samples is above the
// highest of the first half (the floor rose past the earlier ceiling, which
// garbage collection and bursts alone do not do), and the median of the last
// quarter exceeds the median of the first quarter by more than the
// tolerance.
func judge(samples []sample, o options) verdict {
	var v verdict
	var judged []sample
	for _, s := range samples {
		if s.at >= o.warmup {
			judged = append(judged, s)
		}
	}
	if len(judged) < 4 {
		v.lines = append(v.lines, fmt.Sprintf("only %d samples after the %s warm-up: too few to judge growth", len(judged), o.warmup))
		return v
	}
	for _, m := range []struct {
		name string
		get  func(sample) float64
	}{
		{"goroutines", func(s sample) float64 { return s.goroutines }},
		{"heap", func(s sample) float64 { return s.heap }},
		{"RSS", func(s sample) float64 { return s.rss }},
		{"compiled policies", func(s sample) float64 { return s.compiled }},
		{"admission series", func(s sample) float64 { return float64(s.admissionSeries) }},
	} {
		vals := make([]float64, len(judged))
		for i, s := range judged {
			vals[i] = m.get(s)
		}
		half, quarter := len(vals)/2, max(1, len(vals)/4)
		ceiling, floor := slices.Max(vals[:half]), slices.Min(vals[half:])
		early, late := median(vals[:quarter]), median(vals[len(vals)-quarter:])
		line := fmt.Sprintf("%s: first quarter median %.0f, last quarter median %.0f; first-half max %.0f, second-half min %.0f",
			m.name, early, late, ceiling, floor)
		if floor > ceiling && late > early*(1+o.tolerance) && late-early > 2 {
			v.failures = append(v.failures, line)
			line += "  GROWING"
		}
		v.lines = append(v.lines, line)
	}
	return v
}

func median(vs []float64) float64 {
	s := slices.Clone(vs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func write(o options, samples []sample, v verdict) error {
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	var md bytes.Buffer
	fmt.Fprintf(&md, "Soak of %s, samples every %s (first %s not judged), tolerance %.0f %%\n\n%s\n", o.duration, o.interval, o.warmup, o.tolerance*100, header)
	var csv bytes.Buffer
	csv.WriteString("elapsed_seconds,goroutines,heap_bytes,rss_bytes,compiled_policies,admission_series,policy_ops,deployment_ops,reviews,review_errors,api_errors\n")
	for _, s := range samples {
		md.WriteString(s.row() + "\n")
		fmt.Fprintf(&csv, "%.0f,%.0f,%.0f,%.0f,%.0f,%d,%d,%d,%d,%d,%d\n", s.at.Seconds(), s.goroutines, s.heap, s.rss, s.compiled, s.admissionSeries,
			s.stats.policyOps, s.stats.deploymentOps, s.stats.reviews, s.stats.reviewErrors, s.stats.apiErrors)
	}
	md.WriteString("\n")
	for _, l := range v.lines {
		md.WriteString("- " + l + "\n")
	}
	fmt.Print(md.String())
	if err := os.WriteFile(filepath.Join(o.out, "samples.md"), md.Bytes(), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(o.out, "samples.csv"), csv.Bytes(), 0o644)
}
