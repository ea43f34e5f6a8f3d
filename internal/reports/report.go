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

// Package reports maps the rule engine's results for one Deployment to an
// OpenReports Report (openreports.io/v1alpha1): one result per (policy,
// rule), and per container for per-container rules, with pass, fail, warn
// or skip, category, severity and summary counts. It is pure: the
// controller, which writes reports into the cluster, and the CLI, which
// prints them for manifests, both call Build.
package reports

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	openreportsv1alpha1 "github.com/openreports/reports-api/apis/openreports.io/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
	"github.com/prodready/prodready/internal/readiness"
)

// Identity of prodready's reports.
const (
	// Source is the report's and every result's source.
	Source = "prodready"
	// NamePrefix starts every report's name; the Deployment's UID follows,
	// so the name never collides with another engine's report.
	NamePrefix = "prodready-"
	// LabelManagedBy and ManagedBy mark the reports prodready owns; the
	// controller lists and caches only reports with this label.
	LabelManagedBy = "app.kubernetes.io/managed-by"
	ManagedBy      = "prodready"
	// AnnotationHash holds a hash of the report's content without
	// timestamps, so a writer can tell from metadata alone whether the
	// stored report is current.
	AnnotationHash = "prodready.io/report-hash"
	// AnnotationUnlisted holds how many results the summary counts but the
	// report does not list, when the engine's cap on listed findings
	// (readiness.MaxFindingsPerDeployment per Deployment and policy) hid
	// which containers they are about. Absent when every result is listed.
	AnnotationUnlisted = "prodready.io/unlisted-results"
)

// Results a report uses (the schema also has error, which prodready never
// produces: an invalid policy selects nothing).
const (
	ResultPass openreportsv1alpha1.Result = "pass"
	ResultFail openreportsv1alpha1.Result = "fail"
	ResultWarn openreportsv1alpha1.Result = "warn"
	ResultSkip openreportsv1alpha1.Result = "skip"
)

// Keys of a result's properties.
const (
	// PropertyContainer names the container of a per-container rule.
	PropertyContainer = "container"
	// PropertyPath is the field path a failed or waived finding is about;
	// several distinct paths are joined by ", ".
	PropertyPath = "path"
	// PropertyEnforcement is the policy's enforcement (Audit, Warn or
	// Enforce) on a fail or warn result.
	PropertyEnforcement = "enforcement"
	// PropertyExemption is the reason of the exemption that waived a
	// skipped result; PropertyExemptionExpires its expiry (RFC 3339), when
	// it has one.
	PropertyExemption        = "exemption"
	PropertyExemptionExpires = "exemptionExpires"
	// PropertySkipReason says why a result that would fail is skip
	// instead: the CLI's --assume-external (the object the rule needs
	// lives outside the checked manifests).
	PropertySkipReason = "skipReason"
)

// Besides these, a fail, warn or skip result carries what the rule observed
// (readiness.Observation) under the observation's name, e.g. missing:
// readinessProbe, replicas: "1", image: nginx:latest.

// Evaluation is one policy's verdict on the Deployment.
type Evaluation struct {
	// Namespace is the ReadinessPolicy's namespace; empty for a
	// ClusterReadinessPolicy.
	Namespace string
	// Name is the policy's name.
	Name string
	// Policy is the compiled policy that produced Result.
	Policy *readiness.Policy
	// Result is Policy's evaluation of the Deployment at the time passed to
	// Build.
	Result readiness.Result
	// Skip, when set, turns the failures of the rules it accepts into skip
	// results carrying its reason as PropertySkipReason. The controller
	// leaves it nil; prodready check sets it for --assume-external.
	Skip func(rule string) (reason string, skip bool)
}

// PolicyName is the name a result carries for a policy: namespace/name for
// a ReadinessPolicy, name for a ClusterReadinessPolicy.
func PolicyName(namespace, name string) string {
	if namespace == "" {
		return name
	}
	return namespace + "/" + name
}

// manifestUIDSpace is the name space of ManifestUID's name-based UUIDs. It
// is fixed: changing it renames every report prodready check writes.
var manifestUIDSpace = uuid.MustParse("5b0f7a7e-2c1d-4e55-9a57-0c7e3f1d2b64")

