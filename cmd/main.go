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

// Command manager runs the prodready operator: the controllers that evaluate
// ReadinessPolicies and ClusterReadinessPolicies and write their status.
package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"math"
	"os"
	"runtime/debug"
	"time"

	openreportsv1alpha1 "github.com/openreports/reports-api/apis/openreports.io/v1alpha1"
	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/discovery"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
	"github.com/prodready/prodready/internal/apiclient"
	"github.com/prodready/prodready/internal/controller"
	"github.com/prodready/prodready/internal/gather"
	"github.com/prodready/prodready/internal/reporter"
	"github.com/prodready/prodready/internal/startup"
	prodreadywebhook "github.com/prodready/prodready/internal/webhook"
	// +kubebuilder:scaffold:imports
)

var (
	scheme   = runtime.NewScheme()
	setupLog = ctrl.Log.WithName("setup")
)

func init() {
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(prodreadyv1alpha1.AddToScheme(scheme))
	utilruntime.Must(openreportsv1alpha1.Install(scheme))
	// +kubebuilder:scaffold:scheme
}

func main() {
	var (
		metricsAddr, probeAddr     string
		secureMetrics, enableHTTP2 bool
		leaderElect                bool
		leaderElectionNamespace    string
		shutdownTimeout            time.Duration
		shutdownDelay              time.Duration
		apiRequestTimeout          time.Duration
		reconcileTimeout           time.Duration
		tlsMinVersion              string
		enableWebhooks             bool
		webhookPort                int
		webhookHost                string
		pprofAddr                  string
		certOpts                   prodreadywebhook.CertOptions
		reportsMode                = reporter.ModeAuto
		reportsQPS                 float64
		reportsBurst               int
	)
	flag.StringVar(&metricsAddr, "metrics-bind-address", ":8443",
		"Address the metrics endpoint binds to, e.g. :8443 (HTTPS) or 127.0.0.1:8080 with --metrics-secure=false. 0 disables it.")
	flag.BoolVar(&secureMetrics, "metrics-secure", true,
		"Serve metrics over HTTPS with Kubernetes authentication and authorization.")
	flag.StringVar(&probeAddr, "health-probe-bind-address", ":8081", "Address the /healthz and /readyz probes bind to.")
	flag.BoolVar(&leaderElect, "leader-elect", false,
		"Elect a leader so that only one replica reconciles; required when running more than one replica.")
	flag.StringVar(&leaderElectionNamespace, "leader-election-namespace", "",
		"Namespace of the leader election Lease; defaults to the operator's namespace in cluster.")
	flag.BoolVar(&enableHTTP2, "enable-http2", false,
		"Allow HTTP/2 on the metrics server; off by default because of the HTTP/2 rapid reset CVEs.")
	flag.DurationVar(&shutdownTimeout, "graceful-shutdown-timeout", 25*time.Second,
		"How long to wait for running reconciles and requests to finish on shutdown.")
	flag.DurationVar(&shutdownDelay, "shutdown-delay", 0,
		"After SIGTERM, report not ready and keep serving admission this long before shutting down, so that "+
			"reviews stop being routed here first. In a pod the preStop sleep does this; use it where there is none.")
	flag.DurationVar(&apiRequestTimeout, "api-request-timeout", 30*time.Second,
		"Give up on an API server request whose response has not started within this time. Watches and "+
			"responses that are streaming are never cut. 0 disables the bound.")
	flag.DurationVar(&reconcileTimeout, "reconcile-timeout", 2*time.Minute,
		"Upper bound on one policy evaluation, API calls included; it is retried with backoff after that.")
	flag.StringVar(&tlsMinVersion, "tls-min-version", "1.3",
		"Lowest TLS version the webhook and metrics servers accept: 1.2 or 1.3.")
	flag.StringVar(&pprofAddr, "pprof-bind-address", "0",
		"Address to serve Go's /debug/pprof profiles on, e.g. 127.0.0.1:8082; 0 disables it. Keep it on loopback.")
	flag.BoolVar(&enableWebhooks, "enable-webhooks", true, "Serve the validating admission webhooks.")
	flag.IntVar(&webhookPort, "webhook-port", 9443, "Port the admission webhook server listens on.")
	flag.StringVar(&webhookHost, "webhook-host", "", "Address the admission webhook server listens on; empty means every interface.")
	flag.StringVar(&certOpts.Dir, "webhook-cert-dir", "/tmp/k8s-webhook-server/serving-certs",
		"Directory holding the webhook serving certificate (tls.crt, tls.key).")
	flag.BoolVar(&certOpts.Rotate, "cert-rotation", true,
		"Generate a self-signed CA and serving certificate, keep them renewed, and inject the CA into the webhook "+
			"configuration. Disable when cert-manager or another tool provides the certificate files.")
	flag.StringVar(&certOpts.Namespace, "namespace", envOr("POD_NAMESPACE", "prodready-system"),
		"Namespace of the operator, its webhook Service and certificate Secret.")
	flag.StringVar(&certOpts.SecretName, "webhook-secret-name", "prodready-webhook-server-cert",
		"Secret that holds the rotated webhook certificate; it must exist (config/webhook ships it empty) and be mounted at --webhook-cert-dir.")
	flag.StringVar(&certOpts.ServiceName, "webhook-service-name", "prodready-webhook-service",
		"Service in front of the webhook; the certificate is issued for <service>.<namespace>.svc.")
	flag.StringVar(&certOpts.WebhookConfigName, "webhook-config-name", "prodready-validating-webhook-configuration",
		"ValidatingWebhookConfiguration whose caBundle the rotator keeps up to date.")
	flag.Var(&reportsMode, "reports",
		"Publish results as OpenReports Reports, one per selected Deployment (docs/reports.md): auto writes them when the "+
			"openreports.io CRDs are served and starts when they appear; openreports also logs an error while they are missing; none writes none.")
	flag.Float64Var(&reportsQPS, "reports-qps", reporter.DefaultQPS,
		"Requests per second the report writer may send to the API server, apart from the controllers' own budget.")
	flag.IntVar(&reportsBurst, "reports-burst", reporter.DefaultBurst, "Burst of the report writer's rate limit.")
	opts := zap.Options{Development: false}
	opts.BindFlags(flag.CommandLine)
	flag.Parse()
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&opts)))

	minVersion, err := parseTLSVersion(tlsMinVersion)
	if err != nil {
		setupLog.Error(err, "Invalid --tls-min-version")
		os.Exit(1)
	}
	tlsOpts := []func(*tls.Config){func(c *tls.Config) { c.MinVersion = minVersion }}
	if !enableHTTP2 {
		tlsOpts = append(tlsOpts, func(c *tls.Config) { c.NextProtos = []string{"http/1.1"} })
	}
	metricsOpts := metricsserver.Options{BindAddress: metricsAddr, SecureServing: secureMetrics, TLSOpts: tlsOpts}
	if secureMetrics {
		metricsOpts.FilterProvider = filters.WithAuthenticationAndAuthorization
	}

	restConfig := ctrl.GetConfigOrDie()
	// Not restConfig.Timeout: client-go applies it to whole responses and so
	// would cut every informer's watch (internal/apiclient).
	apiclient.BoundRequests(restConfig, apiRequestTimeout)
	mgr, err := ctrl.NewManager(restConfig, ctrl.Options{
		Scheme:                        scheme,
		Metrics:                       metricsOpts,
		HealthProbeBindAddress:        probeAddr,
		PprofBindAddress:              pprofAddr,
		LeaderElection:                leaderElect,
		LeaderElectionID:              "prodready-leader.prodready.io",
		LeaderElectionNamespace:       leaderElectionNamespace,
		LeaderElectionReleaseOnCancel: true,
		GracefulShutdownTimeout:       &shutdownTimeout,
		Cache:                         controller.CacheOptions(),
		Controller: config.Controller{
			// Start the controllers' informers before winning the election,
			// so that a new leader reconciles from a warm cache at once.
			EnableWarmup:          ptr.To(true),
			ReconciliationTimeout: reconcileTimeout,
		},
		WebhookServer: webhook.NewServer(webhook.Options{
			Host: webhookHost, Port: webhookPort, CertDir: certOpts.Dir, TLSOpts: tlsOpts,
		}),
	})
	if err != nil {
		setupLog.Error(err, "Unable to create the manager")
		os.Exit(1)
	}

	compiler := gather.NewCompiler()
	metrics.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "prodready_compiled_policies",
		Help: "Policies held compiled in this replica's cache; follows the number of policies in the cluster.",
	}, func() float64 { return float64(compiler.Len()) }))
	recorder := mgr.GetEventRecorder("prodready")
	readyChecks := map[string]healthz.Checker{"ping": healthz.Ping}

	var starter *prodreadywebhook.Starter
	if enableWebhooks {
		starter, err = prodreadywebhook.NewStarter(mgr, certOpts, func() error {
			return prodreadywebhook.SetupWithManager(mgr, compiler, nil)
		})
		if err != nil {
			setupLog.Error(err, "Unable to set up the admission webhooks")
			os.Exit(1)
		}
		readyChecks["webhook"] = starter.ReadyCheck
	}

	// The controllers and webhooks read the policy kinds, so they start only
	// once the API server serves the CRDs; until then the operator runs, is
	// not ready, and says what to install.
	disc, err := discovery.NewDiscoveryClientForConfig(restConfig)
	if err != nil {
		setupLog.Error(err, "Unable to create the discovery client")
		os.Exit(1)
	}
	gate := startup.NewCRDGate(disc, prodreadyv1alpha1.GroupVersion,
		[]string{"readinesspolicies", "clusterreadinesspolicies"},
		"kubectl apply --server-side -k config/crd (or make install)",
		func() error {
			// On every replica, not only the leader whose reconcilers see
			// the NotFound.
			if err := prodreadywebhook.ForgetDeletedPolicies(mgr.GetCache(), compiler); err != nil {
				return err
			}
			if err := controller.SetupWithManager(mgr, compiler, recorder); err != nil {
				return err
			}
			// Reports only from the leader's controller, never from the webhook.
			if err := reporter.Setup(mgr, reporter.Options{
				Mode: reportsMode, Compiler: compiler, Discovery: disc,
				QPS: float32(reportsQPS), Burst: reportsBurst,
			}); err != nil {
				return err
			}
			if starter != nil {
				return mgr.Add(starter)
			}
			return nil
		})
	if err := mgr.Add(gate); err != nil {
		setupLog.Error(err, "Unable to add the start-up gate")
		os.Exit(1)
	}
	readyChecks["crds"] = gate.ReadyCheck
	// +kubebuilder:scaffold:builder

	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		setupLog.Error(err, "Unable to set up the health check")
		os.Exit(1)
	}
	for name, check := range readyChecks {
		if err := mgr.AddReadyzCheck(name, check); err != nil {
			setupLog.Error(err, "Unable to set up the readiness check", "check", name)
			os.Exit(1)
		}
	}

	setupLog.Info("Starting the manager", "leaderElection", leaderElect, "metrics", metricsAddr, "probes", probeAddr,
		"webhooks", enableWebhooks, "webhookPort", webhookPort, "certRotation", certOpts.Rotate, "reports", reportsMode,
		"tlsMinVersion", tlsMinVersion, "apiRequestTimeout", apiRequestTimeout, "shutdownDelay", shutdownDelay,
		"memoryLimit", memoryLimit())
	drain := startup.NewDrain(shutdownDelay)
	if err := mgr.AddReadyzCheck("shutdown", drain.ReadyCheck); err != nil {
		setupLog.Error(err, "Unable to set up the readiness check", "check", "shutdown")
		os.Exit(1)
	}
	if err := mgr.Start(drain.Context(ctrl.SetupSignalHandler(), setupLog)); err != nil {
		setupLog.Error(err, "The manager stopped with an error")
		os.Exit(1)
	}
	setupLog.Info("Stopped")
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func parseTLSVersion(v string) (uint16, error) {
	switch v {
	case "1.2":
		return tls.VersionTLS12, nil
	case "1.3":
		return tls.VersionTLS13, nil
	}
	return 0, fmt.Errorf("%q is not a supported TLS version; use 1.2 or 1.3", v)
}

// memoryLimit describes the Go runtime's soft memory limit (GOMEMLIMIT),
// which the manifests set from the container's memory limit.
func memoryLimit() string {
	limit := debug.SetMemoryLimit(-1) // a negative value only reads it
	if limit == math.MaxInt64 {
		return "none (GOMEMLIMIT unset)"
	}
	return fmt.Sprintf("%d MiB", limit>>20)
}
