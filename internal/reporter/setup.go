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
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	openreportsv1alpha1 "github.com/openreports/reports-api/apis/openreports.io/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/flowcontrol"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
	"github.com/prodready/prodready/internal/gather"
	"github.com/prodready/prodready/internal/reports"
	"github.com/prodready/prodready/internal/startup"
)

// Defaults of Options.
const (
	DefaultQPS                     = 50
	DefaultBurst                   = 100
	DefaultInterval                = 10 * time.Second
	DefaultMaxConcurrentReconciles = 4
	// errorLogEvery is how often --reports=openreports repeats that the
	// CRDs are missing.
	errorLogEvery = time.Minute
)

// Options configure the reports writer.
type Options struct {
	// Mode is the --reports value.
	Mode Mode
	// Compiler is shared with the policy controllers and the webhook.
	Compiler *gather.Compiler
	// Discovery tells whether the API server serves the openreports.io
	// resources.
	Discovery startup.ResourceLister
	// QPS and Burst limit the writer's requests (report reads, applies and
	// deletes), apart from the manager's client; DefaultQPS and DefaultBurst
	// when zero.
	QPS   float32
	Burst int
	// Interval between checks for the CRDs; DefaultInterval when zero.
	Interval time.Duration
	// MaxConcurrentReconciles; DefaultMaxConcurrentReconciles when zero.
	MaxConcurrentReconciles int
	// Clock stamps results; the real clock when nil.
	Clock clock.PassiveClock
}

// Setup adds the reports writer to the manager: nothing with ModeNone,
// otherwise a leader-only runnable that waits until the API server serves
// openreports.io/v1alpha1 reports, then starts the metadata cache of
// prodready's reports and the report controller. Call it before the
// manager starts.
func Setup(mgr ctrl.Manager, opts Options) error {
	if opts.Mode == ModeNone || opts.Mode == "" {
		return nil
	}
	if opts.Compiler == nil || opts.Discovery == nil {
		return errors.New("reports: Compiler and Discovery are required")
	}
	if opts.QPS == 0 {
		opts.QPS = DefaultQPS
	}
	if opts.Burst == 0 {
		opts.Burst = DefaultBurst
	}
	if opts.Interval == 0 {
		opts.Interval = DefaultInterval
	}
	if opts.MaxConcurrentReconciles == 0 {
		opts.MaxConcurrentReconciles = DefaultMaxConcurrentReconciles
	}
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	return mgr.Add(&crdWait{mgr: mgr, opts: opts})
}

// crdWait waits for the openreports.io CRDs, then starts the writer. It runs
// on the leader only, so standby replicas cache nothing about reports.
type crdWait struct {
	mgr  ctrl.Manager
	opts Options
}

func (w *crdWait) NeedLeaderElection() bool { return true }

func (w *crdWait) Start(ctx context.Context) error {
	log := ctrl.LoggerFrom(ctx).WithName("reports")
	gv := openreportsv1alpha1.GroupName + "/v1alpha1"
	var lastLog time.Time
	for {
		served, err := w.served(gv)
		switch {
		case served:
			if err := w.start(ctx); err != nil {
				return fmt.Errorf("starting the report writer: %w", err)
			}
			log.Info("The OpenReports CRDs are served; writing a Report per selected Deployment", "mode", w.opts.Mode)
			return nil
		case w.opts.Mode == ModeOpenReports && time.Since(lastLog) >= errorLogEvery:
			lastLog = time.Now()
			log.Error(err, "--reports=openreports, but the API server does not serve openreports.io/v1alpha1 reports; waiting for them",
				"fix", "kubectl apply --server-side -k config/components/openreports (see docs/reports.md)")
		case w.opts.Mode == ModeAuto && lastLog.IsZero():
			lastLog = time.Now()
			log.Info("The OpenReports CRDs are not served; writing no reports until they are (--reports=auto)",
				"groupVersion", gv, "reason", errString(err))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(w.opts.Interval):
		}
	}
}

func errString(err error) string {
	if err == nil {
		return "not installed"
	}
	return err.Error()
}

// served reports whether the API server serves reports in the group
// version; a discovery error counts as not served.
func (w *crdWait) served(gv string) (bool, error) {
	list, err := w.opts.Discovery.ServerResourcesForGroupVersion(gv)
	if err != nil {
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		return false, err
	}
	return slices.ContainsFunc(list.APIResources, func(r metav1.APIResource) bool { return r.Name == "reports" }), nil
}

