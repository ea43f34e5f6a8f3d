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
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// cliRun is one `prodready check` over a corpus layout.
type cliRun struct {
	Deployments int     `json:"deployments"`
	Layout      string  `json:"layout"` // files or bundle
	InputMiB    float64 `json:"inputMiB"`
	WallSeconds float64 `json:"wallSeconds"`
	CPUSeconds  float64 `json:"cpuSeconds"`
	PeakRSSMiB  float64 `json:"peakRssMiB"`
	ExitCode    int     `json:"exitCode"`
	// Runs is how many times the check ran; wall time, CPU time and peak
	// RSS are the median of each.
	Runs int `json:"runs"`
}

// cliRuns is how many times row 6 runs each check. One run of the 1,000
// corpus takes about 0.2 s, so a single run let other processes decide the
// growth figures (×11.2 in one make bench, ×8.6 in three runs by hand).
const cliRuns = 3

// runCLI generates the hack/corpus corpus at each size and times
// `prodready check` over it, one file per Deployment and one bundled file,
// reading wall time, CPU time and peak RSS from the child's rusage.
func runCLI(ctx context.Context, o *options) (*rowResult, error) {
	bin := filepath.Join(o.outDir, "prodready")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/prodready").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building the CLI: %v: %s", err, out)
	}
	var runs []cliRun
	for _, s := range strings.Split(o.cliSizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return nil, fmt.Errorf("-cli-sizes: %w", err)
		}
		dir := filepath.Join(o.outDir, fmt.Sprintf("corpus-%d", n))
		logf("cli: generating %d Deployments into %s", n, dir)
		if out, err := exec.CommandContext(ctx, "go", "run", "./hack/corpus", "-n", strconv.Itoa(n), "-out", dir).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("generating the corpus: %v: %s", err, out)
		}
		for _, layout := range []string{"files", "bundle"} {
			in := filepath.Join(dir, "files")
			if layout == "bundle" {
				in = filepath.Join(dir, "bundle.yaml")
			}
			var tries []cliRun
			for range cliRuns {
				t, err := timeCLI(ctx, bin, in)
				if err != nil {
					return nil, err
				}
				tries = append(tries, t)
			}
			r := medianRun(tries)
			r.Deployments, r.Layout = n, layout
			logf("cli: %d Deployments, %s: %.2f s wall, %.2f s CPU, %.0f MiB peak RSS, %.1f MiB input", n, layout, r.WallSeconds, r.CPUSeconds, r.PeakRSSMiB, r.InputMiB)
			runs = append(runs, r)
		}
	}
	return &rowResult{metrics: cliMetrics(runs), details: runs}, nil
}

// medianRun is the first run with the median of the runs' wall time, CPU
// time and peak RSS, each taken on its own.
func medianRun(runs []cliRun) cliRun {
	r := runs[0]
	r.Runs = len(runs)
	r.WallSeconds = median(runs, func(x cliRun) float64 { return x.WallSeconds })
	r.CPUSeconds = median(runs, func(x cliRun) float64 { return x.CPUSeconds })
	r.PeakRSSMiB = median(runs, func(x cliRun) float64 { return x.PeakRSSMiB })
	return r
}

func timeCLI(ctx context.Context, bin, in string) (cliRun, error) {
	var r cliRun
	size, err := dirSize(in)
	if err != nil {
		return r, err
	}
	r.InputMiB = float64(size) / (1 << 20)
	cmd := exec.CommandContext(ctx, bin, "check", "--fail-on", "none", "-o", "json="+os.DevNull, in)
	cmd.Stderr = os.Stderr
	start := time.Now()
	err = cmd.Run()
	r.WallSeconds = time.Since(start).Seconds()
	if err != nil {
		return r, fmt.Errorf("prodready check %s: %w", in, err)
	}
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if ru != nil {
		r.PeakRSSMiB = float64(ru.Maxrss) / 1024 // KiB on Linux
		r.CPUSeconds = time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
	}
	r.ExitCode = cmd.ProcessState.ExitCode()
	return r, nil
}

func dirSize(p string) (int64, error) {
	var n int64
	err := filepath.Walk(p, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n += fi.Size()
		}
		return err
	})
	return n, err
}

func cliMetrics(runs []cliRun) []metric {
	var out []metric
	byKey := map[string]cliRun{}
	minN, maxN := 0, 0
	for _, r := range runs {
		byKey[fmt.Sprintf("%d/%s", r.Deployments, r.Layout)] = r
		if minN == 0 || r.Deployments < minN {
			minN = r.Deployments
		}
		maxN = max(maxN, r.Deployments)
		n := fmt.Sprintf("%d Deployments, %s (%.0f MiB): ", r.Deployments, r.Layout, r.InputMiB)
		var t1, t2 string
		var m1, m2 *bool
		if r.Deployments == 10000 {
			t1, m1 = "< 3 s", ptrTo(r.WallSeconds < 3)
			t2, m2 = "< 300 MiB", ptrTo(r.PeakRSSMiB < 300)
		}
		out = append(out,
			metric{Metric: n + fmt.Sprintf("wall time (CPU time), median of %d", r.Runs), Value: r.WallSeconds, Unit: "s", Display: fmt.Sprintf("%.2f s (%.2f s CPU)", r.WallSeconds, r.CPUSeconds), Target: t1, Met: m1},
			metric{Metric: n + fmt.Sprintf("peak RSS, median of %d", r.Runs), Value: r.PeakRSSMiB, Unit: "MiB", Display: fmt.Sprintf("%.0f MiB", r.PeakRSSMiB), Target: t2, Met: m2},
		)
	}
	if minN < maxN {
		x := float64(maxN) / float64(minN)
		for _, layout := range []string{"files", "bundle"} {
			a, b := byKey[fmt.Sprintf("%d/%s", minN, layout)], byKey[fmt.Sprintf("%d/%s", maxN, layout)]
			for _, g := range []struct {
				name   string
				va, vb float64
			}{{"wall time", a.WallSeconds, b.WallSeconds}, {"CPU time", a.CPUSeconds, b.CPUSeconds}, {"peak RSS", a.PeakRSSMiB, b.PeakRSSMiB}} {
				if g.va <= 0 {
					continue
				}
				v := g.vb / g.va
				out = append(out, metric{Metric: fmt.Sprintf("growth %d→%d, %s: %s", minN, maxN, layout, g.name), Value: v, Unit: "×",
					Display: fmt.Sprintf("×%.2f", v), Target: fmt.Sprintf("<= ×%.0f", x+1), Met: ptrTo(v <= x+1)})
			}
		}
	}
	return out
}