// ManifestUID stands in for the UID of a Deployment that has none (a
// manifest that was never applied): the name-based UUID (version 5, SHA-1)
// of "<namespace>/<name>" in a fixed prodready name space. It is the same
// on every run and machine, differs between Deployments, and has the shape
// of a UID, so the report's name stays short and valid whatever the
// Deployment's name.
func ManifestUID(namespace, name string) string {
	return uuid.NewSHA1(manifestUIDSpace, []byte(namespace+"/"+name)).String()
}

// Name returns the report's name for a Deployment: prodready-<uid>, or
// prodready-<ManifestUID> for a Deployment without a UID.
func Name(d *appsv1.Deployment) string {
	if d.UID != "" {
		return NamePrefix + string(d.UID)
	}
	return NamePrefix + ManifestUID(d.Namespace, d.Name)
}

// Build returns the Report for Deployment d given every policy's evaluation
// of it at time now. previous holds the results of the report stored so far
// (nil if none): a result equal to one of them except for the timestamp
// keeps that timestamp, so timestamps move only when a result changes. The
// report carries AnnotationHash. Build never modifies its arguments.
func Build(d *appsv1.Deployment, evals []Evaluation, now time.Time, previous []openreportsv1alpha1.ReportResult) *openreportsv1alpha1.Report {
	r := &openreportsv1alpha1.Report{
		TypeMeta: metav1.TypeMeta{APIVersion: openreportsv1alpha1.GroupVersion.String(), Kind: "Report"},
		ObjectMeta: metav1.ObjectMeta{
			Name:      Name(d),
			Namespace: d.Namespace,
			Labels:    map[string]string{LabelManagedBy: ManagedBy},
		},
		Source: Source,
		Scope: &corev1.ObjectReference{
			APIVersion: appsv1.SchemeGroupVersion.String(), Kind: "Deployment",
			Namespace: d.Namespace, Name: d.Name, UID: d.UID,
		},
	}
	if d.UID != "" {
		// An owner reference, not a controller reference: the garbage
		// collector deletes the report with the Deployment, and no
		// blockOwnerDeletion means no rights on Deployment finalizers.
		r.OwnerReferences = []metav1.OwnerReference{{
			APIVersion: appsv1.SchemeGroupVersion.String(), Kind: "Deployment", Name: d.Name, UID: d.UID,
		}}
	}
	unlisted := 0
	for i := range evals {
		listed, hidden := results(d, &evals[i], now)
		r.Results = append(r.Results, listed...)
		addSummary(&r.Summary, hidden)
		unlisted += hidden.Pass + hidden.Fail + hidden.Warn + hidden.Skip + hidden.Error
	}
	slices.SortFunc(r.Results, func(a, b openreportsv1alpha1.ReportResult) int {
		return cmp.Or(cmp.Compare(a.Policy, b.Policy), cmp.Compare(a.Rule, b.Rule),
			cmp.Compare(a.Properties[PropertyContainer], b.Properties[PropertyContainer]))
	})
	for i := range r.Results {
		countResult(&r.Summary, r.Results[i].Result)
	}
	r.Annotations = map[string]string{}
	if unlisted > 0 {
		r.Annotations[AnnotationUnlisted] = strconv.Itoa(unlisted)
	}
	r.Annotations[AnnotationHash] = Hash(r)
	keepTimestamps(r.Results, previous)
	return r
}

func addSummary(s *openreportsv1alpha1.ReportSummary, add openreportsv1alpha1.ReportSummary) {
	s.Pass += add.Pass
	s.Fail += add.Fail
	s.Warn += add.Warn
	s.Skip += add.Skip
	s.Error += add.Error
}

