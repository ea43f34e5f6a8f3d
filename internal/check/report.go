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
	openreportsv1alpha1 "github.com/openreports/reports-api/apis/openreports.io/v1alpha1"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
)

// Severity is how much a finding matters; it follows the enforcement of the
// policy that reports it.
type Severity string

// Severities, from the highest.
const (
	SeverityError   Severity = "error"   // an Enforce policy: admission would deny
	SeverityWarning Severity = "warning" // a Warn policy: admission would warn
	SeverityNote    Severity = "note"    // an Audit policy: status would show it
	SeverityNone    Severity = "none"    // only as a --fail-on threshold: never fail
)

// SeverityOf maps a policy's enforcement to the severity of its findings.
func SeverityOf(e prodreadyv1alpha1.Enforcement) Severity {
	switch e {
	case prodreadyv1alpha1.EnforcementEnforce:
		return SeverityError
	case prodreadyv1alpha1.EnforcementWarn:
		return SeverityWarning
	}
	return SeverityNote
}

// Rank orders severities: error 3, warning 2, note 1, anything else 0.
func (s Severity) Rank() int {
	switch s {
	case SeverityError:
		return 3
	case SeverityWarning:
		return 2
	case SeverityNote:
		return 1
	}
	return 0
}

// Status is what became of a finding.
type Status string

const (
	// StatusFail is a violation.
	StatusFail Status = "fail"
	// StatusSkip is a rule that needs an object the input cannot have,
	// declared so with --assume-external.
	StatusSkip Status = "skip"
	// StatusExempt is a violation an exemption of the policy waives.
	StatusExempt Status = "exempt"
)

// Finding is one rule a Deployment (or one of its containers) fails under
// one policy, with where it is written.
type Finding struct {
	Rule        string   `json:"rule"`
	Severity    Severity `json:"severity"`
	Status      Status   `json:"status"`
	Policy      string   `json:"policy"`
	Enforcement string   `json:"enforcement"`
	Namespace   string   `json:"namespace"`
	Deployment  string   `json:"deployment"`
	Container   string   `json:"container,omitempty"`
	// Path is the field the finding is about, e.g.
	// spec.template.spec.containers[0].readinessProbe.
	Path    string `json:"path"`
	Message string `json:"message"`
	// File is the input the Deployment came from ("-" for stdin, empty for
	// a live cluster); Line is the line of the Deployment and FieldLine
	// that of the field (or of its closest parent present). Lines are 0 when
	// unknown.
	File      string `json:"file"`
	Line      int    `json:"line"`
	FieldLine int    `json:"fieldLine"`
}

// Workload is one Deployment that was checked.
type Workload struct {
	File      string   `json:"file"`
	Line      int      `json:"line"`
	Namespace string   `json:"namespace"`
	Name      string   `json:"name"`
	Policies  []string `json:"policies"`
	// Failed counts the findings with status fail.
	Failed int `json:"failed"`
}

// Summary counts what a run found.
type Summary struct {
	Deployments int `json:"deployments"`
	Compliant   int `json:"compliant"`
	Errors      int `json:"errors"`
	Warnings    int `json:"warnings"`
	Notes       int `json:"notes"`
	Skipped     int `json:"skipped"`
	Exempted    int `json:"exempted"`
}

// Report is the result of a run.
type Report struct {
	// Policies lists the policies applied, as Kind/[namespace/]name.
	Policies []string `json:"policies"`
	// Deployments lists every Deployment checked, in input order.
	Deployments []Workload `json:"deployments"`
	// Findings lists every finding, ordered by input, line, rule, container
	// and policy.
	Findings []Finding `json:"findings"`
	Summary  Summary   `json:"summary"`
	// OpenReports holds, with Options.Reports, one OpenReports Report per
	// Deployment a policy selects, in the order of Deployments; nil
	// without it. Not part of the json and yaml outputs: -o report writes
	// them.
	OpenReports []*openreportsv1alpha1.Report `json:"-"`
}

// Failing reports whether a failed finding reaches the threshold.
func (r *Report) Failing(threshold Severity) bool {
	if threshold.Rank() == 0 {
		return false
	}
	for i := range r.Findings {
		f := &r.Findings[i]
		if f.Status == StatusFail && f.Severity.Rank() >= threshold.Rank() {
			return true
		}
	}
	return false
}

func (r *Report) summarize() {
	s := Summary{Deployments: len(r.Deployments)}
	for i := range r.Findings {
		f := &r.Findings[i]
		switch {
		case f.Status == StatusSkip:
			s.Skipped++
		case f.Status == StatusExempt:
			s.Exempted++
		case f.Severity == SeverityError:
			s.Errors++
		case f.Severity == SeverityWarning:
			s.Warnings++
		default:
			s.Notes++
		}
	}
	for _, w := range r.Deployments {
		if w.Failed == 0 {
			s.Compliant++
		}
	}
	r.Summary = s
}
