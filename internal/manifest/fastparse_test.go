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

package manifest

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// nodeDiff describes the first difference between two node trees in what
// the package reads: kind, style, tag, value, line and column. Comments are
// not compared; the fast path does not keep them.
func nodeDiff(path string, a, b *yaml.Node) string {
	if a == nil || b == nil {
		if a != b {
			return fmt.Sprintf("%s: one node is nil (%v, %v)", path, a, b)
		}
		return ""
	}
	if a.Kind != b.Kind || a.Style != b.Style || a.Tag != b.Tag || a.Value != b.Value || a.Line != b.Line || a.Column != b.Column || len(a.Content) != len(b.Content) {
		return fmt.Sprintf("%s: fast {kind %d style %d tag %q value %q at %d:%d, %d children}, parser {kind %d style %d tag %q value %q at %d:%d, %d children}",
			path, a.Kind, a.Style, a.Tag, a.Value, a.Line, a.Column, len(a.Content), b.Kind, b.Style, b.Tag, b.Value, b.Line, b.Column, len(b.Content))
	}
	for i := range a.Content {
		if d := nodeDiff(fmt.Sprintf("%s/%d", path, i), a.Content[i], b.Content[i]); d != "" {
			return d
		}
	}
	return ""
}

// compareFast parses data with the fast path and, if it accepts it, with
// the full parser, and reports whether the fast path took it.
func compareFast(t *testing.T, name string, data []byte) bool {
	t.Helper()
	fast, ok := fastParse(data)
	if !ok {
		return false
	}
	var ref yaml.Node
	if err := yaml.Unmarshal(data, &ref); err != nil {
		t.Errorf("%s: the fast path accepted a document the parser rejects (%v):\n%s", name, err, data)
		return true
	}
	if d := nodeDiff("", fast, &ref); d != "" {
		t.Errorf("%s: %s\n%s", name, d, data)
	}
	return true
}

