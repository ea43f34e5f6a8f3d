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
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/prodready/prodready/internal/check"
)

func init() {
	Register("junit", func(o Options) Writer { return junitWriter{failOn: o.FailOn} })
}

// junitWriter writes one test suite per input file and one test case per
// Deployment. A Deployment with a failed finding at or above --fail-on is a
// failure; its other findings go to system-out.
type junitWriter struct{ failOn check.Severity }

type (
	junitSuites struct {
		XMLName  xml.Name     `xml:"testsuites"`
		Name     string       `xml:"name,attr"`
		Tests    int          `xml:"tests,attr"`
		Failures int          `xml:"failures,attr"`
		Suites   []junitSuite `xml:"testsuite"`
	}
	junitSuite struct {
		Name     string      `xml:"name,attr"`
		Tests    int         `xml:"tests,attr"`
		Failures int         `xml:"failures,attr"`
		Cases    []junitCase `xml:"testcase"`
	}
	junitCase struct {
		Name      string        `xml:"name,attr"`
		Classname string        `xml:"classname,attr"`
		File      string        `xml:"file,attr,omitempty"`
		Line      int           `xml:"line,attr,omitempty"`
		Failure   *junitFailure `xml:"failure,omitempty"`
		SystemOut string        `xml:"system-out,omitempty"`
	}
	junitFailure struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Text    string `xml:",chardata"`
	}
)

func (j junitWriter) Write(w io.Writer, r *check.Report) error {
	byWorkload := map[string][]*check.Finding{}
	for i := range r.Findings {
		f := &r.Findings[i]
		k := workloadKey(f.File, f.Line, f.Namespace, f.Deployment)
		byWorkload[k] = append(byWorkload[k], f)
	}
	doc := junitSuites{Name: "prodready"}
	suiteIdx := map[string]int{}
	for _, wl := range r.Deployments {
		file := wl.File
		if file == "" {
			file = "cluster"
		}
		si, ok := suiteIdx[file]
		if !ok {
			si = len(doc.Suites)
			suiteIdx[file] = si
			doc.Suites = append(doc.Suites, junitSuite{Name: file})
		}
		tc := junitCase{Name: "Deployment " + wl.Namespace + "/" + wl.Name, Classname: file, File: wl.File, Line: wl.Line}
		var failing, other []string
		worst := check.Severity("")
		for _, f := range byWorkload[workloadKey(wl.File, wl.Line, wl.Namespace, wl.Name)] {
			line := fmt.Sprintf("%s:%d: %s %s [%s, %s]: %s", f.File, f.FieldLine, f.Severity, f.Rule, f.Policy, f.Status, f.Message)
			if f.Status == check.StatusFail && j.failOn.Rank() > 0 && f.Severity.Rank() >= j.failOn.Rank() {
				failing = append(failing, line)
				if f.Severity.Rank() > worst.Rank() {
					worst = f.Severity
				}
			} else {
				other = append(other, line)
			}
		}
		if len(failing) > 0 {
			tc.Failure = &junitFailure{
				Message: fmt.Sprintf("%d finding(s) at or above %s", len(failing), j.failOn),
				Type:    string(worst),
				Text:    strings.Join(failing, "\n"),
			}
			doc.Suites[si].Failures++
			doc.Failures++
		}
		tc.SystemOut = strings.Join(other, "\n")
		doc.Suites[si].Tests++
		doc.Suites[si].Cases = append(doc.Suites[si].Cases, tc)
		doc.Tests++
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func workloadKey(file string, line int, ns, name string) string {
	return fmt.Sprintf("%s\x00%d\x00%s\x00%s", file, line, ns, name)
}
