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

package reports

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	openreportsv1alpha1 "github.com/openreports/reports-api/apis/openreports.io/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
	"github.com/prodready/prodready/internal/readiness"
	"github.com/prodready/prodready/internal/testutil"
)

var testNow = time.Date(2026, time.March, 1, 12, 0, 0, 0, time.UTC)

// row is the part of a result the table tests compare.
type row struct {
	policy, rule, container string
	result                  openreportsv1alpha1.Result
}

func rowsOf(r *openreportsv1alpha1.Report) []row {
	out := make([]row, len(r.Results))
	for i, res := range r.Results {
		out[i] = row{res.Policy, res.Rule, res.Properties[PropertyContainer], res.Result}
	}
	return out
}

// policyOf compiles a spec and evaluates d with it.
func evalOf(t *testing.T, namespace, name string, spec prodreadyv1alpha1.PolicySpec, d *appsv1.Deployment) Evaluation {
	t.Helper()
	p, err := readiness.Compile(&spec, nil)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return Evaluation{Namespace: namespace, Name: name, Policy: p, Result: p.Evaluate(readiness.Input{Deployment: d}, testNow)}
}

// everyRule turns on every rule of the engine.
func everyRule() prodreadyv1alpha1.Rules {
	all := []prodreadyv1alpha1.ResourceName{"cpu", "memory", "ephemeral-storage"}
	return prodreadyv1alpha1.Rules{
		Probes: &prodreadyv1alpha1.ProbeRules{
			Readiness: prodreadyv1alpha1.RequirementRequired, Liveness: prodreadyv1alpha1.RequirementRequired,
			Startup: prodreadyv1alpha1.RequirementRequired, Distinct: true,
		},
		Resources:           &prodreadyv1alpha1.ResourceRules{Requests: all, Limits: all},
		Replicas:            &prodreadyv1alpha1.ReplicaRules{Minimum: 2},
		PodDisruptionBudget: &prodreadyv1alpha1.PodDisruptionBudgetRules{Required: true, AllowsDisruption: true},
		Metrics: &prodreadyv1alpha1.MetricsRules{Annotations: []prodreadyv1alpha1.AnnotationRequirement{
			{Key: "prometheus.io/scrape", Value: "true"}, {Key: "prometheus.io/port"},
		}},
	}
}

// deployment is testutil's compliant Deployment (probes, cpu and memory
// requests, a memory limit, prometheus.io/scrape) with a UID, in shop.
func deployment() *appsv1.Deployment {
	d := testutil.CompliantDeployment("shop", "web", 1)
	d.UID = "0b9c1a52-8d0e-4c55-9f7e-2f1f3f0d5a11"
	return d
}

