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
	"crypto/tls"
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
	"sync/atomic"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
)

// Rows 3 and 4 run against the local control plane of `make up` (started
// if needed): a real kube-apiserver, etcd and the operator as a process.

// localCluster is the part of .state/cluster.json these rows read.
type localCluster struct {
	Kubeconfig    string   `json:"kubeconfig"`
	ManagerBinary string   `json:"managerBinary"`
	ManagerArgs   []string `json:"managerArgs"`
	Ports         struct {
		Etcd int `json:"etcd"`
	} `json:"ports"`
	Components []process `json:"components"`
}

// process is one process make up started.
type process struct {
	Name string `json:"name"`
	PID  int    `json:"pid"`
	// Env is what make up added to the process's environment (the
	// operator's GOMEMLIMIT), so a row that starts its own operator runs it
	// as make up does.
	Env []string `json:"env"`
}

// component returns the named component; the zero value if make up has
// none of that name.
func (c *localCluster) component(name string) process {
	for _, x := range c.Components {
		if x.Name == name {
			return x
		}
	}
	return process{}
}

func (c *localCluster) pid(name string) int { return c.component(name).PID }

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

// upCluster runs `make up`'s tool and returns a client for the cluster.
func upCluster(ctx context.Context) (*localCluster, client.Client, error) {
	root, err := moduleRoot()
	if err != nil {
		return nil, nil, err
	}
	// make up refuses a cluster whose kube-controller-manager an earlier
	// row stopped (only partially up); that cluster is used as it is.
	if !kcmStoppedByBench(root) {
		cmd := exec.CommandContext(ctx, "go", "run", "./hack/localcluster", "up")
		cmd.Dir, cmd.Stdout, cmd.Stderr = root, os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return nil, nil, fmt.Errorf("make up: %w", err)
		}
	}
	b, err := os.ReadFile(filepath.Join(root, ".state", "cluster.json"))
	if err != nil {
		return nil, nil, err
	}
	var lc localCluster
	if err := json.Unmarshal(b, &lc); err != nil {
		return nil, nil, fmt.Errorf("parsing cluster.json: %w", err)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", lc.Kubeconfig)
	if err != nil {
		return nil, nil, err
	}
	cfg.QPS, cfg.Burst, cfg.Timeout = 2000, 4000, 30*time.Second
	s := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(s)
	_ = prodreadyv1alpha1.AddToScheme(s)
	c, err := client.New(cfg, client.Options{Scheme: s})
	return &lc, c, err
}

// benchDeployment is a small Deployment; bad ones lack a readiness probe.
func benchDeployment(ns, name, team string, bad bool) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	c := corev1.Container{
		Name: "app", Image: "registry.example/app:1.0",
		LivenessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/live", Port: intstr.FromInt32(8080)}}, FailureThreshold: 6},
		Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("50m"), corev1.ResourceMemory: resource.MustParse("64Mi")},
			Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("128Mi")},
		},
	}
	if !bad {
		c.ReadinessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/ready", Port: intstr.FromInt32(8080)}}}
	}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{"app": name, "team": team}},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](2),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels, Annotations: map[string]string{"prometheus.io/scrape": "true"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{c}},
			},
		},
	}
}

func createNamespace(ctx context.Context, c client.Client, name string, labels map[string]string) error {
	err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}})
	if err != nil && !strings.Contains(err.Error(), "already exists") {
		return err
	}
	return nil
}

// ---- Row 3: added latency through kube-apiserver ----

