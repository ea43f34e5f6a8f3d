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
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	admissionv1 "k8s.io/api/admission/v1"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

type admissionDetails struct {
	URL     string      `json:"url"`
	Reader  string      `json:"reader"`
	Workers int         `json:"workers"`
	Mix     []mixEntry  `json:"mix"`
	Fixed   phaseResult `json:"fixed"`
	// NoopFixed is the no-op webhook (noopHandler) on the same server at
	// the same rate with the same bodies, right after Fixed.
	NoopURL   string        `json:"noopUrl"`
	NoopFixed phaseResult   `json:"noopFixed"`
	Steps     []phaseResult `json:"steps"`
	BestRate  float64       `json:"highestPassingRate"`
	Server    serverSide    `json:"serverSide"`
	Profile   string        `json:"cpuProfile,omitempty"`
	Criterion string        `json:"stepCriterion"`
}

type mixEntry struct {
	Name      string   `json:"name"`
	Bytes     int      `json:"bytes"`
	Allowed   bool     `json:"allowed"`
	Warnings  []string `json:"warnings,omitempty"`
	DenyCause string   `json:"denyMessage,omitempty"`
}

// serverSide are the webhook's own histograms over the fixed-rate run.
type serverSide struct {
	Evaluation histDelta `json:"evaluation"`
	Handler    histDelta `json:"handler"`
}

// runAdmission serves the Deployment webhook over HTTPS on 127.0.0.1 and
// measures (a) latency and errors at a fixed open-loop rate and (b) the
// highest rate, stepping up, at which p99 stays under the target with no
// errors.
func runAdmission(ctx context.Context, o *options) (*rowResult, error) {
	mix, err := requestMix(o.lastApplied)
	if err != nil {
		return nil, err
	}
	srv, err := startWebhookServer(ctx, o.reader)
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	logf("webhook serving on %s", srv.url)
	g := newLoadGen(srv.url, srv.caPool, mix, o.workers)
	// The no-op webhook gets the same bodies and admits them all.
	noopMix := slices.Clone(mix)
	for i := range noopMix {
		noopMix[i].allowed = true
	}
	noop := newLoadGen(srv.noopURL, srv.caPool, noopMix, o.workers)
	det := admissionDetails{URL: srv.url, NoopURL: srv.noopURL, Reader: o.reader, Workers: o.workers,
		Criterion: fmt.Sprintf("p99 < %s, no errors, and at least 95%% of the target rate answered", o.p99Target)}

	// Every kind of request must get the answer it is meant to get before
	// anything is timed.
	for _, k := range mix {
		e, err := checkVerdict(ctx, g, k)
		if err != nil {
			return nil, err
		}
		det.Mix = append(det.Mix, e)
	}

	// Warm up: open every connection (TLS handshakes), compile the
	// policies, and let the heap settle.
	logf("warm-up: %d concurrent requests twice, then 2 s at %g req/s", o.workers, o.fixedRate)
	for _, lg := range []*loadGen{g, noop} {
		for range 2 {
			lg.run(ctx, "connections", float64(o.workers)*1000, time.Millisecond)
		}
		lg.run(ctx, "warm-up", o.fixedRate, 2*time.Second)
	}

	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return nil, err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			_ = f.Close()
			return nil, err
		}
		defer func() {
			pprof.StopCPUProfile()
			_ = f.Close()
			logf("CPU profile written to %s (client goroutines are tagged side=client, the server's side=server)", o.cpuProfile)
		}()
		det.Profile = o.cpuProfile
	}

	// (a) Fixed rate.
	before, err := scrapeMetrics()
	if err != nil {
		return nil, err
	}
	logf("fixed rate: %g req/s for %s", o.fixedRate, o.fixedDuration)
	fixed := g.run(ctx, "fixed", o.fixedRate, o.fixedDuration)
	after, err := scrapeMetrics()
	if err != nil {
		return nil, err
	}
	det.Fixed = fixed
	logPhase(fixed)
	det.Server.Evaluation = histogramDelta(before, after, "prodready_admission_evaluation_seconds", "")
	det.Server.Handler = histogramDelta(before, after, "controller_runtime_webhook_latency_seconds", `webhook="`+deploymentPath+`"`)

	// (a') The no-op floor: same server, rate, duration and bodies.
	logf("no-op floor: %g req/s for %s", o.fixedRate, o.fixedDuration)
	det.NoopFixed = noop.run(ctx, "noop", o.fixedRate, o.fixedDuration)
	logPhase(det.NoopFixed)

	// (b) Step search.
	var firstFail float64
	det.BestRate, firstFail = searchRate(ctx, o, g, &det)
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	return &rowResult{metrics: admissionMetrics(o, &det, firstFail), details: det}, nil
}

