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

// Package observability reads the PromQL of prodready's alerting rules
// (config/prometheus/prodready.rules.yaml) and Grafana dashboard
// (config/grafana/prodready.json) and lists every metric and label they use,
// so that tests can check them against what the operator really exports
// (test/e2e scrapes a running operator) and what the rules promise (runbook
// sections).
package observability

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"
)

// Paths of the sources, relative to the repository root.
const (
	RulesFile     = "config/prometheus/prodready.rules.yaml"
	DashboardFile = "config/grafana/prodready.json"
)

// Query is one PromQL expression and where it comes from.
type Query struct {
	Source string // e.g. "alert ProdreadyNoLeader" or "panel Status writes"
	Expr   string
	// Labels are labels the query's output must carry for the alert's
	// annotations ($labels.x) or the panel's legend ({{x}}).
	OutputLabels []string
}

// Refs is what one query reads: each metric with the labels used in its
// selector, plus labels used in grouping (by, without, on, ignoring), which
// must exist on at least one of the query's metrics.
type Refs struct {
	Metrics  map[string][]string
	Grouping []string
}

// Rules is the part of a rule file the tests read.
type Rules struct {
	Groups []struct {
		Name  string `json:"name"`
		Rules []Rule `json:"rules"`
	} `json:"groups"`
}

// Rule is one alerting rule.
type Rule struct {
	Alert       string            `json:"alert"`
	Record      string            `json:"record"`
	Expr        string            `json:"expr"`
	For         string            `json:"for"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
}

// LoadRules parses the rule file under root.
func LoadRules(root string) (*Rules, error) {
	b, err := os.ReadFile(filepath.Join(root, RulesFile))
	if err != nil {
		return nil, err
	}
	var r Rules
	if err := yaml.UnmarshalStrict(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", RulesFile, err)
	}
	return &r, nil
}

// Dashboard is the part of a Grafana dashboard the tests read.
type Dashboard struct {
	Title      string  `json:"title"`
	Panels     []Panel `json:"panels"`
	Templating struct {
		List []struct {
			Name       string `json:"name"`
			Type       string `json:"type"`
			Definition string `json:"definition"`
		} `json:"list"`
	} `json:"templating"`
}

// Panel is one dashboard panel.
type Panel struct {
	Title       string `json:"title"`
	Type        string `json:"type"`
	Description string `json:"description"`
	Targets     []struct {
		Expr         string `json:"expr"`
		LegendFormat string `json:"legendFormat"`
	} `json:"targets"`
}

// LoadDashboard parses the dashboard under root.
func LoadDashboard(root string) (*Dashboard, error) {
	b, err := os.ReadFile(filepath.Join(root, DashboardFile))
	if err != nil {
		return nil, err
	}
	var d Dashboard
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("%s: %w", DashboardFile, err)
	}
	return &d, nil
}

var (
	annotationLabel = regexp.MustCompile(`\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)`)
	legendLabel     = regexp.MustCompile(`\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}`)
	labelValues     = regexp.MustCompile(`^label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s*,\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)$`)
)

// Queries returns every PromQL query of the rules and the dashboard under
// root, including the dashboard's label_values() variables.
func Queries(root string) ([]Query, error) {
	rules, err := LoadRules(root)
	if err != nil {
		return nil, err
	}
	dash, err := LoadDashboard(root)
	if err != nil {
		return nil, err
	}
	var qs []Query
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			q := Query{Source: "alert " + r.Alert + r.Record, Expr: r.Expr}
			for _, a := range r.Annotations {
				for _, m := range annotationLabel.FindAllStringSubmatch(a, -1) {
					q.OutputLabels = append(q.OutputLabels, m[1])
				}
			}
			qs = append(qs, q)
		}
	}
	for _, p := range dash.Panels {
		for _, t := range p.Targets {
			q := Query{Source: "panel " + p.Title, Expr: t.Expr}
			for _, m := range legendLabel.FindAllStringSubmatch(t.LegendFormat, -1) {
				q.OutputLabels = append(q.OutputLabels, m[1])
			}
			qs = append(qs, q)
		}
	}
	for _, v := range dash.Templating.List {
		if v.Type != "query" {
			continue
		}
		m := labelValues.FindStringSubmatch(strings.TrimSpace(v.Definition))
		if m == nil {
			return nil, fmt.Errorf("dashboard variable %q: want label_values(metric{...}, label), got %q", v.Name, v.Definition)
		}
		qs = append(qs, Query{Source: "variable " + v.Name, Expr: m[1] + m[2], OutputLabels: []string{m[3]}})
	}
	return qs, nil
}

// keywords are PromQL words that are neither metrics nor labels.
var keywords = map[string]bool{
	"and": true, "or": true, "unless": true, "bool": true, "offset": true, "by": true, "without": true,
	"on": true, "ignoring": true, "group_left": true, "group_right": true, "inf": true, "nan": true,
	"start": true, "end": true, "atan2": true,
	// Aggregations, which may take their grouping clause before the
	// parenthesis: sum by (x) (...).
	"sum": true, "min": true, "max": true, "avg": true, "group": true, "stddev": true, "stdvar": true,
	"count": true, "count_values": true, "bottomk": true, "topk": true, "quantile": true,
	"limitk": true, "limit_ratio": true,
}

// grouping keywords take a parenthesised list of label names.
var grouping = map[string]bool{"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true}

// Parse lists the metrics and labels one PromQL expression reads. It is a
// small lexer, not a full parser: it knows strings, durations in brackets,
// label matchers in braces, function calls and grouping clauses, which is
// all prodready's queries use. Parse fails on anything it does not
// understand rather than guessing.
func Parse(expr string) (Refs, error) {
	l := &lexer{s: expr, refs: Refs{Metrics: map[string][]string{}}}
	for l.i < len(l.s) {
		if err := l.next(); err != nil {
			return l.refs, fmt.Errorf("%w in %q", err, expr)
		}
	}
	for m := range l.refs.Metrics {
		sort.Strings(l.refs.Metrics[m])
	}
	return l.refs, nil
}

type lexer struct {
	s    string
	i    int
	refs Refs
	// lastMetric is the metric a following {...} selector belongs to.
	lastMetric string
}

// next consumes one token.
func (l *lexer) next() error {
	c := l.s[l.i]
	switch {
	case c == ' ' || c == '\n' || c == '\t' || c == '\r':
		l.i++
	case c == '"' || c == '\'' || c == '`':
		j, err := skipString(l.s, l.i)
		if err != nil {
			return err
		}
		l.i = j
	case c == '[':
		j := strings.IndexByte(l.s[l.i:], ']')
		if j < 0 {
			return fmt.Errorf("unclosed [ at %d", l.i)
		}
		l.i += j + 1
	case c == '{':
		return l.selector()
	case isIdentStart(c):
		return l.word()
	case c >= '0' && c <= '9' || c == '.':
		for l.i < len(l.s) && (isIdent(l.s[l.i]) || l.s[l.i] == '.') {
			l.i++ // numbers, including 1e3 and durations after offset
		}
		l.lastMetric = ""
	case strings.ContainsRune("()+-*/%^=!<>,", rune(c)):
		if c != ')' {
			l.lastMetric = ""
		}
		l.i++
	default:
		return fmt.Errorf("unexpected %q at %d", c, l.i)
	}
	return nil
}

