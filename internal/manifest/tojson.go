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
	stdjson "encoding/json"
	"fmt"
	"math"
	"strconv"
	"sync"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
	"sigs.k8s.io/json"
)

// appendJSON writes the object as JSON to buf, straight from the node
// tree: keys in document order, aliases expanded and merge keys applied,
// the same values Decode has always produced. Aliases count against the
// same node budget as before, and the output is bounded by the input's
// size, so a "billion laughs" document fails fast either way.
func (o *Object) appendJSON(buf []byte) ([]byte, error) {
	nodes := countNodes(o.node)
	w := jsonWriter{
		o:      o,
		budget: aliasFactor*nodes + aliasSlack,
		// Generous for any real document (JSON is about as long as the
		// YAML it comes from); a bound for a hostile one.
		limit: jsonSlack + jsonFactor*nodeBytes(o.node),
		buf:   buf,
	}
	err := w.node(o.node)
	return w.buf, err
}

// jsonBufs recycles Decode's JSON buffers; nothing decoded points into
// them.
var jsonBufs = sync.Pool{New: func() any { return new([]byte) }}

// decodeJSON is Decode's path: JSON into a pooled buffer, then into the
// API server's case-sensitive decoder.
func (o *Object) decodeJSON(into any) error {
	bp := jsonBufs.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= 1<<20 {
			jsonBufs.Put(bp)
		}
	}()
	data, err := o.appendJSON((*bp)[:0])
	*bp = data
	if err != nil {
		return err
	}
	if err := json.UnmarshalCaseSensitivePreserveInts(data, into); err != nil {
		return &Error{File: o.File, Line: o.Line, Msg: fmt.Sprintf("%s %q: %v", o.Kind, o.Name, err)}
	}
	return nil
}

const (
	jsonFactor = 16
	jsonSlack  = 1 << 20
)

// nodeBytes is the length of the scalars of a tree, without following
// aliases.
func nodeBytes(n *yaml.Node) int {
	c := len(n.Value) + 2
	for _, ch := range n.Content {
		c += nodeBytes(ch)
	}
	return c
}

type jsonWriter struct {
	o      *Object
	buf    []byte
	budget int
	limit  int
}

func (w *jsonWriter) errAt(n *yaml.Node, msg string) error {
	return &Error{File: w.o.File, Line: n.Line + w.o.lineOffset, Msg: msg}
}

func (w *jsonWriter) node(n *yaml.Node) error {
	w.budget--
	if w.budget < 0 {
		return w.errAt(n, "document expands to too many nodes (alias bomb?)")
	}
	if len(w.buf) > w.limit {
		return w.errAt(n, "document expands to too much data (alias bomb?)")
	}
	switch n.Kind {
	case yaml.AliasNode:
		return w.node(n.Alias)
	case yaml.SequenceNode:
		w.buf = append(w.buf, '[')
		for i, c := range n.Content {
			if i > 0 {
				w.buf = append(w.buf, ',')
			}
			if err := w.node(c); err != nil {
				return err
			}
		}
		w.buf = append(w.buf, ']')
		return nil
	case yaml.MappingNode:
		return w.mapping(n)
	case yaml.ScalarNode:
		return w.scalar(n)
	}
	return w.errAt(n, "unsupported YAML node")
}

func (w *jsonWriter) mapping(n *yaml.Node) error {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			// Merge keys: build the value as Decode always has (explicit
			// keys win) and write that; budget counted the same way.
			v, err := w.o.value(n, &w.budget)
			if err != nil {
				return err
			}
			b, err := stdjson.Marshal(v)
			if err != nil {
				return w.errAt(n, err.Error())
			}
			w.buf = append(w.buf, b...)
			return nil
		}
	}
	var seen map[string]bool
	if len(n.Content) > 32 {
		seen = make(map[string]bool, len(n.Content)/2)
	}
	w.buf = append(w.buf, '{')
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return w.errAt(k, "mapping keys must be scalars")
		}
		dup := false
		if seen != nil {
			dup = seen[k.Value]
			seen[k.Value] = true
		} else {
			for j := 0; j < i; j += 2 {
				if n.Content[j].Value == k.Value {
					dup = true
					break
				}
			}
		}
		if dup {
			return w.errAt(k, fmt.Sprintf("key %q is defined twice", k.Value))
		}
		if i > 0 {
			w.buf = append(w.buf, ',')
		}
		w.buf = appendJSONString(w.buf, k.Value)
		w.buf = append(w.buf, ':')
		if err := w.node(v); err != nil {
			return err
		}
	}
	w.buf = append(w.buf, '}')
	return nil
}

func (w *jsonWriter) scalar(n *yaml.Node) error {
	switch n.ShortTag() {
	case "!!null":
		w.buf = append(w.buf, "null"...)
		return nil
	case "!!bool":
		if n.Value == "true" || n.Value == "false" {
			w.buf = append(w.buf, n.Value...)
			return nil
		}
	case "!!int":
		if isDecimal(n.Value) {
			w.buf = append(w.buf, n.Value...)
			return nil
		}
	case "!!float":
	default: // strings, timestamps, binary and custom tags keep their text
		w.buf = appendJSONString(w.buf, n.Value)
		return nil
	}
	v, err := w.o.scalarValue(n)
	if err != nil {
		return err
	}
	switch v := v.(type) {
	case bool:
		w.buf = strconv.AppendBool(w.buf, v)
	case int64:
		w.buf = strconv.AppendInt(w.buf, v, 10)
	case float64:
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return w.errAt(n, fmt.Sprintf("%s is not a number JSON can hold", n.Value))
		}
		// encoding/json's format, as the unstructured converter wrote it
		// (1e9 is 1000000000 to a Quantity, not 1e+09).
		b, err := stdjson.Marshal(v)
		if err != nil {
			return w.errAt(n, err.Error())
		}
		w.buf = append(w.buf, b...)
	default:
		return w.errAt(n, "unsupported scalar")
	}
	return nil
}

// isDecimal reports a plain decimal integer that JSON reads the way YAML
// does: an optional minus, no leading zeros, within int64.
func isDecimal(s string) bool {
	if s == "0" {
		return true
	}
	if len(s) > 0 && s[0] == '-' {
		s = s[1:]
	}
	if s == "" || len(s) > 18 || s[0] == '0' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string. YAML input is valid UTF-8;
// anything else is replaced as encoding/json would.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
