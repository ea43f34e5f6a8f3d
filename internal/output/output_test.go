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

package output

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/prodready/prodready/internal/check"
)

// update rewrites the golden files: go test ./internal/output -update
var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// sampleReport has a finding of every status and severity, a field on the
// same line as its object, a finding from stdin, and a compliant Deployment.
func sampleReport() *check.Report {
	r := &check.Report{
		Policies: []string{"ClusterReadinessPolicy/baseline", "ReadinessPolicy/shop/strict"},
		Deployments: []check.Workload{
			{File: "deploy/web.yaml", Line: 2, Namespace: "shop", Name: "web", Policies: []string{"ClusterReadinessPolicy/baseline", "ReadinessPolicy/shop/strict"}, Failed: 3},
			{File: "deploy/web.yaml", Line: 40, Namespace: "shop", Name: "ok", Policies: []string{"ClusterReadinessPolicy/baseline"}},
			{File: "-", Line: 1, Namespace: "default", Name: "piped", Policies: []string{"ClusterReadinessPolicy/baseline"}, Failed: 0},
		},
		Findings: []check.Finding{
			{Rule: "probes.readiness", Severity: check.SeverityError, Status: check.StatusFail, Policy: "ClusterReadinessPolicy/baseline", Enforcement: "Enforce",
				Namespace: "shop", Deployment: "web", Container: "app", Path: "spec.template.spec.containers[0].readinessProbe",
				Message: `container "app" has no readinessProbe; add spec.template.spec.containers[0].readinessProbe so the pod receives traffic only when it can serve`,
				File:    "deploy/web.yaml", Line: 2, FieldLine: 17},
			{Rule: "resources.limits.memory", Severity: check.SeverityWarning, Status: check.StatusFail, Policy: "ReadinessPolicy/shop/strict", Enforcement: "Warn",
				Namespace: "shop", Deployment: "web", Container: "app", Path: "spec.template.spec.containers[0].resources.limits.memory",
				Message: "container \"app\" has no memory limit; set it, 100% of\nthe time, so: one pod, cannot starve its node",
				File:    "deploy/web.yaml", Line: 2, FieldLine: 20},
			{Rule: "metrics.annotation", Severity: check.SeverityNote, Status: check.StatusFail, Policy: "ReadinessPolicy/shop/strict", Enforcement: "Audit",
				Namespace: "shop", Deployment: "web", Path: "spec.template.metadata.annotations",
				Message: `pod template annotation "prometheus.io/scrape" is missing; add it under spec.template.metadata.annotations`,
				File:    "deploy/web.yaml", Line: 2, FieldLine: 12},
			{Rule: "pdb.required", Severity: check.SeverityError, Status: check.StatusSkip, Policy: "ClusterReadinessPolicy/baseline", Enforcement: "Enforce",
				Namespace: "shop", Deployment: "web", Path: "spec.template.metadata.labels",
				Message: `no PodDisruptionBudget in namespace "shop" selects the pod template's labels; create one`,
				File:    "deploy/web.yaml", Line: 2, FieldLine: 13},
			{Rule: "probes.liveness", Severity: check.SeverityError, Status: check.StatusExempt, Policy: "ClusterReadinessPolicy/baseline", Enforcement: "Enforce",
				Namespace: "default", Deployment: "piped", Container: "c", Path: "spec.template.spec.containers[0].livenessProbe",
				Message: `container "c" has no livenessProbe; add one`,
				File:    "-", Line: 1, FieldLine: 9},
		},
	}
	r.Summary = check.Summary{Deployments: 3, Compliant: 2, Errors: 1, Warnings: 1, Notes: 1, Skipped: 1, Exempted: 1}
	return r
}

func render(t *testing.T, format string, o Options, r *check.Report) []byte {
	t.Helper()
	f, ok := Lookup(format)
	if !ok {
		t.Fatalf("format %q is not registered", format)
	}
	var buf bytes.Buffer
	if err := f(o).Write(&buf, r); err != nil {
		t.Fatalf("%s: %v", format, err)
	}
	return buf.Bytes()
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/output -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run go test ./internal/output -update after checking the change):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func testOptions(t *testing.T) Options {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return Options{FailOn: check.SeverityError, Version: "v1.2.3", BaseDir: wd}
}

func TestGolden(t *testing.T) {
	empty := &check.Report{Policies: []string{"ClusterReadinessPolicy/baseline"}, Deployments: []check.Workload{}, Findings: []check.Finding{}}
	colored := testOptions(t)
	colored.Color = true
	cases := map[string]struct {
		format string
		opts   Options
		report *check.Report
	}{
		"human.txt":        {"human", testOptions(t), sampleReport()},
		"human-color.txt":  {"human", colored, sampleReport()},
		"human-empty.txt":  {"human", testOptions(t), empty},
		"report.json":      {"json", testOptions(t), sampleReport()},
		"report.yaml":      {"yaml", testOptions(t), sampleReport()},
		"report.sarif":     {"sarif", testOptions(t), sampleReport()},
		"empty.sarif":      {"sarif", testOptions(t), empty},
		"report.junit.xml": {"junit", testOptions(t), sampleReport()},
		"github.txt":       {"github", testOptions(t), sampleReport()},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			golden(t, name, render(t, tc.format, tc.opts, tc.report))
		})
	}
}

