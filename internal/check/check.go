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

// Package check runs prodready's rule engine over manifests, the way the
// controller and the admission webhook run it over a cluster: it gathers
// Deployments, PodDisruptionBudgets, HorizontalPodAutoscalers, Namespaces
// and policies from the inputs, compiles each policy once with
// readiness.Compile, and evaluates every Deployment against the policies
// that select it with the same readiness.Policy.Evaluate. No rule logic
// lives here.
package check

import (
	"cmp"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	openreportsv1alpha1 "github.com/openreports/reports-api/apis/openreports.io/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
	"github.com/prodready/prodready/internal/manifest"
	"github.com/prodready/prodready/internal/readiness"
	"github.com/prodready/prodready/internal/reports"
)

// InputError is bad input: unparseable YAML, an invalid policy, no objects.
// The CLI exits 2.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// EvalError is a check that could not be evaluated. The CLI exits 3.
type EvalError struct{ Err error }

func (e *EvalError) Error() string { return e.Err.Error() }
func (e *EvalError) Unwrap() error { return e.Err }

// External names an object kind that lives outside the input.
type External string

// Kinds --assume-external accepts.
const (
	ExternalPDB External = "pdb" // PodDisruptionBudgets: pdb.* rules skip
	ExternalHPA External = "hpa" // HorizontalPodAutoscalers: replicas.minimum skips
	// PriorityClasses: priority.class skips. A cluster always has the
	// built-in system-cluster-critical and system-node-critical, which
	// manifests never carry.
	ExternalPriorityClass External = "priorityclass"
)

// ExternalKinds lists the values --assume-external accepts.
var ExternalKinds = []External{ExternalPDB, ExternalHPA, ExternalPriorityClass}

func (e External) covers(rule string) bool {
	switch e {
	case ExternalPDB:
		return strings.HasPrefix(rule, "pdb.")
	case ExternalHPA:
		return rule == readiness.RuleReplicasMinimum
	case ExternalPriorityClass:
		return rule == readiness.RulePriorityClass
	}
	return false
}

// Options configure a run.
type Options struct {
	// Namespace is given to objects that have none. Default "default".
	Namespace string
	// AssumeExternal turns the findings of rules about these kinds into
	// skips.
	AssumeExternal []External
	// Now decides whether exemptions have expired. Default time.Now().
	Now time.Time
	// Workers parse and evaluate in parallel. Default GOMAXPROCS.
	Workers int
	// AllowEmpty accepts inputs without any Kubernetes object.
	AllowEmpty bool
	// Render reads a kustomization or a chart; nil refuses them.
	Render func(manifest.Source) ([]manifest.File, error)
	// Stdin is read for the source "-".
	Stdin func() ([]byte, error)
	// Warn receives notes about the input (skipped objects); may be nil.
	Warn func(string)
	// Reports builds, for every Deployment a policy selects, the
	// OpenReports Report the controller would write (Report.OpenReports).
	Reports bool
}

// Policy is a compiled policy and where it came from.
type Policy struct {
	Key       string // Kind/[namespace/]name
	Cluster   bool
	Namespace string // of a ReadinessPolicy
	Name      string
	Compiled  *readiness.Policy
}

// checker holds one run's state.
type checker struct {
	opts Options

	mu       sync.Mutex
	policies []*manifest.Object
	pdbs     map[string][]policyv1.PodDisruptionBudget
	hpas     map[string][]autoscalingv2.HorizontalPodAutoscaler
	services map[string][]corev1.Service
	nodes    []metav1.PartialObjectMetadata
	prios    []schedulingv1.PriorityClass
	nsLabels map[string]map[string]string
	pending  []pending
	objects  int
	errs     []error
	compiled []Policy
	warnings []string
}

// pending is a Deployment to evaluate once every input is read: a document
// not parsed yet, or an object already parsed (from a List or JSON).
type pending struct {
	order order
	doc   *manifest.Document
	obj   *manifest.Object
}

// order sorts results the way inputs were given.
type order struct{ src, doc, item int }

func (a order) compare(b order) int {
	return cmp.Or(cmp.Compare(a.src, b.src), cmp.Compare(a.doc, b.doc), cmp.Compare(a.item, b.item))
}

