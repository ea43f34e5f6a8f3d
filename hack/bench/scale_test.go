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
	"maps"
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestLayoutExpectedMatched(t *testing.T) {
	cases := map[string]struct {
		l    scaleLayout
		size int
		want map[string]int32 // a sample of policies
		n    int              // policies with a count
	}{
		"row 4 at 10k: 100 per namespace, gold×team is 5 namespaces, std×team 20": {
			l: layout4, size: 10000, n: 20,
			want: map[string]int32{"rp-00": 100, "rp-14": 100, "crp-0": 500, "crp-2": 500, "crp-3": 2000, "crp-4": 2000},
		},
		"4b at 10k: 10 per namespace, gold×team 50 namespaces, std×team 200": {
			l: layout100k, size: 10000, n: 50,
			want: map[string]int32{"rp-00": 10, "rp-39": 10, "crp100k-0": 500, "crp100k-4": 500, "crp100k-5": 2000, "crp100k-9": 2000},
		},
		"4b at 100k: ten times each": {
			l: layout100k, size: 100000, n: 50,
			want: map[string]int32{"rp-00": 100, "rp-39": 100, "crp100k-0": 5000, "crp100k-4": 5000, "crp100k-5": 20000, "crp100k-9": 20000},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := tc.l.expectedMatched(tc.size)
			if len(got) != tc.n || len(got) != tc.l.policyCount() || len(tc.l.policies()) != tc.n {
				t.Fatalf("%d policies with a count, %d policies, want %d", len(got), len(tc.l.policies()), tc.n)
			}
			for p, n := range tc.want {
				if got[p] != n {
					t.Errorf("%s matches %d, want %d", p, got[p], n)
				}
			}
		})
	}
}

// TestLayoutSelecting checks the policies the change step waits for against
// the policies whose count includes Deployment 0.
func TestLayoutSelecting(t *testing.T) {
	cases := map[string]struct {
		l    scaleLayout
		want []string
	}{
		"row 4":  {l: layout4, want: []string{"crp-0"}},
		"row 4b": {l: layout100k, want: []string{"crp100k-0", "crp100k-4"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := tc.l.selecting()
			if !slices.Equal(got, tc.want) {
				t.Fatalf("selecting() = %v, want %v", got, tc.want)
			}
			with := tc.l.expectedMatched(1)
			var fromCounts []string
			for _, p := range slices.Sorted(maps.Keys(with)) {
				if p != "rp-00" {
					fromCounts = append(fromCounts, p)
				}
			}
			if !slices.Equal(got, fromCounts) {
				t.Fatalf("selecting() = %v, but Deployment 0 is counted by %v", got, fromCounts)
			}
		})
	}
}

