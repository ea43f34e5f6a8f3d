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

// Package chart tests the Helm chart in dist/chart with the helm binary
// (built from the Go module proxy by hack/tool.sh; `make test` passes it in
// HELM) and kustomize (KUSTOMIZE): helm lint, golden renders of the
// variants, the values schema, and no drift from config/default.
package chart

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/ from the current chart")

const (
	root      = "../.."
	chartPath = "dist/chart"
	release   = "prodready"
	namespace = "prodready-system"
)

// variants are the value sets the chart is linted and rendered with; each has
// a golden file testdata/<name>.yaml. kustomize names the config/default
// component with the same meaning, if any.
var variants = []struct {
	name      string
	args      []string
	component string
}{
	{name: "default"},
	{name: "fail-closed", args: []string{"--set", "webhook.failurePolicy=Fail"}, component: "../components/fail-closed"},
	{name: "cert-manager", args: []string{"--set", "certManager.enable=true"}, component: "../certmanager"},
	{name: "no-reports", args: []string{"--set", "reports.mode=none"}},
	// Prometheus Operator installed, dashboard on: the ServiceMonitor,
	// PrometheusRule and dashboard ConfigMap appear.
	{name: "monitoring", args: []string{"--api-versions", "monitoring.coreos.com/v1", "--set", "grafana.dashboard.enable=true"}},
}

// tool returns the path of a binary from the environment, or fails.
func tool(t *testing.T, env string) string {
	t.Helper()
	p := os.Getenv(env)
	if p == "" && env == "HELM" {
		out, err := exec.Command(filepath.Join(root, "hack/tool.sh"), "helm").Output()
		if err != nil {
			t.Fatalf("%s is not set and hack/tool.sh helm failed: %v", env, err)
		}
		p = strings.TrimSpace(string(out))
	}
	if p == "" {
		t.Fatalf("%s is not set: run `make test` or `make test-chart`, which build it and pass its path", env)
	}
	return p
}

func run(t *testing.T, bin string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = root
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if err != nil {
		return out.String() + errb.String(), fmt.Errorf("%s %s: %w\n%s", filepath.Base(bin), strings.Join(args, " "), err, errb.String())
	}
	return out.String(), nil
}

func helmTemplate(t *testing.T, args ...string) (string, error) {
	t.Helper()
	return run(t, tool(t, "HELM"), append([]string{"template", release, chartPath, "--namespace", namespace, "--include-crds"}, args...)...)
}

// helmTemplateNoCRDs renders the templates only. The golden files leave the
// CRDs out: crds/ is a copy of config/crd/bases that make verify keeps fresh
// and TestNoDrift compares, so an API change needs no golden update.
func helmTemplateNoCRDs(t *testing.T, args ...string) (string, error) {
	t.Helper()
	return run(t, tool(t, "HELM"), append([]string{"template", release, chartPath, "--namespace", namespace}, args...)...)
}

func TestLint(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			// helm lint knows no --api-versions; lint the values only.
			args := []string{"lint", chartPath, "--strict", "--namespace", namespace}
			for i := 0; i < len(v.args); i++ {
				if v.args[i] == "--api-versions" {
					i++
					continue
				}
				args = append(args, v.args[i])
			}
			out, err := run(t, tool(t, "HELM"), args...)
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
		})
	}
}

// TestGolden compares each variant's render with testdata/<variant>.yaml.
// After an intended chart change: make test-chart UPDATE=1, and review the
// diff of testdata/ like code.
func TestGolden(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			got, err := helmTemplateNoCRDs(t, v.args...)
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", v.name+".yaml")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (create it with: make test-chart UPDATE=1)", err)
			}
			if d := cmp.Diff(string(want), got); d != "" {
				t.Errorf("helm template differs from %s (-golden +rendered); if intended, run make test-chart UPDATE=1:\n%s", golden, d)
			}
		})
	}
}

