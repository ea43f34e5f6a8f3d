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

package reporter

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	openreportsv1alpha1 "github.com/openreports/reports-api/apis/openreports.io/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/prodready/prodready/internal/gather"
	"github.com/prodready/prodready/internal/reports"
)

// FieldManager is the server-side apply field manager of every report.
const FieldManager = "prodready"

// expiryGrace is added to an exemption's expiry before requeueing, so the
// re-evaluation surely sees it expired.
const expiryGrace = time.Second

// reportGVK is the kind the reports cache and the writer use.
var reportGVK = schema.GroupVersionKind{Group: openreportsv1alpha1.GroupName, Version: "v1alpha1", Kind: "Report"}

// +kubebuilder:rbac:groups=openreports.io,resources=reports,verbs=get;list;watch;create;patch;delete

// Reconciler keeps the Report of one Deployment (the request names the
// Deployment) in line with every policy that selects it.
type Reconciler struct {
	// Client reads Deployments, policies, PodDisruptionBudgets,
	// HorizontalPodAutoscalers and Namespaces, from the manager's cache.
	Client client.Client
	// Reports is a metadata-only cache of the reports prodready manages
	// (label app.kubernetes.io/managed-by=prodready).
	Reports client.Reader
	// Writer reads and writes full Report objects against the API server,
	// uncached, with its own rate limit.
	Writer client.Client
	// Compiler caches compiled policies; shared with the policy controllers
	// and the webhook.
	Compiler *gather.Compiler
	// Clock decides whether exemptions have expired and stamps results.
	Clock clock.PassiveClock

	mu sync.Mutex
	// written maps a report to the content hash prodready last wrote, or
	// "" after it deleted it, until the cache has caught up.
	written map[types.NamespacedName]string
	// present holds the reports the cache has seen, for
	// prodready_reports_total.
	present map[types.NamespacedName]struct{}
	// lazy starts the watches on Services, Nodes and PriorityClasses once
	// a selected policy reads them; nil in unit tests.
	lazy *gather.LazyWatches
	// store walks the cached Deployments without copying them, to map
	// events to Deployments; the zero value lists through Client.
	store gather.DeploymentStore
}

