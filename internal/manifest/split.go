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

// Package manifest reads Kubernetes manifests (multi-document YAML, JSON,
// `kind: List`) and keeps, for every object, the file and line it came from
// and a way to find the line of any field in it. It parses nothing about
// readiness; the CLI feeds what it finds to the rule engine.
package manifest

import (
	"bytes"
	"fmt"
)

// Document is one YAML document of a file, not parsed yet.
type Document struct {
	// File is the name the document is reported under.
	File string
	// Line is the 1-based line of the file where Data starts.
	Line int
	// Data is the document's text.
	Data []byte
}

// Error is a problem with an input, at a file and line.
type Error struct {
	File string
	Line int // 0 when unknown
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return e.File + ": " + e.Msg
}

var bom = []byte("\xef\xbb\xbf")

// Split cuts a file into its YAML documents at the `---` and `...` markers
// (which YAML recognizes only at the start of a line, even inside block
// scalars). A document keeps its `---` line, so "--- value" stays valid. A
// UTF-8 byte order mark is dropped. Documents holding only comments, blank
// lines or markers are kept: parsing finds them empty.
func Split(file string, data []byte) []Document {
	data = bytes.TrimPrefix(data, bom)
	var docs []Document
	start, startLine := 0, 1
	flush := func(end int) {
		if end > start {
			docs = append(docs, Document{File: file, Line: startLine, Data: data[start:end]})
		}
	}
	line := 1
	for pos := 0; pos < len(data); line++ {
		end := len(data)
		if nl := bytes.IndexByte(data[pos:], '\n'); nl >= 0 {
			end = pos + nl + 1
		}
		switch l := data[pos:end]; {
		case isMarker(l, "---"):
			flush(pos)
			start, startLine = pos, line
		case isMarker(l, "..."):
			flush(end)
			start, startLine = end, line+1
		}
		pos = end
	}
	flush(len(data))
	return docs
}

// isMarker reports whether the line starts with the document marker m
// followed by white space or nothing.
func isMarker(l []byte, m string) bool {
	if !bytes.HasPrefix(l, []byte(m)) {
		return false
	}
	if len(l) == len(m) {
		return true
	}
	switch l[len(m)] {
	case ' ', '\t', '\r', '\n':
		return true
	}
	return false
}
