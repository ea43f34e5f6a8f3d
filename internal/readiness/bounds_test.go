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

package readiness

import (
	"strings"
	"testing"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
)

func TestQuote(t *testing.T) {
	long := strings.Repeat("x", 300)
	cases := map[string]struct{ in, want string }{
		"short":       {in: "8080", want: `"8080"`},
		"exact limit": {in: long[:MaxQuotedValue], want: `"` + long[:MaxQuotedValue] + `"`},
		"long":        {in: long, want: `"` + long[:MaxQuotedValue] + `"... (300 bytes)`},
		// A cut never splits a rune: "é" is two bytes and would straddle
		// the limit.
		"rune boundary": {in: long[:MaxQuotedValue-1] + "é" + long, want: `"` + long[:MaxQuotedValue-1] + `"... (365 bytes)`},
		"escapes":       {in: "a\"b\n", want: `"a\"b\n"`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := quote(tc.in); got != tc.want {
				t.Errorf("quote = %s, want %s", got, tc.want)
			}
		})
	}
}

// TestHugeAnnotationMessage: a 256 KiB annotation value (the most the API
// server accepts for all annotations together) yields a message under 1 KiB.
func TestHugeAnnotationMessage(t *testing.T) {
	p := mustCompile(t, &prodreadyv1alpha1.PolicySpec{Rules: prodreadyv1alpha1.Rules{Metrics: &prodreadyv1alpha1.MetricsRules{
		Annotations: []prodreadyv1alpha1.AnnotationRequirement{{Key: "prometheus.io/port", Value: "[0-9]+"}},
	}}})
	d := baseDeployment()
	d.Spec.Template.Annotations = map[string]string{"prometheus.io/port": strings.Repeat("9", 256<<10-1) + "x"}
	res := p.Evaluate(Input{Deployment: d}, testNow)
	if len(res.Violations) != 1 {
		t.Fatalf("want one violation, got %+v", res.Violations)
	}
	msg := res.Violations[0].Message
	if len(msg) >= 1024 {
		t.Errorf("message is %d bytes, want under 1024", len(msg))
	}
	if !strings.Contains(msg, "(262144 bytes)") {
		t.Errorf("message %q does not give the value's length", msg)
	}
}