func (l *lexer) selector() error {
	labels, j, err := matchers(l.s, l.i)
	if err != nil {
		return err
	}
	if l.lastMetric == "" {
		return fmt.Errorf("selector without metric name at %d", l.i)
	}
	l.refs.Metrics[l.lastMetric] = appendUnique(l.refs.Metrics[l.lastMetric], labels...)
	l.i = j
	return nil
}

// word consumes an identifier: a metric name, a function or aggregation, a
// keyword, or a grouping clause with its label list.
func (l *lexer) word() error {
	j := l.i
	for j < len(l.s) && isIdent(l.s[j]) {
		j++
	}
	word := l.s[l.i:j]
	k := j
	for k < len(l.s) && (l.s[k] == ' ' || l.s[k] == '\n' || l.s[k] == '\t') {
		k++
	}
	paren := k < len(l.s) && l.s[k] == '('
	l.lastMetric = ""
	switch {
	case grouping[word] && paren:
		end := strings.IndexByte(l.s[k:], ')')
		if end < 0 {
			return fmt.Errorf("unclosed %s(", word)
		}
		for _, name := range strings.Split(l.s[k+1:k+end], ",") {
			if name = strings.TrimSpace(name); name != "" {
				l.refs.Grouping = appendUnique(l.refs.Grouping, name)
			}
		}
		l.i = k + end + 1
		return nil
	case grouping[word] && word != "group_left" && word != "group_right":
		return fmt.Errorf("%s without (", word) // group_x's label list is optional
	case grouping[word], keywords[word], paren:
		// a keyword, or a function or aggregation
	default:
		if _, ok := l.refs.Metrics[word]; !ok {
			l.refs.Metrics[word] = nil
		}
		l.lastMetric = word
	}
	l.i = j
	return nil
}

