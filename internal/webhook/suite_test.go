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

package webhook

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
	"github.com/prodready/prodready/internal/controller"
	"github.com/prodready/prodready/internal/gather"
	"github.com/prodready/prodready/internal/testutil"
)

// These specs register the webhooks with a real kube-apiserver (through
// envtest's WebhookInstallOptions, over TLS) and run the controllers too.

var (
	ctx       context.Context
	cancel    context.CancelFunc
	testEnv   *envtest.Environment
	cfg       *rest.Config
	k8sClient client.Client
	// warnings collects the admission warnings k8sClient receives.
	warnings = &warningCollector{}
	// recorder counts the controllers' Event calls.
	recorder *testutil.CountingRecorder
)

// renderedWebhooks returns the ValidatingWebhookConfiguration that
// `kubectl kustomize config/webhook` renders, with the kubectl that
// hack/envtest.sh puts next to kube-apiserver.
func renderedWebhooks() *admissionregistrationv1.ValidatingWebhookConfiguration {
	kubectl := filepath.Join(os.Getenv("KUBEBUILDER_ASSETS"), "kubectl")
	Expect(kubectl).To(BeAnExistingFile(), "KUBEBUILDER_ASSETS has no kubectl; build the assets with hack/envtest.sh ('make test' does)")
	out, err := exec.Command(kubectl, "kustomize", filepath.Join("..", "..", "config", "webhook")).Output()
	Expect(err).NotTo(HaveOccurred(), "kubectl kustomize config/webhook")
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(out), 4096)
	for {
		var vwc admissionregistrationv1.ValidatingWebhookConfiguration
		err := dec.Decode(&vwc)
		if errors.Is(err, io.EOF) {
			break
		}
		Expect(err).NotTo(HaveOccurred())
		if vwc.Kind == "ValidatingWebhookConfiguration" {
			Expect(vwc.Webhooks).NotTo(BeEmpty())
			for _, w := range vwc.Webhooks {
				Expect(w.NamespaceSelector).NotTo(BeNil(), "config/webhook gives webhook %s its namespaceSelector", w.Name)
			}
			return &vwc
		}
	}
	Fail("kubectl kustomize config/webhook rendered no ValidatingWebhookConfiguration")
	return nil
}

// warningCollector is a client-go warning handler that keeps what it sees.
type warningCollector struct {
	mu   sync.Mutex
	msgs []string
}

func (w *warningCollector) HandleWarningHeader(_ int, _ string, msg string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.msgs = append(w.msgs, msg)
}

// take returns and clears the collected warnings.
func (w *warningCollector) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.msgs
	w.msgs = nil
	return out
}

func TestWebhooks(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Webhook Suite")
}

var _ = BeforeSuite(func() {
	logf.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	Expect(os.Getenv("KUBEBUILDER_ASSETS")).NotTo(BeEmpty(),
		"KUBEBUILDER_ASSETS is not set: run the suite with 'make test', which builds kube-apiserver and etcd with hack/envtest.sh")

	ctx, cancel = context.WithCancel(context.TODO())
	Expect(prodreadyv1alpha1.AddToScheme(scheme.Scheme)).To(Succeed())

	// The webhooks are installed as config/webhook renders them (with its
	// namespace exclusions), but fail closed: with the shipped
	// failurePolicy Ignore a crashed or timed-out webhook would admit, and
	// every "admitted" assertion below would pass without it.
	vwc := renderedWebhooks()
	for i := range vwc.Webhooks {
		vwc.Webhooks[i].FailurePolicy = ptr.To(admissionregistrationv1.Fail)
	}
	testEnv = &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		WebhookInstallOptions: envtest.WebhookInstallOptions{
			ValidatingWebhooks: []*admissionregistrationv1.ValidatingWebhookConfiguration{vwc},
		},
	}
	var err error
	cfg, err = testEnv.Start()
	Expect(err).NotTo(HaveOccurred())

	clientCfg := rest.CopyConfig(cfg)
	clientCfg.WarningHandler = warnings
	k8sClient, err = client.New(clientCfg, client.Options{Scheme: scheme.Scheme})
	Expect(err).NotTo(HaveOccurred())

	wio := &testEnv.WebhookInstallOptions
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 scheme.Scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Cache:                  controller.CacheOptions(),
		WebhookServer: webhook.NewServer(webhook.Options{
			Host: wio.LocalServingHost, Port: wio.LocalServingPort, CertDir: wio.LocalServingCertDir,
		}),
	})
	Expect(err).NotTo(HaveOccurred())
	compiler := gather.NewCompiler()
	recorder = &testutil.CountingRecorder{Next: mgr.GetEventRecorder("prodready")}
	Expect(controller.SetupWithManager(mgr, compiler, recorder)).To(Succeed())
	Expect(SetupWithManager(mgr, compiler, nil)).To(Succeed())
	go func() {
		defer GinkgoRecover()
		Expect(mgr.Start(ctx)).To(Succeed())
	}()

	By("waiting for the webhook server to serve TLS")
	addr := net.JoinHostPort(wio.LocalServingHost, fmt.Sprint(wio.LocalServingPort))
	Eventually(func() error {
		conn, err := tls.DialWithDialer(&net.Dialer{Timeout: time.Second}, "tcp", addr, &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // test probe only
		if err != nil {
			return err
		}
		return conn.Close()
	}).WithTimeout(60 * time.Second).Should(Succeed())
})

var _ = AfterSuite(func() {
	if cancel != nil {
		cancel()
	}
	if testEnv != nil {
		Eventually(testEnv.Stop).WithTimeout(30 * time.Second).Should(Succeed())
	}
})