// TestVariantsChangeWhatTheySay checks the point of each variant in the
// render itself, so a golden file updated by mistake cannot hide a broken
// switch.
func TestVariantsChangeWhatTheySay(t *testing.T) {
	render := map[string][]object{}
	for _, v := range variants {
		out, err := helmTemplate(t, v.args...)
		if err != nil {
			t.Fatal(err)
		}
		render[v.name] = parse(t, out)
	}
	args := func(objs []object) []string {
		return containerArgs(t, find(t, objs, "Deployment", "prodready-controller-manager"))
	}
	policies := func(objs []object) []string {
		var out []string
		for _, w := range field[[]any](find(t, objs, "ValidatingWebhookConfiguration", "prodready-validating-webhook-configuration"), "webhooks") {
			out = append(out, w.(map[string]any)["failurePolicy"].(string))
		}
		return out
	}
	if got := policies(render["default"]); !allEqual(got, "Ignore") {
		t.Errorf("default: failurePolicy %v, want Ignore everywhere", got)
	}
	if got := policies(render["fail-closed"]); !allEqual(got, "Fail") {
		t.Errorf("fail-closed: failurePolicy %v, want Fail everywhere", got)
	}
	if got := args(render["cert-manager"]); !contains(got, "--cert-rotation=false") {
		t.Errorf("cert-manager: args %v lack --cert-rotation=false", got)
	}
	for _, k := range []string{"Certificate", "Issuer"} {
		if !has(render["cert-manager"], k) || has(render["default"], k) {
			t.Errorf("%s: want it with cert-manager only", k)
		}
	}
	if has(render["cert-manager"], "Secret") {
		t.Errorf("cert-manager: the rotator's empty Secret is still rendered")
	}
	if vwc := find(t, render["cert-manager"], "ValidatingWebhookConfiguration", "prodready-validating-webhook-configuration"); field[map[string]any](vwc, "metadata", "annotations")["cert-manager.io/inject-ca-from"] != namespace+"/prodready-serving-cert" {
		t.Errorf("cert-manager: no CA injection annotation on the webhook configuration")
	}
	if got := args(render["no-reports"]); !contains(got, "--reports=none") {
		t.Errorf("no-reports: args %v lack --reports=none", got)
	}
	for _, a := range args(render["default"]) {
		if strings.HasPrefix(a, "--reports") || strings.HasPrefix(a, "--cert-rotation") {
			t.Errorf("default: unexpected arg %s", a)
		}
	}
	for _, k := range []string{"ServiceMonitor", "PrometheusRule", "ConfigMap"} {
		if !has(render["monitoring"], k) || has(render["default"], k) {
			t.Errorf("%s: want it only when monitoring.coreos.com/v1 is served / the dashboard is on", k)
		}
	}
	rule := find(t, render["monitoring"], "PrometheusRule", "prodready-controller-manager-rules")
	if n := len(field[[]any](rule, "spec", "groups")); n == 0 {
		t.Errorf("PrometheusRule has no rule groups")
	}
	cm := find(t, render["monitoring"], "ConfigMap", "prodready-grafana-dashboard")
	if field[map[string]any](cm, "metadata", "labels")["grafana_dashboard"] != "1" {
		t.Errorf("dashboard ConfigMap lacks the sidecar label grafana_dashboard=1")
	}
	dash, err := os.ReadFile(filepath.Join(root, "config/grafana/prodready.json"))
	if err != nil {
		t.Fatal(err)
	}
	if field[map[string]any](cm, "data")["prodready.json"] != strings.TrimRight(string(dash), "\n") {
		t.Errorf("dashboard ConfigMap does not hold config/grafana/prodready.json; run make helm-sync")
	}
}

// TestSchemaRejectsBadValues: values.schema.json turns typos and bad values
// into errors instead of silently ignoring them.
func TestSchemaRejectsBadValues(t *testing.T) {
	cases := map[string]struct {
		set  string
		want string // part of the error
	}{
		"typo at the top":        {set: "replicas=3", want: "replicas"},
		"typo in a nested key":   {set: "webhook.failurPolicy=Fail", want: "failurPolicy"},
		"unknown failure policy": {set: "webhook.failurePolicy=Maybe", want: "failurePolicy"},
		"timeout out of range":   {set: "webhook.timeoutSeconds=31", want: "timeoutSeconds"},
		"unknown log level":      {set: "logLevel=verbose", want: "logLevel"},
		"unknown reports mode":   {set: "reports.mode=off", want: "mode"},
		"replicas not a number":  {set: "controllerManager.replicas=two", want: "replicas"},
		"typo in resources":      {set: "controllerManager.resources.limit.cpu=1", want: "limit"},
		"bad namespace name":     {set: "webhook.excludedNamespaces[0]=Kube_System", want: "excludedNamespaces"},
		"typo in serviceMonitor": {set: "metrics.serviceMonitor.enabled=true", want: "enabled"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			out, err := helmTemplate(t, "--set", c.set)
			if err == nil {
				t.Fatalf("--set %s rendered without error", c.set)
			}
			if !strings.Contains(out, c.want) {
				t.Errorf("--set %s: error does not name %q:\n%s", c.set, c.want, out)
			}
		})
	}
	if _, err := helmTemplate(t, "--set", "webhook.failurePolicy=Fail,controllerManager.priorityClassName=system-cluster-critical,logLevel=debug"); err != nil {
		t.Errorf("valid values rejected: %v", err)
	}
}

// TestNoDrift: with default values the chart renders the same objects as
// `kustomize build config/default`, and each variant the same as
// config/default with the matching component. Compared: the set of kinds and
// names (namespaced), and every field of every object (so RBAC rules,
// webhook settings, the Deployment's container args, env, probes and
// resources), after two documented normalisations:
//   - the Namespace object is left out: Helm creates the release namespace
//     (--create-namespace) and does not own it;
//   - labels: Helm's bookkeeping labels (app.kubernetes.io/managed-by,
//     instance, version, helm.sh/chart) are dropped, and
//     app.kubernetes.io/name is not compared (the chart puts it on the
//     generated roles too); every other label must match.
func TestNoDrift(t *testing.T) {
	for _, v := range variants {
		if v.name != "default" && v.component == "" {
			continue
		}
		t.Run(v.name, func(t *testing.T) {
			chartOut, err := helmTemplate(t, v.args...)
			if err != nil {
				t.Fatal(err)
			}
			kustomizeOut := kustomizeDefault(t, v.component)
			compare(t, index(t, parse(t, kustomizeOut), true), index(t, parse(t, chartOut), false))
		})
	}
}