// TestColorOnlyWhenAsked guards the TTY rule: no escape codes unless Color.
func TestColorOnlyWhenAsked(t *testing.T) {
	plain := render(t, "human", testOptions(t), sampleReport())
	if bytes.Contains(plain, []byte("\x1b[")) {
		t.Errorf("human output without Color has ANSI escapes:\n%q", plain)
	}
	o := testOptions(t)
	o.Color = true
	if !bytes.Contains(render(t, "human", o, sampleReport()), []byte("\x1b[")) {
		t.Error("human output with Color has no ANSI escapes")
	}
}

func loadSARIFSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "sarif-schema-2.1.0.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	const url = "https://json.schemastore.org/sarif-2.1.0.json"
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(url)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSARIFSchema validates SARIF output against the SARIF 2.1.0 JSON schema
// and checks what GitHub code scanning needs beyond it.
func TestSARIFSchema(t *testing.T) {
	schema := loadSARIFSchema(t)
	empty := &check.Report{Deployments: []check.Workload{}, Findings: []check.Finding{}}
	for name, r := range map[string]*check.Report{"sample": sampleReport(), "empty": empty} {
		t.Run(name, func(t *testing.T) {
			out := render(t, "sarif", testOptions(t), r)
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
			if err != nil {
				t.Fatal(err)
			}
			if err := schema.Validate(doc); err != nil {
				t.Fatalf("SARIF output does not match the 2.1.0 schema: %v\n%s", err, out)
			}
			var log struct {
				Runs []struct {
					Tool struct {
						Driver struct {
							Name, Version, InformationURI string
							Rules                         []struct {
								ID   string
								Help struct{ Text string }
							}
						}
					}
					Results *[]struct {
						RuleID              string
						RuleIndex           int
						PartialFingerprints map[string]string
						Locations           []struct {
							PhysicalLocation struct {
								ArtifactLocation struct {
									URI       string
									URIBaseID string `json:"uriBaseId"`
								}
								Region struct{ StartLine int }
							}
						}
					}
				}
			}
			if err := json.Unmarshal(out, &log); err != nil {
				t.Fatal(err)
			}
			if len(log.Runs) != 1 {
				t.Fatalf("want one run, got %d", len(log.Runs))
			}
			run := log.Runs[0]
			d := run.Tool.Driver
			if d.Name != "prodready" || d.Version == "" || d.InformationURI == "" {
				t.Errorf("driver lacks name, version or informationUri: %+v", d)
			}
			seen := map[string]bool{}
			for _, rule := range d.Rules {
				if seen[rule.ID] || rule.Help.Text == "" {
					t.Errorf("rule %q is duplicated or has no help text", rule.ID)
				}
				seen[rule.ID] = true
			}
			if run.Results == nil {
				t.Fatal("results is missing; it must be present, empty on a clean run")
			}
			for _, res := range *run.Results {
				if d.Rules[res.RuleIndex].ID != res.RuleID {
					t.Errorf("result %s points at rule %d (%s)", res.RuleID, res.RuleIndex, d.Rules[res.RuleIndex].ID)
				}
				if len(res.PartialFingerprints) == 0 {
					t.Errorf("result %s has no partialFingerprints", res.RuleID)
				}
				loc := res.Locations[0].PhysicalLocation
				if loc.ArtifactLocation.URIBaseID != "%SRCROOT%" || strings.HasPrefix(loc.ArtifactLocation.URI, "/") || loc.Region.StartLine < 1 {
					t.Errorf("result %s has location %+v, want a relative URI under %%SRCROOT%% and a startLine", res.RuleID, loc)
				}
			}
		})
	}
}

// TestSARIFFingerprintsIgnoreLines keeps code-scanning alerts stable when an
// edit moves a finding to another line.
func TestSARIFFingerprintsIgnoreLines(t *testing.T) {
	a := sampleReport()
	b := sampleReport()
	for i := range b.Findings {
		b.Findings[i].Line += 10
		b.Findings[i].FieldLine += 10
	}
	fp := func(r *check.Report) []string {
		var log struct {
			Runs []struct {
				Results []struct{ PartialFingerprints map[string]string }
			}
		}
		if err := json.Unmarshal(render(t, "sarif", testOptions(t), r), &log); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range log.Runs[0].Results {
			out = append(out, r.PartialFingerprints[fingerprint])
		}
		return out
	}
	fa, fb := fp(a), fp(b)
	if strings.Join(fa, ",") != strings.Join(fb, ",") {
		t.Errorf("fingerprints changed with the lines: %v vs %v", fa, fb)
	}
	if fa[0] == fa[1] {
		t.Errorf("two different findings share fingerprint %s", fa[0])
	}
}

func TestParseTarget(t *testing.T) {
	cases := map[string]struct {
		in      string
		want    Target
		wantErr string
	}{
		"format":         {in: "json", want: Target{Format: "json"}},
		"format to file": {in: "sarif=out/prodready.sarif", want: Target{Format: "sarif", File: "out/prodready.sarif"}},
		"unknown":        {in: "xml", wantErr: `unknown output format "xml"`},
		"empty file":     {in: "json=", wantErr: "file name after '=' is empty"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := ParseTarget(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ParseTarget(%q) error = %v, want %q", tc.in, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParseTarget(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
			}
		})
	}
}
