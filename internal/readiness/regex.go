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
	"regexp"
	"regexp/syntax"
	"strconv"
)

// Budgets on the regular expressions a policy may hold. Policies are written
// by tenants (ReadinessPolicy edit rights are aggregated into the built-in
// edit role), so a value is hostile input twice over. Compiling: a short
// pattern such as (?:x{1000}){1000} expands to millions of instructions and
// hundreds of megabytes, so the size of the program a pattern compiles to is
// computed from its parse tree, before anything is compiled, and a pattern
// over budget is never compiled. Matching: RE2 matches in time linear in the
// value, but the factor is the number of live instructions, so the cost of a
// match is bounded by the program size times the length of the value
// matched; both are capped.
const (
	// MaxRegexProgramSize is the most instructions one annotation value may
	// compile to. A 512-character literal (516) or an alternation of a
	// hundred team names stays below it.
	MaxRegexProgramSize = 1024
	// MaxPolicyRegexProgramSize is the most instructions all annotation
	// values of one policy may compile to together.
	MaxPolicyRegexProgramSize = 4096
	// MaxMatchedValueLength is the longest annotation value matched against
	// a pattern. A longer value is a violation without being matched: the
	// annotations these rules check (scrape flags, ports, paths, URLs) are
	// far shorter, and a 256 KiB value against a pathological pattern would
	// otherwise cost seconds of CPU per evaluation.
	MaxMatchedValueLength = 512
)

// regexBudgetError says that a pattern's program is over budget.
type regexBudgetError struct {
	length, size, limit int
	what                string
}

func (e *regexBudgetError) Error() string {
	size := strconv.Itoa(e.size)
	if e.size > maxCount {
		size = "more than " + strconv.Itoa(maxCount)
	}
	return fmt.Sprintf("the %d-character regular expression compiles to %s instructions, over the limit of %d %s; "+
		"use a shorter pattern with smaller repetition counts", e.length, size, e.limit, e.what)
}

// maxCount is where progSize stops counting.
const maxCount = 1 << 40

// compileBounded validates a user-supplied regular expression on its own,
// checks the size of its program against remaining (instructions still
// available under the policy's budget) and only then compiles it, once,
// anchored to match the whole value. It returns the compiled expression and
// the program size it used.
//
// The size is the exact instruction count of the simplified program, which a
// table test checks against regexp/syntax.Compile.
func compileBounded(value string, remaining int) (*regexp.Regexp, int, error) {
	// Parse the value alone: a value such as "a)|(b" is not a regular
	// expression, yet it would parse once wrapped and then escape the
	// whole-value anchors.
	tree, err := syntax.Parse(value, syntax.Perl)
	if err != nil {
		return nil, 0, err
	}
	limit, what := MaxRegexProgramSize, "per value"
	if remaining < limit {
		limit, what = remaining, fmt.Sprintf("left of the policy's budget of %d", MaxPolicyRegexProgramSize)
	}
	// Counted exactly (saturating far above any limit) so that the error can
	// say how large the program would be; anchors and the program's own
	// start and match instructions add four.
	size := progSize(tree, maxCount) + 4
	if size > limit {
		return nil, size, &regexBudgetError{length: len(value), size: size, limit: limit, what: what}
	}
	// The value parsed alone, so wrapping it cannot change its meaning;
	// this is the only full compilation.
	re, err := regexp.Compile(`^(?:` + value + `)$`)
	if err != nil {
		return nil, size, err
	}
	return re, size, nil
}

// progSize returns the number of instructions regexp/syntax.Compile emits for
// the simplified tree, or a number above limit as soon as the count exceeds
// limit; it never expands the tree, so it runs in time linear in the
// pattern's length whatever its repetition counts.
func progSize(re *syntax.Regexp, limit int) int {
	switch re.Op {
	case syntax.OpLiteral:
		return max(len(re.Rune), 1)
	case syntax.OpCapture:
		return sat(2, progSize(re.Sub[0], limit), limit)
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest:
		return sat(1, progSize(re.Sub[0], limit), limit)
	case syntax.OpConcat, syntax.OpAlternate:
		n := 0
		if re.Op == syntax.OpAlternate {
			n = len(re.Sub) - 1
		}
		for _, s := range re.Sub {
			if n = sat(n, progSize(s, limit), limit); n > limit {
				return n
			}
		}
		return n
	case syntax.OpRepeat:
		// Simplify expands x{n,m} into n copies of x followed by m-n
		// optional copies (one more instruction each), and x{n,} into n-1
		// copies and x+.
		sub := progSize(re.Sub[0], limit)
		copies, extra := re.Max, re.Max-re.Min
		if re.Max == -1 {
			copies, extra = max(re.Min, 1), 1
		}
		if copies == 0 {
			return 1
		}
		if sub > limit/copies {
			return limit + 1
		}
		return sat(sub*copies, extra, limit)
	default:
		// Char classes, any-char, empty-width assertions, empty match and
		// no match are one instruction each.
		return 1
	}
}

// sat adds two counts, saturating just above limit.
func sat(a, b, limit int) int {
	if a > limit || b > limit || a+b > limit {
		return limit + 1
	}
	return a + b
}
