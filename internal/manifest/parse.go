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
	"bytes"
	stdjson "encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/json"
)

// Object is one Kubernetes object of the input, with where it came from.
type Object struct {
	// File and Line locate the object: its document's first key, or its
	// item in a List.
	File string
	Line int
	// APIVersion, Kind, Namespace and Name are read from the object.
	APIVersion, Kind, Namespace, Name string

	node *yaml.Node // the object's mapping
	// lineOffset is added to node lines to make them file lines.
	lineOffset int
}

// Aliases may expand a document to at most aliasFactor times its own nodes
// plus aliasSlack, so that a "billion laughs" document fails fast instead of
// eating memory and time.
const (
	aliasFactor = 10
	aliasSlack  = 10000
)

// countNodes counts the nodes of a tree without following aliases.
func countNodes(n *yaml.Node) int {
	c := 1
	for _, ch := range n.Content {
		c += countNodes(ch)
	}
	return c
}

// Parse parses one document into the Kubernetes objects it holds: none for
// an empty document or YAML that is not a Kubernetes object (no apiVersion
// or kind), one for an object, the items for a `kind: List` (or any kind
// ending in List with items). A syntax error names the file and line.
func Parse(doc Document) ([]*Object, error) {
	root, err := parseNode(doc)
	if err != nil {
		return nil, err
	}
	if root.Kind == 0 || len(root.Content) == 0 {
		return nil, nil // empty document
	}
	n := root.Content[0]
	off := doc.Line - 1
	if n.Kind != yaml.MappingNode {
		return nil, nil // a scalar or sequence is not a Kubernetes object
	}
	obj := newObject(doc.File, off, n)
	if obj.APIVersion == "" || obj.Kind == "" {
		return nil, nil
	}
	if !strings.HasSuffix(obj.Kind, "List") {
		return []*Object{obj}, nil
	}
	items := lookup(n, "items")
	if items == nil {
		return []*Object{obj}, nil
	}
	if items.Kind != yaml.SequenceNode {
		return nil, &Error{File: doc.File, Line: items.Line + off, Msg: obj.Kind + ": items must be a list"}
	}
	var out []*Object
	for _, it := range items.Content {
		it = resolve(it)
		if it.Kind != yaml.MappingNode {
			return nil, &Error{File: doc.File, Line: it.Line + off, Msg: obj.Kind + ": every item must be an object"}
		}
		o := newObject(doc.File, off, it)
		if o.APIVersion == "" || o.Kind == "" {
			return nil, &Error{File: doc.File, Line: it.Line + off, Msg: obj.Kind + ": item has no apiVersion or kind"}
		}
		out = append(out, o)
	}
	return out, nil
}

// useFastParse lets tests compare the fast path with the full parser.
var useFastParse = true

// parseNode parses a document into its node tree: by the fast path when the
// document is in its subset, else by the full YAML parser.
func parseNode(doc Document) (*yaml.Node, error) {
	if useFastParse {
		if root, ok := fastParse(doc.Data); ok {
			return root, nil
		}
	}
	var root yaml.Node
	if err := yaml.Unmarshal(doc.Data, &root); err != nil {
		return nil, syntaxError(doc, err)
	}
	return &root, nil
}

func newObject(file string, off int, n *yaml.Node) *Object {
	o := &Object{File: file, Line: n.Line + off, node: n, lineOffset: off}
	o.APIVersion = scalar(lookup(n, "apiVersion"))
	o.Kind = scalar(lookup(n, "kind"))
	if md := lookup(n, "metadata"); md != nil {
		o.Name = scalar(lookup(md, "name"))
		o.Namespace = scalar(lookup(md, "namespace"))
	}
	if len(n.Content) > 0 {
		o.Line = n.Content[0].Line + off // the first key, not a "- " or "{"
	}
	return o
}

var yamlLine = regexp.MustCompile(`^yaml: (?:line (\d+): )?`)

// syntaxError turns a YAML parser error into an Error with a file line.
func syntaxError(doc Document, err error) error {
	msg := err.Error()
	line := doc.Line
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		if m[1] != "" {
			n, _ := strconv.Atoi(m[1])
			line = doc.Line - 1 + n
		}
		msg = msg[len(m[0]):]
	}
	return &Error{File: doc.File, Line: line, Msg: "invalid YAML: " + msg}
}

// Decode converts the object into a typed Go value (such as
// *appsv1.Deployment). Unknown fields are ignored, as the API server's
// default lax decoding does. The object goes through JSON (see JSON) into
// the API server's own case-sensitive decoder.
func (o *Object) Decode(into any) error {
	if !useJSONDecode {
		return o.decode(into, false)
	}
	return o.decodeJSON(into)
}

