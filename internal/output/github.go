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
	Register("github", func(o Options) Writer { return githubWriter{base: o.BaseDir} })
}

// githubWriter prints GitHub Actions workflow commands, one per failed
// finding, so that findings show inline on a pull request.
type githubWriter struct{ base string }

var (
	ghData     = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	ghProperty = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
)

func (g githubWriter) Write(w io.Writer, r *check.Report) error {
	bw := bufio.NewWriter(w)
	for i := range r.Findings {
		f := &r.Findings[i]
		if f.Status != check.StatusFail {
			continue
		}
		cmd := "notice"
		switch f.Severity {
		case check.SeverityError:
			cmd = "error"
		case check.SeverityWarning:
			cmd = "warning"
		}
		props := []string{}
		if f.File != "" && f.File != "-" {
			p, _ := relPath(g.base, f.File)
			props = append(props, "file="+ghProperty.Replace(p))
			if f.FieldLine > 0 {
				props = append(props, fmt.Sprintf("line=%d", f.FieldLine))
			}
		}
		props = append(props, "title="+ghProperty.Replace(fmt.Sprintf("%s (%s)", f.Rule, f.Policy)))
		msg := fmt.Sprintf("Deployment %s/%s: %s", f.Namespace, f.Deployment, f.Message)
		if _, err := fmt.Fprintf(bw, "::%s %s::%s\n", cmd, strings.Join(props, ","), ghData.Replace(msg)); err != nil {
			return err
		}
	}
	return bw.Flush()
}
