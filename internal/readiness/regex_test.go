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
	"regexp/syntax"
	"strconv"
	"strings"
	"testing"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
)

// regexBomb is the value from issue 8: 1,024 characters that compile to
// about a million instructions (0.5-1.5 s and 280 MB in regexp.Compile).
func regexBomb() string {
	return `^(?:(?:` + strings.Repeat("a", 1008) + `){1000})$`
}

// teamAlternation is an ordinary value: about 200 characters of team names.
func teamAlternation() string {
	var names []string
	for i := 0; len(strings.Join(names, "|")) < 200; i++ {
		names = append(names, "team-"+strconv.Itoa(i)+"-platform")
	}
	return strings.Join(names, "|")
}

// TestProgSizeIsExact checks the size computed from the parse tree against
// the program regexp/syntax actually compiles, so that the budget means what
// it says.
func TestProgSizeIsExact(t *testing.T) {
	for name, v := range map[string]string{
		"digits":            "[0-9]+",
		"alternation":       "true|false",
		"bounded repeat":    "a{3,5}",
		"open repeat":       "(a|b){2,}",
		"zero repeat":       "a{0}",
		"zero-one repeat":   "(?:ab){0,1}",
		"star":              "x*",
		"fold case":         "(?i)abc",
		"anchors":           "^$",
		"word boundary":     `\bfoo\b`,
		"any":               ".*",
		"nested":            "(?:ab){10}c{2,}",
		"captures":          "(a)(b)?",
		"empty":             "",
		"team alternation":  teamAlternation(),
		"nested repeats":    "((ab){2,4}c){3}",
		"class alternation": "[a-z]+|[0-9]{1,3}|x",
		"unicode":           "héllo|wörld",
	} {
		t.Run(name, func(t *testing.T) {
			tree, err := syntax.Parse(v, syntax.Perl)
			if err != nil {
				t.Fatal(err)
			}
			anchored, err := syntax.Parse(`^(?:`+v+`)$`, syntax.Perl)
			if err != nil {
				t.Fatal(err)
			}
			prog, err := syntax.Compile(anchored.Simplify())
			if err != nil {
				t.Fatal(err)
			}
			if got := progSize(tree, maxCount) + 4; got != len(prog.Inst) {
				t.Errorf("progSize(%q)+4 = %d, regexp/syntax compiles %d instructions", v, got, len(prog.Inst))
			}
		})
	}
}

func TestCompileRegexBudget(t *testing.T) {
	annotations := func(values ...string) *prodreadyv1alpha1.PolicySpec {
		m := &prodreadyv1alpha1.MetricsRules{}
		for i, v := range values {
			m.Annotations = append(m.Annotations, prodreadyv1alpha1.AnnotationRequirement{Key: "example.com/a" + strconv.Itoa(i), Value: v})
		}
		return &prodreadyv1alpha1.PolicySpec{Rules: prodreadyv1alpha1.Rules{Metrics: m}}
	}
	// 904 instructions each: four fit the policy's budget of 4,096, the
	// fifth does not.
	big := "(?:" + strings.Repeat("x", 30) + "){30}"
	cases := map[string]struct {
		spec    *prodreadyv1alpha1.PolicySpec
		wantErr []string // empty: compiles
		notErr  []string
	}{
		"digits":                  {spec: annotations("[0-9]+")},
		"true or false":           {spec: annotations("true|false")},
		"200-character team list": {spec: annotations(teamAlternation())},
		"512-character literal":   {spec: annotations(strings.Repeat("k", 512))},
		"four large values":       {spec: annotations(big, big, big, big)},
		"the bomb from issue 8": {
			spec: annotations(regexBomb()),
			wantErr: []string{
				"spec.rules.metrics.annotations[0].value",
				"the 1024-character regular expression compiles to 1008006 instructions, over the limit of 1024 per value",
				`"^(?:(?:aaaa`, "... (1024 bytes)",
			},
			notErr: []string{strings.Repeat("a", 100), "not a valid regular expression"},
		},
		"nested bomb": {
			spec:    annotations("(?:(?:(?:abcde){10}){10}){10}"),
			wantErr: []string{"compiles to 5004 instructions"},
		},
		"a value over the policy budget": {
			spec: annotations(big, big, big, big, big),
			wantErr: []string{
				"spec.rules.metrics.annotations[4].value",
				"compiles to 904 instructions, over the limit of 480 left of the policy's budget of 4096",
			},
			notErr: []string{"annotations[3]"},
		},
		"invalid alone, valid wrapped": {
			spec:    annotations("a)|(b"),
			wantErr: []string{"spec.rules.metrics.annotations[0].value", "not a valid regular expression"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Compile(tc.spec, nil)
			if len(tc.wantErr) == 0 {
				if err != nil {
					t.Fatalf("Compile: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Compile succeeded, want an error")
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not contain %q", err, w)
				}
			}
			for _, w := range tc.notErr {
				if strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ncontains %q", err, w)
				}
			}
		})
	}
}