func TestBuildResults(t *testing.T) {
	twoContainers := func() *appsv1.Deployment {
		d := deployment()
		c := d.Spec.Template.Spec.Containers[0]
		c.Name = "proxy"
		c.ReadinessProbe = nil
		d.Spec.Template.Spec.Containers = append(d.Spec.Template.Spec.Containers, c)
		return d
	}
	cases := map[string]struct {
		d     *appsv1.Deployment
		evals func(t *testing.T, d *appsv1.Deployment) []Evaluation
		want  []row
	}{
		"every rule, cluster policy": {
			d: deployment(),
			evals: func(t *testing.T, d *appsv1.Deployment) []Evaluation {
				return []Evaluation{evalOf(t, "", "baseline", prodreadyv1alpha1.PolicySpec{Rules: everyRule()}, d)}
			},
			want: []row{
				{"baseline", "metrics.annotation", "", ResultFail}, // prometheus.io/port missing
				{"baseline", "pdb.allowsDisruption", "", ResultPass},
				{"baseline", "pdb.required", "", ResultFail},
				{"baseline", "probes.distinct", "app", ResultPass}, // different failureThreshold
				{"baseline", "probes.liveness", "app", ResultPass},
				{"baseline", "probes.readiness", "app", ResultPass},
				{"baseline", "probes.startup", "app", ResultFail},
				{"baseline", "replicas.minimum", "", ResultFail},
				{"baseline", "resources.limits.cpu", "app", ResultFail},
				{"baseline", "resources.limits.ephemeral-storage", "app", ResultFail},
				{"baseline", "resources.limits.memory", "app", ResultPass},
				{"baseline", "resources.requests.cpu", "app", ResultPass},
				{"baseline", "resources.requests.ephemeral-storage", "app", ResultFail},
				{"baseline", "resources.requests.memory", "app", ResultPass},
			},
		},
		"identical probes fail probes.distinct": {
			d: func() *appsv1.Deployment {
				d := deployment()
				c := &d.Spec.Template.Spec.Containers[0]
				c.LivenessProbe = c.ReadinessProbe.DeepCopy()
				return d
			}(),
			evals: func(t *testing.T, d *appsv1.Deployment) []Evaluation {
				return []Evaluation{evalOf(t, "", "distinct", prodreadyv1alpha1.PolicySpec{Rules: prodreadyv1alpha1.Rules{
					Probes: &prodreadyv1alpha1.ProbeRules{Distinct: true}}}, d)}
			},
			want: []row{{"distinct", "probes.distinct", "app", ResultFail}},
		},
		"namespaced policy is named namespace/name": {
			d: deployment(),
			evals: func(t *testing.T, d *appsv1.Deployment) []Evaluation {
				return []Evaluation{evalOf(t, "shop", "probes", prodreadyv1alpha1.PolicySpec{Rules: prodreadyv1alpha1.Rules{
					Probes: &prodreadyv1alpha1.ProbeRules{Readiness: prodreadyv1alpha1.RequirementRequired}}}, d)}
			},
			want: []row{{"shop/probes", "probes.readiness", "app", ResultPass}},
		},
		"multi-container: one result per container": {
			d: twoContainers(),
			evals: func(t *testing.T, d *appsv1.Deployment) []Evaluation {
				return []Evaluation{evalOf(t, "", "probes", prodreadyv1alpha1.PolicySpec{Rules: prodreadyv1alpha1.Rules{
					Probes: &prodreadyv1alpha1.ProbeRules{Readiness: prodreadyv1alpha1.RequirementRequired}}}, d)}
			},
			want: []row{
				{"probes", "probes.readiness", "app", ResultPass},
				{"probes", "probes.readiness", "proxy", ResultFail},
			},
		},
		"Warn policy reports warn, Audit and Enforce fail": {
			d: twoContainers(),
			evals: func(t *testing.T, d *appsv1.Deployment) []Evaluation {
				rules := prodreadyv1alpha1.Rules{Probes: &prodreadyv1alpha1.ProbeRules{Readiness: prodreadyv1alpha1.RequirementRequired}}
				return []Evaluation{
					evalOf(t, "", "warn", prodreadyv1alpha1.PolicySpec{Enforcement: prodreadyv1alpha1.EnforcementWarn, Rules: rules}, d),
					evalOf(t, "", "audit", prodreadyv1alpha1.PolicySpec{Enforcement: prodreadyv1alpha1.EnforcementAudit, Rules: rules}, d),
					evalOf(t, "shop", "enforce", prodreadyv1alpha1.PolicySpec{Enforcement: prodreadyv1alpha1.EnforcementEnforce, Rules: rules}, d),
				}
			},
			want: []row{
				{"audit", "probes.readiness", "app", ResultPass},
				{"audit", "probes.readiness", "proxy", ResultFail},
				{"shop/enforce", "probes.readiness", "app", ResultPass},
				{"shop/enforce", "probes.readiness", "proxy", ResultFail},
				{"warn", "probes.readiness", "app", ResultPass},
				{"warn", "probes.readiness", "proxy", ResultWarn},
			},
		},
		"exempted finding is skip, other container still fails": {
			d: func() *appsv1.Deployment {
				d := twoContainers()
				d.Spec.Template.Spec.Containers[0].ReadinessProbe = nil
				return d
			}(),
			evals: func(t *testing.T, d *appsv1.Deployment) []Evaluation {
				return []Evaluation{evalOf(t, "shop", "probes", prodreadyv1alpha1.PolicySpec{
					Rules: prodreadyv1alpha1.Rules{Probes: &prodreadyv1alpha1.ProbeRules{Readiness: prodreadyv1alpha1.RequirementRequired}},
					Exemptions: []prodreadyv1alpha1.Exemption{{
						Deployments: []string{"web"}, Rules: []string{"probes"}, Containers: []string{"proxy"}, Reason: "proxy is probed by the mesh",
					}},
				}, d)}
			},
			want: []row{
				{"shop/probes", "probes.readiness", "app", ResultFail},
				{"shop/probes", "probes.readiness", "proxy", ResultSkip},
			},
		},
		"several policies, same rule, each its own result": {
			d: deployment(),
			evals: func(t *testing.T, d *appsv1.Deployment) []Evaluation {
				return []Evaluation{
					evalOf(t, "", "replicas-3", prodreadyv1alpha1.PolicySpec{Rules: prodreadyv1alpha1.Rules{Replicas: &prodreadyv1alpha1.ReplicaRules{Minimum: 3}}}, d),
					evalOf(t, "shop", "replicas-1", prodreadyv1alpha1.PolicySpec{Rules: prodreadyv1alpha1.Rules{Replicas: &prodreadyv1alpha1.ReplicaRules{Minimum: 1}}}, d),
				}
			},
			want: []row{
				{"replicas-3", "replicas.minimum", "", ResultFail},
				{"shop/replicas-1", "replicas.minimum", "", ResultPass},
			},
		},
		"policy with no rules adds nothing": {
			d: deployment(),
			evals: func(t *testing.T, d *appsv1.Deployment) []Evaluation {
				return []Evaluation{evalOf(t, "", "empty", prodreadyv1alpha1.PolicySpec{}, d)}
			},
			want: []row{},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r := Build(tc.d, tc.evals(t, tc.d), testNow, nil)
			if got := rowsOf(r); !slices.Equal(got, tc.want) {
				t.Fatalf("results:\n got %v\nwant %v", got, tc.want)
			}
			var want openreportsv1alpha1.ReportSummary
			for _, w := range tc.want {
				countResult(&want, w.result)
			}
			if r.Summary != want {
				t.Errorf("summary = %+v, want %+v", r.Summary, want)
			}
			for _, res := range r.Results {
				if res.Category == "" || res.Severity == "" {
					t.Errorf("%s %s: category %q severity %q, want both set", res.Policy, res.Rule, res.Category, res.Severity)
				}
				if res.Timestamp.Seconds != testNow.Unix() {
					t.Errorf("%s %s: timestamp %v, want %v", res.Policy, res.Rule, res.Timestamp, testNow.Unix())
				}
				if (res.Result == ResultPass) != (res.Description == "") {
					t.Errorf("%s %s %s: message %q; want a message exactly on non-pass results", res.Policy, res.Rule, res.Result, res.Description)
				}
				if res.Result == ResultFail || res.Result == ResultWarn {
					if res.Properties[PropertyPath] == "" || res.Properties[PropertyEnforcement] == "" {
						t.Errorf("%s %s: properties %v lack path or enforcement", res.Policy, res.Rule, res.Properties)
					}
				}
			}
		})
	}
}

