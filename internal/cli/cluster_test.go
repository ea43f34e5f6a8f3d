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

package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
	"github.com/prodready/prodready/internal/check"
	"github.com/prodready/prodready/internal/manifest"
	"github.com/prodready/prodready/internal/reports"
)

// TestClusterAudit loads the shared fixture into a real kube-apiserver
// (envtest) and checks that `prodready check --cluster` reports exactly
// what `prodready check` reports on the file, and that -n limits the audit
// to one namespace.
func TestClusterAudit(t *testing.T) {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		t.Skip("KUBEBUILDER_ASSETS is not set; make test sets it (hack/envtest.sh)")
	}
	env := &envtest.Environment{CRDDirectoryPaths: []string{
		filepath.Join("..", "..", "config", "crd", "bases"),
		// The OpenReports Report CRD prodready ships, to validate -o report.
		filepath.Join("..", "..", "config", "components", "openreports", "openreports.io_reports.yaml"),
	}, ErrorIfCRDPathMissing: true}
	cfg, err := env.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	if err := prodreadyv1alpha1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	c, err := client.New(cfg, client.Options{Scheme: s})
	if err != nil {
		t.Fatal(err)
	}
	const fixture = "testdata/agreement/mixed.yaml"
	data, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range manifest.Split(fixture, data) {
		objs, err := manifest.Parse(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range objs {
			u := map[string]any{}
			if err := o.Decode(&u); err != nil {
				t.Fatal(err)
			}
			obj := &unstructured.Unstructured{Object: u}
			if err := c.Create(context.Background(), obj); err != nil {
				t.Fatalf("creating %s %s: %v", o.Kind, o.Name, err)
			}
		}
	}
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(kubeconfig, env.KubeConfig, 0o600); err != nil {
		t.Fatal(err)
	}
	key := func(r check.Report, withFile bool) []string {
		var out []string
		for _, f := range r.Findings {
			if withFile && f.File == "" {
				t.Errorf("file-mode finding without a file: %+v", f)
			}
			out = append(out, fmt.Sprintf("%s %s/%s %s %s %s %s: %s", f.Status, f.Namespace, f.Deployment, f.Rule, f.Container, f.Policy, f.Severity, f.Message))
		}
		slices.Sort(out)
		return out
	}
	fromFile, res := jsonReport(t, "--fail-on", "none", fixture)
	if res.code != ExitOK {
		t.Fatalf("file mode: exit %d: %s", res.code, res.stderr)
	}
	fromCluster, res := jsonReport(t, "--fail-on", "none", "--cluster", "--kubeconfig", kubeconfig, "-A")
	if res.code != ExitOK {
		t.Fatalf("cluster mode: exit %d: %s", res.code, res.stderr)
	}
	want, got := key(fromFile, true), key(fromCluster, false)
	if len(want) == 0 || strings.Join(want, "\n") != strings.Join(got, "\n") {
		t.Errorf("cluster audit differs from the file check\n--- file\n%s\n--- cluster\n%s", strings.Join(want, "\n"), strings.Join(got, "\n"))
	}
	if len(fromCluster.Deployments) != len(fromFile.Deployments) {
		t.Errorf("cluster audit checked %d Deployments, the file has %d", len(fromCluster.Deployments), len(fromFile.Deployments))
	}

	lab, res := jsonReport(t, "--fail-on", "none", "--cluster", "--kubeconfig", kubeconfig, "-n", "lab")
	if res.code != ExitOK {
		t.Fatalf("cluster mode -n lab: exit %d: %s", res.code, res.stderr)
	}
	for _, d := range lab.Deployments {
		if d.Namespace != "lab" {
			t.Errorf("-n lab audited %s/%s", d.Namespace, d.Name)
		}
	}
	if len(lab.Deployments) != 1 {
		t.Errorf("-n lab audited %d Deployments, want 1", len(lab.Deployments))
	}
	if res := run(t, "", "check", "--cluster", "--kubeconfig", kubeconfig, "-A", "--fail-on", "error"); res.code != ExitFindings {
		t.Errorf("cluster audit with errors exits %d, want %d: %s", res.code, ExitFindings, res.stderr)
	}
	if res := run(t, "", "check", "--cluster", "--kubeconfig", kubeconfig, fixture); res.code != ExitUsage {
		t.Errorf("--cluster with files exits %d, want %d", res.code, ExitUsage)
	}

	// -o report: the objects the controller would write. From the cluster
	// they are named after the Deployments' UIDs and owned by them; from
	// the file after ManifestUID. Either way the API server accepts them
	// (dry run, strict field validation) under the shipped CRD.
	uids := map[string]string{}
	var deps appsv1.DeploymentList
	if err := c.List(context.Background(), &deps); err != nil {
		t.Fatal(err)
	}
	for _, d := range deps.Items {
		uids[d.Namespace+"/"+d.Name] = string(d.UID)
	}
	for mode, args := range map[string][]string{
		"cluster": {"--cluster", "--kubeconfig", kubeconfig, "-A"},
		"file":    {fixture},
	} {
		res := run(t, "", append([]string{"check", "--fail-on", "none", "-o", "report"}, args...)...)
		if res.code != ExitOK {
			t.Fatalf("%s -o report: exit %d: %s", mode, res.code, res.stderr)
		}
		docs := strings.Split(res.stdout, "---\n")[1:]
		if len(docs) == 0 {
			t.Fatalf("%s -o report wrote no report:\n%s", mode, res.stdout)
		}
		for _, doc := range docs {
			u := &unstructured.Unstructured{}
			if err := yaml.Unmarshal([]byte(doc), &u.Object); err != nil {
				t.Fatalf("%s: %v\n%s", mode, err, doc)
			}
			ns, _, _ := unstructured.NestedString(u.Object, "scope", "namespace")
			name, _, _ := unstructured.NestedString(u.Object, "scope", "name")
			want := "prodready-" + reports.ManifestUID(ns, name)
			if mode == "cluster" {
				want = "prodready-" + uids[ns+"/"+name]
				if owners := u.GetOwnerReferences(); len(owners) != 1 || string(owners[0].UID) != uids[ns+"/"+name] {
					t.Errorf("cluster report %s: owner references %+v", u.GetName(), owners)
				}
			}
			if u.GetName() != want {
				t.Errorf("%s report for %s/%s is named %s, want %s", mode, ns, name, u.GetName(), want)
			}
			if err := c.Create(context.Background(), u, client.DryRunAll, client.FieldValidation("Strict")); err != nil {
				t.Errorf("%s: the API server refuses report %s: %v", mode, u.GetName(), err)
			}
		}
	}
}
