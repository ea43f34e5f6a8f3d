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

// Package output writes a check.Report in the formats `prodready check -o`
// offers. Each format is a Writer registered under its name, so a new format
// is one file that calls Register.
package output

import (
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/prodready/prodready/internal/check"
)

// Options are what writers may need besides the report.
type Options struct {
	// Color turns on ANSI colors (human only; set when writing to a TTY).
	Color bool
	// FailOn is the severity at which a finding fails the run.
	FailOn check.Severity
	// Version of prodready, for tool metadata.
	Version string
	// BaseDir is the directory file paths are made relative to (SARIF's
	// %SRCROOT%); the working directory.
	BaseDir string
}

// Writer writes a report in one format.
type Writer interface {
	Write(w io.Writer, r *check.Report) error
}

// Factory makes a Writer.
type Factory func(Options) Writer

var (
	mu       sync.RWMutex
	registry = map[string]Factory{}
)

// Register adds a format. It panics on a duplicate name, a programming error.
func Register(name string, f Factory) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := registry[name]; dup {
		panic("output: format " + name + " registered twice")
	}
	registry[name] = f
}

// Lookup returns the factory of a format.
func Lookup(name string) (Factory, bool) {
	mu.RLock()
	defer mu.RUnlock()
	f, ok := registry[name]
	return f, ok
}

// Names lists the registered formats, sorted.
func Names() []string {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]string, 0, len(registry))
	for n := range registry {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// Target is one -o FORMAT[=FILE] flag value.
type Target struct {
	Format string
	File   string // empty: stdout
}

// ParseTarget parses FORMAT[=FILE].
func ParseTarget(s string) (Target, error) {
	format, file, hasFile := strings.Cut(s, "=")
	if _, ok := Lookup(format); !ok {
		return Target{}, fmt.Errorf("unknown output format %q; use one of %s", format, strings.Join(Names(), ", "))
	}
	if hasFile && file == "" {
		return Target{}, fmt.Errorf("output %q: the file name after '=' is empty", s)
	}
	return Target{Format: format, File: file}, nil
}

// relPath makes a path relative to base with forward slashes, or returns
// it absolute when it is outside base.
func relPath(base, p string) (string, bool) {
	if p == "" || p == "-" {
		return p, true
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return filepath.ToSlash(p), !filepath.IsAbs(p)
	}
	if base != "" {
		if rel, err := filepath.Rel(base, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return filepath.ToSlash(rel), true
		}
	}
	return filepath.ToSlash(abs), false
}
