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

// Command bench measures prodready's performance figures and prints them as
// one Markdown table, also written as JSON to _out/bench/results.json (the
// folder is git-ignored):
//
//	go run ./hack/bench -rows=engine,admission   # or: make bench
//
// Each row of the table is a named measurement that yields one or
// more metrics:
//
//	engine     1. the rule engine: BenchmarkEvaluate run with go test
//	admission  2. the Deployment admission handler served over HTTPS on
//	           127.0.0.1 and driven by an open-loop load generator
//
// A row is added by writing a func(context.Context, *options) (*rowResult,
// error) and listing it in allRows; the table, the JSON and -rows pick it up.
// Every metric carries the machine's core count, since every figure depends
// on it. The program stops by itself: every phase is bounded in time and
// request count, and everything it serves listens on 127.0.0.1 only.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"
)

// options are the command-line flags.
type options struct {
	rows       string
	outDir     string
	cpuProfile string

	engineCount    int
	scaleSizes     string
	scale100kSizes string
	cliSizes       string

	fixedRate     float64
	fixedDuration time.Duration
	stepStart     float64
	stepDuration  time.Duration
	maxRate       float64
	refineSteps   int
	p99Target     time.Duration
	workers       int
	reader        string
	lastApplied   bool
}

// rowDef is one row of the table.
type rowDef struct {
	id    string
	title string
	run   func(context.Context, *options) (*rowResult, error)
	// last rows run after every other selected row (they leave the
	// cluster in a state the others must not measure), but keep their
	// place in the table.
	last bool
}

// allRows lists the rows in table order. Rows 3 (added latency through a
// real kube-apiserver) and 4 (the controller at scale) are appended here.
var allRows = []rowDef{
	{id: "engine", title: "1. Rule engine", run: runEngine},
	{id: "admission", title: "2. Admission handler (in-process HTTPS)", run: runAdmission},
	{id: "apiserver", title: "3. Added latency through kube-apiserver", run: runAPIServerLatency},
	{id: "scale", title: "4. Controller at scale", run: runScale},
	{id: "scale100k", title: "4b. Controller at 100,000 Deployments", run: runScale100k, last: true},
	{id: "reports", title: "5. OpenReports reports at scale", run: runReports},
	{id: "cli", title: "6. prodready check on a manifest corpus", run: runCLI},
}

// rowResult is what a row measured: the table's metrics and free-form
// details (raw samples, steps) for the JSON.
type rowResult struct {
	metrics []metric
	details any
}

// metric is one line of the table.
type metric struct {
	Row    string `json:"row"`
	RowID  string `json:"rowId"`
	Metric string `json:"metric"`
	// Value is in Unit; Display is the same value as the table shows it.
	Value   float64 `json:"value"`
	Unit    string  `json:"unit"`
	Display string  `json:"display"`
	// Target is empty and Met nil for a figure reported for context only.
	Target string `json:"target,omitempty"`
	Met    *bool  `json:"met,omitempty"`
	Cores  int    `json:"cores"`
}

// report is the JSON document.
type report struct {
	Schema   int               `json:"schema"`
	Started  time.Time         `json:"started"`
	Finished time.Time         `json:"finished"`
	Host     host              `json:"host"`
	Rows     []string          `json:"rows"`
	Metrics  []metric          `json:"metrics"`
	Details  map[string]any    `json:"details"`
	Errors   map[string]string `json:"errors,omitempty"`
}

