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
	"go.yaml.in/yaml/v3"
)

// fastParse parses the plain subset of YAML that generated manifests are
// written in (kubectl, Helm and kustomize output, hand-written Deployments)
// several times faster than the full YAML parser, into the same node tree
// go.yaml.in/yaml/v3 builds: the same kinds, values, styles, resolved tags
// (ShortTag), lines and columns. Comments are not kept; nothing reads them.
//
// The subset: a block mapping at the root, block mappings and sequences
// (also "indentless" and compact "- key: value" ones), plain scalars on one
// line, single- and double-quoted scalars on one line without escapes, and
// flow mappings and sequences on one line; printable ASCII only, no tabs,
// no carriage returns. Anything else (anchors, aliases, tags, merge keys,
// block scalars, multi-line scalars or flows, escapes, JSON spread over
// lines, unusual indicators, errors) returns ok false, and the caller parses
// the document with the full parser, which stays the reference: the fast
// path only ever declines, it never decides what a document means.
// FuzzFastParse and TestFastParseMatches hold it to that.
func fastParse(data []byte) (root *yaml.Node, ok bool) {
	p := fastParser{src: string(data)}
	if !p.splitLines() {
		return nil, false
	}
	if len(p.lines) == 0 {
		return nil, false // empty: rare, and the parser's answer depends on markers
	}
	first := p.lines[0]
	if first.indent != 0 || isDash(first.text) {
		return nil, false // an indented root or a root sequence: leave it to the parser
	}
	if first.text[0] == '{' || first.text[0] == '[' {
		return nil, false // JSON or a flow document
	}
	n, ok := p.mapping(0)
	if !ok || p.i != len(p.lines) {
		return nil, false
	}
	line := n.Line
	if p.markerLine > 0 {
		line = p.markerLine
	}
	return &yaml.Node{Kind: yaml.DocumentNode, Line: line, Column: 1, Content: []*yaml.Node{n}}, true
}

type fastLine struct {
	no, indent int
	text       string // after the indentation, trailing spaces dropped
}

type fastParser struct {
	src   string
	lines []fastLine
	i     int
	depth int
	// markerLine is the line of a leading "---", if any.
	markerLine int
	nodes      []yaml.Node // allocated in slabs
}

// maxFastDepth bounds the nesting the fast path follows; deeper documents
// go to the full parser, which has its own limit.
const maxFastDepth = 200

func (p *fastParser) node() *yaml.Node {
	if len(p.nodes) == 0 {
		p.nodes = make([]yaml.Node, 128) // under the large-object size
	}
	n := &p.nodes[0]
	p.nodes = p.nodes[1:]
	return n
}

// splitLines keeps the lines that hold content, and declines bytes outside
// printable ASCII, tabs, carriage returns and document markers other than a
// leading "---" or a trailing "...".
func (p *fastParser) splitLines() bool {
	s := p.src
	no := 0
	ended := false
	for pos := 0; pos < len(s); {
		no++
		end := pos
		for end < len(s) && s[end] != '\n' {
			c := s[end]
			if c < 0x20 || c >= 0x7f {
				return false
			}
			end++
		}
		l := s[pos:end]
		pos = end + 1
		indent := 0
		for indent < len(l) && l[indent] == ' ' {
			indent++
		}
		text := l[indent:]
		for len(text) > 0 && text[len(text)-1] == ' ' {
			text = text[:len(text)-1]
		}
		if text == "" || text[0] == '#' {
			continue
		}
		if ended {
			return false
		}
		if indent == 0 && (text[0] == '%' || len(text) >= 3 && (text[:3] == "---" || text[:3] == "...")) {
			if !p.marker(text, no, &ended) {
				return false
			}
			continue
		}
		p.lines = append(p.lines, fastLine{no: no, indent: indent, text: text})
	}
	return true
}

// marker takes a leading "---" or a trailing "..." line (with at most a
// comment after it) and declines directives and anything else.
func (p *fastParser) marker(text string, no int, ended *bool) bool {
	switch {
	case text == "---" || len(text) > 3 && text[:4] == "--- " && isCommentOnly(text[4:]):
		if len(p.lines) > 0 || p.markerLine > 0 {
			return false
		}
		p.markerLine = no
		return true
	case text == "..." || len(text) > 3 && text[:4] == "... " && isCommentOnly(text[4:]):
		*ended = true
		return true
	}
	return false
}

func isCommentOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '#' {
			return true
		}
		if s[i] != ' ' {
			return false
		}
	}
	return true
}

func isDash(t string) bool { return t == "-" || len(t) > 1 && t[0] == '-' && t[1] == ' ' }

// block parses the collection whose first line is the current one, at its
// indentation.
func (p *fastParser) block(indent int) (*yaml.Node, bool) {
	if isDash(p.lines[p.i].text) {
		return p.sequence(indent)
	}
	return p.mapping(indent)
}

func (p *fastParser) enter() bool {
	p.depth++
	return p.depth <= maxFastDepth
}

// mapping parses a block mapping whose keys sit at indent.
func (p *fastParser) mapping(indent int) (*yaml.Node, bool) {
	if !p.enter() {
		return nil, false
	}
	defer func() { p.depth-- }()
	m := p.node()
	m.Kind, m.Tag = yaml.MappingNode, "!!map"
	m.Line, m.Column = p.lines[p.i].no, indent+1
	for p.i < len(p.lines) {
		l := p.lines[p.i]
		if l.indent < indent {
			break
		}
		if l.indent > indent {
			return nil, false
		}
		k, rest, ok := p.key(l, indent)
		if !ok {
			return nil, false
		}
		p.i++
		v, ok := p.value(l, indent, len(l.text)-len(rest), rest, true)
		if !ok {
			return nil, false
		}
		m.Content = append(m.Content, k, v)
	}
	return m, true
}

// key reads "key:" at the start of a line and returns the text after the
// colon.
func (p *fastParser) key(l fastLine, indent int) (*yaml.Node, string, bool) {
	t := l.text
	k := p.node()
	k.Kind, k.Line, k.Column = yaml.ScalarNode, l.no, indent+1
	var rest string
	switch t[0] {
	case '"', '\'':
		v, n, ok := quoted(t)
		if !ok {
			return nil, "", false
		}
		k.Value, k.Tag = v, "!!str"
		k.Style = yaml.DoubleQuotedStyle
		if t[0] == '\'' {
			k.Style = yaml.SingleQuotedStyle
		}
		rest = t[n:]
		if len(rest) == 0 || rest[0] != ':' || len(rest) > 1 && rest[1] != ' ' {
			return nil, "", false
		}
		rest = rest[1:]
	default:
		if isIndicator(t[0]) {
			return nil, "", false
		}
		end := -1
		for j := 0; j < len(t); j++ {
			c := t[j]
			if c == ':' {
				if j+1 == len(t) || t[j+1] == ' ' {
					end = j
					break
				}
				return nil, "", false // "a:b" keys: leave them to the parser
			}
			if isFlowIndicator(c) || c == '#' || c == '"' || c == '\'' {
				return nil, "", false
			}
		}
		if end <= 0 || end > 1000 {
			return nil, "", false
		}
		v := t[:end]
		for v[len(v)-1] == ' ' {
			v = v[:len(v)-1]
		}
		if v == "<<" {
			return nil, "", false // merge keys
		}
		k.Value = v
		k.Tag = plainTag(k)
		rest = t[end+1:]
	}
	return k, rest, true
}

// value parses what follows "key:" or "- " at column col (0-based, within
// the line's text) of line l, whose collection sits at indent. inMapping
// allows an indentless sequence at the key's own indentation.
func (p *fastParser) value(l fastLine, indent, col int, rest string, inMapping bool) (*yaml.Node, bool) {
	skip := 0
	for skip < len(rest) && rest[skip] == ' ' {
		skip++
	}
	rest, col = rest[skip:], col+skip
	if rest == "" || rest[0] == '#' {
		if skip == 0 && rest != "" {
			return nil, false
		}
		if p.i < len(p.lines) {
			next := p.lines[p.i]
			if next.indent > indent || inMapping && next.indent == indent && isDash(next.text) {
				return p.block(next.indent)
			}
		}
		n := p.node()
		n.Kind, n.Tag, n.Line, n.Column = yaml.ScalarNode, "!!null", l.no, l.indent+col-skip+1
		return n, true
	}
	if skip == 0 {
		return nil, false
	}
	n, used, ok := p.inline(rest, l.no, l.indent+col+1, 0)
	if !ok {
		return nil, false
	}
	if !isCommentOnly(rest[used:]) || rest[used:] != "" && rest[used] != ' ' {
		return nil, false
	}
	// A more indented line after an inline value (a continued scalar or an
	// error) is declined by the collection loops, which take no line
	// indented deeper than their own.
	return n, true
}