// The message of a failed result is the engine's message, as status and
// admission show it; a rule with several findings joins them, one per line.
func TestBuildMessagesAreTheEngines(t *testing.T) {
	d := deployment()
	d.Spec.Template.Annotations = nil
	ev := evalOf(t, "", "metrics", prodreadyv1alpha1.PolicySpec{Rules: everyRule()}, d)
	r := Build(d, []Evaluation{ev}, testNow, nil)
	byRule := map[string]string{}
	for _, res := range r.Results {
		byRule[res.Rule+"/"+res.Properties[PropertyContainer]] = res.Description
	}
	want := map[string][]string{}
	for _, f := range ev.Result.Violations {
		k := f.Rule + "/" + f.Container
		want[k] = append(want[k], f.Message)
	}
	if len(want[readiness.RuleMetricsAnnotation+"/"]) != 2 {
		t.Fatalf("fixture: want two metrics.annotation findings, got %v", want[readiness.RuleMetricsAnnotation+"/"])
	}
	for k, msgs := range want {
		slices.Sort(msgs)
		if got := byRule[k]; got != strings.Join(msgs, "\n") {
			t.Errorf("%s: message %q, want %q", k, got, strings.Join(msgs, "\n"))
		}
	}
}

func TestBuildExemptionProperties(t *testing.T) {
	d := deployment()
	d.Spec.Template.Spec.Containers[0].ReadinessProbe = nil
	expires := metav1.NewTime(testNow.Add(48 * time.Hour))
	cases := map[string]struct {
		exemption prodreadyv1alpha1.Exemption
		want      map[string]string
	}{
		"without expiry": {
			exemption: prodreadyv1alpha1.Exemption{Deployments: []string{"web"}, Rules: []string{"probes.readiness"}, Reason: "batch worker, no traffic"},
			want: map[string]string{
				PropertyContainer: "app", PropertyPath: "spec.template.spec.containers[0].readinessProbe",
				PropertyExemption: "batch worker, no traffic", "missing": "readinessProbe",
			},
		},
		"with expiry": {
			exemption: prodreadyv1alpha1.Exemption{
				Selector: &prodreadyv1alpha1.LabelSelector{MatchLabels: map[string]string{"tier": "web"}},
				Rules:    []string{"probes"}, Reason: "migration", Expires: &expires,
			},
			want: map[string]string{
				PropertyContainer: "app", PropertyPath: "spec.template.spec.containers[0].readinessProbe",
				PropertyExemption: "migration", PropertyExemptionExpires: "2026-03-03T12:00:00Z", "missing": "readinessProbe",
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			ev := evalOf(t, "shop", "p", prodreadyv1alpha1.PolicySpec{
				Rules:      prodreadyv1alpha1.Rules{Probes: &prodreadyv1alpha1.ProbeRules{Readiness: prodreadyv1alpha1.RequirementRequired}},
				Exemptions: []prodreadyv1alpha1.Exemption{tc.exemption},
			}, d)
			r := Build(d, []Evaluation{ev}, testNow, nil)
			if len(r.Results) != 1 || r.Results[0].Result != ResultSkip {
				t.Fatalf("results %+v, want one skip", r.Results)
			}
			if got := r.Results[0].Properties; !maps.Equal(got, tc.want) {
				t.Errorf("properties = %v, want %v", got, tc.want)
			}
			if r.Results[0].Description != ev.Result.Exempted[0].Message {
				t.Errorf("message %q, want the finding's %q", r.Results[0].Description, ev.Result.Exempted[0].Message)
			}
			if r.Summary != (openreportsv1alpha1.ReportSummary{Skip: 1}) {
				t.Errorf("summary = %+v, want one skip", r.Summary)
			}
		})
	}
}