// searchRate finds the highest rate whose step passes: p99 under the
// target, no errors, and the rate actually achieved. It returns that rate
// (0 if none passed) and the lowest failing rate (0 if none failed).
func searchRate(ctx context.Context, o *options, g *loadGen, det *admissionDetails) (float64, float64) {
	pass := func(r phaseResult) bool {
		return r.Errors == 0 && r.P99Ms < ms(o.p99Target) && r.AchievedRate >= 0.95*r.Rate
	}
	// A failing step is run again once, so that a burst of CPU taken by
	// other processes does not end the search; the step passes if either
	// run passes. Both runs are in the details.
	step := func(rate float64) bool {
		for attempt := 1; attempt <= 2 && ctx.Err() == nil; attempt++ {
			r := g.run(ctx, "step", rate, o.stepDuration)
			r.Attempt, r.Pass = attempt, ptrTo(pass(r))
			det.Steps = append(det.Steps, r)
			logPhase(r)
			if *r.Pass {
				return true
			}
		}
		return false
	}
	// Double from step-start until a step fails; if the first step already
	// fails, halve instead until one passes (at most four times). Then
	// bisect between the highest passing and the lowest failing rate.
	lo, hi := 0.0, 0.0 // highest passing, lowest failing
	if step(o.stepStart) {
		lo = o.stepStart
		for rate := 2 * o.stepStart; rate <= o.maxRate && ctx.Err() == nil; rate *= 2 {
			if !step(rate) {
				hi = rate
				break
			}
			lo = rate
		}
	} else {
		hi = o.stepStart
		for rate := o.stepStart / 2; rate >= o.stepStart/16 && ctx.Err() == nil; rate /= 2 {
			if step(rate) {
				lo = rate
				break
			}
			hi = rate
		}
	}
	for range o.refineSteps {
		if lo == 0 || hi == 0 || ctx.Err() != nil {
			break
		}
		grain := 50.0
		if lo < 500 {
			grain = 10
		}
		mid := math.Round((lo+hi)/2/grain) * grain
		if mid <= lo || mid >= hi {
			break
		}
		if step(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo, hi
}

func admissionMetrics(o *options, det *admissionDetails, firstFail float64) []metric {
	f, n := det.Fixed, det.NoopFixed
	addedP50 := math.Round((f.P50Ms-n.P50Ms)*1000) / 1000
	addedP99 := math.Round((f.P99Ms-n.P99Ms)*1000) / 1000
	at := fmt.Sprintf("@ %g req/s × %s", f.Rate, o.fixedDuration)
	if o.reader != "fake" {
		at += " [-reader=" + o.reader + "]"
	}
	if !o.lastApplied {
		at += " [-last-applied=false]"
	}
	target := o.p99Target
	ms2 := func(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) + " ms" }
	best := fmt.Sprintf("%g req/s", det.BestRate)
	switch {
	case det.BestRate == 0:
		best = fmt.Sprintf("< %g req/s", o.stepStart/16)
	case firstFail == 0:
		best = fmt.Sprintf("≥ %g req/s (search limit)", det.BestRate)
	}
	var rates []string
	for i, s := range det.Steps {
		if i+1 < len(det.Steps) && det.Steps[i+1].Attempt == 2 {
			continue // shown by its retry
		}
		mark := map[bool]string{true: " ✓", false: " ✗"}[s.Pass != nil && *s.Pass]
		if s.Attempt == 2 {
			mark = map[bool]string{true: " ✗✓", false: " ✗✗"}[s.Pass != nil && *s.Pass]
		}
		rates = append(rates, fmt.Sprintf("%g%s", s.Rate, mark))
	}
	out := []metric{
		{Metric: "p50 latency " + at, Value: f.P50Ms, Unit: "ms", Display: ms2(f.P50Ms)},
		{Metric: "p99 latency " + at, Value: f.P99Ms, Unit: "ms", Display: ms2(f.P99Ms),
			Target: "< " + fmtNs(float64(target)), Met: ptrTo(f.P99Ms < float64(target)/1e6)},
		{Metric: "max latency " + at, Value: f.MaxMs, Unit: "ms", Display: ms2(f.MaxMs)},
		{Metric: "no-op webhook on the same server (admits unread; same bodies), p50 / p99 " + at, Value: n.P50Ms, Unit: "ms",
			Display: ms2(n.P50Ms) + " / " + ms2(n.P99Ms)},
		{Metric: "prodready's latency over the no-op floor at p50 " + at, Value: addedP50, Unit: "ms", Display: ms2(addedP50),
			Target: "< 0.30 ms", Met: ptrTo(addedP50 < 0.3 && n.Errors == 0)},
		{Metric: "prodready's latency over the no-op floor at p99 " + at, Value: addedP99, Unit: "ms", Display: ms2(addedP99)},
		{Metric: "errors " + at, Value: float64(f.Errors), Unit: "requests", Display: fmt.Sprintf("%d of %d", f.Errors, f.Requests),
			Target: "0", Met: ptrTo(f.Errors == 0)},
		{Metric: "process CPU per request (server + load generator, getrusage) " + at, Value: f.CPUMsPerRequest, Unit: "ms", Display: ms2(f.CPUMsPerRequest)},
		{Metric: "share of the run some task waited for a CPU (PSI cpu some; other processes show here) " + at, Value: f.CPUPressurePct, Unit: "%", Display: pressure(f.CPUPressurePct)},
		{Metric: fmt.Sprintf("highest rate with p99 < %s, no errors (%s steps, a failed step retried once: %s)", fmtNs(float64(target)), o.stepDuration, strings.Join(rates, ", ")),
			Value: det.BestRate, Unit: "req/s", Display: best},
	}
	if e := det.Server.Evaluation; e.Count > 0 {
		out = append(out, metric{
			Metric: "server: gather + evaluate, mean / p99 (prodready_admission_evaluation_seconds, interpolated) " + at,
			Value:  e.MeanMs, Unit: "ms", Display: ms2(e.MeanMs) + " / ≈" + ms2(e.P99Ms),
		})
	}
	if h := det.Server.Handler; h.Count > 0 {
		out = append(out, metric{
			Metric: "server: decode + validate + encode, mean (controller_runtime_webhook_latency_seconds) " + at,
			Value:  h.MeanMs, Unit: "ms", Display: ms2(h.MeanMs),
		})
	}
	return out
}

func pressure(pct float64) string {
	if pct < 0 {
		return "n/a"
	}
	return strconv.FormatFloat(pct, 'f', 0, 64) + " %"
}

func logPhase(r phaseResult) {
	verdict := ""
	if r.Pass != nil {
		verdict = map[bool]string{true: "  pass", false: "  FAIL"}[*r.Pass]
	}
	logf("%-5s %6g req/s x %gs: answered %d/%d at %.0f req/s, errors %d, p50 %.2f ms, p99 %.2f ms, max %.2f ms, dispatch lag max %.2f ms, CPU %.2f ms/req, CPU pressure %.0f%%%s",
		r.Name, r.Rate, r.Seconds, r.Completed, r.Requests, r.AchievedRate, r.Errors, r.P50Ms, r.P99Ms, r.MaxMs, r.MaxDispatchLagMs, r.CPUMsPerRequest, r.CPUPressurePct, verdict)
	for _, e := range r.FirstErrors {
		logf("      error: %s", e)
	}
}

// checkVerdict sends one request of a kind and checks the full answer.
func checkVerdict(ctx context.Context, g *loadGen, k requestKind) (mixEntry, error) {
	e := mixEntry{Name: k.name, Bytes: len(k.body)}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.url, bytes.NewReader(k.body))
	if err != nil {
		return e, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := g.client.Do(req)
	if err != nil {
		return e, fmt.Errorf("%s: %w", k.name, err)
	}
	defer func() { _ = resp.Body.Close() }()
	var out admissionv1.AdmissionReview
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.Response == nil {
		return e, fmt.Errorf("%s: HTTP %d, no AdmissionReview response (%v)", k.name, resp.StatusCode, err)
	}
	e.Allowed, e.Warnings = out.Response.Allowed, out.Response.Warnings
	if out.Response.Result != nil {
		e.DenyCause = out.Response.Result.Message
	}
	if e.Allowed != k.allowed {
		return e, fmt.Errorf("%s: allowed=%v, want %v (%s)", k.name, e.Allowed, k.allowed, e.DenyCause)
	}
	return e, nil
}

// scrapeMetrics renders controller-runtime's metrics registry, where the
// webhook package registers its histograms, in the text format.
func scrapeMetrics() (string, error) {
	rec := httptest.NewRecorder()
	promhttp.HandlerFor(metrics.Registry, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		return "", fmt.Errorf("metrics: HTTP %d", rec.Code)
	}
	b, err := io.ReadAll(rec.Body)
	return string(b), err
}

// histDelta is a histogram's change between two scrapes.
type histDelta struct {
	Count  float64 `json:"count"`
	MeanMs float64 `json:"meanMs"`
	P50Ms  float64 `json:"p50Ms"`
	P99Ms  float64 `json:"p99Ms"`
}

type histogram struct {
	sum, count float64
	buckets    map[float64]float64 // upper bound -> cumulative count
}

// parseHistogram reads one histogram from the text format; filter, when
// set, is a label pair its lines must carry.
func parseHistogram(text, name, filter string) histogram {
	h := histogram{buckets: map[float64]float64{}}
	s := bufio.NewScanner(strings.NewReader(text))
	for s.Scan() {
		line := s.Text()
		if !strings.HasPrefix(line, name) || (filter != "" && !strings.Contains(line, filter)) {
			continue
		}
		sp := strings.LastIndexByte(line, ' ')
		if sp < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[sp+1:], 64)
		if err != nil {
			continue
		}
		series := line[:sp]
		switch {
		case strings.HasPrefix(series, name+"_bucket"):
			_, le, ok := strings.Cut(series, `le="`)
			if !ok {
				continue
			}
			le, _, _ = strings.Cut(le, `"`)
			bound, err := strconv.ParseFloat(le, 64) // "+Inf" parses as +Inf
			if err == nil {
				h.buckets[bound] = v
			}
		case strings.HasPrefix(series, name+"_sum"):
			h.sum = v
		case strings.HasPrefix(series, name+"_count"):
			h.count = v
		}
	}
	return h
}

func histogramDelta(before, after, name, filter string) histDelta {
	b, a := parseHistogram(before, name, filter), parseHistogram(after, name, filter)
	d := histDelta{Count: a.count - b.count}
	if d.Count <= 0 {
		return histDelta{}
	}
	d.MeanMs = math.Round((a.sum-b.sum)/d.Count*1e6) / 1e3
	bounds := make([]float64, 0, len(a.buckets))
	for le := range a.buckets {
		bounds = append(bounds, le)
	}
	slices.Sort(bounds)
	quantile := func(q float64) float64 {
		rank := q * d.Count
		prevLe, prevCum := 0.0, 0.0
		for _, le := range bounds {
			cum := a.buckets[le] - b.buckets[le]
			if cum >= rank {
				if math.IsInf(le, 1) {
					return prevLe // beyond the last finite bucket
				}
				frac := 0.0
				if cum > prevCum {
					frac = (rank - prevCum) / (cum - prevCum)
				}
				return prevLe + frac*(le-prevLe)
			}
			prevLe, prevCum = le, cum
		}
		return prevLe
	}
	d.P50Ms = math.Round(quantile(0.5)*1e6) / 1e3
	d.P99Ms = math.Round(quantile(0.99)*1e6) / 1e3
	return d
}