func matchers(s string, i int) ([]string, int, error) {
	var labels []string
	i++ // {
	for {
		for i < len(s) && strings.ContainsRune(" \n\t,", rune(s[i])) {
			i++
		}
		if i >= len(s) {
			return nil, i, fmt.Errorf("unclosed {")
		}
		if s[i] == '}' {
			return labels, i + 1, nil
		}
		j := i
		for j < len(s) && isIdent(s[j]) {
			j++
		}
		if j == i {
			return nil, i, fmt.Errorf("want a label name at %d", i)
		}
		labels = appendUnique(labels, s[i:j])
		for j < len(s) && s[j] == ' ' {
			j++
		}
		k := j
		for k < len(s) && strings.ContainsRune("=!~", rune(s[k])) {
			k++
		}
		if k == j {
			return nil, j, fmt.Errorf("want a matcher operator at %d", j)
		}
		for k < len(s) && s[k] == ' ' {
			k++
		}
		end, err := skipString(s, k)
		if err != nil {
			return nil, k, err
		}
		i = end
	}
}

func skipString(s string, i int) (int, error) {
	if i >= len(s) || !strings.ContainsRune("\"'`", rune(s[i])) {
		return i, fmt.Errorf("want a string at %d", i)
	}
	q := s[i]
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			if q != '`' {
				j++
			}
		case q:
			return j + 1, nil
		}
	}
	return i, fmt.Errorf("unclosed string at %d", i)
}

func isIdentStart(c byte) bool {
	return c == '_' || c == ':' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isIdent(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }

func appendUnique(list []string, add ...string) []string {
	for _, a := range add {
		found := false
		for _, l := range list {
			if l == a {
				found = true
				break
			}
		}
		if !found {
			list = append(list, a)
		}
	}
	return list
}

// Exported maps each series name in a /metrics scrape (histograms as
// _bucket, _sum and _count) to the label names its series carry.
type Exported map[string]map[string]bool

// ParseExposition reads the Prometheus text format.
func ParseExposition(text string) (Exported, error) {
	out := Exported{}
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		end := strings.IndexAny(line, "{ ")
		if end <= 0 {
			return nil, fmt.Errorf("line %d: no metric name: %q", n+1, line)
		}
		name := line[:end]
		labels := out[name]
		if labels == nil {
			labels = map[string]bool{}
			out[name] = labels
		}
		if line[end] != '{' {
			continue
		}
		names, _, err := matchers(line, end)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w: %q", n+1, err, line)
		}
		for _, l := range names {
			labels[l] = true
		}
	}
	return out, nil
}

// Merge adds the series of another scrape.
func (e Exported) Merge(o Exported) {
	for name, labels := range o {
		if e[name] == nil {
			e[name] = map[string]bool{}
		}
		for l := range labels {
			e[name][l] = true
		}
	}
}

// TargetLabels are attached by Prometheus to every scraped series (the
// ServiceMonitor's job, instance, service, pod, container, endpoint); a
// query may use them on any metric. namespace is not among them: the
// ServiceMonitor honors the metrics' own namespace label, which is the one
// the queries mean.
var TargetLabels = []string{"job", "instance", "service", "pod", "container", "endpoint"}

// Check returns one line per metric or label a query uses that the scrape
// does not have. Metrics in external come from elsewhere (Prometheus
// itself, kube-state-metrics) and are not checked, and neither are the
// grouping and output labels of a query that reads one.
func Check(qs []Query, have Exported, external map[string]bool) []string {
	target := map[string]bool{}
	for _, l := range TargetLabels {
		target[l] = true
	}
	var problems []string
	for _, q := range qs {
		refs, err := Parse(q.Expr)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", q.Source, err))
			continue
		}
		union := map[string]bool{}
		for l := range target {
			union[l] = true
		}
		unknown := false // reads a metric whose labels cannot be checked here
		for m, labels := range refs.Metrics {
			if external[m] {
				unknown = true
				continue
			}
			series, ok := have[m]
			if !ok {
				problems = append(problems, fmt.Sprintf("%s: metric %s is not exported", q.Source, m))
				continue
			}
			for l := range series {
				union[l] = true
			}
			for _, l := range labels {
				if !series[l] && !target[l] {
					problems = append(problems, fmt.Sprintf("%s: metric %s has no label %q", q.Source, m, l))
				}
			}
		}
		for _, l := range append(refs.Grouping, q.OutputLabels...) {
			if !union[l] && !unknown {
				problems = append(problems, fmt.Sprintf("%s: label %q is on none of its metrics", q.Source, l))
			}
		}
	}
	sort.Strings(problems)
	return problems
}