// Row 3 creates Deployments, interleaved one at a time, in three
// namespaces: one that prodready's webhook evaluates (an Enforce policy the
// Deployments pass), one that only a no-op webhook sees (noopHandler,
// served by this process on controller-runtime's webhook server on
// 127.0.0.1 with its own CA and registered through a
// ValidatingWebhookConfiguration whose namespaceSelector picks only that
// namespace; prodready skips it through prodready.io/ignore=true), and one
// that no webhook sees. The no-op namespace is the floor: what any webhook
// call through kube-apiserver costs.
func runAPIServerLatency(ctx context.Context, _ *options) (*rowResult, error) {
	_, c, err := upCluster(ctx)
	if err != nil {
		return nil, err
	}
	stamp := strconv.FormatInt(time.Now().Unix()%100000, 10)
	with, noopNS, without := "bench-webhook-"+stamp, "bench-noop-"+stamp, "bench-nowebhook-"+stamp
	const noopLabel = "bench.prodready.io/noop-webhook"
	if err := createNamespace(ctx, c, with, nil); err != nil {
		return nil, err
	}
	// Namespaces labeled prodready.io/ignore=true are never sent to the webhook.
	if err := createNamespace(ctx, c, noopNS, map[string]string{"prodready.io/ignore": "true", noopLabel: stamp}); err != nil {
		return nil, err
	}
	if err := createNamespace(ctx, c, without, map[string]string{"prodready.io/ignore": "true"}); err != nil {
		return nil, err
	}
	defer func() {
		for _, ns := range []string{with, noopNS, without} {
			_ = c.Delete(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
		}
	}()
	noop, err := startNoopWebhook(ctx, c, stamp, noopLabel)
	if err != nil {
		return nil, err
	}
	defer noop.stop()

	// An Enforce policy with every container rule, which the Deployments
	// pass, so the webhook does a full evaluation and allows.
	pol := &prodreadyv1alpha1.ReadinessPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: with, Name: "strict"},
		Spec: prodreadyv1alpha1.PolicySpec{Enforcement: prodreadyv1alpha1.EnforcementEnforce, Rules: prodreadyv1alpha1.Rules{
			Probes:    &prodreadyv1alpha1.ProbeRules{Readiness: prodreadyv1alpha1.RequirementRequired, Liveness: prodreadyv1alpha1.RequirementRequired, Distinct: true},
			Resources: &prodreadyv1alpha1.ResourceRules{Requests: []prodreadyv1alpha1.ResourceName{"cpu", "memory"}, Limits: []prodreadyv1alpha1.ResourceName{"memory"}},
			Metrics:   &prodreadyv1alpha1.MetricsRules{Annotations: []prodreadyv1alpha1.AnnotationRequirement{{Key: "prometheus.io/scrape", Value: "true"}}},
		}},
	}
	if err := c.Create(ctx, pol); err != nil {
		return nil, err
	}
	// Wait until the webhook's cache has the policy (a bad dry run is
	// denied) and kube-apiserver calls the no-op webhook (it counts a dry run).
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := c.Create(ctx, benchDeployment(with, "probe", "t0", true), client.DryRunAll)
		if err != nil && strings.Contains(err.Error(), "probes.readiness") {
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("the webhook never enforced the benchmark policy (last error: %v)", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for before := noop.calls.Load(); ; {
		if err := c.Create(ctx, benchDeployment(noopNS, "probe", "t0", false), client.DryRunAll); err != nil {
			return nil, fmt.Errorf("dry run in the no-op namespace: %w", err)
		}
		if noop.calls.Load() > before {
			break
		}
		if time.Now().After(deadline) {
			return nil, errors.New("kube-apiserver never called the no-op webhook")
		}
		time.Sleep(100 * time.Millisecond)
	}

	const n = 300
	lat := map[string][]time.Duration{}
	for i := range n { // interleaved, one request at a time, same conditions for all
		for _, ns := range []string{with, noopNS, without} {
			d := benchDeployment(ns, fmt.Sprintf("d%04d", i), "t0", false)
			start := time.Now()
			if err := c.Create(ctx, d); err != nil {
				return nil, fmt.Errorf("creating %s/%s: %w", ns, d.Name, err)
			}
			lat[ns] = append(lat[ns], time.Since(start))
		}
	}
	if got := noop.calls.Load(); got < n {
		return nil, fmt.Errorf("the no-op webhook answered %d requests, want at least %d", got, n)
	}
	lw, ln, lwo := lat[with], lat[noopNS], lat[without]
	for _, l := range [][]time.Duration{lw, ln, lwo} {
		slices.Sort(l)
	}
	p50w, p50n, p50wo := percentile(lw, 0.50), percentile(ln, 0.50), percentile(lwo, 0.50)
	p99w, p99n, p99wo := percentile(lw, 0.99), percentile(ln, 0.99), percentile(lwo, 0.99)
	overNoop := float64(p50w)/float64(p50n) - 1
	overNone := float64(p50w)/float64(p50wo) - 1
	logf("row 3: CREATE p50 %v with prodready, %v with the no-op webhook, %v without a webhook; p99 %v / %v / %v", p50w, p50n, p50wo, p99w, p99n, p99wo)
	return &rowResult{
		metrics: []metric{
			{Metric: fmt.Sprintf("Deployment CREATE p50 with prodready / no-op webhook / no webhook (%d each, interleaved)", n), Value: ms(p50w), Unit: "ms",
				Display: fmt.Sprintf("%.2f / %.2f / %.2f ms", ms(p50w), ms(p50n), ms(p50wo))},
			{Metric: "Deployment CREATE p99 with prodready / no-op webhook / no webhook", Value: ms(p99w), Unit: "ms",
				Display: fmt.Sprintf("%.2f / %.2f / %.2f ms", ms(p99w), ms(p99n), ms(p99wo))},
			{Metric: "p50 with prodready over p50 with the no-op webhook", Value: overNoop * 100, Unit: "%",
				Display: fmt.Sprintf("%+.1f%%", overNoop*100), Target: "< 10%", Met: ptrTo(overNoop < 0.10)},
			{Metric: "p50 with prodready over p50 without any webhook (context)", Value: overNone * 100, Unit: "%",
				Display: fmt.Sprintf("%+.1f%%", overNone*100)},
		},
		details: map[string]any{"with_ms": durationsMs(lw), "noop_ms": durationsMs(ln), "without_ms": durationsMs(lwo)},
	}, nil
}

// noopWebhook is the no-op webhook row 3 registers with kube-apiserver.
type noopWebhook struct {
	calls *atomic.Int64
	stop  func()
}

// startNoopWebhook serves noopHandler on controller-runtime's webhook
// server on 127.0.0.1 (HTTP/1.1, a throw-away CA) and registers it for
// Deployment creates and updates in the namespaces labeled label=stamp.
// stop deletes the registration and stops the server.
func startNoopWebhook(ctx context.Context, c client.Client, stamp, label string) (*noopWebhook, error) {
	dir, err := os.MkdirTemp("", "prodready-bench-noop-")
	if err != nil {
		return nil, err
	}
	_, caPEM, err := writeServingCert(dir)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	// controller-runtime's server logs through its logger; keep the cost,
	// discard the output, as row 2 does.
	ctrl.SetLogger(zap.New(zap.UseDevMode(false), zap.WriteTo(io.Discard)))
	calls := &atomic.Int64{}
	srv := webhook.NewServer(webhook.Options{
		Host: "127.0.0.1", Port: port, CertDir: dir,
		TLSOpts: []func(*tls.Config){func(c *tls.Config) { c.NextProtos = []string{"http/1.1"} }},
	})
	srv.Register(noopPath, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		noopHandler{}.ServeHTTP(w, r)
	}))
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- srv.Start(sctx) }()
	stopServer := func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				logf("no-op webhook server: %v", err)
			}
		case <-time.After(5 * time.Second):
		}
		_ = os.RemoveAll(dir)
	}
	if err := waitStarted(srv, done); err != nil {
		stopServer()
		return nil, fmt.Errorf("starting the no-op webhook server: %w", err)
	}
	url := fmt.Sprintf("https://127.0.0.1:%d%s", port, noopPath)
	vwc := &admissionregistrationv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "prodready-bench-noop-" + stamp},
		Webhooks: []admissionregistrationv1.ValidatingWebhook{{
			Name:         "noop.bench.prodready.io",
			ClientConfig: admissionregistrationv1.WebhookClientConfig{URL: &url, CABundle: caPEM},
			Rules: []admissionregistrationv1.RuleWithOperations{{
				Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update},
				Rule:       admissionregistrationv1.Rule{APIGroups: []string{"apps"}, APIVersions: []string{"v1"}, Resources: []string{"deployments"}},
			}},
			NamespaceSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{label: stamp}},
			FailurePolicy:           ptr.To(admissionregistrationv1.Fail),
			SideEffects:             ptr.To(admissionregistrationv1.SideEffectClassNone),
			AdmissionReviewVersions: []string{"v1"},
			TimeoutSeconds:          ptr.To[int32](3),
		}},
	}
	if err := c.Create(ctx, vwc); err != nil {
		stopServer()
		return nil, fmt.Errorf("registering the no-op webhook: %w", err)
	}
	return &noopWebhook{calls: calls, stop: func() {
		_ = c.Delete(context.Background(), vwc)
		stopServer()
	}}, nil
}

func durationsMs(ds []time.Duration) []float64 {
	out := make([]float64, len(ds))
	for i, d := range ds {
		out[i] = ms(d)
	}
	return out
}
