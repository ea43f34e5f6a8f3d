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
	"os"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	openreportsv1alpha1 "github.com/openreports/reports-api/apis/openreports.io/v1alpha1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/discovery"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
	"github.com/prodready/prodready/internal/gather"
)

// These specs run the report writer against a real kube-apiserver and etcd.
// The OpenReports CRDs are NOT installed at start: the first spec installs
// them while the writer runs (--reports=auto). There is no
// kube-controller-manager, so no garbage collector: test/e2e covers the
// deletion of a report with its Deployment.

var (
	ctx       context.Context
	cancel    context.CancelFunc
	testEnv   *envtest.Environment
	cfg       *rest.Config
	k8sClient client.Client
	scheme    = runtime.NewScheme()
	// testClock stamps results; specs step it to see timestamps move.
	testClock = clocktesting.NewFakePassiveClock(time.Date(2026, time.March, 1, 12, 0, 0, 0, time.UTC))

	stopManager context.CancelFunc
	managerDone chan struct{}
)

func TestReporter(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Reporter Suite")
}

var _ = BeforeSuite(func() {
	logf.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	Expect(os.Getenv("KUBEBUILDER_ASSETS")).NotTo(BeEmpty(),
		"KUBEBUILDER_ASSETS is not set: run the suite with 'make test', which builds kube-apiserver and etcd with hack/envtest.sh")
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(prodreadyv1alpha1.AddToScheme(scheme))
	utilruntime.Must(openreportsv1alpha1.Install(scheme))

	ctx, cancel = context.WithCancel(context.TODO())
	testEnv = &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}
	var err error
	cfg, err = testEnv.Start()
	Expect(err).NotTo(HaveOccurred())
	k8sClient, err = client.New(cfg, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())
	startManager()
})

var _ = AfterSuite(func() {
	if stopManager != nil {
		stopManager()
		Eventually(managerDone).WithTimeout(30 * time.Second).Should(BeClosed())
	}
	if cancel != nil {
		cancel()
	}
	if testEnv != nil {
		Eventually(testEnv.Stop).WithTimeout(30 * time.Second).Should(Succeed())
	}
})

// openReportsCRDs are the files config/components/openreports ships.
var openReportsCRDs = []string{
	filepath.Join("..", "..", "config", "components", "openreports", "openreports.io_reports.yaml"),
	filepath.Join("..", "..", "config", "components", "openreports", "openreports.io_clusterreports.yaml"),
}

// startManager starts an operator with only the report writer, the way
// cmd/main.go sets it up with --reports=auto.
func startManager() {
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		// The suite starts a second manager to see orphans cleaned at start.
		Controller: config.Controller{SkipNameValidation: ptr.To(true)},
	})
	Expect(err).NotTo(HaveOccurred())
	disc, err := discovery.NewDiscoveryClientForConfig(cfg)
	Expect(err).NotTo(HaveOccurred())
	Expect(Setup(mgr, Options{
		Mode: ModeAuto, Compiler: gather.NewCompiler(), Discovery: disc,
		Interval: 200 * time.Millisecond, Clock: testClock,
	})).To(Succeed())
	mctx, stop := context.WithCancel(ctx)
	stopManager = stop
	managerDone = make(chan struct{})
	go func() {
		defer GinkgoRecover()
		defer close(managerDone)
		Expect(mgr.Start(mctx)).To(Succeed())
	}()
}

// restartManager stops the running manager and starts a new one; between
// the two, do runs as if the operator were down.
func restartManager(do func()) {
	stopManager()
	Eventually(managerDone).WithTimeout(30 * time.Second).Should(BeClosed())
	do()
	startManager()
}