// inline parses a scalar or a flow collection starting at s[0]; column is
// s[0]'s 1-based column. It returns the bytes used.
func (p *fastParser) inline(s string, line, column, flow int) (*yaml.Node, int, bool) {
	switch c := s[0]; {
	case c == '"' || c == '\'':
		v, n, ok := quoted(s)
		if !ok {
			return nil, 0, false
		}
		nd := p.node()
		nd.Kind, nd.Tag, nd.Value, nd.Line, nd.Column = yaml.ScalarNode, "!!str", v, line, column
		nd.Style = yaml.DoubleQuotedStyle
		if c == '\'' {
			nd.Style = yaml.SingleQuotedStyle
		}
		return nd, n, true
	case c == '{' || c == '[':
		return p.flowCollection(s, line, column, flow)
	case isIndicator(c):
		if c != '-' || len(s) < 2 || s[1] == ' ' || isFlowIndicator(s[1]) {
			return nil, 0, false
		}
	}
	end, ok := plainEnd(s, flow)
	if !ok {
		return nil, 0, false
	}
	v := s[:end]
	for len(v) > 0 && v[len(v)-1] == ' ' {
		v = v[:len(v)-1]
	}
	if v == "" || v == "<<" {
		return nil, 0, false
	}
	nd := p.node()
	nd.Kind, nd.Value, nd.Line, nd.Column = yaml.ScalarNode, v, line, column
	nd.Tag = plainTag(nd)
	return nd, len(v), true
}

// plainEnd finds the end of a plain scalar: the end of the line (or a
// comment), or in a flow the next flow indicator.
func plainEnd(s string, flow int) (int, bool) {
	end := len(s)
	for j := 0; j < len(s); j++ {
		c := s[j]
		if c == ':' {
			switch {
			case flow > 0 && (j+1 == len(s) || s[j+1] == ' '):
				end = j // a key in a flow mapping
			case flow > 0 || j+1 == len(s) || s[j+1] == ' ':
				return 0, false // "a: b" in a value, or "a:b" in a flow
			default:
				continue
			}
			break
		}
		if c == '#' && s[j-1] == ' ' {
			if flow > 0 {
				return 0, false
			}
			end = j
			break
		}
		if flow > 0 && (isFlowIndicator(c) || c == '#' || c == '"' || c == '\'') {
			end = j
			break
		}
	}
	return end, true
}

// plainTag resolves a plain scalar's tag as yaml.v3 does, answering the
// common cases (names, words, decimal integers) without its resolver.
func plainTag(n *yaml.Node) string {
	v := n.Value
	switch c := v[0]; {
	case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		switch c {
		case 'y', 'Y', 'n', 'N', 't', 'T', 'f', 'F', 'o', 'O':
			switch v {
			case "true", "True", "TRUE", "false", "False", "FALSE":
				return "!!bool"
			case "null", "Null", "NULL":
				return "!!null"
			}
		}
		return "!!str"
	case c == '/':
		return "!!str"
	case c >= '1' && c <= '9':
		if isDecimal(v) {
			return "!!int"
		}
	}
	return n.ShortTag()
}