// useJSONDecode lets tests compare Decode with the converter it replaced.
var useJSONDecode = true

// DecodeStrict is Decode but rejects unknown and duplicate fields, naming
// the field and its line.
func (o *Object) DecodeStrict(into any) error {
	return o.decode(into, true)
}

func (o *Object) decode(into any, strict bool) error {
	budget := aliasFactor*countNodes(o.node) + aliasSlack
	v, err := o.value(o.node, &budget)
	if err != nil {
		return err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return &Error{File: o.File, Line: o.Line, Msg: "not an object"}
	}
	if !strict {
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(m, into); err != nil {
			return &Error{File: o.File, Line: o.Line, Msg: fmt.Sprintf("%s %q: %v", o.Kind, o.Name, err)}
		}
		return nil
	}
	data, err := stdjson.Marshal(m)
	if err != nil {
		return &Error{File: o.File, Line: o.Line, Msg: err.Error()}
	}
	strictErrs, err := json.UnmarshalStrict(data, into)
	if err != nil {
		return &Error{File: o.File, Line: o.Line, Msg: fmt.Sprintf("%s %q: %v", o.Kind, o.Name, err)}
	}
	if len(strictErrs) > 0 {
		return o.strictError(strictErrs[0])
	}
	return nil
}

var unknownField = regexp.MustCompile(`^unknown field "([^"]+)"$`)

// strictError names the line of an unknown field.
func (o *Object) strictError(err error) error {
	msg := err.Error()
	line := o.Line
	if m := unknownField.FindStringSubmatch(msg); m != nil {
		if l := o.FieldLine(m[1]); l > 0 {
			line = l
		}
	}
	return &Error{File: o.File, Line: line, Msg: fmt.Sprintf("%s %q: %s", o.Kind, o.Name, msg)}
}

// value converts a node into the JSON-like value the Kubernetes decoders
// take: map[string]any, []any, string, int64, float64, bool or nil. Aliases
// are expanded and merge keys (<<) applied; duplicate keys are errors.
func (o *Object) value(n *yaml.Node, budget *int) (any, error) {
	*budget--
	if *budget < 0 {
		return nil, &Error{File: o.File, Line: n.Line + o.lineOffset, Msg: "document expands to too many nodes (alias bomb?)"}
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return o.value(n.Content[0], budget)
	case yaml.AliasNode:
		return o.value(n.Alias, budget)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := o.value(c, budget)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		if err := o.mapping(n, out, budget, true); err != nil {
			return nil, err
		}
		return out, nil
	case yaml.ScalarNode:
		return o.scalarValue(n)
	}
	return nil, &Error{File: o.File, Line: n.Line + o.lineOffset, Msg: "unsupported YAML node"}
}

// mapping fills out with the pairs of n. Explicit keys win over merged ones.
func (o *Object) mapping(n *yaml.Node, out map[string]any, budget *int, explicit bool) error {
	var merges []*yaml.Node
	seen := make(map[string]bool, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			merges = append(merges, v)
			continue
		}
		if k.Kind != yaml.ScalarNode {
			return &Error{File: o.File, Line: k.Line + o.lineOffset, Msg: "mapping keys must be scalars"}
		}
		if seen[k.Value] {
			return &Error{File: o.File, Line: k.Line + o.lineOffset, Msg: fmt.Sprintf("key %q is defined twice", k.Value)}
		}
		seen[k.Value] = true
		if _, ok := out[k.Value]; ok && !explicit {
			continue
		}
		val, err := o.value(v, budget)
		if err != nil {
			return err
		}
		out[k.Value] = val
	}
	for _, m := range merges {
		m = resolve(m)
		srcs := []*yaml.Node{m}
		if m.Kind == yaml.SequenceNode {
			srcs = m.Content
		}
		for _, s := range srcs {
			s = resolve(s)
			if s.Kind != yaml.MappingNode {
				return &Error{File: o.File, Line: s.Line + o.lineOffset, Msg: "a merge key (<<) must merge a mapping or a list of mappings"}
			}
			if err := o.mapping(s, out, budget, false); err != nil {
				return err
			}
		}
	}
	return nil
}

