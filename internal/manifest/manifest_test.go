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
	"errors"
	"fmt"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
)

// parseAll splits and parses a file the way the CLI does.
func parseAll(t *testing.T, data string) ([]*Object, error) {
	t.Helper()
	var out []*Object
	for _, d := range Split("in.yaml", []byte(data)) {
		objs, err := Parse(d)
		if err != nil {
			return out, err
		}
		out = append(out, objs...)
	}
	return out, nil
}

type want struct {
	kind, name string
	line       int
}

func TestParse(t *testing.T) {
	deploy := "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: %s\n"
	cases := map[string]struct {
		in      string
		want    []want
		wantErr string // substring, with file:line
	}{
		"single": {in: fmt.Sprintf(deploy, "a"), want: []want{{"Deployment", "a", 1}}},
		"multi-document with comments and markers": {
			in:   "# header\n---\n" + fmt.Sprintf(deploy, "a") + "--- # second\n# lead comment\n" + fmt.Sprintf(deploy, "b") + "...\n",
			want: []want{{"Deployment", "a", 3}, {"Deployment", "b", 9}},
		},
		"empty documents":             {in: "---\n---\n\n---\n# only a comment\n---\n" + fmt.Sprintf(deploy, "a") + "---\n", want: []want{{"Deployment", "a", 7}}},
		"document on the marker line": {in: "--- {apiVersion: v1, kind: Namespace, metadata: {name: shop}}\n", want: []want{{"Namespace", "shop", 1}}},
		"JSON": {
			in:   "{\n  \"apiVersion\": \"apps/v1\",\n  \"kind\": \"Deployment\",\n  \"metadata\": {\"name\": \"j\"}\n}\n",
			want: []want{{"Deployment", "j", 2}},
		},
		"List expanded": {
			in:   "apiVersion: v1\nkind: List\nitems:\n- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: a}\n- apiVersion: v1\n  kind: Namespace\n  metadata: {name: b}\n",
			want: []want{{"Deployment", "a", 4}, {"Namespace", "b", 7}},
		},
		"DeploymentList expanded": {
			in:   "apiVersion: apps/v1\nkind: DeploymentList\nitems:\n- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: a}\n",
			want: []want{{"Deployment", "a", 4}},
		},
		"anchors and merge keys": {
			in:   "base: &m\n  name: a\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  <<: *m\n",
			want: []want{{"Deployment", "a", 1}},
		},
		"CRLF line endings":     {in: strings.ReplaceAll("---\n"+fmt.Sprintf(deploy, "a")+"---\n"+fmt.Sprintf(deploy, "b"), "\n", "\r\n"), want: []want{{"Deployment", "a", 2}, {"Deployment", "b", 7}}},
		"UTF-8 byte order mark": {in: "\xef\xbb\xbf" + fmt.Sprintf(deploy, "a"), want: []want{{"Deployment", "a", 1}}},
		"non-Kubernetes YAML is skipped": {
			in:   "replicaCount: 3\nimage: {repository: nginx}\n---\n- a\n- b\n---\njust a string\n---\n" + fmt.Sprintf(deploy, "a"),
			want: []want{{"Deployment", "a", 9}},
		},
		"syntax error names the file line": {
			in:      fmt.Sprintf(deploy, "a") + "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: [b\n",
			wantErr: "in.yaml:",
		},
		"tab indentation":        {in: "apiVersion: v1\nkind: Namespace\nmetadata:\n\tname: x\n", wantErr: "in.yaml:4: invalid YAML"},
		"List with a bad item":   {in: "apiVersion: v1\nkind: List\nitems:\n- 3\n", wantErr: "in.yaml:4: List: every item must be an object"},
		"List item without kind": {in: "apiVersion: v1\nkind: List\nitems:\n- metadata: {}\n", wantErr: "in.yaml:4: List: item has no apiVersion or kind"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			objs, err := parseAll(t, tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
				}
				var me *Error
				if !errors.As(err, &me) || me.Line == 0 {
					t.Fatalf("error %v carries no line", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []want
			for _, o := range objs {
				got = append(got, want{o.Kind, o.Name, o.Line})
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// TestSyntaxErrorLine checks the line of a syntax error in a later document
// is a line of the file within that document, not a line of the document.
// (The YAML parser reports some errors where the enclosing node starts, so
// the line is the parser's, offset to the file.)
func TestSyntaxErrorLine(t *testing.T) {
	in := "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  labels:\n\tx: y\n"
	_, err := parseAll(t, in)
	var me *Error
	if !errors.As(err, &me) || me.Line != 9 {
		t.Fatalf("error = %v, want it at line 9", err)
	}
}

const deployment = `# web
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: &labels
    app: web
spec:
  replicas: 2
  template:
    metadata:
      labels: *labels
    spec:
      initContainers:
      - name: sidecar
        restartPolicy: Always
      containers:
      - name: app
        image: nginx
        resources:
          requests:
            cpu: 100m
      - name: second
        image: nginx
        livenessProbe:
          httpGet: {path: /, port: 80}
`

func TestFieldLine(t *testing.T) {
	objs, err := parseAll(t, "---\n"+deployment)
	if err != nil || len(objs) != 1 {
		t.Fatalf("parse: %v, %d objects", err, len(objs))
	}
	o := objs[0]
	cases := map[string]int{
		"":                              3, // the object
		"spec":                          9,
		"spec.replicas":                 10,
		"spec.template.metadata.labels": 13, // an alias: the key's line
		"spec.template.spec.containers[0].readinessProbe":         19, // missing: the container
		"spec.template.spec.containers[0].resources.requests.cpu": 23,
		"spec.template.spec.containers[0].resources.limits.cpu":   21, // missing: resources
		"spec.template.spec.containers[1].livenessProbe":          26,
		"spec.template.spec.initContainers[0].readinessProbe":     16,
		"spec.template.spec.containers[7].readinessProbe":         18, // no such item: the list
		"spec.template.metadata.annotations":                      12,
	}
	for path, line := range cases {
		if got := o.FieldLine(path); got != line {
			t.Errorf("FieldLine(%q) = %d, want %d", path, got, line)
		}
	}
}

func TestDecode(t *testing.T) {
	objs, err := parseAll(t, deployment)
	if err != nil {
		t.Fatal(err)
	}
	var d appsv1.Deployment
	if err := objs[0].Decode(&d); err != nil {
		t.Fatal(err)
	}
	if d.Name != "web" || *d.Spec.Replicas != 2 || d.Spec.Template.Labels["app"] != "web" ||
		d.Spec.Template.Spec.Containers[0].Resources.Requests.Cpu().String() != "100m" ||
		d.Spec.Template.Spec.Containers[1].LivenessProbe.HTTPGet.Port.IntValue() != 80 {
		t.Errorf("decoded %+v", d)
	}
}

func TestDecodeErrors(t *testing.T) {
	cases := map[string]struct {
		in      string
		strict  bool
		wantErr string
	}{
		"wrong type":        {in: "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  replicas: many\n", wantErr: "in.yaml:1:"},
		"duplicate key":     {in: "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  replicas: 1\n  replicas: 2\n", wantErr: `in.yaml:6: key "replicas" is defined twice`},
		"unknown strict":    {in: "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  replicas: 1\n  replicaz: 2\n", strict: true, wantErr: `in.yaml:6: Deployment "a": unknown field "spec.replicaz"`},
		"alias bomb":        {in: bomb(), wantErr: "too many nodes"},
		"unknown lax is ok": {in: "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  replicaz: 2\n"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			objs, err := parseAll(t, tc.in)
			if err != nil {
				t.Fatal(err)
			}
			var d appsv1.Deployment
			if tc.strict {
				err = objs[0].DecodeStrict(&d)
			} else {
				err = objs[0].Decode(&d)
			}
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

// bomb builds a document whose aliases expand exponentially.
func bomb() string {
	var b strings.Builder
	b.WriteString("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nx0: &a0 [1, 2, 3, 4, 5, 6, 7, 8, 9]\n")
	for i := 1; i < 12; i++ {
		fmt.Fprintf(&b, "x%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	return b.String()
}

// TestLargeFile parses a 10 MB file of Deployments and finds the last one at
// its line.
func TestLargeFile(t *testing.T) {
	var b strings.Builder
	n := 0
	for b.Len() < 10<<20 {
		b.WriteString("---\n" + strings.Replace(deployment, "name: web", fmt.Sprintf("name: web-%d", n), 1))
		n++
	}
	objs, err := parseAll(t, b.String())
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != n {
		t.Fatalf("parsed %d objects, want %d", len(objs), n)
	}
	last := objs[n-1]
	lines := strings.Count(deployment, "\n") + 1
	if last.Name != fmt.Sprintf("web-%d", n-1) || last.Line != (n-1)*lines+3 {
		t.Errorf("last object %s at line %d, want web-%d at %d", last.Name, last.Line, n-1, (n-1)*lines+3)
	}
}

func TestSniff(t *testing.T) {
	cases := map[string][2]string{
		"apiVersion: apps/v1\nkind: Deployment\n":                 {"apps/v1", "Deployment"},
		"kind: 'Deployment' # c\napiVersion: \"apps/v1\"\n":       {"apps/v1", "Deployment"},
		"apiVersion: apps/v1\nkind: *k\n":                         {"", ""},
		"apiVersion: apps/v1\nkind: Deployment\nkind: Service\n":  {"", ""},
		"{\"apiVersion\": \"apps/v1\", \"kind\": \"Deployment\"}": {"", ""},
		"metadata:\n  kind: Deployment\napiVersion: v1\n":         {"", ""},
	}
	for in, want := range cases {
		av, k := Sniff([]byte(in))
		if av != want[0] || k != want[1] {
			t.Errorf("Sniff(%q) = %q, %q; want %q, %q", in, av, k, want[0], want[1])
		}
	}
}