// flowCollection parses "{...}" or "[...]" closed on the same line.
func (p *fastParser) flowCollection(s string, line, column, flow int) (*yaml.Node, int, bool) {
	if !p.enter() {
		return nil, 0, false
	}
	defer func() { p.depth-- }()
	n := p.node()
	n.Style, n.Line, n.Column = yaml.FlowStyle, line, column
	closer := byte(']')
	n.Kind, n.Tag = yaml.SequenceNode, "!!seq"
	if s[0] == '{' {
		closer = '}'
		n.Kind, n.Tag = yaml.MappingNode, "!!map"
	}
	j := skipSpaces(s, 1)
	if j < len(s) && s[j] == closer {
		return n, j + 1, true
	}
	for {
		if j >= len(s) {
			return nil, 0, false
		}
		item, used, ok := p.inline(s[j:], line, column+j, flow+1)
		if !ok {
			return nil, 0, false
		}
		j += used
		if n.Kind == yaml.MappingNode {
			if item.Kind != yaml.ScalarNode || j+1 >= len(s) || s[j] != ':' || s[j+1] != ' ' {
				return nil, 0, false
			}
			j = skipSpaces(s, j+1)
			if j >= len(s) || s[j] == ',' || s[j] == closer {
				return nil, 0, false // an empty value
			}
			v, used, ok := p.inline(s[j:], line, column+j, flow+1)
			if !ok {
				return nil, 0, false
			}
			j += used
			n.Content = append(n.Content, item, v)
		} else {
			n.Content = append(n.Content, item)
		}
		j = skipSpaces(s, j)
		if j >= len(s) {
			return nil, 0, false
		}
		switch s[j] {
		case closer:
			return n, j + 1, true
		case ',':
			j = skipSpaces(s, j+1)
			if j >= len(s) || s[j] == closer || s[j] == ',' {
				return nil, 0, false // trailing or doubled commas
			}
		default:
			return nil, 0, false
		}
	}
}

func skipSpaces(s string, j int) int {
	for j < len(s) && s[j] == ' ' {
		j++
	}
	return j
}

// quoted reads a one-line quoted scalar without escapes (” in single
// quotes is the one allowed) and returns its value and length.
func quoted(s string) (string, int, bool) {
	q := s[0]
	for j := 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			if q == '"' {
				return "", 0, false
			}
		case q:
			if q == '\'' && j+1 < len(s) && s[j+1] == '\'' {
				return unquoteSingle(s)
			}
			return s[1:j], j + 1, true
		}
	}
	return "", 0, false
}

func unquoteSingle(s string) (string, int, bool) {
	var b []byte
	for j := 1; j < len(s); j++ {
		if s[j] == '\'' {
			if j+1 < len(s) && s[j+1] == '\'' {
				b = append(b, '\'')
				j++
				continue
			}
			return string(b), j + 1, true
		}
		b = append(b, s[j])
	}
	return "", 0, false
}

// isIndicator reports YAML's indicator characters, which cannot start a
// plain scalar (or, for '-', '?' and ':', only when followed by a
// non-space).
func isIndicator(c byte) bool {
	switch c {
	case '-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`':
		return true
	}
	return false
}

func isFlowIndicator(c byte) bool {
	return c == ',' || c == '[' || c == ']' || c == '{' || c == '}'
}

// sequence parses a block sequence whose dashes sit at indent.
func (p *fastParser) sequence(indent int) (*yaml.Node, bool) {
	if !p.enter() {
		return nil, false
	}
	defer func() { p.depth-- }()
	s := p.node()
	s.Kind, s.Tag = yaml.SequenceNode, "!!seq"
	s.Line, s.Column = p.lines[p.i].no, indent+1
	for p.i < len(p.lines) {
		l := p.lines[p.i]
		if l.indent < indent || l.indent == indent && !isDash(l.text) {
			break // the end, or the next key after an indentless sequence
		}
		if l.indent > indent {
			return nil, false
		}
		rest := l.text[1:]
		j := skipSpaces(rest, 0)
		var item *yaml.Node
		var ok bool
		if j > 0 && j < len(rest) && compactKey(rest[j:]) {
			// "- key: value": a mapping whose keys sit at the key's column.
			col := l.indent + 1 + j
			p.lines[p.i] = fastLine{no: l.no, indent: col, text: rest[j:]}
			item, ok = p.mapping(col)
		} else {
			if j < len(rest) && isDash(rest[j:]) {
				return nil, false // "- - a"
			}
			p.i++
			item, ok = p.value(l, indent, 1, rest, false)
		}
		if !ok {
			return nil, false
		}
		s.Content = append(s.Content, item)
	}
	return s, true
}

// compactKey reports whether a sequence item's text starts a mapping;
// anything with a colon that is not a flow or a quoted scalar is tried as
// one (and the fast path declines what then does not parse).
func compactKey(t string) bool {
	switch t[0] {
	case '{', '[', '#':
		return false
	case '"', '\'':
		_, n, ok := quoted(t)
		return !ok || n < len(t) && t[n] == ':'
	}
	for j := 0; j < len(t); j++ {
		if t[j] == ':' {
			return true
		}
	}
	return false
}
