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
	"maps"
	"reflect"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/prodready/prodready/internal/reports"
)

func TestShareReportLabels(t *testing.T) {
	transform := func(labels map[string]string) *metav1.PartialObjectMetadata {
		t.Helper()
		o, err := shareReportLabels(&metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{
			Name: "r", Labels: labels, Annotations: map[string]string{reports.AnnotationHash: "h"},
			ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "m"}},
		}})
		if err != nil {
			t.Fatal(err)
		}
		return o.(*metav1.PartialObjectMetadata)
	}
	ptr := func(m map[string]string) uintptr { return reflect.ValueOf(m).Pointer() }
	a := transform(map[string]string{reports.LabelManagedBy: reports.ManagedBy})
	b := transform(map[string]string{reports.LabelManagedBy: reports.ManagedBy})
	if ptr(a.Labels) != ptr(b.Labels) || !maps.Equal(a.Labels, map[string]string{reports.LabelManagedBy: reports.ManagedBy}) {
		t.Errorf("two Reports with only the managed-by label do not share one map: %v, %v", a.Labels, b.Labels)
	}
	if a.ManagedFields != nil || a.Annotations[reports.AnnotationHash] != "h" {
		t.Errorf("managedFields kept (%v) or the hash annotation lost (%v)", a.ManagedFields, a.Annotations)
	}
	more := map[string]string{reports.LabelManagedBy: reports.ManagedBy, "team": "a"}
	if c := transform(more); ptr(c.Labels) == ptr(a.Labels) || !maps.Equal(c.Labels, more) {
		t.Errorf("a Report with more labels lost them: %v", c.Labels)
	}
}
