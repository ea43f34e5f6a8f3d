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
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

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
	res := evaluate(t, p, Input{Deployment: d}, testNow)
	if len(res.Violations) != 1 {
		t.Fatalf("want one violation, got %+v", res.Violations)
	}
	msg := res.Violations[0].Message
	if len(msg) >= 1024 {
		t.Errorf("message is %d bytes, want under 1024", len(msg))
	}
	if !strings.Contains(msg, "262144 bytes long") {
		t.Errorf("message %q does not give the value's length", msg)
	}
}

func TestQuoteList(t *testing.T) {
	cases := map[string]struct {
		in   []string
		want string
	}{
		"one":      {in: []string{"a"}, want: `"a"`},
		"at limit": {in: []string{"a", "b", "c", "d", "e"}, want: `"a", "b", "c", "d", "e"`},
		"over":     {in: []string{"a", "b", "c", "d", "e", "f", "g"}, want: `"a", "b", "c", "d", "e" and 2 more`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := quoteList(tc.in); got != tc.want {
				t.Errorf("quoteList = %s, want %s", got, tc.want)
			}
		})
	}
}

// manyContainers returns a Deployment with n containers, none with any probe.
func manyContainers(n int) Input {
	d := baseDeployment()
	d.Spec.Template.Spec.Containers = make([]corev1.Container, n)
	for i := range d.Spec.Template.Spec.Containers {
		d.Spec.Template.Spec.Containers[i] = corev1.Container{Name: "c" + strconv.Itoa(i), Image: "registry.example/c:1"}
	}
	return Input{Deployment: d}
}

func TestFindingsCappedPerDeployment(t *testing.T) {
	probes := prodreadyv1alpha1.Rules{Probes: &prodreadyv1alpha1.ProbeRules{
		Readiness: prodreadyv1alpha1.RequirementRequired, Liveness: prodreadyv1alpha1.RequirementRequired,
	}}
	cases := map[string]struct {
		spec                         *prodreadyv1alpha1.PolicySpec
		containers                   int
		wantListed, wantCount        int
		wantExemptListed, wantExempt int
	}{
		"under the cap": {
			spec: &prodreadyv1alpha1.PolicySpec{Rules: probes}, containers: 10,
			wantListed: 20, wantCount: 20,
		},
		"5,000 containers": {
			spec: &prodreadyv1alpha1.PolicySpec{Rules: probes}, containers: 5000,
			wantListed: MaxFindingsPerDeployment, wantCount: 10000,
		},
		// The first 60 containers are exempted: the cap on exempted
		// findings must not hide the violations of the others.
		"exempted findings never hide violations": {
			spec: &prodreadyv1alpha1.PolicySpec{Rules: probes, Exemptions: []prodreadyv1alpha1.Exemption{{
				Deployments: []string{testName}, Rules: []string{"probes"}, Reason: "legacy", Containers: containerNames(60),
			}}},
			containers: 61,
			wantListed: 2, wantCount: 2, wantExemptListed: MaxFindingsPerDeployment, wantExempt: 120,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := mustCompile(t, tc.spec)
			res := evaluate(t, p, manyContainers(tc.containers), testNow)
			if len(res.Violations) != tc.wantListed || res.ViolationCount != tc.wantCount {
				t.Errorf("violations listed %d of %d, want %d of %d", len(res.Violations), res.ViolationCount, tc.wantListed, tc.wantCount)
			}
			if len(res.Exempted) != tc.wantExemptListed || res.ExemptedCount != tc.wantExempt {
				t.Errorf("exempted listed %d of %d, want %d of %d", len(res.Exempted), res.ExemptedCount, tc.wantExemptListed, tc.wantExempt)
			}
			if res.Compliant() != (tc.wantCount == 0) {
				t.Errorf("Compliant() = %v with %d violations", res.Compliant(), tc.wantCount)
			}
		})
	}
}

func containerNames(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "c" + strconv.Itoa(i)
	}
	return out
}

func TestManyMatchingPDBsListed(t *testing.T) {
	p := mustCompile(t, &prodreadyv1alpha1.PolicySpec{Rules: prodreadyv1alpha1.Rules{
		PodDisruptionBudget: &prodreadyv1alpha1.PodDisruptionBudgetRules{AllowsDisruption: true},
	}})
	in := Input{Deployment: baseDeployment()}
	for i := range 1000 {
		in.PodDisruptionBudgets = append(in.PodDisruptionBudgets, pdb("pdb-"+strconv.Itoa(i), testNamespace,
			&metav1.LabelSelector{MatchLabels: in.Deployment.Spec.Template.Labels}))
	}
	res := evaluate(t, p, in, testNow)
	if len(res.Violations) != 1 {
		t.Fatalf("want one violation, got %+v", res.Violations)
	}
	msg := res.Violations[0].Message
	if !strings.Contains(msg, `"pdb-4" and 995 more`) || len(msg) >= 1024 {
		t.Errorf("message (%d bytes) should list five names and 995 more: %s", len(msg), msg)
	}
}

