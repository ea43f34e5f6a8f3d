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
	"strings"

	openreportsv1alpha1 "github.com/openreports/reports-api/apis/openreports.io/v1alpha1"

	"github.com/prodready/prodready/internal/readiness"
)

// Severities prodready uses (the Report schema also allows critical and
// info).
const (
	SeverityHigh   openreportsv1alpha1.ResultSeverity = "high"
	SeverityMedium openreportsv1alpha1.ResultSeverity = "medium"
	SeverityLow    openreportsv1alpha1.ResultSeverity = "low"
)

// Categories of results; Policy Reporter groups and filters by them.
const (
	CategoryProbes        = "Probes"
	CategoryResources     = "Resources"
	CategoryAvailability  = "Availability"
	CategoryObservability = "Observability"
	CategoryOperations    = "Operations"
)

type ruleMeta struct {
	category string
	severity openreportsv1alpha1.ResultSeverity
}

// rules holds the category and severity of every rule ID. Severity says how
// much a failure hurts in production: high for what drops traffic or blocks
// node maintenance, medium for what degrades under load or failure, low for
// what hampers operating the workload.
var rules = map[string]ruleMeta{
	readiness.RuleProbesReadiness:          {CategoryProbes, SeverityHigh},
	readiness.RuleProbesLiveness:           {CategoryProbes, SeverityMedium},
	readiness.RuleProbesStartup:            {CategoryProbes, SeverityLow},
	readiness.RuleProbesDistinct:           {CategoryProbes, SeverityMedium},
	"resources.requests.cpu":               {CategoryResources, SeverityMedium},
	"resources.requests.memory":            {CategoryResources, SeverityHigh},
	"resources.requests.ephemeral-storage": {CategoryResources, SeverityLow},
	"resources.limits.cpu":                 {CategoryResources, SeverityLow},
	"resources.limits.memory":              {CategoryResources, SeverityHigh},
	"resources.limits.ephemeral-storage":   {CategoryResources, SeverityMedium},
	readiness.RuleReplicasMinimum:          {CategoryAvailability, SeverityHigh},
	readiness.RulePDBRequired:              {CategoryAvailability, SeverityMedium},
	readiness.RulePDBAllowsDisruption:      {CategoryAvailability, SeverityHigh},
	readiness.RuleMetricsAnnotation:        {CategoryObservability, SeverityLow},
	readiness.RuleRolloutMaxUnavailable:    {CategoryAvailability, SeverityHigh},
	readiness.RuleRolloutRevisionHistory:   {CategoryOperations, SeverityLow},
	readiness.RuleSpreadNodes:              {CategoryAvailability, SeverityHigh},
	readiness.RuleSpreadZones:              {CategoryAvailability, SeverityMedium},
	readiness.RuleShutdownGracePeriod:      {CategoryOperations, SeverityMedium},
	readiness.RuleShutdownPreStop:          {CategoryOperations, SeverityMedium},
	readiness.RuleImagePinned:              {CategoryOperations, SeverityMedium},
	readiness.RulePriorityClass:            {CategoryAvailability, SeverityMedium},
}

// metaFor returns a rule's category and severity. A rule without an entry
// (which TestEveryRuleHasMetadata forbids) gets its ID's first segment as
// category and medium severity rather than nothing.
func metaFor(rule string) ruleMeta {
	if m, ok := rules[rule]; ok {
		return m
	}
	first, _, _ := strings.Cut(rule, ".")
	return ruleMeta{category: first, severity: SeverityMedium}
}
