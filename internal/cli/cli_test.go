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
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prodready/prodready/internal/check"
)

type result struct {
	code           int
	stdout, stderr string
}

func run(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Run("prodready", args, IO{In: strings.NewReader(stdin), Out: &out, Err: &errOut})
	return result{code, out.String(), errOut.String()}
}

// jsonReport runs check with -o json and decodes the report.
func jsonReport(t *testing.T, args ...string) (check.Report, result) {
	t.Helper()
	res := run(t, "", append([]string{"check", "-o", "json"}, args...)...)
	var r check.Report
	if res.stdout != "" {
		if err := json.Unmarshal([]byte(res.stdout), &r); err != nil {
			t.Fatalf("stdout is not a JSON report: %v\n%s", err, res.stdout)
		}
	}
	return r, res
}

const tdBad = "testdata/bad.yaml"

func TestExitCodes(t *testing.T) {
	cases := map[string]struct {
		stdin     string
		args      []string
		code      int
		stderrHas string
		stdoutHas string
	}{
		"compliant across files":          {args: []string{"check", "testdata/good"}, code: ExitOK, stdoutHas: "all compliant"},
		"violations":                      {args: []string{"check", tdBad}, code: ExitFindings, stdoutHas: "probes.readiness"},
		"fail-on none":                    {args: []string{"check", "--fail-on", "none", tdBad}, code: ExitOK},
		"warn policy passes by default":   {args: []string{"check", "-p", "testdata/policies/warn.yaml", tdBad}, code: ExitOK, stdoutHas: "warning"},
		"warn policy fails on warning":    {args: []string{"check", "-p", "testdata/policies/warn.yaml", "--fail-on", "warning", tdBad}, code: ExitFindings},
		"stdin":                           {stdin: mustRead(t, tdBad), args: []string{"check", "-"}, code: ExitFindings, stdoutHas: "(stdin)"},
		"no input":                        {args: []string{"check"}, code: ExitUsage, stderrHas: "no input"},
		"missing file":                    {args: []string{"check", "testdata/nope.yaml"}, code: ExitUsage, stderrHas: "nope.yaml"},
		"parse error with file and line":  {args: []string{"check", "testdata/good", "testdata/broken.yaml"}, code: ExitUsage, stderrHas: "testdata/broken.yaml:6: invalid YAML"},
		"no objects":                      {args: []string{"check", "testdata/values.yaml"}, code: ExitUsage, stderrHas: "no Kubernetes objects"},
		"no objects allowed":              {args: []string{"check", "--allow-empty", "testdata/values.yaml"}, code: ExitOK},
		"empty stdin":                     {args: []string{"check", "-"}, code: ExitUsage, stderrHas: "no Kubernetes objects"},
		"invalid policy names file, line": {args: []string{"check", "-p", "testdata/invalid-policy.yaml", "testdata/good"}, code: ExitUsage, stderrHas: "testdata/invalid-policy.yaml:9: invalid ReadinessPolicy \"broken\": spec.rules.probes.readiness: Unsupported value: \"Maybe\""},
		"every invalid field is named":    {args: []string{"check", "-p", "testdata/invalid-policy.yaml", "testdata/good"}, code: ExitUsage, stderrHas: "testdata/invalid-policy.yaml:11: invalid ReadinessPolicy \"broken\": spec.rules.replicas.minimum"},
		"invalid policy among inputs":     {args: []string{"check", "testdata/good", "testdata/invalid-policy.yaml"}, code: ExitUsage, stderrHas: "invalid-policy.yaml:9"},
		"unknown flag":                    {args: []string{"check", "--nope", tdBad}, code: ExitUsage, stderrHas: "unknown flag"},
		"bad fail-on":                     {args: []string{"check", "--fail-on", "fatal", tdBad}, code: ExitUsage, stderrHas: "--fail-on"},
		"bad assume-external":             {args: []string{"check", "--assume-external", "svc", tdBad}, code: ExitUsage, stderrHas: "--assume-external"},
		"bad output":                      {args: []string{"check", "-o", "xml", tdBad}, code: ExitUsage, stderrHas: "unknown output format"},
		"two outputs to stdout":           {args: []string{"check", "-o", "json", "-o", "yaml", tdBad}, code: ExitUsage, stderrHas: "at most one output"},
		"openreports":                     {args: []string{"check", "-o", "report", tdBad}, code: ExitFindings, stdoutHas: "kind: Report"},
		"openreports, nothing selected":   {args: []string{"check", "-p", "testdata/policies/warn.yaml", "-o", "report", "testdata/values.yaml", "--allow-empty"}, code: ExitOK},
		"unknown command":                 {args: []string{"nope"}, code: ExitUsage},
		"rules explain unknown":           {args: []string{"rules", "explain", "nope"}, code: ExitUsage, stderrHas: "unknown rule"},
		"rules explain":                   {args: []string{"rules", "explain", "pdb.required"}, code: ExitOK, stdoutHas: "How to fix"},
		"version":                         {args: []string{"version"}, code: ExitOK, stdoutHas: "prodready "},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			res := run(t, tc.stdin, tc.args...)
			if res.code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", res.code, tc.code, res.stdout, res.stderr)
			}
			if !strings.Contains(res.stderr, tc.stderrHas) {
				t.Errorf("stderr lacks %q:\n%s", tc.stderrHas, res.stderr)
			}
			if !strings.Contains(res.stdout, tc.stdoutHas) {
				t.Errorf("stdout lacks %q:\n%s", tc.stdoutHas, res.stdout)
			}
			if tc.code == ExitUsage && res.stdout != "" {
				t.Errorf("a usage error wrote to stdout:\n%s", res.stdout)
			}
		})
	}
}

