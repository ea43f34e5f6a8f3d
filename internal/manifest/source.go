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
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// SourceKind says how a source is read.
type SourceKind int

const (
	// SourceFile is a YAML or JSON file.
	SourceFile SourceKind = iota
	// SourceStdin is standard input.
	SourceStdin
	// SourceKustomization is a directory holding a kustomization file.
	SourceKustomization
	// SourceChart is a Helm chart directory or packaged chart (.tgz).
	SourceChart
)

// Source is one input to read: a file, stdin, or something to render.
type Source struct {
	Kind SourceKind
	// Path is the file or directory; "-" for stdin.
	Path string
}

// File is a named manifest stream, such as a rendered template.
type File struct {
	// Name is what findings report as the file.
	Name string
	Data []byte
}

// KustomizationFiles are the names kustomize recognizes.
var KustomizationFiles = []string{"kustomization.yaml", "kustomization.yml", "Kustomization"}

// Expand turns command-line paths into sources: files as they are, "-" as
// stdin, a directory holding a kustomization file or Chart.yaml as one
// source to render, any other directory walked recursively for .yaml, .yml
// and .json files (skipping hidden entries and rendering nested
// kustomizations and charts). A .tgz file is a packaged chart. The order is
// stable: arguments as given, directory entries sorted.
func Expand(paths []string) ([]Source, error) {
	var out []Source
	stdin := false
	for _, p := range paths {
		if p == "-" {
			if stdin {
				return nil, fmt.Errorf("'-' (stdin) given more than once")
			}
			stdin = true
			out = append(out, Source{Kind: SourceStdin, Path: "-"})
			continue
		}
		fi, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !fi.IsDir() {
			kind := SourceFile
			if strings.HasSuffix(p, ".tgz") || strings.HasSuffix(p, ".tar.gz") {
				kind = SourceChart
			}
			out = append(out, Source{Kind: kind, Path: p})
			continue
		}
		srcs, err := walk(p)
		if err != nil {
			return nil, err
		}
		out = append(out, srcs...)
	}
	return out, nil
}

func dirKind(dir string) (SourceKind, bool) {
	if _, err := os.Stat(filepath.Join(dir, "Chart.yaml")); err == nil {
		return SourceChart, true
	}
	for _, k := range KustomizationFiles {
		if _, err := os.Stat(filepath.Join(dir, k)); err == nil {
			return SourceKustomization, true
		}
	}
	return 0, false
}

func walk(root string) ([]Source, error) {
	var out []Source
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != root && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if k, ok := dirKind(p); ok {
				out = append(out, Source{Kind: k, Path: p})
				return filepath.SkipDir
			}
			return nil
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".yaml", ".yml", ".json":
			out = append(out, Source{Kind: SourceFile, Path: p})
		}
		return nil
	})
	slices.SortStableFunc(out, func(a, b Source) int { return strings.Compare(a.Path, b.Path) })
	return out, err
}

// MaxInputSize bounds one file or stdin, so that a runaway input fails with
// a clear error instead of exhausting memory.
const MaxInputSize = 512 << 20

// ReadAll reads r up to MaxInputSize.
func ReadAll(name string, r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxInputSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	if len(data) > MaxInputSize {
		return nil, fmt.Errorf("%s is larger than %d MiB", name, MaxInputSize>>20)
	}
	return data, nil
}

// ReadFile reads a file up to MaxInputSize.
func ReadFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	return ReadAll(path, f)
}
