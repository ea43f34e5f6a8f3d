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
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	openreportsv1alpha1 "github.com/openreports/reports-api/apis/openreports.io/v1alpha1"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"

	"github.com/prodready/prodready/internal/check"
	"github.com/prodready/prodready/internal/manifest"
	"github.com/prodready/prodready/internal/reports"
)

// openReportsFixture is the CLI's agreement fixture: several policies
// (Enforce, Warn, cluster and namespaced), an exemption, compliant and
// failing Deployments, one that no policy selects.
var openReportsFixture = filepath.Join("..", "cli", "testdata", "agreement", "mixed.yaml")

// checkWithReports runs check on the fixture at a fixed time, building
// OpenReports reports as -o report asks it to.
func checkWithReports(t *testing.T, ext ...check.External) *check.Report {
	t.Helper()
	srcs, err := manifest.Expand([]string{openReportsFixture})
	if err != nil {
		t.Fatal(err)
	}
	r, err := check.Run(check.Options{
		Now: time.Date(2026, time.March, 1, 12, 0, 0, 0, time.UTC), Reports: true, AssumeExternal: ext,
	}, nil, srcs, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.OpenReports) == 0 {
		t.Fatal("fixture: no reports")
	}
	return r
}

func TestReportGolden(t *testing.T) {
	cases := map[string]*check.Report{
		"openreports.yaml":          checkWithReports(t),
		"openreports-external.yaml": checkWithReports(t, check.ExternalPDB),
		"openreports-empty.yaml":    {OpenReports: []*openreportsv1alpha1.Report{}},
	}
	for name, r := range cases {
		t.Run(name, func(t *testing.T) {
			golden(t, name, render(t, FormatReport, testOptions(t), r))
		})
	}
}

// TestReportNeedsReports: a report the check built without reports is a
// programming error, not an empty stream.
func TestReportNeedsReports(t *testing.T) {
	f, _ := Lookup(FormatReport)
	if err := f(testOptions(t)).Write(&bytes.Buffer{}, sampleReport()); err == nil {
		t.Error("writing a check report without OpenReports reports succeeded")
	}
}

// TestReportMatchesTheCRD validates every object -o report writes against
// the openAPIV3Schema of the Report CRD prodready ships
// (config/components/openreports), made strict the way the API server's
// fieldValidation=Strict is: a field the schema does not know is an error,
// not silently pruned. Names are checked as the API server checks them.
func TestReportMatchesTheCRD(t *testing.T) {
	schema := reportSchema(t)
	for name, r := range map[string]*check.Report{"plain": checkWithReports(t), "external": checkWithReports(t, check.ExternalPDB)} {
		t.Run(name, func(t *testing.T) {
			out := render(t, FormatReport, testOptions(t), r)
			docs := strings.Split(string(out), "---\n")[1:]
			if len(docs) != len(r.OpenReports) {
				t.Fatalf("%d documents for %d reports:\n%s", len(docs), len(r.OpenReports), out)
			}
			for _, doc := range docs {
				var obj map[string]any
				if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
					t.Fatal(err)
				}
				// Round-trip through JSON so numbers are what the validator expects.
				js, err := yaml.YAMLToJSON([]byte(doc))
				if err != nil {
					t.Fatal(err)
				}
				inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
				if err != nil {
					t.Fatal(err)
				}
				if err := schema.Validate(inst); err != nil {
					t.Errorf("report does not match the CRD schema: %v\n%s", err, doc)
				}
				meta, _ := obj["metadata"].(map[string]any)
				name, _ := meta["name"].(string)
				if errs := validation.IsDNS1123Subdomain(name); len(errs) > 0 || !strings.HasPrefix(name, reports.NamePrefix) {
					t.Errorf("report name %q: %v", name, errs)
				}
				if _, ok := meta["creationTimestamp"]; ok {
					t.Errorf("report %s carries creationTimestamp", name)
				}
			}
		})
	}
}

// reportSchema compiles the Report CRD's schema, with additionalProperties:
// false on every object schema that lists its properties and does not
// preserve unknown fields.
func reportSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "config", "components", "openreports", "openreports.io_reports.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var crd struct {
		Spec struct {
			Versions []struct {
				Name   string
				Schema struct {
					OpenAPIV3Schema map[string]any `json:"openAPIV3Schema"`
				}
			}
		}
	}
	if err := yaml.Unmarshal(raw, &crd); err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	for _, v := range crd.Spec.Versions {
		if v.Name == "v1alpha1" {
			s = v.Schema.OpenAPIV3Schema
		}
	}
	if s == nil {
		t.Fatal("the CRD has no v1alpha1 schema")
	}
	strict(s)
	c := jsonschema.NewCompiler()
	const url = "https://openreports.io/v1alpha1/report.json"
	if err := c.AddResource(url, s); err != nil {
		t.Fatal(err)
	}
	compiled, err := c.Compile(url)
	if err != nil {
		t.Fatal(err)
	}
	return compiled
}

func strict(v any) {
	switch x := v.(type) {
	case map[string]any:
		if _, has := x["properties"]; has {
			if _, set := x["additionalProperties"]; !set && x["x-kubernetes-preserve-unknown-fields"] != true {
				x["additionalProperties"] = false
			}
		}
		for _, child := range x {
			strict(child)
		}
	case []any:
		for _, child := range x {
			strict(child)
		}
	}
}