func TestParseSizes(t *testing.T) {
	cases := map[string]struct {
		in   string
		min  int
		want []int
	}{
		"default":               {in: "10000,100000", min: 1000, want: []int{10000, 100000}},
		"spaces":                {in: " 1000 , 2000", min: 1000, want: []int{1000, 2000}},
		"fewer than namespaces": {in: "999", min: 1000},
		"decreasing":            {in: "2000,1000", min: 100},
		"repeated":              {in: "2000,2000", min: 100},
		"junk":                  {in: "10k", min: 100},
		"empty":                 {in: "", min: 100},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := parseSizes(tc.in, tc.min)
			if tc.want == nil {
				if err == nil {
					t.Fatalf("parseSizes(%q) = %v, want an error", tc.in, got)
				}
				return
			}
			if err != nil || !slices.Equal(got, tc.want) {
				t.Fatalf("parseSizes(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestScaleMetricsTargets(t *testing.T) {
	ten := scaleSize{Deployments: 10000, Policies: 50, FullStatus: 5, ChangeP50: 200, ChangeP99: 900, WritesPerChange: 3,
		SelectingChanged: 3, PeakRSSMiB: 150, SettledHeapMiB: 61}
	hundred := scaleSize{Deployments: 100000, Policies: 50, FullStatus: 56, ChangeP50: 300, ChangeP99: 2100, WritesPerChange: 3,
		SelectingChanged: 3, PeakRSSMiB: 900, SettledHeapMiB: 600}
	met := map[string]*bool{}
	target := map[string]string{}
	for _, m := range scaleMetrics(layout100k, []scaleSize{ten, hundred}, 0) {
		met[m.Metric], target[m.Metric] = m.Met, m.Target
	}
	cases := map[string]struct {
		target string
		met    *bool // nil: no target
	}{
		"10000 Deployments: full status after creating 50 policies":                        {"< 6 s", ptrTo(true)},
		"10000 Deployments: one change reflected, p50 / p99 of 100":                        {"< 1 s", ptrTo(true)},
		"10000 Deployments: operator peak RSS in this step":                                {"< 200 MiB", ptrTo(true)},
		"10000 Deployments: operator settled heap (live after a forced GC; spans in use)":  {"< 60 MiB", ptrTo(false)},
		"100000 Deployments: full status after creating 50 policies":                       {"< 60 s", ptrTo(true)},
		"100000 Deployments: one change reflected, p50 / p99 of 100":                       {"< 2 s", ptrTo(false)},
		"100000 Deployments: operator peak RSS in this step":                               {"< 1 GiB", ptrTo(true)},
		"100000 Deployments: operator settled heap (live after a forced GC; spans in use)": {"", nil},
		"100000 Deployments: status writes per change (policies selecting it: 3)":          {"<= 3", ptrTo(true)},
		"growth 10000→100000 (×10 Deployments): full status time":                          {"<= ×11", ptrTo(false)}, // ×11.2
		"growth 10000→100000 (×10 Deployments): change p99":                                {"<= ×11", ptrTo(true)},
		"growth 10000→100000 (×10 Deployments): peak RSS in the step":                      {"<= ×11", ptrTo(true)},
		"growth 10000→100000 (×10 Deployments): settled heap":                              {"<= ×11", ptrTo(true)},
		"100000 Deployments: setup: 0 objects created (Deployments, PDBs; 0 retries)":      {"", nil},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, ok := met[name]
			if !ok {
				t.Fatalf("no metric %q; have %v", name, slices.Sorted(maps.Keys(met)))
			}
			if target[name] != tc.target || (got == nil) != (tc.met == nil) || (got != nil && *got != *tc.met) {
				t.Fatalf("target %q met %v, want %q %v", target[name], fmtMet(got), tc.target, fmtMet(tc.met))
			}
		})
	}
}

func fmtMet(b *bool) string {
	if b == nil {
		return "—"
	}
	return map[bool]string{true: "yes", false: "no"}[*b]
}

func TestRunOrder(t *testing.T) {
	rows := []rowDef{{id: "scale100k", last: true}, {id: "engine"}, {id: "reports"}}
	var got []string
	for _, r := range runOrder(rows) {
		got = append(got, r.id)
	}
	if want := []string{"engine", "reports", "scale100k"}; !slices.Equal(got, want) {
		t.Fatalf("run order %v, want %v", got, want)
	}
	ms := []metric{{RowID: "reports", Metric: "r"}, {RowID: "scale100k", Metric: "a"}, {RowID: "scale100k", Metric: "b"}, {RowID: "engine", Metric: "e"}}
	tableOrder(ms)
	var order []string
	for _, m := range ms {
		order = append(order, m.Metric)
	}
	if want := []string{"e", "a", "b", "r"}; !slices.Equal(order, want) {
		t.Fatalf("table order %v, want %v", order, want)
	}
}

func TestCountInNamespacesIgnoresOtherNamespaces(t *testing.T) {
	items := []metav1.PartialObjectMetadata{
		{ObjectMeta: metav1.ObjectMeta{Namespace: scaleNS(0), Name: "a"}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: scaleNS(1), Name: "b"}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: "bench-webhook-1", Name: "c"}},
	}
	if got := countInNamespaces(items, scaleNamespaceNames()); got != 2 {
		t.Fatalf("countInNamespaces = %d, want 2 (the report in bench-webhook-1 is not the row's)", got)
	}
}