func TestBuildMetadata(t *testing.T) {
	d := deployment()
	r := Build(d, nil, testNow, nil)
	if r.Name != "prodready-0b9c1a52-8d0e-4c55-9f7e-2f1f3f0d5a11" || r.Namespace != "shop" {
		t.Errorf("name %s/%s", r.Namespace, r.Name)
	}
	if r.APIVersion != "openreports.io/v1alpha1" || r.Kind != "Report" {
		t.Errorf("type %s %s", r.APIVersion, r.Kind)
	}
	if r.Labels[LabelManagedBy] != "prodready" || r.Source != "prodready" {
		t.Errorf("labels %v source %q", r.Labels, r.Source)
	}
	// Every result names its source too: consumers such as Policy
	// Reporter group and filter results by it.
	withResults := Build(d, []Evaluation{evalOf(t, "", "baseline", prodreadyv1alpha1.PolicySpec{Rules: everyRule()}, d)}, testNow, nil)
	if len(withResults.Results) == 0 {
		t.Fatal("fixture: no results")
	}
	for _, res := range withResults.Results {
		if res.Source != "prodready" {
			t.Errorf("result %s/%s has source %q", res.Policy, res.Rule, res.Source)
		}
	}
	wantScope := corev1.ObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop", Name: "web", UID: d.UID}
	if r.Scope == nil || *r.Scope != wantScope {
		t.Errorf("scope %+v, want %+v", r.Scope, wantScope)
	}
	if len(r.OwnerReferences) != 1 {
		t.Fatalf("owner references %+v, want one", r.OwnerReferences)
	}
	o := r.OwnerReferences[0]
	if o.APIVersion != "apps/v1" || o.Kind != "Deployment" || o.Name != "web" || o.UID != d.UID {
		t.Errorf("owner reference %+v", o)
	}
	if o.Controller != nil || o.BlockOwnerDeletion != nil {
		t.Errorf("owner reference %+v must be neither controller nor block owner deletion", o)
	}
	if r.Annotations[AnnotationHash] != Hash(r) {
		t.Errorf("hash annotation %q, want %q", r.Annotations[AnnotationHash], Hash(r))
	}

	// A manifest that was never applied has no UID: named after the
	// name-based UUID of namespace/name, which is pinned (a change renames
	// every report prodready check writes), without an owner reference and
	// without a UID in scope.
	d.UID = ""
	r = Build(d, nil, testNow, nil)
	if r.Name != "prodready-25d56159-ff29-5ed8-9e20-e0a63ff7fe27" || r.OwnerReferences != nil || r.Scope.UID != "" {
		t.Errorf("without UID: name %q owners %v scope %+v", r.Name, r.OwnerReferences, r.Scope)
	}
	names := map[string]string{}
	for _, nn := range [][2]string{{"shop", "web"}, {"shop", "web2"}, {"shop2", "web"}, {"sho", "p/web"}, {"default", strings.Repeat("a", 253)}} {
		name := Name(&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: nn[0], Name: nn[1]}})
		if prev, dup := names[name]; dup {
			t.Errorf("%v and %s share the report name %s", nn, prev, name)
		}
		names[name] = nn[0] + "/" + nn[1]
		if errs := validation.IsDNS1123Subdomain(name); len(errs) > 0 || len(name) != len(NamePrefix)+36 {
			t.Errorf("report name %q for %v: %v", name, nn, errs)
		}
	}
}

