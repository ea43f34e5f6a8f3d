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
	"fmt"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
)

// fullSpec uses every rule, a selector and both kinds of exemption.
func fullSpec() *prodreadyv1alpha1.PolicySpec {
	return &prodreadyv1alpha1.PolicySpec{
		Selector: &prodreadyv1alpha1.LabelSelector{
			MatchLabels: map[string]string{"tier": "frontend"},
			MatchExpressions: []prodreadyv1alpha1.LabelSelectorRequirement{
				{Key: "env", Operator: prodreadyv1alpha1.LabelSelectorOpIn, Values: []string{"prod", "staging"}},
			},
		},
		Enforcement: prodreadyv1alpha1.EnforcementEnforce,
		Rules:       allRules(),
		Exemptions: []prodreadyv1alpha1.Exemption{
			{Deployments: []string{"legacy"}, Rules: []string{"probes", "resources.limits.cpu"}, Reason: "being rewritten"},
			{
				Selector:   &prodreadyv1alpha1.LabelSelector{MatchLabels: map[string]string{"team": "batch"}},
				Rules:      []string{"replicas.minimum"},
				Containers: []string{"worker"},
				Reason:     "single worker by design",
				Expires:    &metav1.Time{Time: time.Date(2027, time.January, 1, 0, 0, 0, 0, time.UTC)},
			},
		},
	}
}

