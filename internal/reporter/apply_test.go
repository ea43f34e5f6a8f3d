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

package reporter

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
	"github.com/prodready/prodready/internal/readiness"
	"github.com/prodready/prodready/internal/reports"
	"github.com/prodready/prodready/internal/testutil"
)

// TestApplyBody checks that the apply request written straight from the
// typed report says what the unstructured form, which the API machinery
// would build, says: every field Build sets, apiVersion and kind, and no
// creationTimestamp.
func TestApplyBody(t *testing.T) {
	d := testutil.CompliantDeployment("shop", "web", 1)
	d.UID = "0b9c1a52-8d0e-4c55-9f7e-2f1f3f0d5a11"
	d.Spec.Template.Spec.Containers[0].ReadinessProbe = nil
	spec := prodreadyv1alpha1.PolicySpec{Rules: testutil.FullRules()}
	p, err := readiness.Compile(&spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 2, 5, 0, 0, 0, time.UTC)
	report := reports.Build(d, []reports.Evaluation{{Namespace: "shop", Name: "prod", Policy: p, Result: p.Evaluate(readiness.Input{Deployment: d}, now)}}, now, nil)
	if report.Summary.Fail == 0 || report.Summary.Pass == 0 {
		t.Fatalf("the fixture should pass and fail some checks: %+v", report.Summary)
	}

	body, err := applyBody(report)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	want, err := runtime.DefaultUnstructuredConverter.ToUnstructured(report)
	if err != nil {
		t.Fatal(err)
	}
	delete(want["metadata"].(map[string]any), "creationTimestamp")
	// Compare as JSON values: the converter keeps int64, JSON gives float64.
	wantJSON, _ := json.Marshal(want)
	var wantValue map[string]any
	if err := json.Unmarshal(wantJSON, &wantValue); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, wantValue) {
		t.Errorf("apply body differs from the unstructured report:\n got %s\nwant %s", body, wantJSON)
	}
	if got["apiVersion"] != "openreports.io/v1alpha1" || got["kind"] != "Report" {
		t.Errorf("apiVersion/kind = %v/%v", got["apiVersion"], got["kind"])
	}
	if strings.Contains(string(body), "creationTimestamp") {
		t.Errorf("the body claims creationTimestamp: %s", body)
	}

	report.Kind = ""
	if _, err := applyBody(report); err == nil {
		t.Error("a report without kind was encoded; server-side apply would reject it")
	}
}