// Results are stable: the same input gives the same bytes, a result keeps
// its timestamp until it changes, and the hash ignores timestamps.
func TestBuildStability(t *testing.T) {
	rules := prodreadyv1alpha1.Rules{Probes: &prodreadyv1alpha1.ProbeRules{Readiness: prodreadyv1alpha1.RequirementRequired, Liveness: prodreadyv1alpha1.RequirementRequired}}
	d := deployment()
	first := Build(d, []Evaluation{evalOf(t, "", "p", prodreadyv1alpha1.PolicySpec{Rules: rules}, d)}, testNow, nil)

	later := testNow.Add(time.Hour)
	again := Build(d, []Evaluation{evalOf(t, "", "p", prodreadyv1alpha1.PolicySpec{Rules: rules}, d)}, later, first.Results)
	a, _ := json.Marshal(first)
	b, _ := json.Marshal(again)
	if string(a) != string(b) {
		t.Fatalf("unchanged input, different report:\n%s\n%s", a, b)
	}

	// The liveness probe goes: that result changes and gets the new time,
	// the readiness result keeps the old one.
	changed := d.DeepCopy()
	changed.Spec.Template.Spec.Containers[0].LivenessProbe = nil
	third := Build(changed, []Evaluation{evalOf(t, "", "p", prodreadyv1alpha1.PolicySpec{Rules: rules}, changed)}, later, first.Results)
	got := map[string]int64{}
	for _, res := range third.Results {
		got[res.Rule] = res.Timestamp.Seconds
	}
	want := map[string]int64{"probes.liveness": later.Unix(), "probes.readiness": testNow.Unix()}
	if !maps.Equal(got, want) {
		t.Errorf("timestamps %v, want %v", got, want)
	}
	if third.Annotations[AnnotationHash] == first.Annotations[AnnotationHash] {
		t.Error("hash unchanged although a result changed")
	}

	// Only timestamps differ: same hash.
	moved := first.DeepCopy()
	for i := range moved.Results {
		moved.Results[i].Timestamp.Seconds += 100
	}
	if Hash(moved) != Hash(first) {
		t.Error("hash depends on timestamps")
	}
	// Inputs are not modified.
	if first.Results[0].Timestamp.Seconds != testNow.Unix() {
		t.Error("Build modified previous results")
	}
}

