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
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/prodready/prodready/internal/check"
)

func init() {
	Register("human", func(o Options) Writer { return humanWriter{color: o.Color} })
}

// humanWriter groups findings by file and Deployment: rule ID, container,
// line, policy, and the message that says how to fix it. Color only when
// asked (the CLI asks on a terminal).
type humanWriter struct{ color bool }

const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiBlue   = "\x1b[34m"
	ansiGreen  = "\x1b[32m"
	ansiDim    = "\x1b[2m"
)

func (h humanWriter) paint(code, s string) string {
	if !h.color {
		return s
	}
	return code + s + ansiReset
}

func (h humanWriter) label(f *check.Finding) string {
	switch {
	case f.Status == check.StatusSkip:
		return h.paint(ansiDim, "skip   ")
	case f.Status == check.StatusExempt:
		return h.paint(ansiDim, "exempt ")
	case f.Severity == check.SeverityError:
		return h.paint(ansiRed+ansiBold, "error  ")
	case f.Severity == check.SeverityWarning:
		return h.paint(ansiYellow, "warning")
	}
	return h.paint(ansiBlue, "note   ")
}

func (h humanWriter) Write(w io.Writer, r *check.Report) error {
	bw := bufio.NewWriter(w)
	file, workload := "\x00", ""
	for i := range r.Findings {
		f := &r.Findings[i]
		if f.File != file {
			file, workload = f.File, ""
			name := f.File
			switch name {
			case "":
				name = "(cluster)"
			case "-":
				name = "(stdin)"
			}
			_, _ = fmt.Fprintf(bw, "\n%s\n", h.paint(ansiBold, name))
		}
		if k := workloadKey(f.File, f.Line, f.Namespace, f.Deployment); k != workload {
			workload = k
			at := ""
			if f.Line > 0 {
				at = fmt.Sprintf(" (line %d)", f.Line)
			}
			_, _ = fmt.Fprintf(bw, "  Deployment %s/%s%s\n", f.Namespace, f.Deployment, at)
		}
		var where []string
		if f.Container != "" {
			where = append(where, fmt.Sprintf("container %q", f.Container))
		}
		if f.FieldLine > 0 {
			where = append(where, fmt.Sprintf("line %d", f.FieldLine))
		}
		where = append(where, f.Policy)
		note := ""
		switch f.Status {
		case check.StatusSkip:
			note = " (assumed to exist outside the input: --assume-external)"
		case check.StatusExempt:
			note = " (waived by an exemption of the policy)"
		}
		_, _ = fmt.Fprintf(bw, "    %s %s  %s%s\n", h.label(f), h.paint(ansiBold, f.Rule), strings.Join(where, ", "), note)
		_, _ = fmt.Fprintf(bw, "            %s\n", strings.ReplaceAll(f.Message, "\n", "\n            "))
	}
	s := r.Summary
	if len(r.Findings) > 0 {
		_, _ = fmt.Fprintln(bw)
	}
	verdict := h.paint(ansiGreen, "all compliant")
	if n := s.Deployments - s.Compliant; n > 0 {
		verdict = fmt.Sprintf("%d compliant, %s", s.Compliant, h.paint(ansiRed, fmt.Sprintf("%d with violations", n)))
	}
	_, _ = fmt.Fprintf(bw, "%d Deployment(s) checked against %d policy(ies): %s; %d error(s), %d warning(s), %d note(s), %d skipped, %d exempted\n",
		s.Deployments, len(r.Policies), verdict, s.Errors, s.Warnings, s.Notes, s.Skipped, s.Exempted)
	return bw.Flush()
}
