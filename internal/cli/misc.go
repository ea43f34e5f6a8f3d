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

package cli

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/prodready/prodready/internal/readiness"
	"github.com/prodready/prodready/internal/version"
)

func newVersionCommand(s IO) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version and commit",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			v := version.Get()
			switch output {
			case "":
				_, err := fmt.Fprintf(s.Out, "prodready %s (commit %s)\n", v.Version, v.Commit)
				return err
			case "json":
				enc := json.NewEncoder(s.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(v)
			}
			return usageError("unknown output %q for version; use json or nothing", output)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "Output format: json, or empty for one line")
	return cmd
}

func newPolicyCommand(s IO) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Print built-in policies to start from",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "baseline",
		Short: "Print the built-in baseline profile as a ClusterReadinessPolicy",
		Long: `Print the built-in baseline profile, which 'prodready check' applies when
no policy is given, as a ClusterReadinessPolicy to adjust and apply.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := s.Out.Write(baselinePolicy)
			return err
		},
	})
	return cmd
}

func newRulesCommand(s IO) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "List every rule ID with what it checks and how to fix it",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			tw := tabwriter.NewWriter(s.Out, 0, 4, 2, ' ', 0)
			_, _ = fmt.Fprintln(tw, "RULE\tCHECKS")
			for _, r := range readiness.Rules() {
				_, _ = fmt.Fprintf(tw, "%s\t%s\n", r.ID, r.Summary)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			_, err := fmt.Fprintln(s.Out, "\nRun 'prodready rules explain RULE' for the policy field that enables a rule and how to fix it.")
			return err
		},
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "explain RULE",
		Short: "Explain one rule: what it checks, the policy field that enables it, how to fix it",
		Args:  cobra.ExactArgs(1),
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			var ids []string
			for _, r := range readiness.Rules() {
				ids = append(ids, r.ID)
			}
			return ids, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(_ *cobra.Command, args []string) error {
			r, ok := readiness.LookupRule(args[0])
			if !ok {
				return usageError("unknown rule %q; 'prodready rules' lists them", args[0])
			}
			_, err := fmt.Fprintf(s.Out, "%s\n\n  Checks:     %s\n  Enabled by: %s\n  How to fix: %s\n", r.ID, r.Summary, r.PolicyField, r.Fix)
			return err
		},
	})
	return cmd
}
