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
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxListedNames is the most object names (such as matching
// PodDisruptionBudgets) one message lists; the rest are counted.
const MaxListedNames = 5

// MaxQuotedValue is the most bytes of a tenant-written value (an annotation
// value, a pattern) quoted in a message; longer values are cut and their
// length is given instead.
const MaxQuotedValue = 64

// quote renders a value for a message: quoted, cut to MaxQuotedValue bytes
// (at a rune boundary) with its full length when longer.
func quote(s string) string {
	if len(s) <= MaxQuotedValue {
		return strconv.Quote(s)
	}
	cut := MaxQuotedValue
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + "... (" + strconv.Itoa(len(s)) + " bytes)"
}

// truncated cuts a value for use as a field error's bad value, which the API
// server renders quoted.
func truncated(s string) string {
	if len(s) <= MaxQuotedValue {
		return s
	}
	cut := MaxQuotedValue
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "... (" + strconv.Itoa(len(s)) + " bytes)"
}

// quoteList renders names as a quoted, comma-separated list of at most
// MaxListedNames, followed by "and N more" when there are more.
func quoteList(names []string) string {
	shown := names[:min(len(names), MaxListedNames)]
	quoted := make([]string, len(shown))
	for i, n := range shown {
		quoted[i] = quote(n)
	}
	out := strings.Join(quoted, ", ")
	if rest := len(names) - len(shown); rest > 0 {
		out += " and " + strconv.Itoa(rest) + " more"
	}
	return out
}