// Run reads the policy sources and the input sources and evaluates every
// Deployment. With no policy at all, baseline (if not nil) is used.
func Run(opts Options, policySources, inputs []manifest.Source, baseline []byte) (*Report, error) {
	if opts.Namespace == "" {
		opts.Namespace = metav1NamespaceDefault
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	c := &checker{
		opts:     opts,
		pdbs:     map[string][]policyv1.PodDisruptionBudget{},
		hpas:     map[string][]autoscalingv2.HorizontalPodAutoscaler{},
		nsLabels: map[string]map[string]string{},
	}
	// Policy files: only policies count.
	pc := &checker{opts: opts, pdbs: c.pdbs, hpas: c.hpas, nsLabels: map[string]map[string]string{}}
	pc.read(policySources, true)
	if err := errors.Join(pc.errs...); err != nil {
		return nil, &InputError{Err: err}
	}
	c.policies = append(c.policies, pc.policies...)
	c.warnings = append(c.warnings, pc.warnings...)

	c.read(inputs, false)
	if err := errors.Join(c.errs...); err != nil {
		return nil, &InputError{Err: err}
	}
	if c.objects == 0 && !opts.AllowEmpty {
		return nil, &InputError{Err: errors.New("no Kubernetes objects found in the input (pass --allow-empty to accept that)")}
	}
	if len(c.policies) == 0 && baseline != nil {
		docs := manifest.Split("baseline", baseline)
		for i := range docs {
			objs, err := manifest.Parse(docs[i])
			if err != nil {
				return nil, &EvalError{Err: fmt.Errorf("built-in baseline: %w", err)}
			}
			c.policies = append(c.policies, objs...)
		}
	}
	if err := c.compile(); err != nil {
		return nil, &InputError{Err: err}
	}
	return c.evaluate()
}

const metav1NamespaceDefault = "default"

func (c *checker) warn(msg string) {
	c.mu.Lock()
	c.warnings = append(c.warnings, msg)
	c.mu.Unlock()
	if c.opts.Warn != nil {
		c.opts.Warn(msg)
	}
}

func (c *checker) fail(err error) {
	c.mu.Lock()
	c.errs = append(c.errs, err)
	c.mu.Unlock()
}

// read parses the sources in parallel. Deployments are set aside unparsed
// when their kind can be told from the text; everything else is parsed
// and indexed now.
func (c *checker) read(srcs []manifest.Source, policiesOnly bool) {
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(c.opts.Workers, max(len(srcs), 1)) {
		wg.Go(func() {
			for i := range work {
				c.readSource(i, srcs[i], policiesOnly)
			}
		})
	}
	for i := range srcs {
		work <- i
	}
	close(work)
	wg.Wait()
	slices.SortFunc(c.pending, func(a, b pending) int { return a.order.compare(b.order) })
	slices.SortFunc(c.policies, func(a, b *manifest.Object) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line))
	})
}

func (c *checker) readSource(i int, src manifest.Source, policiesOnly bool) {
	var files []manifest.File
	var err error
	switch src.Kind {
	case manifest.SourceFile:
		var data []byte
		data, err = manifest.ReadFile(src.Path)
		files = []manifest.File{{Name: src.Path, Data: data}}
	case manifest.SourceStdin:
		if c.opts.Stdin == nil {
			err = errors.New("reading stdin is not supported here")
		} else {
			var data []byte
			data, err = c.opts.Stdin()
			files = []manifest.File{{Name: src.Path, Data: data}}
		}
	default:
		if c.opts.Render == nil {
			err = fmt.Errorf("%s: rendering kustomizations and charts is not supported here", src.Path)
		} else {
			files, err = c.opts.Render(src)
		}
	}
	if err != nil {
		c.fail(err)
		return
	}
	var docs []manifest.Document
	for _, f := range files {
		docs = append(docs, manifest.Split(f.Name, f.Data)...)
	}
	var pend []pending
	var pols []*manifest.Object
	objects := 0
	for j, doc := range docs {
		if !policiesOnly {
			if av, k := manifest.Sniff(doc.Data); av == "apps/v1" && k == "Deployment" {
				d := doc
				pend = append(pend, pending{order: order{i, j, 0}, doc: &d})
				objects++
				continue
			}
		}
		objs, err := manifest.Parse(doc)
		if err != nil {
			c.fail(err)
			continue
		}
		for k, o := range objs {
			if isPolicy(o) {
				pols = append(pols, o)
				objects++
				continue
			}
			if policiesOnly {
				c.warn(fmt.Sprintf("%s:%d: %s %q is not a policy; ignored in a --policy input", o.File, o.Line, o.Kind, o.Name))
				continue
			}
			objects++
			if o.Kind == "Deployment" && o.APIVersion == "apps/v1" {
				pend = append(pend, pending{order: order{i, j, k}, obj: o})
				continue
			}
			if err := c.index(o); err != nil {
				c.fail(err)
			}
		}
	}
	c.mu.Lock()
	c.pending = append(c.pending, pend...)
	c.policies = append(c.policies, pols...)
	c.objects += objects
	c.mu.Unlock()
}

