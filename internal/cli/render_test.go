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
	"archive/tar"
	"compress/gzip"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// packageChart writes testdata/chart as a chart archive, as helm package does.
func packageChart(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "shop-0.1.0.tgz")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	err = filepath.WalkDir("testdata/chart", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("testdata/chart", path)
		if err := tw.WriteHeader(&tar.Header{Name: "shop/" + filepath.ToSlash(rel), Mode: 0o644, Size: int64(len(data))}); err != nil {
			return err
		}
		_, err = tw.Write(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []interface{ Close() error }{tw, gz, f} {
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// TestRender renders the Helm chart and kustomize fixtures in process and
// checks what each set of flags makes of them.
func TestRender(t *testing.T) {
	tgz := packageChart(t)
	rules := func(args ...string) ([]string, result) {
		r, res := jsonReport(t, args...)
		var out []string
		for _, f := range r.Findings {
			out = append(out, f.Namespace+"/"+f.Deployment+" "+f.Rule+" "+f.File)
		}
		slices.Sort(out)
		return out, res
	}
	const tmpl = "testdata/chart/templates/deployment.yaml"
	cases := map[string]struct {
		args []string
		want []string
		code int
	}{
		"chart defaults": {args: []string{"testdata/chart"}, code: ExitFindings, want: []string{
			"default/release-name pdb.required " + tmpl, "default/release-name probes.readiness " + tmpl, "default/release-name replicas.minimum " + tmpl,
		}},
		"chart with --set": {args: []string{"--set", "replicas=3", "--release-name", "web", "testdata/chart"}, code: ExitFindings, want: []string{
			"default/web pdb.required " + tmpl, "default/web probes.readiness " + tmpl,
		}},
		"chart with values and --set": {args: []string{"-f", "testdata/chart/values-prod.yaml", "--set", "replicas=2", "-n", "shop", "testdata/chart"}, code: ExitOK},
		"values file alone": {args: []string{"-f", "testdata/chart/values-prod.yaml", "-n", "shop", "testdata/chart"}, code: ExitFindings, want: []string{
			"shop/release-name replicas.minimum " + tmpl,
		}},
		"packaged chart": {args: []string{"--set", "replicas=2", tgz}, code: ExitFindings, want: []string{
			"default/release-name pdb.required shop/templates/deployment.yaml", "default/release-name probes.readiness shop/templates/deployment.yaml",
		}},
		"kustomize base": {args: []string{"testdata/kustomize/base"}, code: ExitFindings, want: []string{
			"default/api pdb.required testdata/kustomize/base", "default/api probes.readiness testdata/kustomize/base", "default/api replicas.minimum testdata/kustomize/base",
		}},
		"kustomize overlay": {args: []string{"testdata/kustomize/overlay"}, code: ExitOK},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, res := rules(tc.args...)
			if res.code != tc.code {
				t.Fatalf("exit %d, want %d: %s", res.code, tc.code, res.stderr)
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func TestRenderErrors(t *testing.T) {
	cases := map[string]struct {
		args      []string
		stderrHas string
	}{
		"bad --set":           {[]string{"check", "--set", "a[x]=1", "testdata/chart"}, "--set"},
		"missing values":      {[]string{"check", "-f", "testdata/nope.yaml", "testdata/chart"}, "nope.yaml"},
		"broken kustomize":    {[]string{"check", "testdata/kustomize-broken"}, "kustomize build"},
		"not a chart archive": {[]string{"check", "testdata/not-a-chart.tgz"}, "loading chart"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			res := run(t, "", tc.args...)
			if res.code != ExitUsage || !strings.Contains(res.stderr, tc.stderrHas) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit 2 and %q", res.code, res.stderr, tc.stderrHas)
			}
		})
	}
}