func TestPolicyName(t *testing.T) {
	cases := map[string]struct{ ns, name, want string }{
		"ReadinessPolicy":        {"shop", "probes", "shop/probes"},
		"ClusterReadinessPolicy": {"", "baseline", "baseline"},
	}
	for name, tc := range cases {
		if got := PolicyName(tc.ns, tc.name); got != tc.want {
			t.Errorf("%s: PolicyName = %q, want %q", name, got, tc.want)
		}
	}
}

// Every rule the engine knows has its own category and severity, so a new
// rule cannot reach reports without them.
func TestEveryRuleHasMetadata(t *testing.T) {
	valid := []openreportsv1alpha1.ResultSeverity{"critical", "high", "medium", "low", "info"}
	for _, id := range readiness.RuleIDs() {
		m, ok := rules[id]
		if !ok {
			t.Errorf("rule %s has no category and severity in rules", id)
			continue
		}
		if m.category == "" || !slices.Contains(valid, m.severity) {
			t.Errorf("rule %s: category %q severity %q", id, m.category, m.severity)
		}
	}
	if m := metaFor("future.rule"); m.category != "future" || m.severity != SeverityMedium {
		t.Errorf("fallback %+v", m)
	}
}

// manyContainers returns the test Deployment with n more containers that
// have neither a readinessProbe nor a livenessProbe after its compliant one.
func manyContainers(n int) *appsv1.Deployment {
	d := deployment()
	for i := range n {
		c := d.Spec.Template.Spec.Containers[0]
		c.Name = "c" + strconv.Itoa(i)
		c.ReadinessProbe, c.LivenessProbe = nil, nil
		d.Spec.Template.Spec.Containers = append(d.Spec.Template.Spec.Containers, c)
	}
	return d
}

