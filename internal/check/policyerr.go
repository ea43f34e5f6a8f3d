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

package check

import (
	"errors"
	"fmt"

	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/prodready/prodready/internal/manifest"
)

// policyErrors splits a readiness.Compile error into one error per invalid
// field, each at the line of that field in the policy's file.
func policyErrors(o *manifest.Object, err error) []error {
	var agg utilerrors.Aggregate
	var errs []error
	if errors.As(err, &agg) {
		errs = agg.Errors()
	} else {
		errs = []error{err}
	}
	out := make([]error, 0, len(errs))
	for _, e := range errs {
		line := o.Line
		var fe *field.Error
		if errors.As(e, &fe) {
			line = o.FieldLine(fe.Field)
		}
		out = append(out, &manifest.Error{File: o.File, Line: line, Msg: fmt.Sprintf("invalid %s %q: %v", o.Kind, o.Name, e)})
	}
	return out
}