func isPolicy(o *manifest.Object) bool {
	return o.APIVersion == prodreadyv1alpha1.GroupVersion.String() &&
		(o.Kind == "ReadinessPolicy" || o.Kind == "ClusterReadinessPolicy")
}

func (c *checker) ns(o *manifest.Object) string {
	if o.Namespace != "" {
		return o.Namespace
	}
	return c.opts.Namespace
}

// index records the objects rules read besides the Deployment.
func (c *checker) index(o *manifest.Object) error {
	switch {
	case o.Kind == "PodDisruptionBudget" && o.APIVersion == "policy/v1":
		var pdb policyv1.PodDisruptionBudget
		if err := o.Decode(&pdb); err != nil {
			return err
		}
		pdb.Namespace = c.ns(o)
		c.mu.Lock()
		c.pdbs[pdb.Namespace] = append(c.pdbs[pdb.Namespace], pdb)
		c.mu.Unlock()
	case o.Kind == "HorizontalPodAutoscaler" && o.APIVersion == "autoscaling/v2":
		var h autoscalingv2.HorizontalPodAutoscaler
		if err := o.Decode(&h); err != nil {
			return err
		}
		c.addHPA(o, h)
	case o.Kind == "HorizontalPodAutoscaler" && o.APIVersion == "autoscaling/v1":
		var v1 autoscalingv1.HorizontalPodAutoscaler
		if err := o.Decode(&v1); err != nil {
			return err
		}
		// Rules read only the target and minReplicas, which mean the same
		// in both versions.
		h := autoscalingv2.HorizontalPodAutoscaler{ObjectMeta: v1.ObjectMeta}
		h.Spec.MinReplicas = v1.Spec.MinReplicas
		h.Spec.MaxReplicas = v1.Spec.MaxReplicas
		h.Spec.ScaleTargetRef = autoscalingv2.CrossVersionObjectReference(v1.Spec.ScaleTargetRef)
		c.addHPA(o, h)
	case o.Kind == "Service" && o.APIVersion == "v1":
		var svc corev1.Service
		if err := o.Decode(&svc); err != nil {
			return err
		}
		svc.Namespace = c.ns(o)
		c.mu.Lock()
		if c.services == nil {
			c.services = map[string][]corev1.Service{}
		}
		c.services[svc.Namespace] = append(c.services[svc.Namespace], svc)
		c.mu.Unlock()
	case o.Kind == "PriorityClass" && o.APIVersion == "scheduling.k8s.io/v1":
		var pc schedulingv1.PriorityClass
		if err := o.Decode(&pc); err != nil {
			return err
		}
		c.mu.Lock()
		c.prios = append(c.prios, pc)
		c.mu.Unlock()
	case o.Kind == "Node" && o.APIVersion == "v1":
		var n metav1.PartialObjectMetadata
		if err := o.Decode(&n); err != nil {
			return err
		}
		c.mu.Lock()
		c.nodes = append(c.nodes, n)
		c.mu.Unlock()
	case o.Kind == "Namespace" && o.APIVersion == "v1":
		var ns corev1.Namespace
		if err := o.Decode(&ns); err != nil {
			return err
		}
		c.mu.Lock()
		c.nsLabels[ns.Name] = ns.Labels
		c.mu.Unlock()
	case o.Kind == "Deployment":
		c.warn(fmt.Sprintf("%s:%d: Deployment %q has apiVersion %s, which Kubernetes no longer serves; use apps/v1. Not checked", o.File, o.Line, o.Name, o.APIVersion))
	}
	return nil
}

func (c *checker) addHPA(o *manifest.Object, h autoscalingv2.HorizontalPodAutoscaler) {
	h.Namespace = c.ns(o)
	c.mu.Lock()
	c.hpas[h.Namespace] = append(c.hpas[h.Namespace], h)
	c.mu.Unlock()
}