func TestFastParseMatches(t *testing.T) {
	cases := map[string]struct {
		in   string
		fast bool // whether the fast path must take it
	}{
		"block mapping":        {"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n", true},
		"marker and comments":  {"--- # c\n# lead\napiVersion: v1 # trailing\nkind: Namespace\n\nmetadata:\n  name: a\n...\n", true},
		"empty":                {"---\n# nothing\n", false},
		"leading comment":      {"# c\n\na: 1\n", true},
		"null items":           {"a:\n- # c\n-\n- x\n", true},
		"indentless sequence":  {"a:\n- x\n- y\nb: 1\n", true},
		"indented sequence":    {"a:\n  - x\n  -   y\nb: 1\n", true},
		"compact mappings":     {"items:\n- name: a\n  image: n:1\n  ports:\n  - {containerPort: 80, name: http}\n- name: b\n", true},
		"nested sequence item": {"a:\n-\n  - x\n-\n  k: v\n- \n", true},
		"empty values":         {"a:\nb: # c\nc:\n  d:\ne: []\nf: {}\n", true},
		"scalars": {"i: 3\nf: 1.5\nb: true\nn: null\nt: ~\ns: 0755\nh: 0x1F\nq: 25%\nu: http://x:80/y\nneg: -1\nd: 2001-12-14\ny: yes\n" +
			"w: [Yes, on, TRUE, True, tRUE, nULL, Null, NULL, ~x, 0, 012, 1.0, 1e3, .5, +1, 1_000, 9223372036854775808, 123456789012345678, 1234567890123456789, -0, .inf, -.Inf, .nan, 0b11, 0o17, /x, Zed]\n", true},
		"quoted":                 {"a: \"true\"\nb: 'it''s'\n\"c\": 'd'\n'e': \"\"\nf: ''\n", true},
		"flow":                   {"a: {x: 1, y: [a, \"b\", 'c'], z: {}}\nb: [ 1 , 2 ]\nc: [{n: a}, {n: b}]\nd: [-1, -x]\n", true},
		"keys with dots":         {"metadata:\n  labels:\n    app.kubernetes.io/name: web\n    x-y_z: \"1\"\n    \"quoted key\": v\n", true},
		"numeric keys":           {"1: a\ntrue: b\nnull: c\n", true},
		"deep":                   {strings.Repeat(" ", 0) + "a:\n  b:\n    c:\n      - d:\n          e: [f]\n", true},
		"spaces before colon":    {"a  : b\n", true},
		"anchors":                {"a: &x 1\nb: *x\n", false},
		"merge key":              {"a: {x: 1}\nb:\n  <<: {y: 2}\n", false},
		"tag":                    {"a: !!str 1\n", false},
		"block scalar":           {"a: |\n  text\n", false},
		"multi-line plain":       {"a: one\n  two\n", false},
		"multi-line flow":        {"a: [1,\n  2]\n", false},
		"escapes":                {"a: \"x\\ny\"\n", false},
		"tabs":                   {"a:\tb\n", false},
		"CRLF":                   {"a: b\r\n", false},
		"non-ASCII":              {"a: \xc3\xa9\n", false},
		"JSON":                   {"{\"a\": 1}\n", false},
		"root sequence":          {"- a\n", false},
		"root scalar":            {"just text\n", false},
		"colon in value":         {"a: b: c\n", false},
		"bad indentation":        {"a:\n    b: 1\n  c: 2\n", false},
		"key after sequence":     {"a:\n  - x\n  b: 1\n", false},
		"flow trailing comma":    {"a: [1, 2, ]\n", false},
		"compact nested seq":     {"a:\n- - x\n", false},
		"unterminated quote":     {"a: \"x\n", false},
		"text after flow":        {"a: [x] y\n", false},
		"text after marker":      {"--- a\n", false},
		"directive":              {"%YAML 1.2\n---\na: 1\n", false},
		"document after the end": {"a: 1\n...\nb: 2\n", false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := compareFast(t, name, []byte(tc.in)); got != tc.fast {
				t.Errorf("fast path took it: %v, want %v", got, tc.fast)
			}
		})
	}
}

