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

package output

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"strings"

	"github.com/prodready/prodready/internal/check"
	"github.com/prodready/prodready/internal/readiness"
)

func init() {
	Register("sarif", func(o Options) Writer { return sarifWriter{opts: o} })
}

// InformationURI is where SARIF consumers send users for the tool.
const InformationURI = "https://github.com/prodready/prodready"

const (
	sarifSchema  = "https://json.schemastore.org/sarif-2.1.0.json"
	srcRoot      = "%SRCROOT%"
	fingerprint  = "prodreadyFinding/v1"
	rulesDocBase = InformationURI + "/blob/main/docs/cli.md#rule-"
)

// The SARIF 2.1.0 subset prodready writes.
type (
	sarifLog struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool    sarifTool     `json:"tool"`
		Results []sarifResult `json:"results"`
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name           string      `json:"name"`
		Version        string      `json:"version"`
		InformationURI string      `json:"informationUri"`
		Rules          []sarifRule `json:"rules"`
	}
	sarifRule struct {
		ID                   string          `json:"id"`
		Name                 string          `json:"name"`
		ShortDescription     sarifText       `json:"shortDescription"`
		FullDescription      sarifText       `json:"fullDescription"`
		Help                 sarifHelp       `json:"help"`
		HelpURI              string          `json:"helpUri"`
		DefaultConfiguration sarifRuleConfig `json:"defaultConfiguration"`
		Properties           map[string]any  `json:"properties,omitempty"`
	}
	sarifText struct {
		Text string `json:"text"`
	}
	sarifHelp struct {
		Text     string `json:"text"`
		Markdown string `json:"markdown"`
	}
	sarifRuleConfig struct {
		Level string `json:"level"`
	}
	sarifResult struct {
		RuleID              string            `json:"ruleId"`
		RuleIndex           int               `json:"ruleIndex"`
		Level               string            `json:"level"`
		Message             sarifText         `json:"message"`
		Locations           []sarifLocation   `json:"locations"`
		PartialFingerprints map[string]string `json:"partialFingerprints"`
		Properties          map[string]any    `json:"properties,omitempty"`
	}
	sarifLocation struct {
		PhysicalLocation *sarifPhysical `json:"physicalLocation,omitempty"`
		LogicalLocations []sarifLogical `json:"logicalLocations,omitempty"`
	}
	sarifPhysical struct {
		ArtifactLocation sarifArtifact `json:"artifactLocation"`
		Region           *sarifRegion  `json:"region,omitempty"`
	}
	sarifArtifact struct {
		URI       string `json:"uri"`
		URIBaseID string `json:"uriBaseId,omitempty"`
	}
	sarifRegion struct {
		StartLine int `json:"startLine"`
	}
	sarifLogical struct {
		Name               string `json:"name"`
		FullyQualifiedName string `json:"fullyQualifiedName"`
		Kind               string `json:"kind"`
	}
)

// sarifWriter writes SARIF 2.1.0 as GitHub code scanning takes it: one run,
// every rule of the catalog with help text, results always present,
// relative URIs under %SRCROOT%, and partialFingerprints that do not change
// when lines move.
type sarifWriter struct{ opts Options }