func mustRead(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestOneInputSet checks that PDBs, HPAs and Namespaces in other files (or
// none) decide the outcome, and that objects without a namespace take
// --namespace.
func TestOneInputSet(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	deploy := write("deploy.yaml", mustRead(t, "testdata/good/deployment.yaml"))
	pdb := write("pdb.yaml", mustRead(t, "testdata/good/pdb.yaml"))
	otherNS := write("pdb-other.yaml", strings.Replace(mustRead(t, "testdata/good/pdb.yaml"), "namespace: shop", "namespace: other", 1))
	noNS := write("deploy-nons.yaml", strings.Replace(mustRead(t, "testdata/good/deployment.yaml"), "  namespace: shop\n", "", 1))
	critical := write("deploy-critical.yaml", strings.Replace(mustRead(t, "testdata/good/deployment.yaml"), "    spec:\n", "    spec:\n      priorityClassName: system-cluster-critical\n", 1))
	priorityPolicy := write("priority-policy.yaml", "apiVersion: prodready.io/v1alpha1\nkind: ClusterReadinessPolicy\nmetadata: {name: priority}\nspec:\n  enforcement: Enforce\n  rules:\n    priority: {allowedClasses: [system-cluster-critical]}\n")
	hpa := write("hpa.yaml", "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web, namespace: shop}\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  minReplicas: 1\n  maxReplicas: 5\n")

	rules := func(r check.Report) []string {
		var out []string
		for _, f := range r.Findings {
			out = append(out, f.Namespace+"/"+f.Deployment+" "+f.Rule+" "+string(f.Status))
		}
		return out
	}
	cases := map[string]struct {
		args []string
		want []string
	}{
		"PDB in another file":                 {[]string{deploy, pdb}, nil},
		"no PDB":                              {[]string{deploy}, []string{"shop/web pdb.required fail"}},
		"PDB in another namespace":            {[]string{deploy, otherNS}, []string{"shop/web pdb.required fail"}},
		"assume external PDB":                 {[]string{"--assume-external", "pdb", deploy}, []string{"shop/web pdb.required skip"}},
		"HPA lowers the replica floor":        {[]string{deploy, pdb, hpa}, []string{"shop/web replicas.minimum fail"}},
		"assume external HPA":                 {[]string{"--assume-external", "hpa", deploy, pdb, hpa}, []string{"shop/web replicas.minimum skip"}},
		"PriorityClass outside the input":     {[]string{"-p", priorityPolicy, critical}, []string{"shop/web priority.class fail"}},
		"assume external PriorityClass":       {[]string{"-p", priorityPolicy, "--assume-external", "priorityclass", critical}, []string{"shop/web priority.class skip"}},
		"no namespace takes default":          {[]string{noNS, pdb}, []string{"default/web pdb.required fail"}},
		"no namespace takes --namespace":      {[]string{"-n", "shop", noNS, pdb}, nil},
		"namespaceSelector reads Namespaces":  {[]string{"-p", "testdata/policies/pdb.yaml", deploy, "testdata/good/namespace.json"}, []string{"shop/web pdb.required fail"}},
		"namespaceSelector without Namespace": {[]string{"-p", "testdata/policies/pdb.yaml", deploy}, nil},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r, res := jsonReport(t, tc.args...)
			if res.code != ExitOK && res.code != ExitFindings {
				t.Fatalf("exit %d: %s", res.code, res.stderr)
			}
			if got := rules(r); strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			wantCode := ExitOK
			for _, w := range tc.want {
				if strings.HasSuffix(w, " fail") {
					wantCode = ExitFindings
				}
			}
			if res.code != wantCode {
				t.Errorf("exit %d, want %d", res.code, wantCode)
			}
		})
	}
}

