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
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
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
	Components []struct {
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

func runAPIServerLatency(ctx context.Context, _ *options) (*rowResult, error) {
	_, c, err := upCluster(ctx)
	if err != nil {
		return nil, err
	}
	stamp := strconv.FormatInt(time.Now().Unix()%100000, 10)
	with, without := "bench-webhook-"+stamp, "bench-nowebhook-"+stamp
	if err := createNamespace(ctx, c, with, nil); err != nil {
		return nil, err
	}
	// Namespaces labeled prodready.io/ignore=true are never sent to the webhook.
	if err := createNamespace(ctx, c, without, map[string]string{"prodready.io/ignore": "true"}); err != nil {
		return nil, err
	}
	defer func() {
		for _, ns := range []string{with, without} {
			_ = c.Delete(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
		}
	}()
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
	// Wait until the webhook's cache has the policy: a bad dry run is denied.
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

	const n = 300
	var lw, lwo []time.Duration
	for i := range n { // interleaved, one request at a time, same conditions for both
		for _, ns := range []string{with, without} {
			d := benchDeployment(ns, fmt.Sprintf("d%04d", i), "t0", false)
			start := time.Now()
			if err := c.Create(ctx, d); err != nil {
				return nil, fmt.Errorf("creating %s/%s: %w", ns, d.Name, err)
			}
			took := time.Since(start)
			if ns == with {
				lw = append(lw, took)
			} else {
				lwo = append(lwo, took)
			}
		}
	}
	slices.Sort(lw)
	slices.Sort(lwo)
	p50w, p50wo := percentile(lw, 0.50), percentile(lwo, 0.50)
	p99w, p99wo := percentile(lw, 0.99), percentile(lwo, 0.99)
	ratio := float64(p50w)/float64(p50wo) - 1
	logf("row 3: CREATE p50 %v with the webhook, %v without; p99 %v / %v", p50w, p50wo, p99w, p99wo)
	return &rowResult{
		metrics: []metric{
			{Metric: fmt.Sprintf("Deployment CREATE p50 with / without webhook (%d each)", n), Value: ms(p50w), Unit: "ms",
				Display: fmt.Sprintf("%.2f / %.2f ms", ms(p50w), ms(p50wo))},
			{Metric: "Deployment CREATE p99 with / without webhook", Value: ms(p99w), Unit: "ms",
				Display: fmt.Sprintf("%.2f / %.2f ms", ms(p99w), ms(p99wo))},
			{Metric: "latency the webhook adds at p50", Value: ratio * 100, Unit: "%",
				Display: fmt.Sprintf("%+.1f%%", ratio*100), Target: "< 25%", Met: ptrTo(ratio < 0.25)},
		},
		details: map[string]any{"with_ms": durationsMs(lw), "without_ms": durationsMs(lwo)},
	}, nil
}

func durationsMs(ds []time.Duration) []float64 {
	out := make([]float64, len(ds))
	for i, d := range ds {
		out[i] = ms(d)
	}
	return out
}
