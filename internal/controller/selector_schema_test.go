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

package controller

import (
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
	"github.com/prodready/prodready/internal/readiness"
)

// longestKey is a valid label key of exactly MaxSelectorKeyLength (317)
// characters: a 253-character DNS subdomain prefix, a slash, a 63-character
// name.
var longestKey = strings.Repeat("a", 63) + "." + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." +
	strings.Repeat("d", 61) + "/" + strings.Repeat("n", 63)

// selectorPlace puts a selector into a policy at one of the three places a
// tenant writes one, and names that place's field path.
type selectorPlace struct {
	path  string
	build func(ns string, sel *prodreadyv1alpha1.LabelSelector) client.Object
}

var selectorPlaces = map[string]selectorPlace{
	"ReadinessPolicy spec.selector": {
		path: "spec.selector",
		build: func(ns string, sel *prodreadyv1alpha1.LabelSelector) client.Object {
			return &prodreadyv1alpha1.ReadinessPolicy{
				ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "sel"},
				Spec:       prodreadyv1alpha1.PolicySpec{Selector: sel},
			}
		},
	},
	"ClusterReadinessPolicy spec.namespaceSelector": {
		path: "spec.namespaceSelector",
		build: func(ns string, sel *prodreadyv1alpha1.LabelSelector) client.Object {
			return &prodreadyv1alpha1.ClusterReadinessPolicy{
				ObjectMeta: metav1.ObjectMeta{Name: ns + "-nssel"},
				Spec:       prodreadyv1alpha1.ClusterReadinessPolicySpec{NamespaceSelector: sel},
			}
		},
	},
	"ReadinessPolicy spec.exemptions[].selector": {
		path: "spec.exemptions[1].selector",
		build: func(ns string, sel *prodreadyv1alpha1.LabelSelector) client.Object {
			return &prodreadyv1alpha1.ReadinessPolicy{
				ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "ex"},
				Spec: prodreadyv1alpha1.PolicySpec{Exemptions: []prodreadyv1alpha1.Exemption{
					{Deployments: []string{"legacy"}, Rules: []string{"probes"}, Reason: "first"},
					{Selector: sel, Rules: []string{"probes"}, Reason: "second"},
				}},
			}
		},
	},
	"ClusterReadinessPolicy spec.exemptions[].selector": {
		path: "spec.exemptions[0].selector",
		build: func(ns string, sel *prodreadyv1alpha1.LabelSelector) client.Object {
			return &prodreadyv1alpha1.ClusterReadinessPolicy{
				ObjectMeta: metav1.ObjectMeta{Name: ns + "-exsel"},
				Spec: prodreadyv1alpha1.ClusterReadinessPolicySpec{PolicySpec: prodreadyv1alpha1.PolicySpec{
					Exemptions: []prodreadyv1alpha1.Exemption{{Selector: sel, Namespaces: []string{ns}, Rules: []string{"probes"}, Reason: "batch"}},
				}},
			}
		},
	},
}

// expressions returns n In expressions with distinct keys and one value each.
func expressions(n int) []prodreadyv1alpha1.LabelSelectorRequirement {
	out := make([]prodreadyv1alpha1.LabelSelectorRequirement, n)
	for i := range out {
		out[i] = prodreadyv1alpha1.LabelSelectorRequirement{Key: fmt.Sprintf("k%d", i), Operator: prodreadyv1alpha1.LabelSelectorOpIn, Values: []string{"v"}}
	}
	return out
}

// values returns n distinct values of the given length (at least 3).
func values(n, length int) []string {
	out := make([]string, n)
	for i := range out {
		v := fmt.Sprintf("v%02d", i)
		out[i] = v + strings.Repeat("x", length-len(v))
	}
	return out
}

// labelsMap returns n matchLabels entries.
func labelsMap(n int) map[string]string {
	out := make(map[string]string, n)
	for i := range n {
		out[fmt.Sprintf("k%d", i)] = "v"
	}
	return out
}

func oneExpression(key string, op prodreadyv1alpha1.LabelSelectorOperator, vals ...string) *prodreadyv1alpha1.LabelSelector {
	return &prodreadyv1alpha1.LabelSelector{MatchExpressions: []prodreadyv1alpha1.LabelSelectorRequirement{{Key: key, Operator: op, Values: vals}}}
}