// Reconcile writes, updates or deletes the Report of one Deployment.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	// A shallow copy of the cached Deployment: nothing here modifies it, and
	// a deep copy per reconcile was the report writer's largest allocation.
	var d appsv1.Deployment
	if err := r.Client.Get(ctx, req.NamespacedName, &d, client.UnsafeDisableDeepCopy); err != nil {
		// A deleted Deployment's report goes with it: the garbage
		// collector follows the owner reference.
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if d.DeletionTimestamp != nil {
		return ctrl.Result{}, nil
	}
	key := types.NamespacedName{Namespace: d.Namespace, Name: reports.Name(&d)}
	log := ctrl.LoggerFrom(ctx).WithValues("report", klog.KRef(key.Namespace, key.Name))
	ctx = ctrl.LoggerInto(ctx, log)

	now := r.Clock.Now()
	evals, nextExpiry, err := r.evaluate(ctx, &d, now)
	if err != nil {
		return ctrl.Result{}, err
	}
	stored, exists, err := r.stored(ctx, key)
	if err != nil {
		return ctrl.Result{}, err
	}
	if len(evals) == 0 {
		if !exists {
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, r.delete(ctx, key)
	}

	desired := reports.Build(&d, evals, now, nil)
	if exists && stored == desired.Annotations[reports.AnnotationHash] {
		return requeueAt(r.Clock, nextExpiry), nil
	}
	if exists {
		// Read the stored results only now that something changed, so the
		// results that did not change keep their timestamps.
		var prev openreportsv1alpha1.Report
		switch err := r.Writer.Get(ctx, key, &prev); {
		case err == nil:
			desired = reports.Build(&d, evals, now, prev.Results)
		case !apierrors.IsNotFound(err):
			return ctrl.Result{}, fmt.Errorf("reading Report %s: %w", key, err)
		}
	}
	if err := r.apply(ctx, desired); err != nil {
		return ctrl.Result{}, err
	}
	return requeueAt(r.Clock, nextExpiry), nil
}

// evaluate evaluates the Deployment at time now against every valid policy
// that selects it. It also returns the earliest exemption expiry, when the result changes
// without any edit.
func (r *Reconciler) evaluate(ctx context.Context, d *appsv1.Deployment, now time.Time) ([]reports.Evaluation, time.Time, error) {
	candidates, err := gather.PoliciesInScope(ctx, r.Client, r.Compiler, d.Namespace, gather.All)
	if err != nil {
		return nil, time.Time{}, err
	}
	var (
		selected []gather.Candidate
		needs    gather.Needs
	)
	for _, c := range candidates {
		if c.Compiled.SelectsDeployment(d.Labels) {
			selected = append(selected, c)
			n := gather.NeedsOf(c.Compiled)
			needs.Replicas = needs.Replicas || n.Replicas
			needs.Services = needs.Services || n.Services
			needs.Nodes = needs.Nodes || n.Nodes
			needs.PriorityClasses = needs.PriorityClasses || n.PriorityClasses
		}
	}
	if err := r.lazy.Ensure(ctx, needs); err != nil {
		return nil, time.Time{}, err
	}
	objs := &gather.NamespaceObjects{}
	if err := objs.Load(ctx, r.Client, d.Namespace, needs); err != nil {
		return nil, time.Time{}, err
	}
	var (
		evals      []reports.Evaluation
		nextExpiry time.Time
	)
	for _, c := range selected {
		res := c.Compiled.Evaluate(objs.Input(d), now)
		if !res.NextExpiry.IsZero() && (nextExpiry.IsZero() || res.NextExpiry.Before(nextExpiry)) {
			nextExpiry = res.NextExpiry
		}
		ns := c.Key.Namespace
		if c.Key.Cluster {
			ns = ""
		}
		evals = append(evals, reports.Evaluation{Namespace: ns, Name: c.Key.Name, Policy: c.Compiled, Result: res})
	}
	return evals, nextExpiry, nil
}

func requeueAt(c clock.PassiveClock, t time.Time) ctrl.Result {
	if t.IsZero() {
		return ctrl.Result{}
	}
	return ctrl.Result{RequeueAfter: t.Sub(c.Now()) + expiryGrace}
}

// stored returns the content hash of the stored report and whether it
// exists: what prodready last wrote, if the cache has not caught up yet,
// else what the cache holds.
func (r *Reconciler) stored(ctx context.Context, key types.NamespacedName) (string, bool, error) {
	r.mu.Lock()
	h, ok := r.written[key]
	r.mu.Unlock()
	if ok {
		return h, h != "", nil
	}
	m := &metav1.PartialObjectMetadata{}
	m.SetGroupVersionKind(reportGVK)
	if err := r.Reports.Get(ctx, key, m); err != nil {
		if apierrors.IsNotFound(err) {
			return "", false, nil
		}
		return "", false, fmt.Errorf("reading Report %s from the cache: %w", key, err)
	}
	return m.Annotations[reports.AnnotationHash], true, nil
}

func (r *Reconciler) remember(key types.NamespacedName, hash string) {
	r.mu.Lock()
	r.written[key] = hash
	r.mu.Unlock()
}

// apply writes the report with server-side apply; it owns every field it
// sets and takes them over from anyone else. The typed report is encoded
// straight to JSON, and the reply is read as metadata only: going through
// an unstructured object and decoding the whole stored report back was
// most of the garbage of a report write (about 56 KB per write).
func (r *Reconciler) apply(ctx context.Context, report *openreportsv1alpha1.Report) error {
	body, err := applyBody(report)
	if err != nil {
		return fmt.Errorf("encoding Report %s/%s: %w", report.Namespace, report.Name, err)
	}
	m := &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Namespace: report.Namespace, Name: report.Name}}
	m.SetGroupVersionKind(reportGVK)
	err = r.Writer.Patch(ctx, m, client.RawPatch(types.ApplyPatchType, body), client.FieldOwner(FieldManager), client.ForceOwnership)
	countWrite(opApply, err)
	if err != nil {
		return fmt.Errorf("applying Report %s/%s: %w", report.Namespace, report.Name, err)
	}
	r.remember(client.ObjectKeyFromObject(report), report.Annotations[reports.AnnotationHash])
	ctrl.LoggerFrom(ctx).V(1).Info("Report written", "pass", report.Summary.Pass, "fail", report.Summary.Fail,
		"warn", report.Summary.Warn, "skip", report.Summary.Skip)
	return nil
}

// applyBody is the server-side apply request for a report: its JSON with
// apiVersion and kind, and without the zero creationTimestamp (which
// metav1.ObjectMeta omits), so the field manager claims only what Build
// sets.
func applyBody(report *openreportsv1alpha1.Report) ([]byte, error) {
	if report.APIVersion != reportGVK.GroupVersion().String() || report.Kind != reportGVK.Kind {
		return nil, fmt.Errorf("report has apiVersion %q and kind %q, want %s", report.APIVersion, report.Kind, reportGVK.GroupVersion().WithKind(reportGVK.Kind))
	}
	return json.Marshal(report)
}

// delete removes a report no policy needs any more.
func (r *Reconciler) delete(ctx context.Context, key types.NamespacedName) error {
	rep := &openreportsv1alpha1.Report{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name}}
	err := client.IgnoreNotFound(r.Writer.Delete(ctx, rep))
	countWrite(opDelete, err)
	if err != nil {
		return fmt.Errorf("deleting Report %s: %w", key, err)
	}
	r.remember(key, "")
	ctrl.LoggerFrom(ctx).V(1).Info("Report deleted: no policy selects the Deployment any more")
	return nil
}