func (o *Object) scalarValue(n *yaml.Node) (any, error) {
	var err error
	switch n.ShortTag() {
	case "!!null":
		return nil, nil
	case "!!bool":
		var b bool
		if err = n.Decode(&b); err == nil {
			return b, nil
		}
	case "!!int":
		var i int64
		if err = n.Decode(&i); err == nil {
			return i, nil
		}
		var f float64 // out of int64 range
		if err = n.Decode(&f); err == nil {
			return f, nil
		}
	case "!!float":
		var f float64
		if err = n.Decode(&f); err == nil {
			return f, nil
		}
	default: // !!str, !!timestamp, !!binary and custom tags keep their text
		return n.Value, nil
	}
	return nil, &Error{File: o.File, Line: n.Line + o.lineOffset, Msg: "invalid scalar: " + err.Error()}
}

// resolve follows aliases.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

// lookup returns the value of key in a mapping node, or nil.
func lookup(n *yaml.Node, key string) *yaml.Node {
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; k.Kind == yaml.ScalarNode && k.Value == key && k.Tag != "!!merge" {
			return resolve(n.Content[i+1])
		}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; k.Tag == "!!merge" {
			m := resolve(n.Content[i+1])
			srcs := []*yaml.Node{m}
			if m != nil && m.Kind == yaml.SequenceNode {
				srcs = m.Content
			}
			for _, s := range srcs {
				if v := lookup(s, key); v != nil {
					return v
				}
			}
		}
	}
	return nil
}

func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

// FieldLine returns the file line of the field at a path such as
// spec.template.spec.containers[0].readinessProbe, or of its deepest
// ancestor present when the field itself is missing (the container's line
// for a missing probe). A key's line is where the key is written.
func (o *Object) FieldLine(path string) int {
	n := o.node
	line := o.Line
	for _, seg := range splitPath(path) {
		var next *yaml.Node
		var at int
		if seg.index >= 0 {
			if n = resolve(n); n != nil && n.Kind == yaml.SequenceNode && seg.index < len(n.Content) {
				next = resolve(n.Content[seg.index])
				at = n.Content[seg.index].Line
			}
		} else {
			next, at = lookupKey(n, seg.key)
		}
		if next == nil {
			break
		}
		n, line = next, at+o.lineOffset
	}
	return line
}

// lookupKey is lookup that also returns the key's line.
func lookupKey(n *yaml.Node, key string) (*yaml.Node, int) {
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, 0
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; k.Kind == yaml.ScalarNode && k.Value == key && k.Tag != "!!merge" {
			return resolve(n.Content[i+1]), k.Line
		}
	}
	if v := lookup(n, key); v != nil {
		return v, v.Line // merged from an anchor: the anchored value's line
	}
	return nil, 0
}

type pathSeg struct {
	key   string
	index int // -1 for a key
}

// splitPath splits a field path into keys and list indexes.
func splitPath(path string) []pathSeg {
	var out []pathSeg
	for _, part := range strings.Split(path, ".") {
		key, rest, _ := strings.Cut(part, "[")
		if key != "" {
			out = append(out, pathSeg{key: key, index: -1})
		}
		for rest != "" {
			idx, after, ok := strings.Cut(rest, "]")
			if !ok {
				break
			}
			if i, err := strconv.Atoi(idx); err == nil {
				out = append(out, pathSeg{index: i})
			}
			rest = strings.TrimPrefix(after, "[")
		}
	}
	return out
}

// Sniff returns the top-level apiVersion and kind of a block-style document
// by reading its lines, without parsing it; empty when it cannot tell (flow
// style, JSON, anchors). It lets a reader route documents cheaply; the
// parse that follows is what counts.
func Sniff(data []byte) (apiVersion, kind string) {
	for len(data) > 0 {
		var l []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			l, data = data[:i], data[i+1:]
		} else {
			l, data = data, nil
		}
		switch {
		case bytes.HasPrefix(l, []byte("apiVersion:")):
			if apiVersion != "" {
				return "", ""
			}
			apiVersion = sniffValue(l[len("apiVersion:"):])
		case bytes.HasPrefix(l, []byte("kind:")):
			if kind != "" {
				return "", ""
			}
			kind = sniffValue(l[len("kind:"):])
		}
	}
	if apiVersion == "" || kind == "" {
		return "", ""
	}
	return apiVersion, kind
}

func sniffValue(b []byte) string {
	b = bytes.TrimSpace(b)
	if i := bytes.Index(b, []byte(" #")); i >= 0 {
		b = bytes.TrimSpace(b[:i])
	}
	if len(b) >= 2 && (b[0] == '"' || b[0] == '\'') && b[len(b)-1] == b[0] {
		b = b[1 : len(b)-1]
	}
	for _, c := range b {
		if !isNameByte(c) {
			return "" // anchors, tags, flow values: let the parser decide
		}
	}
	return string(b)
}

func isNameByte(c byte) bool {
	return c == '/' || c == '.' || c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