// BenchmarkEvaluateManyContainers measures a Deployment with 5,000
// containers and no probes: the work is linear, the result bounded.
func BenchmarkEvaluateManyContainers(b *testing.B) {
	p := mustCompile(b, &prodreadyv1alpha1.PolicySpec{Rules: prodreadyv1alpha1.Rules{Probes: &prodreadyv1alpha1.ProbeRules{
		Readiness: prodreadyv1alpha1.RequirementRequired, Liveness: prodreadyv1alpha1.RequirementRequired,
	}}})
	in := manyContainers(5000)
	b.ReportAllocs()
	for b.Loop() {
		p.Evaluate(in, testNow)
	}
}

func TestLongAnnotationValueNotMatched(t *testing.T) {
	p := mustCompile(t, &prodreadyv1alpha1.PolicySpec{Rules: prodreadyv1alpha1.Rules{Metrics: &prodreadyv1alpha1.MetricsRules{
		Annotations: []prodreadyv1alpha1.AnnotationRequirement{{Key: "prometheus.io/port", Value: "[0-9]+"}},
	}}})
	cases := map[string]struct {
		value       string
		wantViolate bool
		wantIn      string
	}{
		"at the limit, matching": {value: strings.Repeat("9", MaxMatchedValueLength)},
		"over the limit, digits": {value: strings.Repeat("9", MaxMatchedValueLength+1), wantViolate: true, wantIn: "is 513 bytes long, more than the 512 bytes prodready matches"},
		"short, not matching":    {value: "http", wantViolate: true, wantIn: `is "http", which does not match "[0-9]+"`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			d := baseDeployment()
			d.Spec.Template.Annotations = map[string]string{"prometheus.io/port": tc.value}
			res := evaluate(t, p, Input{Deployment: d}, testNow)
			if got := !res.Compliant(); got != tc.wantViolate {
				t.Fatalf("violation = %v, want %v (%+v)", got, tc.wantViolate, res.Violations)
			}
			if tc.wantViolate && !strings.Contains(res.Violations[0].Message, tc.wantIn) {
				t.Errorf("message %q does not contain %q", res.Violations[0].Message, tc.wantIn)
			}
		})
	}
}

// TestTenantStringsBoundedInMessages: an image reference of 100 KiB and a
// policy allowing 64 PriorityClasses still give messages under 1 KiB.
func TestTenantStringsBoundedInMessages(t *testing.T) {
	classes := make([]string, 64)
	for i := range classes {
		classes[i] = "class-" + strconv.Itoa(i) + "-" + strings.Repeat("p", 200)
	}
	cases := map[string]struct {
		rules  prodreadyv1alpha1.Rules
		mutate func(d *Input)
		wantIn string
	}{
		"100 KiB image without a tag": {
			rules: prodreadyv1alpha1.Rules{Images: &prodreadyv1alpha1.ImageRules{Pinned: true}},
			mutate: func(in *Input) {
				in.Deployment.Spec.Template.Spec.Containers[0].Image = "registry.example/" + strings.Repeat("a", 100<<10)
			},
			wantIn: "(102417 bytes)",
		},
		"64 allowed PriorityClasses": {
			rules:  prodreadyv1alpha1.Rules{Priority: &prodreadyv1alpha1.PriorityRules{AllowedClasses: classes}},
			mutate: func(*Input) {},
			wantIn: "and 59 more",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := mustCompile(t, &prodreadyv1alpha1.PolicySpec{Rules: tc.rules})
			in := Input{Deployment: baseDeployment()}
			tc.mutate(&in)
			res := evaluate(t, p, in, testNow)
			if len(res.Violations) != 1 {
				t.Fatalf("want one violation, got %+v", res.Violations)
			}
			msg := res.Violations[0].Message
			if len(msg) >= 1024 || !strings.Contains(msg, tc.wantIn) {
				t.Errorf("message (%d bytes) should be under 1 KiB and contain %q: %.300s", len(msg), tc.wantIn, msg)
			}
		})
	}
}