// TestBuildCountsUnlistedFindings: the engine lists at most
// readiness.MaxFindingsPerDeployment violations; the summary still counts
// every check, the checks it cannot tell apart are not listed, and the
// report says how many those are.
func TestBuildCountsUnlistedFindings(t *testing.T) {
	probes := prodreadyv1alpha1.Rules{Probes: &prodreadyv1alpha1.ProbeRules{
		Readiness: prodreadyv1alpha1.RequirementRequired, Liveness: prodreadyv1alpha1.RequirementRequired,
	}}
	cases := map[string]struct {
		d            *appsv1.Deployment
		spec         prodreadyv1alpha1.PolicySpec
		skip         func(string) (string, bool)
		wantSummary  openreportsv1alpha1.ReportSummary
		wantListed   int
		wantUnlisted string
	}{
		// 35 containers: "app" passes both rules, 34 fail both: 68
		// violations, of which 50 are listed (34 readiness, 16 liveness).
		// Liveness has 18 unlisted violations and 19 checks without a
		// listed finding: 18 fail, 1 (app's) passes, none listed.
		"enforce": {
			d: manyContainers(34), spec: prodreadyv1alpha1.PolicySpec{Rules: probes},
			wantSummary: openreportsv1alpha1.ReportSummary{Pass: 2, Fail: 68},
			wantListed:  35 + 16, wantUnlisted: "19",
		},
		"warn": {
			d: manyContainers(34), spec: prodreadyv1alpha1.PolicySpec{Rules: probes, Enforcement: prodreadyv1alpha1.EnforcementWarn},
			wantSummary: openreportsv1alpha1.ReportSummary{Pass: 2, Warn: 68},
			wantListed:  35 + 16, wantUnlisted: "19",
		},
		"assumed external": {
			d: manyContainers(34), spec: prodreadyv1alpha1.PolicySpec{Rules: probes},
			skip: func(rule string) (string, bool) {
				return "outside the input", rule == readiness.RuleProbesLiveness
			},
			wantSummary: openreportsv1alpha1.ReportSummary{Pass: 2, Fail: 34, Skip: 34},
			wantListed:  35 + 16, wantUnlisted: "19",
		},
		// 60 exempted findings: 50 listed, 10 not; which checks they are
		// cannot be told, so no unlisted check is listed as a pass.
		"exempted past the cap": {
			d: manyContainers(30),
			spec: prodreadyv1alpha1.PolicySpec{Rules: probes, Exemptions: []prodreadyv1alpha1.Exemption{
				{Deployments: []string{"web"}, Rules: []string{"probes"}, Reason: "legacy"},
			}},
			wantSummary: openreportsv1alpha1.ReportSummary{Pass: 2, Skip: 60},
			wantListed:  30 + 20, wantUnlisted: "12",
		},
		"under the cap": {
			d: manyContainers(20), spec: prodreadyv1alpha1.PolicySpec{Rules: probes},
			wantSummary: openreportsv1alpha1.ReportSummary{Pass: 2, Fail: 40},
			wantListed:  42,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			ev := evalOf(t, "shop", "p", tc.spec, tc.d)
			ev.Skip = tc.skip
			r := Build(tc.d, []Evaluation{ev}, testNow, nil)
			if r.Summary != tc.wantSummary {
				t.Errorf("summary = %+v, want %+v", r.Summary, tc.wantSummary)
			}
			if len(r.Results) != tc.wantListed {
				t.Errorf("%d results listed, want %d", len(r.Results), tc.wantListed)
			}
			if got := r.Annotations[AnnotationUnlisted]; got != tc.wantUnlisted {
				t.Errorf("annotation %s = %q, want %q", AnnotationUnlisted, got, tc.wantUnlisted)
			}
			for _, res := range r.Results {
				if res.Result == ResultPass && res.Rule == readiness.RuleProbesLiveness && tc.wantUnlisted != "" {
					t.Errorf("liveness of %s listed as pass, though unlisted violations may be its", res.Properties[PropertyContainer])
				}
			}
		})
	}
}

