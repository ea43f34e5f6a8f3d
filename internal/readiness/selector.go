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

package readiness

import (
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// selectorMatches applies a LabelSelector (PodDisruptionBudget semantics) to
// a label set without building a labels.Selector, so that evaluation does not
// allocate per PodDisruptionBudget. A nil selector matches nothing (policy/v1
// PodDisruptionBudget semantics), an empty one matches everything, and all
// matchLabels and matchExpressions terms must hold. An expression with an
// unknown operator never matches.
func selectorMatches(sel *metav1.LabelSelector, lbls map[string]string) bool {
	if sel == nil {
		return false
	}
	for k, v := range sel.MatchLabels {
		if got, ok := lbls[k]; !ok || got != v {
			return false
		}
	}
	for i := range sel.MatchExpressions {
		req := &sel.MatchExpressions[i]
		got, ok := lbls[req.Key]
		switch req.Operator {
		case metav1.LabelSelectorOpIn:
			if !ok || !slices.Contains(req.Values, got) {
				return false
			}
		case metav1.LabelSelectorOpNotIn:
			if ok && slices.Contains(req.Values, got) {
				return false
			}
		case metav1.LabelSelectorOpExists:
			if !ok {
				return false
			}
		case metav1.LabelSelectorOpDoesNotExist:
			if ok {
				return false
			}
		default:
			return false
		}
	}
	return true
}