func TestCompile(t *testing.T) {
	badExpr := &prodreadyv1alpha1.LabelSelector{MatchExpressions: []prodreadyv1alpha1.LabelSelectorRequirement{
		{Key: "app", Operator: "Equals", Values: []string{"web"}},
	}}
	cases := map[string]struct {
		spec              *prodreadyv1alpha1.PolicySpec
		namespaceSelector *prodreadyv1alpha1.LabelSelector
		// wantErr lists substrings of the error; empty means success.
		wantErr []string
		// on success:
		wantEnforcement prodreadyv1alpha1.Enforcement
		wantChecks      int
		wantNamespaced  bool
		wantUsesCluster bool
	}{
		"valid full policy": {
			spec:              fullSpec(),
			namespaceSelector: &prodreadyv1alpha1.LabelSelector{MatchLabels: map[string]string{"env": "prod"}},
			wantEnforcement:   prodreadyv1alpha1.EnforcementEnforce,
			wantChecks:        18,
			wantNamespaced:    true,
			wantUsesCluster:   true,
		},
		"empty spec defaults to Audit": {
			spec:            &prodreadyv1alpha1.PolicySpec{},
			wantEnforcement: prodreadyv1alpha1.EnforcementAudit,
		},
		"Warn with probes only": {
			spec: &prodreadyv1alpha1.PolicySpec{
				Enforcement: prodreadyv1alpha1.EnforcementWarn,
				Rules:       probeRules(req, ign, req),
			},
			wantEnforcement: prodreadyv1alpha1.EnforcementWarn,
			wantChecks:      2,
		},
		"empty namespace selector is no restriction": {
			spec:              &prodreadyv1alpha1.PolicySpec{Rules: prodreadyv1alpha1.Rules{PodDisruptionBudget: &prodreadyv1alpha1.PodDisruptionBudgetRules{AllowsDisruption: true}}},
			namespaceSelector: &prodreadyv1alpha1.LabelSelector{},
			wantEnforcement:   prodreadyv1alpha1.EnforcementAudit,
			wantChecks:        1,
			wantUsesCluster:   true,
		},
		"selector with too many expressions": {
			spec:    &prodreadyv1alpha1.PolicySpec{Selector: manyExpressions(MaxSelectorExpressions+1, 1)},
			wantErr: []string{"spec.selector.matchExpressions", "must have at most 32 items"},
		},
		"namespace selector with too many values in one expression": {
			spec:              &prodreadyv1alpha1.PolicySpec{},
			namespaceSelector: manyExpressions(1, MaxSelectorValues+1),
			wantErr:           []string{"spec.namespaceSelector.matchExpressions[0].values", "must have at most 64 items"},
		},
		"selector with too many labels": {
			spec:    &prodreadyv1alpha1.PolicySpec{Selector: &prodreadyv1alpha1.LabelSelector{MatchLabels: manyLabels(MaxSelectorLabels + 1)}},
			wantErr: []string{"spec.selector.matchLabels", "must have at most 64 items"},
		},
		"exemption selector with too many values": {
			spec: &prodreadyv1alpha1.PolicySpec{Exemptions: []prodreadyv1alpha1.Exemption{{
				Selector: manyExpressions(1, MaxSelectorValues+1), Rules: []string{"probes"}, Reason: "r",
			}}},
			wantErr: []string{"spec.exemptions[0].selector.matchExpressions[0].values", "must have at most 64 items"},
		},
		"selector at the bounds compiles": {
			spec:            &prodreadyv1alpha1.PolicySpec{Selector: manyExpressions(MaxSelectorExpressions, MaxSelectorValues)},
			wantEnforcement: prodreadyv1alpha1.EnforcementAudit,
		},
		"unknown enforcement": {
			spec:    &prodreadyv1alpha1.PolicySpec{Enforcement: "Block"},
			wantErr: []string{"spec.enforcement", `"Block"`},
		},
		"invalid regex": {
			spec: &prodreadyv1alpha1.PolicySpec{Rules: prodreadyv1alpha1.Rules{Metrics: &prodreadyv1alpha1.MetricsRules{
				Annotations: []prodreadyv1alpha1.AnnotationRequirement{{Key: "prometheus.io/port", Value: "[0-9"}},
			}}},
			wantErr: []string{"spec.rules.metrics.annotations[0].value", "not a valid regular expression"},
		},
		"regex that is only valid once anchored": {
			spec: &prodreadyv1alpha1.PolicySpec{Rules: prodreadyv1alpha1.Rules{Metrics: &prodreadyv1alpha1.MetricsRules{
				Annotations: []prodreadyv1alpha1.AnnotationRequirement{{Key: "prometheus.io/scrape", Value: "true)|(.*"}},
			}}},
			wantErr: []string{"spec.rules.metrics.annotations[0].value", "not a valid regular expression"},
		},
		"second annotation has the invalid regex": {
			spec: &prodreadyv1alpha1.PolicySpec{Rules: prodreadyv1alpha1.Rules{Metrics: &prodreadyv1alpha1.MetricsRules{
				Annotations: []prodreadyv1alpha1.AnnotationRequirement{{Key: "a", Value: "ok"}, {Key: "b", Value: "(unclosed"}},
			}}},
			wantErr: []string{"spec.rules.metrics.annotations[1].value"},
		},
		"empty annotation key": {
			spec: &prodreadyv1alpha1.PolicySpec{Rules: prodreadyv1alpha1.Rules{Metrics: &prodreadyv1alpha1.MetricsRules{
				Annotations: []prodreadyv1alpha1.AnnotationRequirement{{Key: ""}},
			}}},
			wantErr: []string{"spec.rules.metrics.annotations[0].key"},
		},
		"duplicate annotation key": {
			spec: &prodreadyv1alpha1.PolicySpec{Rules: prodreadyv1alpha1.Rules{Metrics: &prodreadyv1alpha1.MetricsRules{
				Annotations: []prodreadyv1alpha1.AnnotationRequirement{{Key: "a"}, {Key: "a", Value: "x"}},
			}}},
			wantErr: []string{"spec.rules.metrics.annotations[1].key", "Duplicate"},
		},
		"bad selector operator": {
			spec:    &prodreadyv1alpha1.PolicySpec{Selector: badExpr},
			wantErr: []string{"spec.selector"},
		},
		"selector In without values": {
			spec: &prodreadyv1alpha1.PolicySpec{Selector: &prodreadyv1alpha1.LabelSelector{MatchExpressions: []prodreadyv1alpha1.LabelSelectorRequirement{
				{Key: "app", Operator: prodreadyv1alpha1.LabelSelectorOpIn},
			}}},
			wantErr: []string{"spec.selector"},
		},
		"bad namespace selector": {
			spec:              &prodreadyv1alpha1.PolicySpec{},
			namespaceSelector: badExpr,
			wantErr:           []string{"spec.namespaceSelector"},
		},
		"unknown exemption rule ID": {
			spec: &prodreadyv1alpha1.PolicySpec{Exemptions: []prodreadyv1alpha1.Exemption{
				{Deployments: []string{"web"}, Rules: []string{"probes.ready"}, Reason: "r"},
			}},
			wantErr: []string{"spec.exemptions[0].rules[0]", `"probes.ready"`},
		},
		"partial rule ID is not a prefix": {
			spec: &prodreadyv1alpha1.PolicySpec{Exemptions: []prodreadyv1alpha1.Exemption{
				{Deployments: []string{"web"}, Rules: []string{"probes.read"}, Reason: "r"},
			}},
			wantErr: []string{"spec.exemptions[0].rules[0]"},
		},
		"second exemption, second rule unknown": {
			spec: &prodreadyv1alpha1.PolicySpec{Exemptions: []prodreadyv1alpha1.Exemption{
				{Deployments: []string{"web"}, Rules: []string{"probes"}, Reason: "r"},
				{Deployments: []string{"web"}, Rules: []string{"pdb", "resources.limits.gpu"}, Reason: "r"},
			}},
			wantErr: []string{"spec.exemptions[1].rules[1]"},
		},
		"empty reason": {
			spec: &prodreadyv1alpha1.PolicySpec{Exemptions: []prodreadyv1alpha1.Exemption{
				{Deployments: []string{"web"}, Rules: []string{"probes"}},
			}},
			wantErr: []string{"spec.exemptions[0].reason"},
		},
		"blank reason": {
			spec: &prodreadyv1alpha1.PolicySpec{Exemptions: []prodreadyv1alpha1.Exemption{
				{Deployments: []string{"web"}, Rules: []string{"probes"}, Reason: " \t\n"},
			}},
			wantErr: []string{"spec.exemptions[0].reason"},
		},
		"both deployments and selector": {
			spec: &prodreadyv1alpha1.PolicySpec{Exemptions: []prodreadyv1alpha1.Exemption{{
				Deployments: []string{"web"},
				Selector:    &prodreadyv1alpha1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
				Rules:       []string{"probes"},
				Reason:      "r",
			}}},
			wantErr: []string{"spec.exemptions[0]", "set exactly one of deployments or selector"},
		},
		"neither deployments nor selector": {
			spec: &prodreadyv1alpha1.PolicySpec{Exemptions: []prodreadyv1alpha1.Exemption{
				{Rules: []string{"probes"}, Reason: "r"},
			}},
			wantErr: []string{"spec.exemptions[0]", "set exactly one of deployments or selector"},
		},
		"exemption without rules": {
			spec: &prodreadyv1alpha1.PolicySpec{Exemptions: []prodreadyv1alpha1.Exemption{
				{Deployments: []string{"web"}, Reason: "r"},
			}},
			wantErr: []string{"spec.exemptions[0].rules"},
		},
		"bad exemption selector": {
			spec: &prodreadyv1alpha1.PolicySpec{Exemptions: []prodreadyv1alpha1.Exemption{
				{Selector: badExpr, Rules: []string{"probes"}, Reason: "r"},
			}},
			wantErr: []string{"spec.exemptions[0].selector"},
		},
		"minimum 0": {
			spec:    &prodreadyv1alpha1.PolicySpec{Rules: prodreadyv1alpha1.Rules{Replicas: &prodreadyv1alpha1.ReplicaRules{Minimum: 0}}},
			wantErr: []string{"spec.rules.replicas.minimum", "must be at least 1"},
		},
		"negative minimum": {
			spec:    &prodreadyv1alpha1.PolicySpec{Rules: prodreadyv1alpha1.Rules{Replicas: &prodreadyv1alpha1.ReplicaRules{Minimum: -3}}},
			wantErr: []string{"spec.rules.replicas.minimum"},
		},
		"unknown probe requirement": {
			spec:    &prodreadyv1alpha1.PolicySpec{Rules: probeRules("Maybe", ign, ign)},
			wantErr: []string{"spec.rules.probes.readiness", `"Maybe"`},
		},
		"unknown resource name": {
			spec: &prodreadyv1alpha1.PolicySpec{Rules: prodreadyv1alpha1.Rules{Resources: &prodreadyv1alpha1.ResourceRules{
				Requests: []prodreadyv1alpha1.ResourceName{"gpu"},
				Limits:   []prodreadyv1alpha1.ResourceName{"cpu", "hugepages-2Mi"},
			}}},
			wantErr: []string{"spec.rules.resources.requests[0]", "spec.rules.resources.limits[1]"},
		},
		"every problem is reported": {
			spec: &prodreadyv1alpha1.PolicySpec{
				Selector: badExpr,
				Rules:    prodreadyv1alpha1.Rules{Replicas: &prodreadyv1alpha1.ReplicaRules{}},
				Exemptions: []prodreadyv1alpha1.Exemption{
					{Deployments: []string{"web"}, Rules: []string{"nope"}},
				},
			},
			wantErr: []string{"spec.selector", "spec.rules.replicas.minimum", "spec.exemptions[0].rules[0]", "spec.exemptions[0].reason"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p, err := Compile(tc.spec, tc.namespaceSelector)
			if len(tc.wantErr) > 0 {
				if err == nil {
					t.Fatalf("Compile succeeded with %v, want an error naming %q", p, tc.wantErr)
				}
				if p != nil {
					t.Errorf("Compile returned a policy along with error %v", err)
				}
				for _, s := range tc.wantErr {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not contain %q", err, s)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			if got := p.Enforcement(); got != tc.wantEnforcement {
				t.Errorf("Enforcement() = %q, want %q", got, tc.wantEnforcement)
			}
			if got := len(p.checks); got != tc.wantChecks {
				t.Errorf("%d checks enabled, want %d", got, tc.wantChecks)
			}
			if got := p.HasNamespaceSelector(); got != tc.wantNamespaced {
				t.Errorf("HasNamespaceSelector() = %v, want %v", got, tc.wantNamespaced)
			}
			if got := p.UsesClusterObjects(); got != tc.wantUsesCluster {
				t.Errorf("UsesClusterObjects() = %v, want %v", got, tc.wantUsesCluster)
			}
		})
	}
}

func TestUsesClusterObjects(t *testing.T) {
	cases := map[string]struct {
		rules prodreadyv1alpha1.Rules
		want  bool
	}{
		"no rules":         {rules: prodreadyv1alpha1.Rules{}},
		"probes only":      {rules: probeRules(req, req, req)},
		"resources only":   {rules: prodreadyv1alpha1.Rules{Resources: &prodreadyv1alpha1.ResourceRules{Requests: allResources}}},
		"metrics only":     {rules: prodreadyv1alpha1.Rules{Metrics: &prodreadyv1alpha1.MetricsRules{Annotations: []prodreadyv1alpha1.AnnotationRequirement{{Key: "a"}}}}},
		"replicas":         {rules: prodreadyv1alpha1.Rules{Replicas: &prodreadyv1alpha1.ReplicaRules{Minimum: 1}}, want: true},
		"pdb required":     {rules: prodreadyv1alpha1.Rules{PodDisruptionBudget: &prodreadyv1alpha1.PodDisruptionBudgetRules{Required: true}}, want: true},
		"pdb allows":       {rules: prodreadyv1alpha1.Rules{PodDisruptionBudget: &prodreadyv1alpha1.PodDisruptionBudgetRules{AllowsDisruption: true}}, want: true},
		"pdb with nothing": {rules: prodreadyv1alpha1.Rules{PodDisruptionBudget: &prodreadyv1alpha1.PodDisruptionBudgetRules{}}},
		"every rule":       {rules: allRules(), want: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := mustCompile(t, &prodreadyv1alpha1.PolicySpec{Rules: tc.rules})
			if got := p.UsesClusterObjects(); got != tc.want {
				t.Errorf("UsesClusterObjects() = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestKnownRuleID(t *testing.T) {
	cases := map[string]struct {
		id   string
		want bool
	}{
		"probes.readiness":                     {id: "probes.readiness", want: true},
		"probes.liveness":                      {id: "probes.liveness", want: true},
		"probes.startup":                       {id: "probes.startup", want: true},
		"probes.distinct":                      {id: "probes.distinct", want: true},
		"resources.requests.cpu":               {id: "resources.requests.cpu", want: true},
		"resources.requests.memory":            {id: "resources.requests.memory", want: true},
		"resources.requests.ephemeral-storage": {id: "resources.requests.ephemeral-storage", want: true},
		"resources.limits.cpu":                 {id: "resources.limits.cpu", want: true},
		"resources.limits.memory":              {id: "resources.limits.memory", want: true},
		"resources.limits.ephemeral-storage":   {id: "resources.limits.ephemeral-storage", want: true},
		"replicas.minimum":                     {id: "replicas.minimum", want: true},
		"pdb.required":                         {id: "pdb.required", want: true},
		"pdb.allowsDisruption":                 {id: "pdb.allowsDisruption", want: true},
		"metrics.annotation":                   {id: "metrics.annotation", want: true},
		"prefix probes":                        {id: "probes", want: true},
		"prefix resources":                     {id: "resources", want: true},
		"prefix resources.requests":            {id: "resources.requests", want: true},
		"prefix resources.limits":              {id: "resources.limits", want: true},
		"prefix replicas":                      {id: "replicas", want: true},
		"prefix pdb":                           {id: "pdb", want: true},
		"prefix metrics":                       {id: "metrics", want: true},
		"empty":                                {id: ""},
		"lone dot":                             {id: "."},
		"trailing dot":                         {id: "probes."},
		"partial segment probes.read":          {id: "probes.read"},
		"partial segment resources.limit":      {id: "resources.limit"},
		"partial first segment":                {id: "prob"},
		"metric without s":                     {id: "metric"},
		"unknown resource":                     {id: "resources.limits.gpu"},
		"suffix beyond a rule ID":              {id: "probes.readiness.extra"},
		"wrong case":                           {id: "Probes"},
		"pdb.allowsdisruption lowercase":       {id: "pdb.allowsdisruption"},
		"leading space":                        {id: " probes"},
		"requests without resources":           {id: "requests.cpu"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := KnownRuleID(tc.id); got != tc.want {
				t.Errorf("KnownRuleID(%q) = %v, want %v", tc.id, got, tc.want)
			}
		})
	}
}

func TestRuleCovers(t *testing.T) {
	cases := map[string]struct {
		entry, rule string
		want        bool
	}{
		"exact ID":                                {entry: "probes.readiness", rule: "probes.readiness", want: true},
		"probes covers probes.readiness":          {entry: "probes", rule: "probes.readiness", want: true},
		"probes.read does not cover readiness":    {entry: "probes.read", rule: "probes.readiness"},
		"probes. does not cover readiness":        {entry: "probes.", rule: "probes.readiness"},
		"resources.limits covers memory limit":    {entry: "resources.limits", rule: "resources.limits.memory", want: true},
		"resources covers memory limit":           {entry: "resources", rule: "resources.limits.memory", want: true},
		"resources.limits does not cover request": {entry: "resources.limits", rule: "resources.requests.memory"},
		"resources.limits.cpu not memory":         {entry: "resources.limits.cpu", rule: "resources.limits.memory"},
		"longer entry than rule":                  {entry: "probes.readiness.x", rule: "probes.readiness"},
		"empty entry covers nothing":              {entry: "", rule: "probes.readiness"},
		"pdb does not cover probes":               {entry: "pdb", rule: "probes.readiness"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := ruleCovers(tc.entry, tc.rule); got != tc.want {
				t.Errorf("ruleCovers(%q, %q) = %v, want %v", tc.entry, tc.rule, got, tc.want)
			}
		})
	}
}

// selectorCases are shared by the SelectsDeployment and SelectsNamespace
// tables: a nil or empty selector selects everything.
var selectorCases = map[string]struct {
	sel    *prodreadyv1alpha1.LabelSelector
	labels map[string]string
	want   bool
}{
	"nil selector, no labels":          {sel: nil, labels: nil, want: true},
	"nil selector, some labels":        {sel: nil, labels: map[string]string{"a": "b"}, want: true},
	"empty selector, no labels":        {sel: &prodreadyv1alpha1.LabelSelector{}, labels: nil, want: true},
	"empty selector, some labels":      {sel: &prodreadyv1alpha1.LabelSelector{}, labels: map[string]string{"a": "b"}, want: true},
	"matchLabels match":                {sel: &prodreadyv1alpha1.LabelSelector{MatchLabels: map[string]string{"env": "prod"}}, labels: map[string]string{"env": "prod", "x": "y"}, want: true},
	"matchLabels wrong value":          {sel: &prodreadyv1alpha1.LabelSelector{MatchLabels: map[string]string{"env": "prod"}}, labels: map[string]string{"env": "dev"}},
	"matchLabels missing key":          {sel: &prodreadyv1alpha1.LabelSelector{MatchLabels: map[string]string{"env": "prod"}}, labels: nil},
	"matchLabels one of two fails":     {sel: &prodreadyv1alpha1.LabelSelector{MatchLabels: map[string]string{"env": "prod", "tier": "web"}}, labels: map[string]string{"env": "prod"}},
	"matchExpressions In":              {sel: &prodreadyv1alpha1.LabelSelector{MatchExpressions: []prodreadyv1alpha1.LabelSelectorRequirement{{Key: "env", Operator: prodreadyv1alpha1.LabelSelectorOpIn, Values: []string{"prod", "staging"}}}}, labels: map[string]string{"env": "staging"}, want: true},
	"matchExpressions In fails":        {sel: &prodreadyv1alpha1.LabelSelector{MatchExpressions: []prodreadyv1alpha1.LabelSelectorRequirement{{Key: "env", Operator: prodreadyv1alpha1.LabelSelectorOpIn, Values: []string{"prod"}}}}, labels: map[string]string{"env": "dev"}},
	"matchExpressions NotIn absent":    {sel: &prodreadyv1alpha1.LabelSelector{MatchExpressions: []prodreadyv1alpha1.LabelSelectorRequirement{{Key: "env", Operator: prodreadyv1alpha1.LabelSelectorOpNotIn, Values: []string{"dev"}}}}, labels: nil, want: true},
	"matchExpressions Exists":          {sel: &prodreadyv1alpha1.LabelSelector{MatchExpressions: []prodreadyv1alpha1.LabelSelectorRequirement{{Key: "env", Operator: prodreadyv1alpha1.LabelSelectorOpExists}}}, labels: map[string]string{"env": ""}, want: true},
	"matchExpressions DoesNotExist":    {sel: &prodreadyv1alpha1.LabelSelector{MatchExpressions: []prodreadyv1alpha1.LabelSelectorRequirement{{Key: "env", Operator: prodreadyv1alpha1.LabelSelectorOpDoesNotExist}}}, labels: map[string]string{"env": "prod"}},
	"matchLabels and expressions both": {sel: &prodreadyv1alpha1.LabelSelector{MatchLabels: map[string]string{"tier": "web"}, MatchExpressions: []prodreadyv1alpha1.LabelSelectorRequirement{{Key: "env", Operator: prodreadyv1alpha1.LabelSelectorOpNotIn, Values: []string{"dev"}}}}, labels: map[string]string{"tier": "web", "env": "dev"}},
}

func TestSelectsDeployment(t *testing.T) {
	for name, tc := range selectorCases {
		t.Run(name, func(t *testing.T) {
			p := mustCompile(t, &prodreadyv1alpha1.PolicySpec{Selector: tc.sel})
			if got := p.SelectsDeployment(tc.labels); got != tc.want {
				t.Errorf("SelectsDeployment(%v) = %v, want %v", tc.labels, got, tc.want)
			}
			// The controller lists Deployments with this selector.
			if got := p.DeploymentSelector().Matches(labels.Set(tc.labels)); got != tc.want {
				t.Errorf("DeploymentSelector().Matches(%v) = %v, want %v", tc.labels, got, tc.want)
			}
			if !p.SelectsNamespace(map[string]string{"anything": "x"}) {
				t.Error("a policy without namespace selector must select every namespace")
			}
		})
	}
}

func TestSelectsNamespace(t *testing.T) {
	for name, tc := range selectorCases {
		t.Run(name, func(t *testing.T) {
			p, err := Compile(&prodreadyv1alpha1.PolicySpec{}, tc.sel)
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			if got := p.SelectsNamespace(tc.labels); got != tc.want {
				t.Errorf("SelectsNamespace(%v) = %v, want %v", tc.labels, got, tc.want)
			}
			if !p.SelectsDeployment(map[string]string{"anything": "x"}) {
				t.Error("a policy without selector must select every Deployment")
			}
		})
	}
}

// manyExpressions is a selector with n In expressions of v values each.
func manyExpressions(n, v int) *prodreadyv1alpha1.LabelSelector {
	sel := &prodreadyv1alpha1.LabelSelector{}
	for i := range n {
		values := make([]string, v)
		for j := range values {
			values[j] = fmt.Sprintf("v%d", j)
		}
		sel.MatchExpressions = append(sel.MatchExpressions, prodreadyv1alpha1.LabelSelectorRequirement{
			Key: fmt.Sprintf("k%d", i), Operator: prodreadyv1alpha1.LabelSelectorOpIn, Values: values,
		})
	}
	return sel
}

// manyLabels is a matchLabels map with n entries.
func manyLabels(n int) map[string]string {
	m := map[string]string{}
	for i := range n {
		m[fmt.Sprintf("k%d", i)] = "v"
	}
	return m
}