var stripManagedFields toolscache.TransformFunc = cache.TransformStripManagedFields()

// managedByLabels is the one label map the cached Reports that carry only
// the managed-by label share (read-only), instead of one map each: a small
// Go map takes a whole group of eight slots, ~300 bytes per Report.
var managedByLabels = map[string]string{reports.LabelManagedBy: reports.ManagedBy}

// shareReportLabels drops a cached Report's managedFields and replaces its
// labels by managedByLabels when they are equal.
func shareReportLabels(obj any) (any, error) {
	obj, err := stripManagedFields(obj)
	if err != nil {
		return obj, err
	}
	if m, ok := obj.(metav1.Object); ok && maps.Equal(m.GetLabels(), managedByLabels) {
		m.SetLabels(managedByLabels)
	}
	return obj, nil
}

// start creates the reports cache and the controller.
func (w *crdWait) start(ctx context.Context) error {
	mgr := w.mgr
	reportCache, err := cache.New(mgr.GetConfig(), cache.Options{
		HTTPClient:           mgr.GetHTTPClient(),
		Scheme:               mgr.GetScheme(),
		Mapper:               mgr.GetRESTMapper(),
		DefaultLabelSelector: labels.SelectorFromSet(labels.Set{reports.LabelManagedBy: reports.ManagedBy}),
		DefaultTransform:     shareReportLabels,
	})
	if err != nil {
		return fmt.Errorf("creating the reports cache: %w", err)
	}
	if err := mgr.Add(reportCache); err != nil {
		return err
	}
	cfg := rest.CopyConfig(mgr.GetConfig())
	// One token bucket for every request of the writer, whatever client
	// controller-runtime builds per kind.
	cfg.RateLimiter = flowcontrol.NewTokenBucketRateLimiter(w.opts.QPS, w.opts.Burst)
	writer, err := client.New(cfg, client.Options{Scheme: mgr.GetScheme(), Mapper: mgr.GetRESTMapper()})
	if err != nil {
		return fmt.Errorf("creating the reports client: %w", err)
	}
	r := &Reconciler{
		Client: mgr.GetClient(), Reports: reportCache, Writer: writer,
		Compiler: w.opts.Compiler, Clock: w.opts.Clock,
	}
	return r.setupWithManager(ctx, mgr, reportCache, w.opts.MaxConcurrentReconciles)
}

func (r *Reconciler) setupWithManager(ctx context.Context, mgr ctrl.Manager, reportCache cache.Cache, workers int) error {
	store, err := gather.NewDeploymentStore(ctx, mgr.GetCache())
	if err != nil {
		return err
	}
	r.store = store
	r.written = map[types.NamespacedName]string{}
	r.present = map[types.NamespacedName]struct{}{}
	meta := &metav1.PartialObjectMetadata{}
	meta.SetGroupVersionKind(reportGVK)
	// Services, Node metadata and PriorityClasses are watched from the
	// first reconcile whose policies read them (see gather.LazyWatches).
	r.lazy = gather.NewLazyWatches(mgr.GetCache(), r.lazySources(mgr.GetCache()))
	return r.lazy.Build(func() (controller.Controller, error) {
		return ctrl.NewControllerManagedBy(mgr).
			Named("report").
			For(&appsv1.Deployment{}, builder.WithPredicates(predicate.Or(predicate.GenerationChangedPredicate{}, predicate.LabelChangedPredicate{}))).
			Watches(&prodreadyv1alpha1.ReadinessPolicy{}, handler.EnqueueRequestsFromMapFunc(r.deploymentsInNamespace),
				builder.WithPredicates(predicate.GenerationChangedPredicate{})).
			Watches(&prodreadyv1alpha1.ClusterReadinessPolicy{}, handler.EnqueueRequestsFromMapFunc(r.allDeployments),
				builder.WithPredicates(predicate.GenerationChangedPredicate{})).
			Watches(&policyv1.PodDisruptionBudget{}, handler.EnqueueRequestsFromMapFunc(r.deploymentsInNamespace),
				builder.WithPredicates(predicate.GenerationChangedPredicate{})).
			Watches(&autoscalingv2.HorizontalPodAutoscaler{}, handler.EnqueueRequestsFromMapFunc(r.deploymentsInNamespace),
				builder.WithPredicates(hpaScalingChanged())).
			Watches(&corev1.Namespace{}, handler.EnqueueRequestsFromMapFunc(r.deploymentsOfNamespace),
				builder.WithPredicates(predicate.LabelChangedPredicate{})).
			WatchesRawSource(source.Kind[*metav1.PartialObjectMetadata](reportCache, meta, r.reportEvents())).
			WithOptions(controller.Options{MaxConcurrentReconciles: workers}).
			Build(r)
	})
}

