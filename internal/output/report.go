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
	"errors"
	"fmt"
	"io"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"github.com/prodready/prodready/internal/check"
)

// FormatReport is the OpenReports format; the CLI asks check for the
// reports (check.Options.Reports) when an output uses it.
const FormatReport = "report"

func init() {
	Register(FormatReport, func(Options) Writer { return reportWriter{} })
}

// reportWriter writes the OpenReports Report objects of a run
// (check.Report.OpenReports, built with reports.Build as the controller
// builds them) as a YAML stream: one document per Deployment a policy
// selects, each starting with "---", in input order. A run in which no
// policy selects any Deployment writes nothing.
type reportWriter struct{}

func (reportWriter) Write(w io.Writer, r *check.Report) error {
	if r.OpenReports == nil {
		return errors.New("the check ran without building OpenReports reports")
	}
	for _, rep := range r.OpenReports {
		raw, err := runtime.DefaultUnstructuredConverter.ToUnstructured(rep)
		if err != nil {
			return fmt.Errorf("encoding Report %s/%s: %w", rep.Namespace, rep.Name, err)
		}
		// An object that was never stored has no creation time; leave the
		// field out rather than writing null.
		unstructured.RemoveNestedField(raw, "metadata", "creationTimestamp")
		data, err := yaml.Marshal(raw)
		if err != nil {
			return fmt.Errorf("encoding Report %s/%s: %w", rep.Namespace, rep.Name, err)
		}
		if _, err := io.WriteString(w, "---\n"); err != nil {
			return err
		}
		if _, err := w.Write(data); err != nil {
			return err
		}
	}
	return nil
}