type host struct {
	Cores      int    `json:"cores"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	CPU        string `json:"cpu,omitempty"`
	GOOS       string `json:"goos"`
	GOARCH     string `json:"goarch"`
	Go         string `json:"go"`
	Load       string `json:"loadavg,omitempty"`
}

func main() {
	var o options
	flag.StringVar(&o.cliSizes, "cli-sizes", "1000,10000", "cli: corpus sizes (Deployments) to check, in increasing order")
	flag.StringVar(&o.rows, "rows", "engine,admission,apiserver,scale,scale100k,reports,cli", "comma-separated rows to measure: "+rowIDs())
	flag.StringVar(&o.scaleSizes, "scale-sizes", "1000,5000,10000", "scale: Deployment counts to measure, in increasing order")
	flag.StringVar(&o.scale100kSizes, "scale100k-sizes", "10000,100000", "scale100k: Deployment counts to measure in 1,000 namespaces with 50 policies, in increasing order; the cold start runs at the last")
	flag.StringVar(&o.outDir, "out", "_out/bench", "directory for results.json (relative to the module root)")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the admission load run (fixed rate and steps) to this file")
	flag.IntVar(&o.engineCount, "engine-count", 5, "go test -count for the rule engine benchmark; the median is reported")
	flag.Float64Var(&o.fixedRate, "fixed-rate", 500, "admission: request rate of the fixed-rate run, per second")
	flag.DurationVar(&o.fixedDuration, "fixed-duration", 20*time.Second, "admission: length of the fixed-rate run")
	flag.Float64Var(&o.stepStart, "step-start", 500, "admission: first rate of the step search, doubled each step while p99 stays under -p99-target (halved while it does not)")
	flag.DurationVar(&o.stepDuration, "step-duration", 5*time.Second, "admission: length of each step")
	flag.Float64Var(&o.maxRate, "max-rate", 64000, "admission: the step search stops at this rate")
	flag.IntVar(&o.refineSteps, "refine-steps", 2, "admission: bisection steps between the last passing and the first failing rate")
	flag.DurationVar(&o.p99Target, "p99-target", 5*time.Millisecond, "admission: p99 latency a step must stay under")
	flag.IntVar(&o.workers, "workers", 64, "admission: client goroutines, each with at most one keep-alive connection")
	flag.BoolVar(&o.lastApplied, "last-applied", true, "admission: give the Deployments kubectl's last-applied-configuration annotation (about 10 KB instead of 5 KB per object)")
	flag.StringVar(&o.reader, "reader", "cache", "admission: what the validator reads policies, PDBs and HPAs from: fake (controller-runtime's fake client) or cache (in-memory, shallow copies like the informer cache with UnsafeDisableDeepCopy)")
	flag.Parse()

	if err := run(&o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func rowIDs() string {
	ids := make([]string, len(allRows))
	for i, r := range allRows {
		ids[i] = r.id
	}
	return strings.Join(ids, ", ")
}

func run(o *options) error {
	var selected []rowDef
	for _, id := range strings.Split(o.rows, ",") {
		id = strings.TrimSpace(id)
		i := slices.IndexFunc(allRows, func(r rowDef) bool { return r.id == id })
		if i < 0 {
			return fmt.Errorf("unknown row %q; known rows: %s", id, rowIDs())
		}
		selected = append(selected, allRows[i])
	}
	selected = runOrder(selected)
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	if err := os.Chdir(root); err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	rep := report{
		Schema:  1,
		Started: time.Now().UTC(),
		Host: host{
			Cores: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0), CPU: cpuModel(),
			GOOS: runtime.GOOS, GOARCH: runtime.GOARCH, Go: runtime.Version(), Load: loadAvg(),
		},
		Details: map[string]any{},
	}
	for _, r := range selected {
		rep.Rows = append(rep.Rows, r.id)
		logf("=== row %s: %s", r.id, r.title)
		res, err := r.run(ctx, o)
		if err != nil {
			if rep.Errors == nil {
				rep.Errors = map[string]string{}
			}
			rep.Errors[r.id] = err.Error()
			logf("row %s failed: %v", r.id, err)
		}
		if res != nil { // a failed row may still return what it measured
			for _, m := range res.metrics {
				m.Row, m.RowID, m.Cores = r.title, r.id, rep.Host.Cores
				rep.Metrics = append(rep.Metrics, m)
			}
			if res.details != nil {
				rep.Details[r.id] = res.details
			}
		}
		if err != nil && ctx.Err() != nil {
			break
		}
	}
	rep.Finished = time.Now().UTC()
	tableOrder(rep.Metrics)

	path := filepath.Join(o.outDir, "results.json")
	if err := writeJSON(path, &rep); err != nil {
		return err
	}
	if err := printTable(os.Stdout, &rep); err != nil {
		return err
	}
	fmt.Printf("\n%d cores (GOMAXPROCS %d), %s, %s/%s, load average before the run %s. JSON: %s\n",
		rep.Host.Cores, rep.Host.GOMAXPROCS, rep.Host.Go, rep.Host.GOOS, rep.Host.GOARCH, rep.Host.Load, path)
	if len(rep.Errors) > 0 {
		return fmt.Errorf("%d row(s) failed: %v", len(rep.Errors), rep.Errors)
	}
	return nil
}

// runOrder puts the rows marked last after the others, keeping the order
// the user gave otherwise.
func runOrder(selected []rowDef) []rowDef {
	out := slices.Clone(selected)
	slices.SortStableFunc(out, func(a, b rowDef) int {
		switch {
		case a.last == b.last:
			return 0
		case a.last:
			return 1
		}
		return -1
	})
	return out
}

// tableOrder sorts metrics into allRows' order, keeping each row's own.
func tableOrder(ms []metric) {
	rowIndex := func(id string) int { return slices.IndexFunc(allRows, func(x rowDef) bool { return x.id == id }) }
	slices.SortStableFunc(ms, func(a, b metric) int { return rowIndex(a.RowID) - rowIndex(b.RowID) })
}

// printTable prints the metrics as a Markdown table.
func printTable(w io.Writer, rep *report) error {
	var b strings.Builder
	b.WriteString("| row | metric | value | target | met? | cores |\n|---|---|---|---|---|---|\n")
	for _, m := range rep.Metrics {
		target, met := m.Target, "—"
		if target == "" {
			target = "—"
		}
		if m.Met != nil {
			met = map[bool]string{true: "yes", false: "**no**"}[*m.Met]
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %d |\n", m.Row, m.Metric, m.Display, target, met, m.Cores)
	}
	for id, e := range rep.Errors {
		fmt.Fprintf(&b, "| %s | (failed) | %s | — | **no** | %d |\n", id, strings.ReplaceAll(e, "|", "/"), rep.Host.Cores)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeJSON(path string, v any) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// moduleRoot is the directory holding go.mod, found upwards from the
// working directory, so that the program runs from anywhere in the tree.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory; run from the repository")
		}
		dir = parent
	}
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	defer func() { _ = f.Close() }()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if k, v, ok := strings.Cut(s.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// logf prints progress to stderr; the table goes to stdout.
func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

func ptrTo[T any](v T) *T { return &v }