// TestBuildObservedProperties: every failed result carries what its rule
// saw as properties, bounded, and never overwrites prodready's own keys.
func TestBuildObservedProperties(t *testing.T) {
	two := int32(2)
	long := strings.Repeat("x", 200)
	cases := map[string]struct {
		rules  prodreadyv1alpha1.Rules
		mutate func(d *appsv1.Deployment)
		key    string // rule/container
		want   map[string]string
	}{
		"missing probe": {
			rules:  prodreadyv1alpha1.Rules{Probes: &prodreadyv1alpha1.ProbeRules{Startup: prodreadyv1alpha1.RequirementRequired}},
			mutate: func(*appsv1.Deployment) {},
			key:    "probes.startup/app", want: map[string]string{"missing": "startupProbe"},
		},
		"missing limit": {
			rules:  prodreadyv1alpha1.Rules{Resources: &prodreadyv1alpha1.ResourceRules{Limits: []prodreadyv1alpha1.ResourceName{"cpu"}}},
			mutate: func(*appsv1.Deployment) {},
			key:    "resources.limits.cpu/app", want: map[string]string{"missing": "resources.limits.cpu"},
		},
		"zero request": {
			rules: prodreadyv1alpha1.Rules{Resources: &prodreadyv1alpha1.ResourceRules{Requests: []prodreadyv1alpha1.ResourceName{"cpu"}}},
			mutate: func(d *appsv1.Deployment) {
				d.Spec.Template.Spec.Containers[0].Resources.Requests[corev1.ResourceCPU] = resource.MustParse("0")
			},
			key: "resources.requests.cpu/app", want: map[string]string{"value": "0"},
		},
		"replicas": {
			rules:  prodreadyv1alpha1.Rules{Replicas: &prodreadyv1alpha1.ReplicaRules{Minimum: 3}},
			mutate: func(d *appsv1.Deployment) { d.Spec.Replicas = &two },
			key:    "replicas.minimum/", want: map[string]string{"replicas": "2"},
		},
		"annotation value, cut like a message quotes it": {
			rules: prodreadyv1alpha1.Rules{Metrics: &prodreadyv1alpha1.MetricsRules{Annotations: []prodreadyv1alpha1.AnnotationRequirement{
				{Key: "prometheus.io/scrape", Value: "true"}, {Key: "prometheus.io/port"}, {Key: "prometheus.io/path"},
			}}},
			mutate: func(d *appsv1.Deployment) { d.Spec.Template.Annotations["prometheus.io/scrape"] = long },
			key:    "metrics.annotation/",
			want: map[string]string{
				"annotation": "prometheus.io/scrape", "value": strings.Repeat("x", readiness.MaxQuotedValue) + "... (200 bytes)",
				"missing": "prometheus.io/path, prometheus.io/port",
			},
		},
		"image": {
			rules:  prodreadyv1alpha1.Rules{Images: &prodreadyv1alpha1.ImageRules{Pinned: true}},
			mutate: func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Image = "nginx:latest" },
			key:    "image.pinned/app", want: map[string]string{"image": "nginx:latest"},
		},
		"priority class": {
			rules:  prodreadyv1alpha1.Rules{Priority: &prodreadyv1alpha1.PriorityRules{Minimum: &two}},
			mutate: func(d *appsv1.Deployment) { d.Spec.Template.Spec.PriorityClassName = "batch" },
			key:    "priority.class/", want: map[string]string{"priorityClassName": "batch"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			d := deployment()
			tc.mutate(d)
			r := Build(d, []Evaluation{evalOf(t, "shop", "p", prodreadyv1alpha1.PolicySpec{Rules: tc.rules}, d)}, testNow, nil)
			var got map[string]string
			for _, res := range r.Results {
				if res.Rule+"/"+res.Properties[PropertyContainer] == tc.key {
					got = maps.Clone(res.Properties)
				}
			}
			if got == nil {
				t.Fatalf("no result %s in %+v", tc.key, rowsOf(r))
			}
			for _, own := range []string{PropertyContainer, PropertyPath, PropertyEnforcement} {
				delete(got, own)
			}
			if !maps.Equal(got, tc.want) {
				t.Errorf("observed properties = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestObservedIsBounded(t *testing.T) {
	var fs []readiness.Finding
	for i := range 8 {
		f := readiness.Finding{Rule: "metrics.annotation"}
		f.Observed[0] = readiness.Observation{Name: "missing", Value: "k" + strconv.Itoa(i)}
		f.Observed[1] = readiness.Observation{Name: PropertyContainer, Value: "not mine"}
		fs = append(fs, f)
	}
	props := map[string]string{PropertyContainer: "app"}
	observed(props, fs)
	want := map[string]string{PropertyContainer: "app", "missing": "k0, k1, k2, k3, k4 and 3 more"}
	if !maps.Equal(props, want) {
		t.Errorf("properties = %v, want %v", props, want)
	}
}