// atEveryBound is a selector at every schema bound at once: 64 matchLabels
// (one with the longest key and value), 32 matchExpressions, one of them
// with the longest key and 64 values of the longest length, and every
// operator.
func atEveryBound() *prodreadyv1alpha1.LabelSelector {
	lbls := labelsMap(prodreadyv1alpha1.MaxSelectorLabels - 1)
	lbls[longestKey] = strings.Repeat("v", prodreadyv1alpha1.MaxSelectorValueLength)
	exprs := expressions(prodreadyv1alpha1.MaxSelectorExpressions)
	exprs[0] = prodreadyv1alpha1.LabelSelectorRequirement{Key: longestKey, Operator: prodreadyv1alpha1.LabelSelectorOpNotIn,
		Values: values(prodreadyv1alpha1.MaxSelectorValues, prodreadyv1alpha1.MaxSelectorValueLength)}
	exprs[1] = prodreadyv1alpha1.LabelSelectorRequirement{Key: "present", Operator: prodreadyv1alpha1.LabelSelectorOpExists}
	exprs[2] = prodreadyv1alpha1.LabelSelectorRequirement{Key: "absent", Operator: prodreadyv1alpha1.LabelSelectorOpDoesNotExist}
	return &prodreadyv1alpha1.LabelSelector{MatchLabels: lbls, MatchExpressions: exprs}
}

var _ = Describe("Policy selector schema", func() {
	// Every create is a dry run: the API server validates it fully (OpenAPI
	// schema and CEL) and stores nothing, so no reconcile runs.
	create := func(obj client.Object) error { return k8sClient.Create(ctx, obj, client.DryRunAll) }

	It("accepts a selector at every bound exactly, in every place, and the engine compiles it", func() {
		ns := newNamespace(nil)
		for name, place := range selectorPlaces {
			Expect(create(place.build(ns, atEveryBound()))).To(Succeed(), name)
		}
		_, err := readiness.Compile(&prodreadyv1alpha1.PolicySpec{Selector: atEveryBound()}, atEveryBound())
		Expect(err).NotTo(HaveOccurred())
	})

	cases := map[string]struct {
		sel *prodreadyv1alpha1.LabelSelector
		// field is appended to the place's path; want is in the message.
		field, want string
	}{
		"33 matchExpressions": {
			sel:   &prodreadyv1alpha1.LabelSelector{MatchExpressions: expressions(prodreadyv1alpha1.MaxSelectorExpressions + 1)},
			field: ".matchExpressions", want: "must have at most 32 items",
		},
		"65 matchLabels": {
			sel:   &prodreadyv1alpha1.LabelSelector{MatchLabels: labelsMap(prodreadyv1alpha1.MaxSelectorLabels + 1)},
			field: ".matchLabels", want: "must have at most 64 items",
		},
		"an expression key of 318 characters": {
			sel:   oneExpression(longestKey+"n", prodreadyv1alpha1.LabelSelectorOpExists),
			field: ".matchExpressions[0].key", want: "may not be more than 317 bytes",
		},
		"an empty expression key": {
			sel:   oneExpression("", prodreadyv1alpha1.LabelSelectorOpExists),
			field: ".matchExpressions[0].key", want: "should be at least 1 chars long",
		},
		"operator Foo": {
			sel:   oneExpression("env", "Foo", "prod"),
			field: ".matchExpressions[0].operator", want: `Unsupported value: "Foo"`,
		},
		"65 values": {
			sel:   oneExpression("env", prodreadyv1alpha1.LabelSelectorOpIn, values(prodreadyv1alpha1.MaxSelectorValues+1, 3)...),
			field: ".matchExpressions[0].values", want: "must have at most 64 items",
		},
		"a value of 64 characters": {
			sel:   oneExpression("env", prodreadyv1alpha1.LabelSelectorOpIn, "prod", strings.Repeat("v", 64)),
			field: ".matchExpressions[0].values[1]", want: "may not be more than 63 bytes",
		},
		"In without values": {
			sel:   oneExpression("env", prodreadyv1alpha1.LabelSelectorOpIn),
			field: ".matchExpressions[0]", want: "operator must be In or NotIn with at least one value, or Exists or DoesNotExist without values",
		},
		"Exists with values": {
			sel:   oneExpression("env", prodreadyv1alpha1.LabelSelectorOpExists, "prod"),
			field: ".matchExpressions[0]", want: "operator must be In or NotIn with at least one value, or Exists or DoesNotExist without values",
		},
		"a matchLabels key of 318 characters": {
			sel:   &prodreadyv1alpha1.LabelSelector{MatchLabels: map[string]string{longestKey + "n": "v"}},
			field: ".matchLabels", want: "a matchLabels key takes at most 317 characters and a value at most 63",
		},
		"a matchLabels value of 64 characters": {
			sel:   &prodreadyv1alpha1.LabelSelector{MatchLabels: map[string]string{"env": strings.Repeat("v", 64)}},
			field: ".matchLabels", want: "a matchLabels key takes at most 317 characters and a value at most 63",
		},
	}
	for name, tc := range cases {
		It("rejects "+name+" in every place, naming the field", func() {
			ns := newNamespace(nil)
			for placeName, place := range selectorPlaces {
				err := create(place.build(ns, tc.sel))
				Expect(apierrors.IsInvalid(err)).To(BeTrue(), "%s: got %v", placeName, err)
				Expect(err.Error()).To(ContainSubstring(place.path+tc.field+":"), placeName)
				Expect(err.Error()).To(ContainSubstring(tc.want), placeName)
			}
		})
	}
})
