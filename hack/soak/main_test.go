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
	"strings"
	"testing"
	"time"
)

func TestJudge(t *testing.T) {
	o := options{warmup: time.Minute, tolerance: 0.10}
	series := func(goroutines ...float64) []sample {
		var out []sample
		for i, g := range goroutines {
			out = append(out, sample{at: time.Duration(i) * 30 * time.Second, goroutines: g, heap: 50 << 20, rss: 80 << 20, compiled: 24})
		}
		return out
	}
	for name, tc := range map[string]struct {
		samples []sample
		failing string
	}{
		"flat":                         {samples: series(100, 300, 150, 150, 150, 150, 150, 150, 150, 150)},
		"noisy but bounded":            {samples: series(100, 100, 140, 160, 150, 170, 145, 165, 150, 168)},
		"steady growth":                {samples: series(100, 100, 150, 160, 170, 180, 190, 200, 210, 220), failing: "goroutines"},
		"warm-up growth is not judged": {samples: series(10, 100, 150, 150, 150, 150, 150, 150)},
	} {
		t.Run(name, func(t *testing.T) {
			v := judge(tc.samples, o)
			got := strings.Join(v.failures, "; ")
			if tc.failing == "" && got != "" {
				t.Fatalf("failed: %s", got)
			}
			if tc.failing != "" && !strings.HasPrefix(got, tc.failing) {
				t.Fatalf("failures %q, want %s", got, tc.failing)
			}
		})
	}
}
