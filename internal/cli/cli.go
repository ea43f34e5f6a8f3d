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

// Package cli is the `prodready` command (also `kubectl prodready`): check
// manifests, charts, kustomizations or a live cluster against readiness
// policies with the rule engine the operator runs. It is an adapter: it
// parses flags, reads input through internal/manifest, evaluates through
// internal/check and writes through internal/output.
package cli

import (
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/prodready/prodready/internal/check"
)

// Exit codes, one per meaning.
const (
	ExitOK       = 0 // nothing at or above --fail-on
	ExitFindings = 1 // findings at or above --fail-on
	ExitUsage    = 2 // usage or input error: bad flag, unparseable YAML, invalid policy, no objects
	ExitEval     = 3 // a check could not be evaluated
)

//go:embed baseline.yaml
var baselinePolicy []byte

// BaselinePolicy returns the built-in baseline ClusterReadinessPolicy.
func BaselinePolicy() []byte { return baselinePolicy }

// IO are the streams and environment a command runs with.
type IO struct {
	In       io.Reader
	Out, Err io.Writer
	// IsTerminal reports whether Out is a terminal (for color); nil: never.
	IsTerminal func() bool
	// Getenv reads the environment; nil: os.Getenv.
	Getenv func(string) string
}

// exitError carries an exit code through cobra.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageError(format string, a ...any) error {
	return &exitError{code: ExitUsage, err: fmt.Errorf(format, a...)}
}

// Run executes the command line args (without the program name) and returns
// the exit code. name is how the binary was invoked, so that help reads
// `kubectl prodready` when run as the kubectl plugin.
func Run(name string, args []string, s IO) int {
	root := NewRootCommand(name, s)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != errSilent {
			_, _ = fmt.Fprintf(s.Err, "Error: %v\n", ee.err)
		}
		return ee.code
	}
	// Anything else cobra returns is about the command line.
	_, _ = fmt.Fprintf(s.Err, "Error: %v\nRun '%s --help' for usage.\n", err, root.CommandPath())
	return ExitUsage
}

// errSilent marks an exit whose reason was already printed.
var errSilent = errors.New("")

// NewRootCommand builds the command tree.
func NewRootCommand(name string, s IO) *cobra.Command {
	root := &cobra.Command{
		Use:   "prodready",
		Short: "Check Deployments against production-readiness policies",
		Long: `prodready checks Deployments against production-readiness policies
(ReadinessPolicy, ClusterReadinessPolicy) with the same rule engine as the
prodready operator's controller and admission webhook: in CI on manifests,
Helm charts and kustomizations, or read-only against a live cluster.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	if strings.HasPrefix(filepath.Base(name), "kubectl-") {
		// Run as a kubectl plugin: help and usage say "kubectl prodready".
		root.Annotations = map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl prodready"}
	}
	root.SetIn(s.In)
	root.SetOut(s.Out)
	root.SetErr(s.Err)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError("%v", err) })
	root.AddCommand(newVersionCommand(s), newCheckCommand(s), newPolicyCommand(s), newRulesCommand(s))
	return root
}

func (s IO) getenv(k string) string {
	if s.Getenv != nil {
		return s.Getenv(k)
	}
	return os.Getenv(k)
}

// exitFor maps an error of check.Run to an exit code.
func exitFor(err error) error {
	var ee *check.EvalError
	if errors.As(err, &ee) {
		return &exitError{code: ExitEval, err: err}
	}
	return &exitError{code: ExitUsage, err: err}
}
