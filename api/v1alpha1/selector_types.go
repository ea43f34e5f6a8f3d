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

package v1alpha1

import (
	"maps"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Bounds on a label selector in a policy, enforced by the CRD schema. The
// engine (internal/readiness) checks the same counts again for manifests read
// without an API server.
const (
	// MaxSelectorLabels is the most matchLabels entries a selector may have.
	MaxSelectorLabels = 64
	// MaxSelectorExpressions is the most matchExpressions a selector may have.
	MaxSelectorExpressions = 32
	// MaxSelectorValues is the most values one expression may have.
	MaxSelectorValues = 64
	// MaxSelectorKeyLength is the longest label key: a DNS subdomain prefix
	// (253), a slash and a name (63).
	MaxSelectorKeyLength = 317
	// MaxSelectorValueLength is the longest label value.
	MaxSelectorValueLength = 63
)

// LabelSelector is a label query with the shape of metav1.LabelSelector
// (the same YAML), plus bounds on every list and string, so that the CRD
// schema rejects an oversized selector. The matchLabels and matchExpressions
// requirements are ANDed; an empty selector matches everything.
// +structType=atomic
type LabelSelector struct {
	// matchLabels is a map of {key,value} pairs. A single {key,value} in the
	// matchLabels map is equivalent to an element of matchExpressions, whose
	// key field is "key", the operator is "In", and the values array contains
	// only "value". At most 64 entries; a key takes at most 317 characters
	// and a value at most 63.
	// +kubebuilder:validation:MaxProperties=64
	// +kubebuilder:validation:XValidation:rule="self.all(k, size(k) <= 317 && size(self[k]) <= 63)",message="a matchLabels key takes at most 317 characters and a value at most 63"
	// +optional
	MatchLabels map[string]string `json:"matchLabels,omitempty"`

	// matchExpressions is a list of label selector requirements. The
	// requirements are ANDed. At most 32.
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=32
	// +optional
	MatchExpressions []LabelSelectorRequirement `json:"matchExpressions,omitempty"`
}

// LabelSelectorRequirement is a selector that contains values, a key, and an
// operator that relates the key and values.
// +kubebuilder:validation:XValidation:rule="self.operator in ['In', 'NotIn'] ? (has(self.values) && size(self.values) > 0) : (!has(self.values) || size(self.values) == 0)",message="operator must be In or NotIn with at least one value, or Exists or DoesNotExist without values"
type LabelSelectorRequirement struct {
	// key is the label key that the selector applies to: a name of at most
	// 63 characters with an optional DNS subdomain prefix and a slash.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=317
	// +required
	Key string `json:"key"`

	// operator represents a key's relationship to a set of values:
	// In, NotIn, Exists or DoesNotExist.
	// +required
	Operator LabelSelectorOperator `json:"operator"`

	// values is an array of string values. If the operator is In or NotIn,
	// the values array must be non-empty. If the operator is Exists or
	// DoesNotExist, the values array must be empty. At most 64 values of
	// at most 63 characters each.
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MaxLength=63
	// +optional
	Values []string `json:"values,omitempty"`
}

// LabelSelectorOperator is the set of operators that can be used in a
// selector requirement.
// +kubebuilder:validation:Enum=In;NotIn;Exists;DoesNotExist
type LabelSelectorOperator string

// The operators of a LabelSelectorRequirement, as in metav1.
const (
	LabelSelectorOpIn           LabelSelectorOperator = "In"
	LabelSelectorOpNotIn        LabelSelectorOperator = "NotIn"
	LabelSelectorOpExists       LabelSelectorOperator = "Exists"
	LabelSelectorOpDoesNotExist LabelSelectorOperator = "DoesNotExist"
)

// AsMetav1 returns the selector as a metav1.LabelSelector, for
// metav1.LabelSelectorAsSelector and the rest of apimachinery. It returns
// nil for a nil selector and shares no memory with s.
func (s *LabelSelector) AsMetav1() *metav1.LabelSelector {
	if s == nil {
		return nil
	}
	out := &metav1.LabelSelector{MatchLabels: maps.Clone(s.MatchLabels)}
	if s.MatchExpressions != nil {
		out.MatchExpressions = make([]metav1.LabelSelectorRequirement, len(s.MatchExpressions))
		for i, e := range s.MatchExpressions {
			out.MatchExpressions[i] = metav1.LabelSelectorRequirement{
				Key:      e.Key,
				Operator: metav1.LabelSelectorOperator(e.Operator),
				Values:   slices.Clone(e.Values),
			}
		}
	}
	return out
}

// String renders the selector like metav1.LabelSelector's String, for
// error messages.
func (s *LabelSelector) String() string {
	return s.AsMetav1().String()
}