// TestFastParseFiles compares the fast path with the parser on every YAML
// file of the repository (fixtures, samples, CRDs, charts) and requires it
// to take every document of the benchmark corpus sample.
func TestFastParseFiles(t *testing.T) {
	fastDocs, docs := 0, 0
	err := filepath.WalkDir("../..", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != "../.." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "_out" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".yaml") && !strings.HasSuffix(p, ".yml") {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		corpus := strings.Contains(p, "testdata/corpus")
		for _, doc := range Split(p, data) {
			docs++
			name := fmt.Sprintf("%s:%d", p, doc.Line)
			took := compareFast(t, name, doc.Data)
			if took {
				fastDocs++
			} else if corpus {
				t.Errorf("%s: the fast path declined a corpus document", name)
			}
			compareObjects(t, name, doc)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if p := os.Getenv("PRODREADY_CORPUS"); p != "" {
		// A whole hack/corpus output: slow, for a change of the fast path.
		srcs, err := Expand([]string{p})
		if err != nil {
			t.Fatal(err)
		}
		for _, src := range srcs {
			data, err := ReadFile(src.Path)
			if err != nil {
				t.Fatal(err)
			}
			for _, doc := range Split(src.Path, data) {
				docs++
				name := fmt.Sprintf("%s:%d", src.Path, doc.Line)
				if compareFast(t, name, doc.Data) {
					fastDocs++
				} else {
					t.Errorf("%s: the fast path declined a corpus document", name)
				}
				compareObjects(t, name, doc)
			}
		}
	}
	t.Logf("%d of %d documents took the fast path", fastDocs, docs)
	if fastDocs == 0 {
		t.Fatal("no document took the fast path")
	}
}

// oldPath runs f with the fast parse and the JSON decode turned off: the
// path every manifest took before them.
func oldPath(f func()) {
	useFastParse, useJSONDecode = false, false
	defer func() { useFastParse, useJSONDecode = true, true }()
	f()
}

// typedFor returns an empty typed object for the kinds the CLI decodes.
func typedFor(o *Object) any {
	switch o.APIVersion + "/" + o.Kind {
	case "apps/v1/Deployment":
		return &appsv1.Deployment{}
	case "policy/v1/PodDisruptionBudget":
		return &policyv1.PodDisruptionBudget{}
	case "autoscaling/v2/HorizontalPodAutoscaler":
		return &autoscalingv2.HorizontalPodAutoscaler{}
	case "autoscaling/v1/HorizontalPodAutoscaler":
		return &autoscalingv1.HorizontalPodAutoscaler{}
	case "v1/Service":
		return &corev1.Service{}
	case "v1/Namespace":
		return &corev1.Namespace{}
	case "scheduling.k8s.io/v1/PriorityClass":
		return &schedulingv1.PriorityClass{}
	case "v1/Node":
		return &metav1.PartialObjectMetadata{}
	}
	return nil
}

// compareObjects parses and decodes a document the fast way and the old
// way (full parser, map, unstructured converter) and requires the same
// objects, the same typed values and the same field lines.
func compareObjects(t *testing.T, name string, doc Document) {
	t.Helper()
	got, gerr := Parse(doc)
	var want []*Object
	var werr error
	oldPath(func() { want, werr = Parse(doc) })
	if fmt.Sprint(gerr) != fmt.Sprint(werr) || len(got) != len(want) {
		t.Errorf("%s: fast path %d objects (%v), parser %d objects (%v)", name, len(got), gerr, len(want), werr)
		return
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.File != w.File || g.Line != w.Line || g.APIVersion != w.APIVersion || g.Kind != w.Kind || g.Namespace != w.Namespace || g.Name != w.Name {
			t.Errorf("%s: object %d: fast path %+v, parser %+v", name, i, *g, *w)
			continue
		}
		gv, gerr := g.value(g.node, ptrTo(1<<30))
		wv, werr := w.value(w.node, ptrTo(1<<30))
		if fmt.Sprint(gerr) != fmt.Sprint(werr) || !reflect.DeepEqual(gv, wv) {
			t.Errorf("%s: object %d decodes differently:\nfast   %v (%v)\nparser %v (%v)", name, i, gv, gerr, wv, werr)
		}
		gt, wt := typedFor(g), typedFor(w)
		if gt == nil {
			continue
		}
		gerr = g.Decode(gt)
		oldPath(func() { werr = w.Decode(wt) })
		if (gerr == nil) != (werr == nil) || !reflect.DeepEqual(gt, wt) {
			t.Errorf("%s: %s decodes differently:\nfast   %+v (%v)\nparser %+v (%v)", name, g.Kind, gt, gerr, wt, werr)
		}
		if wd, ok := wt.(*appsv1.Deployment); ok {
			for _, path := range fieldPaths(wd) {
				if gl, wl := g.FieldLine(path), w.FieldLine(path); gl != wl {
					t.Errorf("%s: line of %s: fast path %d, parser %d", name, path, gl, wl)
				}
			}
		}
	}
}

func ptrTo[T any](v T) *T { return &v }

// fieldPaths lists the paths findings point at, for every container.
func fieldPaths(d *appsv1.Deployment) []string {
	out := []string{"", "metadata.labels", "spec.replicas", "spec.strategy", "spec.template.metadata.annotations", "spec.template.spec.affinity"}
	for i := range d.Spec.Template.Spec.Containers {
		c := fmt.Sprintf("spec.template.spec.containers[%d]", i)
		out = append(out, c, c+".readinessProbe", c+".livenessProbe", c+".startupProbe", c+".resources.requests.cpu",
			c+".resources.limits.memory", c+".image", c+".securityContext")
	}
	return out
}

// FuzzFastParse holds the fast path to its promise: whatever it accepts,
// the full parser accepts too and reads the same way.
func FuzzFastParse(f *testing.F) {
	for _, s := range []string{
		"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n",
		"a:\n- x\n- {y: 1, z: [a, 'b']}\n- name: c\n  v: \"d\"\nb: # c\n",
		"--- # c\na: 1\n...\n",
		"a: b: c\n", "a:\n  - x\n  b: 1\n", "a: [1, 2, ]\n", "k: 'it''s'\n",
	} {
		f.Add([]byte(s))
	}
	if data, err := os.ReadFile("testdata/corpus/app-00000.yaml"); err == nil {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		compareFast(t, "input", data)
	})
}

// TestDecodeMatchesOldPath decodes awkward scalars both ways.
func TestDecodeMatchesOldPath(t *testing.T) {
	head := "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\n  labels: {a: \"x\\ty\\u00e9\\\"\", b: '1'}\n"
	cases := map[string]string{
		"hex replicas":      "spec:\n  replicas: 0x10\n",
		"octal replicas":    "spec:\n  replicas: 0o10\n",
		"plus replicas":     "spec:\n  replicas: +3\n",
		"bool forms":        "spec:\n  paused: True\n",
		"float quantity":    "spec:\n  template:\n    spec:\n      containers:\n      - name: c\n        resources: {requests: {cpu: 0.5, memory: 1e9}}\n",
		"int-or-string":     "spec:\n  strategy: {rollingUpdate: {maxSurge: 25%, maxUnavailable: 0}}\n",
		"null fields":       "spec:\n  replicas: ~\n  selector:\n  template: null\n",
		"merge keys":        "x: &r {replicas: 2}\nspec:\n  <<: *r\n  paused: true\n",
		"wrong type":        "spec:\n  replicas: many\n",
		"timestamp label":   "spec:\n  template:\n    metadata:\n      labels: {d: 2001-12-14}\n",
		"block scalar":      "spec:\n  template:\n    metadata:\n      annotations:\n        note: |\n          line one\n          line two\n",
		"unicode and ctrls": "spec:\n  template:\n    metadata:\n      annotations: {x: \"\\x01\\u2028\\U0001F600\"}\n",
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			docs := Split("in.yaml", []byte(head+body))
			compareObjects(t, name, docs[0])
		})
	}
}

