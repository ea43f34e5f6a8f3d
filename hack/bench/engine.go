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
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"time"
)

// Targets of row 1, from the issue.
const (
	engineTargetNs     = 5000 // < 5 µs per Evaluate
	engineTargetAllocs = 20   // < 20 allocations per Evaluate
)

// benchLine matches one result line of go test -bench -benchmem.
var benchLine = regexp.MustCompile(`^BenchmarkEvaluate(?:-\d+)?\s+(\d+)\s+([\d.]+) ns/op\s+([\d.]+) B/op\s+([\d.]+) allocs/op`)

type engineSample struct {
	Iterations  int64   `json:"iterations"`
	NsPerOp     float64 `json:"nsPerOp"`
	BytesPerOp  float64 `json:"bytesPerOp"`
	AllocsPerOp float64 `json:"allocsPerOp"`
}

type engineDetails struct {
	Command string         `json:"command"`
	Samples []engineSample `json:"samples"`
	Median  engineSample   `json:"median"`
}

// runEngine runs BenchmarkEvaluate (internal/readiness/bench_test.go) with
// go test and reports the median of each figure.
func runEngine(ctx context.Context, o *options) (*rowResult, error) {
	args := []string{"test", "./internal/readiness", "-run", "^$", "-bench", "BenchmarkEvaluate", "-benchmem", "-count", strconv.Itoa(o.engineCount)}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", args...)
	var out bytes.Buffer
	cmd.Stdout = io.MultiWriter(&out, os.Stderr)
	cmd.Stderr = os.Stderr
	logf("go %s", shellJoin(args))
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go test: %w", err)
	}
	var samples []engineSample
	for _, line := range bytes.Split(out.Bytes(), []byte("\n")) {
		m := benchLine.FindSubmatch(line)
		if m == nil {
			continue
		}
		var s engineSample
		s.Iterations, _ = strconv.ParseInt(string(m[1]), 10, 64)
		s.NsPerOp, _ = strconv.ParseFloat(string(m[2]), 64)
		s.BytesPerOp, _ = strconv.ParseFloat(string(m[3]), 64)
		s.AllocsPerOp, _ = strconv.ParseFloat(string(m[4]), 64)
		samples = append(samples, s)
	}
	if len(samples) == 0 {
		return nil, fmt.Errorf("no BenchmarkEvaluate result in the go test output")
	}
	med := engineSample{
		NsPerOp:     median(samples, func(s engineSample) float64 { return s.NsPerOp }),
		BytesPerOp:  median(samples, func(s engineSample) float64 { return s.BytesPerOp }),
		AllocsPerOp: median(samples, func(s engineSample) float64 { return s.AllocsPerOp }),
	}
	n := len(samples)
	minNs := slices.MinFunc(samples, func(a, b engineSample) int { return cmpFloat(a.NsPerOp, b.NsPerOp) }).NsPerOp
	maxNs := slices.MaxFunc(samples, func(a, b engineSample) int { return cmpFloat(a.NsPerOp, b.NsPerOp) }).NsPerOp
	return &rowResult{
		metrics: []metric{
			{
				Metric: fmt.Sprintf("time per Evaluate (median of %d; range %s–%s)", n, fmtNs(minNs), fmtNs(maxNs)),
				Value:  med.NsPerOp, Unit: "ns/op", Display: fmtNs(med.NsPerOp),
				Target: "< 5 µs", Met: ptrTo(med.NsPerOp < engineTargetNs),
			},
			{
				Metric: fmt.Sprintf("allocations per Evaluate (median of %d)", n),
				Value:  med.AllocsPerOp, Unit: "allocs/op", Display: strconv.FormatFloat(med.AllocsPerOp, 'f', -1, 64),
				Target: "< 20", Met: ptrTo(med.AllocsPerOp < engineTargetAllocs),
			},
			{
				Metric: fmt.Sprintf("bytes allocated per Evaluate (median of %d)", n),
				Value:  med.BytesPerOp, Unit: "B/op", Display: strconv.FormatFloat(med.BytesPerOp, 'f', -1, 64) + " B",
			},
		},
		details: engineDetails{Command: "go " + shellJoin(args), Samples: samples, Median: med},
	}, nil
}

func median[T any](xs []T, f func(T) float64) float64 {
	v := make([]float64, len(xs))
	for i, x := range xs {
		v[i] = f(x)
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// fmtNs renders nanoseconds as µs or ms with three significant digits.
func fmtNs(ns float64) string {
	switch {
	case ns < 1000:
		return strconv.FormatFloat(ns, 'f', 0, 64) + " ns"
	case ns < 1e6:
		return strconv.FormatFloat(ns/1e3, 'f', 2, 64) + " µs"
	default:
		return strconv.FormatFloat(ns/1e6, 'f', 2, 64) + " ms"
	}
}

func shellJoin(args []string) string {
	var b bytes.Buffer
	for i, a := range args {
		if i > 0 {
			b.WriteByte(' ')
		}
		if regexp.MustCompile(`^[A-Za-z0-9_./=-]+$`).MatchString(a) {
			b.WriteString(a)
		} else {
			b.WriteString("'" + a + "'")
		}
	}
	return b.String()
}