// kustomizeDefault renders config/default, with a component enabled the way
// config/default/kustomization.yaml documents it (uncommenting it), in a
// copy of config/.
func kustomizeDefault(t *testing.T, component string) string {
	t.Helper()
	target := "config/default" // relative to root, where run() works
	if component != "" {
		tmp := t.TempDir()
		if out, err := exec.Command("cp", "-R", filepath.Join(root, "config"), tmp).CombinedOutput(); err != nil {
			t.Fatalf("copying config/: %v\n%s", err, out)
		}
		target = filepath.Join(tmp, "config", "default")
		k := filepath.Join(target, "kustomization.yaml")
		b, err := os.ReadFile(k)
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		for _, line := range []string{"components:", "- " + component} {
			if !strings.Contains(s, "\n#"+line+"\n") {
				t.Fatalf("config/default/kustomization.yaml has no commented line %q to enable", line)
			}
			s = strings.Replace(s, "\n#"+line+"\n", "\n"+line+"\n", 1)
		}
		if err := os.WriteFile(k, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, err := run(t, tool(t, "KUSTOMIZE"), "build", target)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

type object = map[string]any

func parse(t *testing.T, out string) []object {
	t.Helper()
	var objs []object
	for _, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(out, -1) {
		if strings.TrimSpace(doc) == "" {
			continue
		}
		var o object
		if err := yaml.Unmarshal([]byte(doc), &o); err != nil {
			t.Fatalf("parsing rendered YAML: %v\n%s", err, doc)
		}
		if o != nil {
			objs = append(objs, o)
		}
	}
	if len(objs) == 0 {
		t.Fatalf("nothing rendered")
	}
	return objs
}

func key(o object) string {
	md := o["metadata"].(map[string]any)
	ns, _ := md["namespace"].(string)
	return fmt.Sprintf("%s %s/%s", o["kind"], ns, md["name"])
}

var helmLabels = []string{"app.kubernetes.io/managed-by", "app.kubernetes.io/instance", "app.kubernetes.io/version", "helm.sh/chart", "app.kubernetes.io/name"}

// index normalises the objects as TestNoDrift describes and keys them by
// kind, namespace and name.
func index(t *testing.T, objs []object, fromKustomize bool) map[string]object {
	t.Helper()
	out := map[string]object{}
	for _, o := range objs {
		if o["kind"] == "Namespace" {
			if !fromKustomize {
				t.Errorf("the chart renders a Namespace; Helm creates the release namespace itself")
			}
			continue
		}
		md := o["metadata"].(map[string]any)
		if labels, ok := md["labels"].(map[string]any); ok {
			for _, l := range helmLabels {
				delete(labels, l)
			}
			if len(labels) == 0 {
				delete(md, "labels")
			}
		}
		k := key(o)
		if _, dup := out[k]; dup {
			t.Errorf("rendered twice: %s", k)
		}
		out[k] = o
	}
	return out
}

func compare(t *testing.T, want, got map[string]object) {
	t.Helper()
	var keys []string
	for k := range want {
		keys = append(keys, k)
		if _, ok := got[k]; !ok {
			t.Errorf("missing from the chart: %s", k)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("only in the chart, not in config/default: %s", k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		if g, ok := got[k]; ok {
			if d := cmp.Diff(want[k], g); d != "" {
				t.Errorf("%s differs (-kustomize +chart):\n%s", k, d)
			}
		}
	}
	if len(want) < 10 {
		t.Errorf("only %d objects compared", len(want))
	}
}

func find(t *testing.T, objs []object, kind, name string) object {
	t.Helper()
	for _, o := range objs {
		if o["kind"] == kind && o["metadata"].(map[string]any)["name"] == name {
			return o
		}
	}
	t.Fatalf("no %s %s rendered", kind, name)
	return nil
}

func has(objs []object, kind string) bool {
	for _, o := range objs {
		if o["kind"] == kind {
			return true
		}
	}
	return false
}

func field[T any](o object, path ...string) T {
	var cur any = o
	for _, p := range path {
		m, _ := cur.(map[string]any)
		cur = m[p]
	}
	v, _ := cur.(T)
	return v
}

func containerArgs(t *testing.T, deploy object) []string {
	t.Helper()
	containers := field[[]any](deploy, "spec", "template", "spec", "containers")
	if len(containers) == 0 {
		t.Fatalf("Deployment has no containers")
	}
	var out []string
	for _, a := range containers[0].(map[string]any)["args"].([]any) {
		out = append(out, a.(string))
	}
	return out
}

func contains(list []string, s string) bool {
	for _, l := range list {
		if l == s {
			return true
		}
	}
	return false
}

func allEqual(list []string, s string) bool {
	for _, l := range list {
		if l != s {
			return false
		}
	}
	return len(list) > 0
}