// results maps one policy's evaluation to report results. It also counts,
// by result, the checks it cannot list: the engine lists at most
// readiness.MaxFindingsPerDeployment findings and counts the rest by rule
// (Result.Unlisted), so for a rule with unlisted violations a check without
// a listed finding may pass or fail. Those checks are left out of the list,
// and hidden says how many of them fail (one per unlisted violation, at
// most one per check), are waived (the exempted findings past the cap) and
// pass (the rest).
func results(d *appsv1.Deployment, ev *Evaluation, now time.Time) (listed []openreportsv1alpha1.ReportResult, hidden openreportsv1alpha1.ReportSummary) {
	if ev.Policy == nil {
		return nil, hidden
	}
	type key struct{ rule, container string }
	violations := map[key][]readiness.Finding{}
	for _, f := range ev.Result.Violations {
		violations[key{f.Rule, f.Container}] = append(violations[key{f.Rule, f.Container}], f)
	}
	exempted := map[key][]readiness.Finding{}
	for _, f := range ev.Result.Exempted {
		exempted[key{f.Rule, f.Container}] = append(exempted[key{f.Rule, f.Container}], f)
	}
	// Every check is one result; a finding outside the checks (which
	// readiness tests forbid) still gets one rather than being lost.
	checks := ev.Policy.Checks(d)
	seen := make(map[key]bool, len(checks))
	var order []key
	for _, c := range checks {
		k := key{c.Rule, c.Container}
		if !seen[k] {
			seen[k] = true
			order = append(order, k)
		}
	}
	for _, fs := range [][]readiness.Finding{ev.Result.Violations, ev.Result.Exempted} {
		for _, f := range fs {
			if k := (key{f.Rule, f.Container}); !seen[k] {
				seen[k] = true
				order = append(order, k)
			}
		}
	}

	policy := PolicyName(ev.Namespace, ev.Name)
	enforcement := ev.Policy.Enforcement()
	unlistedExempted := ev.Result.ExemptedCount - len(ev.Result.Exempted)
	uncertain := map[string]int{} // rule -> checks without a listed finding
	out := make([]openreportsv1alpha1.ReportResult, 0, len(order))
	for _, k := range order {
		if len(violations[k]) == 0 && len(exempted[k]) == 0 && (ev.Result.Unlisted[k.rule] > 0 || unlistedExempted > 0) {
			uncertain[k.rule]++
			continue
		}
		m := metaFor(k.rule)
		res := openreportsv1alpha1.ReportResult{
			Source: Source, Policy: policy, Rule: k.rule, Category: m.category, Severity: m.severity,
			Timestamp: timestamp(now), Result: ResultPass, Scored: true,
		}
		props := map[string]string{}
		if k.container != "" {
			props[PropertyContainer] = k.container
		}
		switch {
		case len(violations[k]) > 0:
			fs := violations[k]
			res.Result, res.Description = failResult(enforcement), messages(fs)
			res.Scored = res.Result == ResultFail
			props[PropertyPath] = paths(fs)
			observed(props, fs)
			if reason, skip := skipped(ev, k.rule); skip {
				res.Result, res.Scored = ResultSkip, false
				props[PropertySkipReason] = reason
			} else {
				props[PropertyEnforcement] = string(enforcement)
			}
		case len(exempted[k]) > 0:
			fs := exempted[k]
			res.Result, res.Description, res.Scored = ResultSkip, messages(fs), false
			props[PropertyPath] = paths(fs)
			observed(props, fs)
			if w, ok := ev.Policy.WaiverFor(d, &fs[0], now); ok {
				props[PropertyExemption] = w.Reason
				if !w.Expires.IsZero() {
					props[PropertyExemptionExpires] = w.Expires.UTC().Format(time.RFC3339)
				}
			}
		}
		if len(props) > 0 {
			res.Properties = props
		}
		out = append(out, res)
	}
	for rule, n := range uncertain {
		fails := min(ev.Result.Unlisted[rule], n)
		switch _, skip := skipped(ev, rule); {
		case skip:
			hidden.Skip += fails
		case failResult(enforcement) == ResultWarn:
			hidden.Warn += fails
		default:
			hidden.Fail += fails
		}
		waived := min(unlistedExempted, n-fails)
		unlistedExempted -= waived
		hidden.Skip += waived
		hidden.Pass += n - fails - waived
	}
	return out, hidden
}

// failResult is the result of a check that is not met: fail, or warn when
// the policy only warns.
func failResult(e prodreadyv1alpha1.Enforcement) openreportsv1alpha1.Result {
	if e == prodreadyv1alpha1.EnforcementWarn {
		return ResultWarn
	}
	return ResultFail
}

func skipped(ev *Evaluation, rule string) (string, bool) {
	if ev.Skip == nil {
		return "", false
	}
	return ev.Skip(rule)
}

// messages joins the findings' messages, each exactly as status and
// admission show it, one per line, in a stable order.
func messages(fs []readiness.Finding) string {
	fs = slices.Clone(fs)
	readiness.SortFindings(fs)
	msgs := make([]string, 0, len(fs))
	for _, f := range fs {
		if !slices.Contains(msgs, f.Message) {
			msgs = append(msgs, f.Message)
		}
	}
	return strings.Join(msgs, "\n")
}