// TestJSONBounded: aliases of a long scalar stay within the node budget
// but would write far more than the input; the JSON writer stops.
func TestJSONBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nbig: &s " + strings.Repeat("x", 100000) + "\nmany: [")
	for i := range 2000 {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("*s")
	}
	b.WriteString("]\n")
	objs, err := parseAll(t, b.String())
	if err != nil || len(objs) != 1 {
		t.Fatalf("parse: %v", err)
	}
	var d appsv1.Deployment
	if err := objs[0].Decode(&d); err == nil || !strings.Contains(err.Error(), "too much data") {
		t.Fatalf("Decode of a 200 MB expansion: %v, want a too-much-data error", err)
	}
}

// TestFastParseDeepNesting: nesting deeper than the fast path follows is
// declined to the full parser, whatever it then says; nothing overflows.
func TestFastParseDeepNesting(t *testing.T) {
	flow := "a: " + strings.Repeat("[", maxFastDepth+10) + strings.Repeat("]", maxFastDepth+10) + "\n"
	var block strings.Builder
	for i := range maxFastDepth + 10 {
		block.WriteString(strings.Repeat("  ", i) + "k:\n")
	}
	for name, in := range map[string]string{"flow": flow, "block": block.String()} {
		t.Run(name, func(t *testing.T) {
			if _, ok := fastParse([]byte(in)); ok {
				t.Fatal("the fast path took a document nested deeper than maxFastDepth")
			}
			if _, err := Parse(Document{File: "in.yaml", Line: 1, Data: []byte(in)}); err != nil {
				t.Logf("full parser: %v", err)
			}
		})
	}
}