// compile validates every policy exactly as the policy webhook does
// (readiness.Compile), naming the file and line of each invalid field.
func (c *checker) compile() error {
	var errs []error
	seen := map[string]string{}
	for _, o := range c.policies {
		var p prodreadyv1alpha1.Policy
		if o.Kind == "ClusterReadinessPolicy" {
			p = &prodreadyv1alpha1.ClusterReadinessPolicy{}
		} else {
			p = &prodreadyv1alpha1.ReadinessPolicy{}
		}
		if err := o.DecodeStrict(p); err != nil {
			errs = append(errs, err)
			continue
		}
		if p.GetName() == "" {
			errs = append(errs, &manifest.Error{File: o.File, Line: o.Line, Msg: o.Kind + " has no metadata.name"})
			continue
		}
		pol := Policy{Cluster: p.IsClusterScoped(), Name: p.GetName()}
		if pol.Cluster {
			pol.Key = "ClusterReadinessPolicy/" + p.GetName()
		} else {
			pol.Namespace = c.ns(o)
			pol.Key = "ReadinessPolicy/" + pol.Namespace + "/" + p.GetName()
		}
		if where, dup := seen[pol.Key]; dup {
			errs = append(errs, &manifest.Error{File: o.File, Line: o.Line, Msg: fmt.Sprintf("%s is defined twice (first at %s)", pol.Key, where)})
			continue
		}
		seen[pol.Key] = fmt.Sprintf("%s:%d", o.File, o.Line)
		compiled, err := readiness.Compile(p.GetPolicySpec(), p.GetNamespaceSelector())
		if err != nil {
			errs = append(errs, policyErrors(o, err)...)
			continue
		}
		pol.Compiled = compiled
		c.compiled = append(c.compiled, pol)
	}
	return errors.Join(errs...)
}

// policyKey names a policy as gather.PolicyKey does.
func policyKey(p prodreadyv1alpha1.Policy) string {
	if p.IsClusterScoped() {
		return "ClusterReadinessPolicy/" + p.GetName()
	}
	return "ReadinessPolicy/" + p.GetNamespace() + "/" + p.GetName()
}

// evaluate runs every pending Deployment through the policies in parallel.
func (c *checker) evaluate() (*Report, error) {
	type result struct {
		w        Workload
		findings []Finding
		report   *openreportsv1alpha1.Report
		err      error
	}
	results := make([]result, len(c.pending))
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(c.opts.Workers, max(len(c.pending), 1)) {
		wg.Go(func() {
			for i := range work {
				w, fs, rep, err := c.evaluateOne(&c.pending[i])
				results[i] = result{w, fs, rep, err}
				c.pending[i] = pending{} // let the document go
			}
		})
	}
	for i := range c.pending {
		work <- i
	}
	close(work)
	wg.Wait()

	r := c.newReport()
	var inputErrs, evalErrs []error
	for _, res := range results {
		if res.err != nil {
			var ee *EvalError
			if errors.As(res.err, &ee) {
				evalErrs = append(evalErrs, res.err)
			} else {
				inputErrs = append(inputErrs, res.err)
			}
			continue
		}
		if res.w.Name == "" && res.w.File == "" {
			continue
		}
		r.Deployments = append(r.Deployments, res.w)
		r.Findings = append(r.Findings, res.findings...)
		if res.report != nil {
			r.OpenReports = append(r.OpenReports, res.report)
		}
	}
	if len(inputErrs) > 0 {
		return nil, &InputError{Err: errors.Join(inputErrs...)}
	}
	if len(evalErrs) > 0 {
		return nil, &EvalError{Err: errors.Join(evalErrs...)}
	}
	r.summarize()
	return r, nil
}

// newReport starts a Report listing the compiled policies.
func (c *checker) newReport() *Report {
	r := &Report{Deployments: []Workload{}, Findings: []Finding{}, Policies: []string{}}
	for _, p := range c.compiled {
		r.Policies = append(r.Policies, p.Key)
	}
	if c.opts.Reports {
		r.OpenReports = []*openreportsv1alpha1.Report{}
	}
	return r
}

// evaluateOne parses a pending Deployment if needed and evaluates it.
func (c *checker) evaluateOne(p *pending) (w Workload, fs []Finding, rep *openreportsv1alpha1.Report, err error) {
	o := p.obj
	if o == nil {
		objs, err := manifest.Parse(*p.doc)
		if err != nil {
			return w, nil, nil, err
		}
		if len(objs) != 1 || objs[0].Kind != "Deployment" || objs[0].APIVersion != "apps/v1" {
			return w, nil, nil, &manifest.Error{File: p.doc.File, Line: p.doc.Line, Msg: "document looks like an apps/v1 Deployment but does not parse as one"}
		}
		o = objs[0]
	}
	var d appsv1.Deployment
	if err := o.Decode(&d); err != nil {
		return w, nil, nil, err
	}
	if d.Namespace == "" {
		d.Namespace = c.opts.Namespace
	}
	return c.Evaluate(&d, o.File, o.Line, o.FieldLine)
}