func (s sarifWriter) Write(w io.Writer, r *check.Report) error {
	rules, index := sarifRules()
	results := []sarifResult{}
	for i := range r.Findings {
		f := &r.Findings[i]
		if f.Status != check.StatusFail {
			continue
		}
		idx, ok := index[f.Rule]
		if !ok { // a rule the catalog lacks still gets metadata
			idx = len(rules)
			index[f.Rule] = idx
			rules = append(rules, sarifRuleFor(readiness.RuleInfo{ID: f.Rule, Summary: f.Rule, Fix: f.Message}))
		}
		results = append(results, sarifResult{
			RuleID:              f.Rule,
			RuleIndex:           idx,
			Level:               string(f.Severity),
			Message:             sarifText{Text: sarifMessage(f)},
			Locations:           []sarifLocation{s.location(f)},
			PartialFingerprints: map[string]string{fingerprint: findingFingerprint(f)},
			Properties: map[string]any{
				"policy": f.Policy, "namespace": f.Namespace, "deployment": f.Deployment,
				"container": f.Container, "path": f.Path,
			},
		})
	}
	log := sarifLog{
		Schema:  sarifSchema,
		Version: "2.1.0",
		Runs: []sarifRun{{
			Tool: sarifTool{Driver: sarifDriver{
				Name: "prodready", Version: sarifVersion(s.opts.Version), InformationURI: InformationURI, Rules: rules,
			}},
			Results: results,
		}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}

func sarifMessage(f *check.Finding) string {
	msg := "Deployment " + f.Namespace + "/" + f.Deployment + ": " + f.Message
	if !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	return msg + " (policy " + f.Policy + ")"
}

func (s sarifWriter) location(f *check.Finding) sarifLocation {
	loc := sarifLocation{LogicalLocations: []sarifLogical{{
		Name:               f.Deployment,
		FullyQualifiedName: "Deployment/" + f.Namespace + "/" + f.Deployment + "/" + f.Path,
		Kind:               "object",
	}}}
	if f.File == "" {
		return loc
	}
	art := sarifArtifact{URI: "stdin", URIBaseID: srcRoot}
	if f.File != "-" {
		p, rel := relPath(s.opts.BaseDir, f.File)
		if rel {
			art = sarifArtifact{URI: p, URIBaseID: srcRoot}
		} else {
			art = sarifArtifact{URI: "file://" + p}
		}
	}
	loc.PhysicalLocation = &sarifPhysical{ArtifactLocation: art}
	if f.FieldLine > 0 {
		loc.PhysicalLocation.Region = &sarifRegion{StartLine: f.FieldLine}
	}
	return loc
}

// findingFingerprint identifies a finding by what it is about, not by where
// it is written, so code scanning tracks it across edits that move lines.
func findingFingerprint(f *check.Finding) string {
	h := sha256.Sum256([]byte(strings.Join([]string{f.Rule, f.Policy, f.Namespace, f.Deployment, f.Container, f.Path, f.File}, "\x00")))
	return hex.EncodeToString(h[:16])
}

func sarifRules() ([]sarifRule, map[string]int) {
	cat := readiness.Rules()
	rules := make([]sarifRule, 0, len(cat))
	index := make(map[string]int, len(cat))
	for i, r := range cat {
		rules = append(rules, sarifRuleFor(r))
		index[r.ID] = i
	}
	return rules, index
}

func sarifRuleFor(r readiness.RuleInfo) sarifRule {
	help := r.Summary + "\n\nHow to fix: " + r.Fix
	md := r.Summary + "\n\n**How to fix:** " + r.Fix
	if r.PolicyField != "" {
		help += "\n\nEnabled by the policy field " + r.PolicyField + "."
		md += "\n\nEnabled by the policy field `" + r.PolicyField + "`."
	}
	return sarifRule{
		ID:                   r.ID,
		Name:                 ruleName(r.ID),
		ShortDescription:     sarifText{Text: r.Summary},
		FullDescription:      sarifText{Text: r.Summary + " " + r.Fix},
		Help:                 sarifHelp{Text: help, Markdown: md},
		HelpURI:              rulesDocBase + strings.NewReplacer(".", "").Replace(strings.ToLower(r.ID)),
		DefaultConfiguration: sarifRuleConfig{Level: "error"},
		Properties:           map[string]any{"tags": []string{"kubernetes", "reliability", "production-readiness"}},
	}
}

// ruleName turns a rule ID such as resources.limits.ephemeral-storage into
// the PascalCase name SARIF viewers show, ResourcesLimitsEphemeralStorage.
func ruleName(id string) string {
	var b strings.Builder
	up := true
	for _, c := range id {
		switch {
		case c == '.' || c == '-' || c == '_':
			up = true
		case up:
			b.WriteString(strings.ToUpper(string(c)))
			up = false
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}

// sarifVersion makes a version start with a digit, as SARIF consumers
// compare versions numerically: v1.2.3 is 1.2.3, a development build 0.0.0-devel.
func sarifVersion(v string) string {
	v = strings.TrimPrefix(v, "v")
	if v == "" || v[0] < '0' || v[0] > '9' {
		return "0.0.0-devel"
	}
	return v
}
