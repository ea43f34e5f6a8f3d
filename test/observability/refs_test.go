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

package observability

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

const root = "../.."

func TestParse(t *testing.T) {
	cases := map[string]struct {
		expr     string
		metrics  map[string][]string
		grouping []string
		err      bool
	}{
		"bare metric": {expr: "up", metrics: map[string][]string{"up": nil}},
		"selector labels, strings with braces and escapes": {
			expr:    `foo_total{job="$job", name=~"a\\.b{1}", code!~"2.."}`,
			metrics: map[string][]string{"foo_total": {"code", "job", "name"}},
		},
		"functions, ranges, grouping and offset": {
			expr:     `histogram_quantile(0.99, sum by (le, kind) (rate(x_bucket{job="j"}[$__rate_interval]))) > sum without (pod) (y offset 1h) or vector(0)`,
			metrics:  map[string][]string{"x_bucket": {"job"}, "y": nil},
			grouping: []string{"le", "kind", "pod"},
		},
		"binary operators and on()": {
			expr:     `a / on (policy) group_left b * 100 unless c == bool 1e3`,
			metrics:  map[string][]string{"a": nil, "b": nil, "c": nil},
			grouping: []string{"policy"},
		},
		"selector without metric name is refused": {expr: `{__name__="x"}`, err: true},
		"unclosed string is refused":              {expr: `x{a="b}`, err: true},
		"unknown syntax is refused":               {expr: `x @ 1`, err: true},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := Parse(c.expr)
			if c.err {
				if err == nil {
					t.Fatalf("Parse(%q) = %+v, want an error", c.expr, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", c.expr, err)
			}
			if !reflect.DeepEqual(got.Metrics, c.metrics) {
				t.Errorf("metrics = %v, want %v", got.Metrics, c.metrics)
			}
			if !reflect.DeepEqual(got.Grouping, c.grouping) {
				t.Errorf("grouping = %v, want %v", got.Grouping, c.grouping)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	have, err := ParseExposition(`# HELP x_total help
# TYPE x_total counter
x_total{policy="a",decision="denied"} 1
h_bucket{le="0.1"} 2
h_count 2
`)
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		q    Query
		want []string
	}{
		"all known": {q: Query{Source: "ok", Expr: `sum by (policy) (rate(x_total{job="j",decision="denied"}[5m]))`, OutputLabels: []string{"policy"}}},
		"histogram": {q: Query{Source: "ok", Expr: `histogram_quantile(0.9, sum by (le) (rate(h_bucket[5m])))`}},
		"missing metric": {
			q:    Query{Source: "q", Expr: `rate(y_total[5m])`},
			want: []string{"q: metric y_total is not exported"},
		},
		"missing selector label": {
			q:    Query{Source: "q", Expr: `x_total{rule="r"}`},
			want: []string{`q: metric x_total has no label "rule"`},
		},
		"namespace is not a target label": {
			q:    Query{Source: "q", Expr: `x_total{namespace="n"}`},
			want: []string{`q: metric x_total has no label "namespace"`},
		},
		"missing grouping and output labels": {
			q:    Query{Source: "q", Expr: `sum by (kind) (x_total)`, OutputLabels: []string{"operation"}},
			want: []string{`q: label "kind" is on none of its metrics`, `q: label "operation" is on none of its metrics`},
		},
		"external metric": {q: Query{Source: "ok", Expr: `absent(up{job="j"} == 1)`}},
		"grouping over an external metric is not checked": {
			q: Query{Source: "ok", Expr: `max by (kind) (up{job="j"})`, OutputLabels: []string{"kind"}},
		},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			got := Check([]Query{c.q}, have, map[string]bool{"up": true})
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("Check = %q, want %q", got, c.want)
			}
		})
	}
}

// TestQueriesParse makes sure every query of the rules and the dashboard is
// understood, so the e2e check (test/e2e) really covers all of them.
func TestQueriesParse(t *testing.T) {
	qs, err := Queries(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) < 20 {
		t.Fatalf("only %d queries found; the loader misses some", len(qs))
	}
	for _, q := range qs {
		refs, err := Parse(q.Expr)
		if err != nil {
			t.Errorf("%s: %v", q.Source, err)
			continue
		}
		if len(refs.Metrics) == 0 {
			t.Errorf("%s: reads no metric: %q", q.Source, q.Expr)
		}
	}
}

// githubAnchor turns a Markdown heading into the anchor GitHub gives it.
func githubAnchor(heading string) string {
	s := strings.ToLower(strings.TrimSpace(heading))
	s = regexp.MustCompile("[^a-z0-9 _-]").ReplaceAllString(s, "")
	return strings.ReplaceAll(s, " ", "-")
}

func TestAlertsNameTheirRunbookSection(t *testing.T) {
	rules, err := LoadRules(root)
	if err != nil {
		t.Fatal(err)
	}
	runbook, err := os.ReadFile(filepath.Join(root, "docs/runbook.md"))
	if err != nil {
		t.Fatal(err)
	}
	anchors := map[string]bool{}
	for _, line := range strings.Split(string(runbook), "\n") {
		if strings.HasPrefix(line, "#") {
			anchors[githubAnchor(strings.TrimLeft(line, "#"))] = true
		}
	}
	observability, err := os.ReadFile(filepath.Join(root, "docs/observability.md"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				continue
			}
			n++
			url := r.Annotations["runbook_url"]
			anchor, ok := strings.CutPrefix(url, "docs/runbook.md#")
			if !ok {
				t.Errorf("%s: runbook_url %q does not point into docs/runbook.md", r.Alert, url)
			} else if !anchors[anchor] {
				t.Errorf("%s: docs/runbook.md has no section #%s", r.Alert, anchor)
			}
			if r.Annotations["summary"] == "" {
				t.Errorf("%s: no summary annotation", r.Alert)
			}
			switch r.Labels["severity"] {
			case "critical", "warning", "info":
			default:
				t.Errorf("%s: severity %q, want critical, warning or info", r.Alert, r.Labels["severity"])
			}
			if !strings.Contains(string(observability), "`"+r.Alert+"`") {
				t.Errorf("%s: not described in docs/observability.md", r.Alert)
			}
		}
	}
	if n < 6 {
		t.Fatalf("only %d alerts", n)
	}
}

// TestDashboardWatchesEveryMetric: every prodready_* metric the operator
// defines appears in at least one dashboard panel, and every panel has a
// description and queries.
func TestDashboardWatchesEveryMetric(t *testing.T) {
	dash, err := LoadDashboard(root)
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	for _, p := range dash.Panels {
		if p.Type == "row" {
			continue
		}
		if p.Description == "" || len(p.Targets) == 0 {
			t.Errorf("panel %q: needs a description and at least one query", p.Title)
		}
		for _, q := range p.Targets {
			refs, err := Parse(q.Expr)
			if err != nil {
				t.Errorf("panel %q: %v", p.Title, err)
				continue
			}
			for m := range refs.Metrics {
				used[strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(m, "_bucket"), "_count"), "_sum")] = true
			}
		}
	}
	defined := regexp.MustCompile(`Name:\s+"(prodready_[a-z_]+)"`)
	files, err := filepath.Glob(filepath.Join(root, "internal/*/metrics.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no internal/*/metrics.go: %v", err)
	}
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range defined.FindAllStringSubmatch(string(b), -1) {
			n++
			if !used[m[1]] {
				t.Errorf("%s (defined in %s) is on no dashboard panel", m[1], f)
			}
		}
	}
	if n < 5 {
		t.Fatalf("found only %d metric definitions", n)
	}
}