// TestCompiledValueMatchesWholeValue checks that the value compiled once,
// anchored, still matches the whole annotation value and nothing more.
func TestCompiledValueMatchesWholeValue(t *testing.T) {
	cases := map[string]struct {
		pattern, value string
		want           bool
	}{
		"digits":              {pattern: "[0-9]+", value: "8080", want: true},
		"digits with suffix":  {pattern: "[0-9]+", value: "8080x"},
		"alternation left":    {pattern: "true|false", value: "true", want: true},
		"alternation partial": {pattern: "true|false", value: "truefalse"},
		"alternation prefix":  {pattern: "true|false", value: "xfalse"},
		"team":                {pattern: teamAlternation(), value: "team-3-platform", want: true},
		"team prefix only":    {pattern: teamAlternation(), value: "team-3-platformx"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			re, _, err := compileBounded(tc.pattern, MaxPolicyRegexProgramSize)
			if err != nil {
				t.Fatal(err)
			}
			if got := re.MatchString(tc.value); got != tc.want {
				t.Errorf("%q matches %q = %v, want %v", tc.pattern, tc.value, got, tc.want)
			}
		})
	}
}

// BenchmarkCompileRegexBomb measures rejecting the bomb from issue 8: the
// time and allocation stay those of parsing 1,024 characters, never those of
// compiling a million instructions.
func BenchmarkCompileRegexBomb(b *testing.B) {
	spec := &prodreadyv1alpha1.PolicySpec{Rules: prodreadyv1alpha1.Rules{Metrics: &prodreadyv1alpha1.MetricsRules{
		Annotations: []prodreadyv1alpha1.AnnotationRequirement{{Key: "prometheus.io/port", Value: regexBomb()}},
	}}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(spec, nil); err == nil {
			b.Fatal("the bomb compiled")
		}
	}
}

// BenchmarkMatchWorstCase measures the most expensive evaluation the budgets
// allow: four values of 1,024 instructions that keep every NFA thread alive
// (the policy's whole budget), each matched against a 512-byte value.
func BenchmarkMatchWorstCase(b *testing.B) {
	worst := `(?:[a-z]*a){340}`
	m := &prodreadyv1alpha1.MetricsRules{}
	d := baseDeployment()
	d.Spec.Template.Annotations = map[string]string{}
	for i := range 4 {
		key := "example.com/a" + strconv.Itoa(i)
		m.Annotations = append(m.Annotations, prodreadyv1alpha1.AnnotationRequirement{Key: key, Value: worst})
		d.Spec.Template.Annotations[key] = strings.Repeat("a", MaxMatchedValueLength-1) + "1"
	}
	p := mustCompile(b, &prodreadyv1alpha1.PolicySpec{Rules: prodreadyv1alpha1.Rules{Metrics: m}})
	if res := p.Evaluate(Input{Deployment: d}, testNow); res.ViolationCount != 4 {
		b.Fatalf("want 4 violations, got %d", res.ViolationCount)
	}
	b.ReportAllocs()
	for b.Loop() {
		p.Evaluate(Input{Deployment: d}, testNow)
	}
}
