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
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// loadGen drives the webhook with an open-loop schedule: request i is
// dispatched at start + i/rate whether or not earlier requests have
// answered, to a bounded pool of workers that each hold one keep-alive
// connection. A request's latency runs from its dispatch to the last byte of
// the answer, so time spent waiting for a free worker counts (no
// coordinated omission); the dispatcher's own timer slack does not.
type loadGen struct {
	client  *http.Client
	url     string
	mix     []requestKind
	workers int
}

func newLoadGen(url string, caPool *x509.CertPool, mix []requestKind, workers int) *loadGen {
	tr := &http.Transport{
		TLSClientConfig:     &tls.Config{RootCAs: caPool, MinVersion: tls.VersionTLS12},
		MaxIdleConns:        workers,
		MaxIdleConnsPerHost: workers,
		MaxConnsPerHost:     workers,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	// 3 s is the timeoutSeconds of the webhook configuration: the
	// kube-apiserver gives up then.
	return &loadGen{client: &http.Client{Transport: tr, Timeout: 3 * time.Second}, url: url, mix: mix, workers: workers}
}

// phaseResult is one run at one rate.
type phaseResult struct {
	Name         string  `json:"name"`
	Rate         float64 `json:"targetRate"`
	Seconds      float64 `json:"seconds"`
	Requests     int     `json:"requests"`
	Completed    int     `json:"completed"`
	Errors       int     `json:"errors"`
	AchievedRate float64 `json:"achievedRate"`
	// Latencies in milliseconds, nearest rank over every answered request.
	P50Ms  float64 `json:"p50Ms"`
	P90Ms  float64 `json:"p90Ms"`
	P99Ms  float64 `json:"p99Ms"`
	P999Ms float64 `json:"p999Ms"`
	MaxMs  float64 `json:"maxMs"`
	MeanMs float64 `json:"meanMs"`
	// MaxDispatchLagMs is how late the dispatcher sent a request against
	// its schedule; large values mean the client could not keep the rate.
	MaxDispatchLagMs float64 `json:"maxDispatchLagMs"`
	// CPUMsPerRequest is the process's CPU time (user + system, server
	// and load generator together) per answered request.
	CPUMsPerRequest float64 `json:"cpuMsPerRequest"`
	// CPUPressurePct is the share of the run during which some runnable
	// task on the machine waited for a CPU (Linux PSI, /proc/pressure/cpu);
	// other processes competing for the cores show up here. -1 if unknown.
	CPUPressurePct float64        `json:"cpuPressurePct"`
	Answers        map[string]int `json:"answers"`
	FirstErrors    []string       `json:"firstErrors,omitempty"`
	// Attempt and Pass are set on the steps of the rate search.
	Attempt int   `json:"attempt,omitempty"`
	Pass    *bool `json:"pass,omitempty"`
}

type job struct {
	i          int
	dispatched time.Time
}

// run sends rate*d requests at rate per second and returns their statistics.
// It is bounded: it stops dispatching when ctx ends and abandons requests
// still outstanding d+10s after the start.
func (g *loadGen) run(ctx context.Context, name string, rate float64, d time.Duration) phaseResult {
	var res phaseResult
	pprof.Do(ctx, pprof.Labels("side", "client"), func(ctx context.Context) {
		res = g.runLabeled(ctx, name, rate, d)
	})
	return res
}

func (g *loadGen) runLabeled(ctx context.Context, name string, rate float64, d time.Duration) phaseResult {
	n := max(1, int(math.Round(rate*d.Seconds())))
	ctx, cancel := context.WithTimeout(ctx, d+10*time.Second)
	defer cancel()

	lat := make([]time.Duration, n)
	answered := make([]bool, n)
	var (
		errCount atomic.Int64
		mu       sync.Mutex
		firstErr []string
		answers  = map[string]int{}
	)
	fail := func(msg string) {
		errCount.Add(1)
		mu.Lock()
		if len(firstErr) < 5 {
			firstErr = append(firstErr, msg)
		}
		mu.Unlock()
	}

	jobs := make(chan job, n)
	var wg sync.WaitGroup
	for range g.workers {
		wg.Go(func() {
			local := map[string]int{}
			for j := range jobs {
				k := g.mix[j.i%len(g.mix)]
				allowed, err := g.post(ctx, k.body)
				lat[j.i] = time.Since(j.dispatched)
				switch {
				case err != nil:
					fail(err.Error())
					continue
				case allowed != k.allowed:
					fail(fmt.Sprintf("%s: allowed=%v, want %v", k.name, allowed, k.allowed))
				}
				answered[j.i] = true
				local[fmt.Sprintf("%s: %s", k.name, map[bool]string{true: "allowed", false: "denied"}[allowed])]++
			}
			mu.Lock()
			for k, v := range local {
				answers[k] += v
			}
			mu.Unlock()
		})
	}

	interval := time.Duration(float64(time.Second) / rate)
	cpu0, psi0 := processCPU(), cpuPressure()
	start := time.Now()
	var maxLag time.Duration
	sent := 0
	for i := 0; i < n && ctx.Err() == nil; i++ {
		due := start.Add(time.Duration(i) * interval)
		if wait := time.Until(due); wait > 0 {
			time.Sleep(wait)
		}
		now := time.Now()
		maxLag = max(maxLag, now.Sub(due))
		jobs <- job{i: i, dispatched: now}
		sent++
	}
	close(jobs)
	wg.Wait()
	elapsed := time.Since(start)
	cpu, psi := processCPU()-cpu0, cpuPressure()-psi0

	var got []time.Duration
	for i, ok := range answered {
		if ok {
			got = append(got, lat[i])
		}
	}
	for range n - sent {
		fail("not sent: " + context.Cause(ctx).Error())
	}
	slices.Sort(got)
	res := phaseResult{
		Name: name, Rate: rate, Seconds: d.Seconds(), Requests: n, Completed: len(got), Errors: int(errCount.Load()),
		AchievedRate:     float64(len(got)) / elapsed.Seconds(),
		P50Ms:            ms(percentile(got, 0.50)),
		P90Ms:            ms(percentile(got, 0.90)),
		P99Ms:            ms(percentile(got, 0.99)),
		P999Ms:           ms(percentile(got, 0.999)),
		MeanMs:           ms(mean(got)),
		MaxDispatchLagMs: ms(maxLag),
		CPUPressurePct:   -1,
		Answers:          answers,
		FirstErrors:      firstErr,
	}
	if psi0 >= 0 {
		res.CPUPressurePct = math.Round(float64(psi)/float64(elapsed)*1000) / 10
	}
	if len(got) > 0 {
		res.MaxMs = ms(got[len(got)-1])
		res.CPUMsPerRequest = ms(cpu / time.Duration(len(got)))
	}
	return res
}

// post sends one AdmissionReview and reports whether it was allowed. Any
// transport error, non-200 status or answer without a verdict is an error.
// The body is read to the end so the connection is reused.
func (g *loadGen) post(ctx context.Context, body []byte) (bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.url, bytes.NewReader(body))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := g.client.Do(req)
	if err != nil {
		return false, err
	}
	b, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return false, err
	}
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Errorf("HTTP %d: %.200s", resp.StatusCode, b)
	}
	switch {
	case bytes.Contains(b, []byte(`"allowed":true`)):
		return true, nil
	case bytes.Contains(b, []byte(`"allowed":false`)):
		return false, nil
	}
	return false, fmt.Errorf("no verdict in the answer: %.200s", b)
}

// percentile is the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func mean(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return sum / time.Duration(len(ds))
}

// processCPU is the CPU time the process has used so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuPressure is the total time some task waited for a CPU since boot
// (the "some" line of /proc/pressure/cpu), or -1 without PSI.
func cpuPressure() time.Duration {
	b, err := os.ReadFile("/proc/pressure/cpu")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, "some ") {
			continue
		}
		for _, f := range strings.Fields(line) {
			if v, ok := strings.CutPrefix(f, "total="); ok {
				us, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					return -1
				}
				return time.Duration(us) * time.Microsecond
			}
		}
	}
	return -1
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }
