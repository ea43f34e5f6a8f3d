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
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"

	"github.com/prodready/prodready/internal/check"
	"github.com/prodready/prodready/internal/manifest"
	"github.com/prodready/prodready/internal/output"
	"github.com/prodready/prodready/internal/version"
)

type checkOptions struct {
	policies       []string
	outputs        []string
	failOn         string
	allowEmpty     bool
	assumeExternal []string
	render         renderOptions

	cluster       bool
	allNamespaces bool
	kube          *genericclioptions.ConfigFlags
}

// renderOptions are the Helm flags.
type renderOptions struct {
	values      []string
	set         []string
	releaseName string
}

func newCheckCommand(s IO) *cobra.Command {
	o := &checkOptions{}
	cmd := &cobra.Command{
		Use:   "check [PATH|-]...",
		Short: "Check manifests, charts or kustomizations against readiness policies",
		Long: `Check Deployments against readiness policies.

PATH is a YAML or JSON file (multi-document, kind: List), a directory (read
recursively for .yaml, .yml and .json), a directory holding kustomization.yaml
(rendered with the kustomize API), a Helm chart directory or .tgz (rendered
with the Helm SDK), or - for stdin. All inputs form one set: PodDisruptionBudgets
and HorizontalPodAutoscalers match Deployments across files, and Namespaces'
labels feed namespaceSelectors.

Policies come from -p/--policy and from the inputs; with none at all, the
built-in baseline profile applies ('prodready policy baseline' prints it).

Exit codes: 0 nothing at or above --fail-on; 1 findings at or above --fail-on;
2 usage or input error (bad flag, unparseable YAML, invalid policy, no
objects); 3 a check could not be evaluated.`,
		Example: `  prodready check deploy/
  helm template my-chart | prodready check -
  prodready check -p policies/ -o human -o sarif=prodready.sarif k8s/
  prodready check --assume-external pdb --fail-on warning app.yaml`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd, args, s)
		},
	}
	f := cmd.Flags()
	f.StringArrayVarP(&o.policies, "policy", "p", nil, "Policy file or directory (ReadinessPolicy, ClusterReadinessPolicy); repeatable")
	f.StringArrayVarP(&o.outputs, "output", "o", nil, "Output FORMAT[=FILE]; repeatable. Formats: "+strings.Join(output.Names(), ", ")+" (default human to stdout)")
	f.StringVar(&o.failOn, "fail-on", "error", "Lowest severity that makes the exit code 1: error, warning, note or none")
	f.BoolVar(&o.allowEmpty, "allow-empty", false, "Exit 0 instead of 2 when the input holds no Kubernetes object")
	f.StringSliceVar(&o.assumeExternal, "assume-external", nil, "Kinds that exist outside the input (pdb, hpa, priorityclass): rules needing them report skip instead of fail")
	f.BoolVar(&o.cluster, "cluster", false, "Audit the Deployments of a live cluster (read-only) instead of files, against its installed policies and any -p")
	f.BoolVarP(&o.allNamespaces, "all-namespaces", "A", false, "With --cluster: every namespace")
	// --kubeconfig, --context, -n/--namespace and the other kubectl
	// connection flags, meaning what they mean to kubectl. Without
	// --cluster, -n is the namespace of objects that have none (default
	// "default").
	o.kube = genericclioptions.NewConfigFlags(true)
	o.kube.ClusterName = nil // --cluster is ours
	o.kube.AddFlags(f)
	f.StringArrayVarP(&o.render.values, "values", "f", nil, "Helm values file for charts; repeatable")
	f.StringArrayVar(&o.render.set, "set", nil, "Helm value key=value for charts; repeatable")
	f.StringVar(&o.render.releaseName, "release-name", "release-name", "Helm release name for charts")
	return cmd
}

type target struct {
	output.Target
	w output.Writer
}

