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
	"strings"
	"testing"
)

// TestRulesCatalog keeps the catalog and the rule IDs exemptions accept
// in step: every known rule ID has exactly one entry, and every entry names
// a known rule with a summary and a fix.
func TestRulesCatalog(t *testing.T) {
	cataloged := map[string]bool{}
	for _, r := range Rules() {
		if cataloged[r.ID] {
			t.Errorf("rule %q is cataloged twice", r.ID)
		}
		cataloged[r.ID] = true
		if r.Summary == "" || r.Fix == "" || !strings.HasPrefix(r.Policy, "rules.") {
			t.Errorf("rule %q: want a summary, a fix and a rules.* policy field, got %+v", r.ID, r)
		}
		if id := strings.Replace(r.ID, "<name>", "cpu", 1); !KnownRuleID(id) {
			t.Errorf("cataloged rule %q is not a known rule ID", r.ID)
		}
	}
	for _, id := range knownRuleIDs {
		entry := id
		for _, prefix := range []string{RuleResourcesRequestPrefix, RuleResourcesLimitPrefix} {
			if strings.HasPrefix(id, prefix) {
				entry = prefix + "<name>"
			}
		}
		if !cataloged[entry] {
			t.Errorf("known rule %q has no catalog entry", id)
		}
	}
}

func TestRulesReturnsACopy(t *testing.T) {
	a := Rules()
	a[0].ID = "changed"
	if Rules()[0].ID == "changed" {
		t.Error("Rules() shares its backing array with the caller")
	}
}