// TestLines checks the object's and the field's line in the report.
func TestLines(t *testing.T) {
	r, res := jsonReport(t, "--assume-external", "pdb", tdBad)
	if res.code != ExitFindings {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	want := map[string][2]int{ // rule -> object line, field line
		"probes.readiness": {1, 13}, // the container
		"replicas.minimum": {1, 5},  // spec: replicas is missing
		"pdb.required":     {1, 10}, // spec.template.metadata.labels
	}
	for _, f := range r.Findings {
		w, ok := want[f.Rule]
		if !ok {
			t.Errorf("unexpected finding %s", f.Rule)
			continue
		}
		if f.File != tdBad || f.Line != w[0] || f.FieldLine != w[1] {
			t.Errorf("%s at %s:%d field line %d, want %s:%d field line %d", f.Rule, f.File, f.Line, f.FieldLine, tdBad, w[0], w[1])
		}
		delete(want, f.Rule)
	}
	if len(want) > 0 {
		t.Errorf("missing findings: %v", want)
	}
}

// TestOutputsToFiles writes several reports in one run.
func TestOutputsToFiles(t *testing.T) {
	dir := t.TempDir()
	sarif, junit := filepath.Join(dir, "r.sarif"), filepath.Join(dir, "r.xml")
	res := run(t, "", "check", "-o", "github", "-o", "sarif="+sarif, "-o", "junit="+junit, tdBad)
	if res.code != ExitFindings {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	if !strings.Contains(res.stdout, "::error file=testdata/bad.yaml,line=13,title=probes.readiness (ClusterReadinessPolicy/baseline)::Deployment default/api: ") {
		t.Errorf("github output:\n%s", res.stdout)
	}
	for _, p := range []string{sarif, junit} {
		if b, err := os.ReadFile(p); err != nil || !bytes.Contains(b, []byte("probes.readiness")) {
			t.Errorf("%s: %v\n%s", p, err, b)
		}
	}
}

func TestPolicyBaselineIsValid(t *testing.T) {
	res := run(t, "", "policy", "baseline")
	if res.code != ExitOK || !strings.Contains(res.stdout, "kind: ClusterReadinessPolicy") {
		t.Fatalf("exit %d:\n%s%s", res.code, res.stdout, res.stderr)
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "baseline.yaml")
	if err := os.WriteFile(p, []byte(res.stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	// The printed profile used with -p gives what no policy gives.
	a, ra := jsonReport(t, tdBad)
	b, rb := jsonReport(t, "-p", p, tdBad)
	if ra.code != ExitFindings || rb.code != ExitFindings || len(a.Findings) == 0 || len(a.Findings) != len(b.Findings) {
		t.Errorf("baseline built in: exit %d, %d findings; printed: exit %d, %d findings (%s)", ra.code, len(a.Findings), rb.code, len(b.Findings), rb.stderr)
	}
}

func TestKubectlPluginName(t *testing.T) {
	var out bytes.Buffer
	code := Run("/usr/local/bin/kubectl-prodready", []string{"--help"}, IO{In: strings.NewReader(""), Out: &out, Err: &out})
	if code != ExitOK || !strings.Contains(out.String(), "kubectl prodready [command]") {
		t.Errorf("exit %d:\n%s", code, out.String())
	}
}