// Evaluate evaluates one Deployment against every compiled policy that
// selects it; fieldLine (may be nil) maps a field path to its line. With
// Options.Reports it also returns the Deployment's OpenReports Report, built
// by reports.Build exactly as the controller builds it (nil when no policy
// selects the Deployment).
func (c *checker) Evaluate(d *appsv1.Deployment, file string, line int, fieldLine func(string) int) (w Workload, fs []Finding, rep *openreportsv1alpha1.Report, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &EvalError{Err: fmt.Errorf("%s:%d: Deployment %s/%s could not be evaluated: %v", file, line, d.Namespace, d.Name, r)}
		}
	}()
	w = Workload{File: file, Line: line, Namespace: d.Namespace, Name: d.Name, Policies: []string{}}
	in := readiness.Input{
		Deployment: d, PodDisruptionBudgets: c.pdbs[d.Namespace], HorizontalPodAutoscalers: c.hpas[d.Namespace],
		Services: c.services[d.Namespace], Nodes: c.nodes, PriorityClasses: c.prios,
	}
	var evals []reports.Evaluation
	for _, p := range c.compiled {
		if !c.selects(&p, d) {
			continue
		}
		w.Policies = append(w.Policies, p.Key)
		res := p.Compiled.Evaluate(in, c.opts.Now)
		if c.opts.Reports {
			ev := reports.Evaluation{Name: p.Name, Policy: p.Compiled, Result: res, Skip: c.skipExternal}
			if !p.Cluster {
				ev.Namespace = p.Namespace
			}
			evals = append(evals, ev)
		}
		sev := SeverityOf(p.Compiled.Enforcement())
		add := func(f readiness.Finding, status Status) {
			if status == StatusFail && slices.ContainsFunc(c.opts.AssumeExternal, func(e External) bool { return e.covers(f.Rule) }) {
				status = StatusSkip
			}
			if status == StatusFail {
				w.Failed++
			}
			fl := line
			if fieldLine != nil {
				fl = fieldLine(f.Path)
			}
			fs = append(fs, Finding{
				Rule: f.Rule, Severity: sev, Status: status, Policy: p.Key, Enforcement: string(p.Compiled.Enforcement()),
				Namespace: d.Namespace, Deployment: d.Name, Container: f.Container, Path: f.Path, Message: f.Message,
				File: file, Line: line, FieldLine: fl,
			})
		}
		readiness.SortFindings(res.Violations)
		readiness.SortFindings(res.Exempted)
		for _, f := range res.Violations {
			add(f, StatusFail)
		}
		for _, f := range res.Exempted {
			add(f, StatusExempt)
		}
	}
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.FieldLine, b.FieldLine), cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.Container, b.Container), cmp.Compare(a.Policy, b.Policy))
	})
	if len(evals) > 0 {
		rep = reports.Build(d, evals, c.opts.Now, nil)
	}
	return w, fs, rep, nil
}

// skipExternal is reports.Evaluation.Skip for --assume-external.
func (c *checker) skipExternal(rule string) (string, bool) {
	for _, e := range c.opts.AssumeExternal {
		if e.covers(rule) {
			return "assumed to exist outside the checked manifests (--assume-external " + string(e) + ")", true
		}
	}
	return "", false
}

// selects is the scoping rule of gather.PoliciesInScope: a ReadinessPolicy
// applies in its own namespace, a ClusterReadinessPolicy where its namespace
// selector selects the namespace's labels; then the policy's selector must
// select the Deployment.
func (c *checker) selects(p *Policy, d *appsv1.Deployment) bool {
	if p.Cluster {
		if p.Compiled.HasNamespaceSelector() && !p.Compiled.SelectsNamespace(c.namespaceLabels(d.Namespace)) {
			return false
		}
	} else if p.Namespace != d.Namespace {
		return false
	}
	return p.Compiled.SelectsDeployment(d.Labels)
}

// namespaceLabels returns a namespace's labels as the API server stores
// them: with kubernetes.io/metadata.name, which it sets on every namespace.
func (c *checker) namespaceLabels(ns string) map[string]string {
	l := make(map[string]string, len(c.nsLabels[ns])+1)
	for k, v := range c.nsLabels[ns] {
		l[k] = v
	}
	l[corev1.LabelMetadataName] = ns
	return l
}
