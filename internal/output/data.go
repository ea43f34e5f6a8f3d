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

package output

import (
	"encoding/json"
	"io"

	"sigs.k8s.io/yaml"

	"github.com/prodready/prodready/internal/check"
)

func init() {
	Register("json", func(Options) Writer { return jsonWriter{} })
	Register("yaml", func(Options) Writer { return yamlWriter{} })
}

// document is the json and yaml output: the report under a versioned kind,
// so that consumers can tell its shape.
type document struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	*check.Report
}

func newDocument(r *check.Report) document {
	return document{APIVersion: "prodready.io/v1alpha1", Kind: "CheckReport", Report: r}
}

type jsonWriter struct{}

func (jsonWriter) Write(w io.Writer, r *check.Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(newDocument(r))
}

type yamlWriter struct{}

func (yamlWriter) Write(w io.Writer, r *check.Report) error {
	data, err := yaml.Marshal(newDocument(r))
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}
