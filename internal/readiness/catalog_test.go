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

import "testing"

// TestCatalogCoversEveryRule keeps the catalog and the rule IDs the engine
// accepts in step: one entry per ID, in the same order, each with text.
func TestCatalogCoversEveryRule(t *testing.T) {
	rules := Rules()
	if len(rules) != len(knownRuleIDs) {
		t.Fatalf("catalog has %d entries, the engine knows %d rule IDs", len(rules), len(knownRuleIDs))
	}
	for i, id := range knownRuleIDs {
		r := rules[i]
		if r.ID != id {
			t.Errorf("catalog[%d] is %q, want %q", i, r.ID, id)
		}
		if r.Summary == "" || r.Fix == "" || r.PolicyField == "" {
			t.Errorf("rule %q lacks a summary, fix or policy field: %+v", id, r)
		}
		if got, ok := LookupRule(id); !ok || got.ID != id {
			t.Errorf("LookupRule(%q) = %+v, %v", id, got, ok)
		}
	}
	if _, ok := LookupRule("probes"); ok {
		t.Error("LookupRule accepted a prefix; it must only accept rule IDs")
	}
}