func (o *checkOptions) run(cmd *cobra.Command, args []string, s IO) error {
	if o.cluster && len(args) > 0 {
		return usageError("--cluster reads the cluster, not files: drop %s", strings.Join(args, " "))
	}
	if !o.cluster && o.allNamespaces {
		return usageError("-A/--all-namespaces needs --cluster")
	}
	if len(args) == 0 && !o.cluster {
		return usageError("no input: give files, directories, or - for stdin (or --cluster)")
	}
	failOn := check.Severity(o.failOn)
	if failOn.Rank() == 0 && failOn != check.SeverityNone {
		return usageError("--fail-on %q: use error, warning, note or none", o.failOn)
	}
	var ext []check.External
	for _, e := range o.assumeExternal {
		if !slices.Contains(check.ExternalKinds, check.External(e)) {
			return usageError("--assume-external %q: use pdb, hpa or priorityclass", e)
		}
		ext = append(ext, check.External(e))
	}
	targets, err := o.targets(s, failOn)
	if err != nil {
		return err
	}
	var policySrcs []manifest.Source
	if len(o.policies) > 0 {
		if policySrcs, err = manifest.Expand(o.policies); err != nil {
			return usageError("--policy: %v", err)
		}
	}
	ns := ""
	if o.kube.Namespace != nil {
		ns = *o.kube.Namespace
	}
	if ns == "" {
		ns = "default"
	}
	warn := func(msg string) { _, _ = fmt.Fprintf(s.Err, "Warning: %s\n", msg) }
	// Build OpenReports reports only when an output writes them.
	wantReports := slices.ContainsFunc(targets, func(t target) bool { return t.Format == output.FormatReport })
	if o.cluster {
		report, err := o.runCluster(cmd.Context(), policySrcs, ext, warn, wantReports)
		if err != nil {
			return exitFor(err)
		}
		return finish(targets, report, failOn, s)
	}
	inputs, err := manifest.Expand(args)
	if err != nil {
		return usageError("%v", err)
	}
	opts := check.Options{
		Namespace:      ns,
		AssumeExternal: ext,
		AllowEmpty:     o.allowEmpty,
		Stdin:          func() ([]byte, error) { return manifest.ReadAll("stdin", cmd.InOrStdin()) },
		Render:         func(src manifest.Source) ([]manifest.File, error) { return renderSource(src, ns, &o.render) },
		Warn:           warn,
		Reports:        wantReports,
	}
	report, err := check.Run(opts, policySrcs, inputs, baselinePolicy)
	if err != nil {
		return exitFor(err)
	}
	return finish(targets, report, failOn, s)
}

// finish writes the outputs and turns the report into the exit code.
func finish(targets []target, report *check.Report, failOn check.Severity, s IO) error {
	if err := write(targets, report, s); err != nil {
		return &exitError{code: ExitEval, err: err}
	}
	if report.Failing(failOn) {
		return &exitError{code: ExitFindings, err: errSilent}
	}
	return nil
}

// targets parses the -o flags; at most one may write to stdout.
func (o *checkOptions) targets(s IO, failOn check.Severity) ([]target, error) {
	outs := o.outputs
	if len(outs) == 0 {
		outs = []string{"human"}
	}
	wd, _ := os.Getwd()
	var ts []target
	stdout := 0
	for _, spec := range outs {
		t, err := output.ParseTarget(spec)
		if err != nil {
			return nil, usageError("-o: %v", err)
		}
		if t.File == "" {
			stdout++
		}
		color := t.Format == "human" && t.File == "" && s.IsTerminal != nil && s.IsTerminal() &&
			s.getenv("NO_COLOR") == "" && s.getenv("TERM") != "dumb"
		f, _ := output.Lookup(t.Format)
		ts = append(ts, target{Target: t, w: f(output.Options{Color: color, FailOn: failOn, Version: version.Get().Version, BaseDir: wd})})
	}
	if stdout > 1 {
		return nil, usageError("-o: at most one output can go to stdout; write the others to files with FORMAT=FILE")
	}
	return ts, nil
}

// write renders every output; a file is replaced only when its report is
// complete.
func write(ts []target, r *check.Report, s IO) error {
	var errs []error
	for _, t := range ts {
		if t.File == "" {
			if err := t.w.Write(s.Out, r); err != nil {
				errs = append(errs, fmt.Errorf("writing %s output: %w", t.Format, err))
			}
			continue
		}
		var buf bytes.Buffer
		if err := t.w.Write(&buf, r); err != nil {
			errs = append(errs, fmt.Errorf("writing %s output: %w", t.Format, err))
			continue
		}
		if err := os.WriteFile(t.File, buf.Bytes(), 0o644); err != nil {
			errs = append(errs, fmt.Errorf("writing %s output: %w", t.Format, err))
		}
	}
	return errors.Join(errs...)
}

// runCluster audits the cluster of the kubeconfig flags, read-only.
func (o *checkOptions) runCluster(ctx context.Context, policySrcs []manifest.Source, ext []check.External, warn func(string), wantReports bool) (*check.Report, error) {
	cfg, err := o.kube.ToRESTConfig()
	if err != nil {
		return nil, &check.InputError{Err: fmt.Errorf("reading the kubeconfig: %w", err)}
	}
	scope := check.ClusterScope{}
	if !o.allNamespaces {
		ns, _, err := o.kube.ToRawKubeConfigLoader().Namespace()
		if err != nil {
			return nil, &check.InputError{Err: fmt.Errorf("reading the kubeconfig: %w", err)}
		}
		scope.Namespace = ns
	}
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return nil, &check.EvalError{Err: err}
	}
	if err := prodreadyv1alpha1.AddToScheme(scheme); err != nil {
		return nil, &check.EvalError{Err: err}
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return nil, &check.EvalError{Err: fmt.Errorf("connecting to the cluster: %w", err)}
	}
	if ctx == nil {
		ctx = context.Background()
	}
	opts := check.Options{AssumeExternal: ext, Warn: warn, Reports: wantReports}
	return check.RunCluster(ctx, opts, c, scope, policySrcs, baselinePolicy)
}