// observed adds the values the rule saw (readiness.Finding.Observed) as
// properties under their names, without overwriting prodready's own keys.
// Several findings of one result give a name several values: distinct ones
// are joined by ", " in sorted order, at most readiness.MaxListedNames,
// then "and N more", so a property stays bounded like a message.
func observed(props map[string]string, fs []readiness.Finding) {
	var names []string
	values := map[string][]string{}
	for i := range fs {
		for _, o := range fs[i].Observed {
			if o.Name == "" || reserved(o.Name) {
				continue
			}
			if _, seen := values[o.Name]; !seen {
				names = append(names, o.Name)
			}
			if !slices.Contains(values[o.Name], o.Value) {
				values[o.Name] = append(values[o.Name], o.Value)
			}
		}
	}
	for _, n := range names {
		vs := values[n]
		slices.Sort(vs)
		shown := vs[:min(len(vs), readiness.MaxListedNames)]
		v := strings.Join(shown, ", ")
		if rest := len(vs) - len(shown); rest > 0 {
			v += " and " + strconv.Itoa(rest) + " more"
		}
		props[n] = v
	}
}

// reserved reports whether a property name is one Build sets itself.
func reserved(name string) bool {
	switch name {
	case PropertyContainer, PropertyPath, PropertyEnforcement, PropertyExemption, PropertyExemptionExpires, PropertySkipReason:
		return true
	}
	return false
}

func paths(fs []readiness.Finding) string {
	var ps []string
	for _, f := range fs {
		if f.Path != "" && !slices.Contains(ps, f.Path) {
			ps = append(ps, f.Path)
		}
	}
	slices.Sort(ps)
	return strings.Join(ps, ", ")
}

func countResult(s *openreportsv1alpha1.ReportSummary, r openreportsv1alpha1.Result) {
	switch r {
	case ResultPass:
		s.Pass++
	case ResultFail:
		s.Fail++
	case ResultWarn:
		s.Warn++
	case ResultSkip:
		s.Skip++
	default:
		s.Error++
	}
}

func timestamp(t time.Time) metav1.Timestamp {
	return metav1.Timestamp{Seconds: t.Unix()}
}

// resultKey identifies a result within a report.
func resultKey(r *openreportsv1alpha1.ReportResult) string {
	return r.Policy + "\x00" + r.Rule + "\x00" + r.Properties[PropertyContainer]
}

// keepTimestamps gives every result that equals its previous version, but
// for the timestamp, the previous timestamp.
func keepTimestamps(results, previous []openreportsv1alpha1.ReportResult) {
	if len(previous) == 0 {
		return
	}
	prev := make(map[string]*openreportsv1alpha1.ReportResult, len(previous))
	for i := range previous {
		prev[resultKey(&previous[i])] = &previous[i]
	}
	for i := range results {
		p := prev[resultKey(&results[i])]
		if p == nil {
			continue
		}
		cur := results[i]
		cur.Timestamp = p.Timestamp
		if equalResult(&cur, p) {
			results[i].Timestamp = p.Timestamp
		}
	}
}

func equalResult(a, b *openreportsv1alpha1.ReportResult) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(ja) == string(jb)
}

// Hash returns a hash of what a report says: its scope, source, summary and
// results without their timestamps. Two reports with the same hash differ
// at most in timestamps and metadata.
func Hash(r *openreportsv1alpha1.Report) string {
	content := struct {
		Scope    *corev1.ObjectReference            `json:"scope"`
		Source   string                             `json:"source"`
		Summary  openreportsv1alpha1.ReportSummary  `json:"summary"`
		Results  []openreportsv1alpha1.ReportResult `json:"results"`
		Unlisted string                             `json:"unlisted,omitempty"`
	}{Scope: r.Scope, Source: r.Source, Summary: r.Summary, Results: make([]openreportsv1alpha1.ReportResult, len(r.Results)),
		Unlisted: r.Annotations[AnnotationUnlisted]}
	for i := range r.Results {
		content.Results[i] = r.Results[i]
		content.Results[i].Timestamp = metav1.Timestamp{}
	}
	raw, err := json.Marshal(content)
	if err != nil {
		// Unreachable: every field marshals. A fresh value forces a write.
		return "unhashable"
	}
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:16])
}