// hpaScalingChanged passes HPA creates and deletes, and updates that change
// what the rules read, not the frequent status updates.
func hpaScalingChanged() predicate.Predicate {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		o, ok1 := e.ObjectOld.(*autoscalingv2.HorizontalPodAutoscaler)
		n, ok2 := e.ObjectNew.(*autoscalingv2.HorizontalPodAutoscaler)
		if !ok1 || !ok2 {
			return true
		}
		return o.Spec.ScaleTargetRef != n.Spec.ScaleTargetRef || !equality.Semantic.DeepEqual(o.Spec.MinReplicas, n.Spec.MinReplicas)
	}}
}

// deploymentsInNamespace enqueues every Deployment in the object's
// namespace: a ReadinessPolicy (whose old selector may have selected others
// than its new one), a PodDisruptionBudget or an HPA.
func (r *Reconciler) deploymentsInNamespace(ctx context.Context, obj client.Object) []reconcile.Request {
	return r.deployments(ctx, obj.GetNamespace())
}

// deploymentsOfNamespace enqueues the Deployments of a relabeled
// Namespace, which cluster policies may have started or stopped selecting.
func (r *Reconciler) deploymentsOfNamespace(ctx context.Context, obj client.Object) []reconcile.Request {
	return r.deployments(ctx, obj.GetName())
}

// allDeployments enqueues every Deployment, for a ClusterReadinessPolicy.
func (r *Reconciler) allDeployments(ctx context.Context, _ client.Object) []reconcile.Request {
	return r.deployments(ctx, "")
}

func (r *Reconciler) deployments(ctx context.Context, namespace string) []reconcile.Request {
	return r.deploymentsWhere(ctx, func(*appsv1.Deployment) bool { return true }, namespace)
}

// reportEvents maps events of prodready's reports to their Deployment: a
// report that appears (every one at start, so orphans are found), is
// deleted, or changes in a way prodready did not write is re-checked. The
// echo of prodready's own write only tells that the cache caught up.
func (r *Reconciler) reportEvents() handler.TypedEventHandler[*metav1.PartialObjectMetadata, reconcile.Request] {
	type queue = workqueue.TypedRateLimitingInterface[reconcile.Request]
	return handler.TypedFuncs[*metav1.PartialObjectMetadata, reconcile.Request]{
		CreateFunc: func(_ context.Context, e event.TypedCreateEvent[*metav1.PartialObjectMetadata], q queue) {
			if r.observe(e.Object, true) {
				enqueueOwner(e.Object, q)
			}
		},
		UpdateFunc: func(_ context.Context, e event.TypedUpdateEvent[*metav1.PartialObjectMetadata], q queue) {
			if r.observe(e.ObjectNew, true) {
				enqueueOwner(e.ObjectNew, q)
			}
		},
		DeleteFunc: func(_ context.Context, e event.TypedDeleteEvent[*metav1.PartialObjectMetadata], q queue) {
			r.observe(e.Object, false)
			enqueueOwner(e.Object, q)
		},
	}
}

// observe records what the cache now holds and reports whether the
// report's Deployment needs a look: not when the event is the echo of
// prodready's own last write.
func (r *Reconciler) observe(obj *metav1.PartialObjectMetadata, exists bool) bool {
	key := client.ObjectKeyFromObject(obj)
	r.mu.Lock()
	defer r.mu.Unlock()
	echo := false
	if exists {
		r.present[key] = struct{}{}
		if h, ok := r.written[key]; ok && h == obj.GetAnnotations()[reports.AnnotationHash] {
			echo = true
		}
	} else {
		delete(r.present, key)
	}
	// The cache has caught up (or someone else changed the report): from
	// now on the cache is the truth.
	delete(r.written, key)
	reportsTotal.Set(float64(len(r.present)))
	return !echo
}

func enqueueOwner(obj *metav1.PartialObjectMetadata, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
	for _, o := range obj.GetOwnerReferences() {
		if o.Kind == "Deployment" && o.APIVersion == appsv1.SchemeGroupVersion.String() {
			q.Add(reconcile.Request{NamespacedName: types.NamespacedName{Namespace: obj.GetNamespace(), Name: o.Name}})
		}
	}
}
