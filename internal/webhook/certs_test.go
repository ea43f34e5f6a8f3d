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
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/webhook"
)

func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	Expect(err).NotTo(HaveOccurred())
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port
}

var _ = Describe("Webhook certificate rotation (--cert-rotation)", func() {
	It("fills the Secret, injects the CA, and serves admission only once the certificate is mounted", func() {
		ns := newNamespace()
		const secretName, serviceName = "prodready-webhook-server-cert", "prodready-webhook-service"
		configName := "prodready-rotation-" + ns
		Expect(k8sClient.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: secretName}})).To(Succeed())
		// A webhook for a group nothing uses: only its caBundle matters.
		vwc := &admissionregistrationv1.ValidatingWebhookConfiguration{
			ObjectMeta: metav1.ObjectMeta{Name: configName},
			Webhooks: []admissionregistrationv1.ValidatingWebhook{{
				Name: "vnothing.prodready.io",
				ClientConfig: admissionregistrationv1.WebhookClientConfig{
					Service: &admissionregistrationv1.ServiceReference{Namespace: ns, Name: serviceName, Path: ptr.To("/nothing")},
				},
				Rules: []admissionregistrationv1.RuleWithOperations{{
					Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
					Rule:       admissionregistrationv1.Rule{APIGroups: []string{"nothing.prodready.io"}, APIVersions: []string{"v1"}, Resources: []string{"nothings"}},
				}},
				FailurePolicy:           ptr.To(admissionregistrationv1.Ignore),
				SideEffects:             ptr.To(admissionregistrationv1.SideEffectClassNone),
				AdmissionReviewVersions: []string{"v1"},
			}},
		}
		Expect(k8sClient.Create(ctx, vwc)).To(Succeed())
		DeferCleanup(func() { Expect(client.IgnoreNotFound(k8sClient.Delete(ctx, vwc))).To(Succeed()) })

		dir := GinkgoT().TempDir()
		port := freePort()
		mgr, err := ctrl.NewManager(cfg, ctrl.Options{
			Scheme:                 scheme.Scheme,
			Metrics:                metricsserver.Options{BindAddress: "0"},
			HealthProbeBindAddress: "0",
			WebhookServer:          webhook.NewServer(webhook.Options{Host: "127.0.0.1", Port: port, CertDir: dir}),
		})
		Expect(err).NotTo(HaveOccurred())
		registered := make(chan struct{})
		starter, err := NewStarter(mgr, CertOptions{
			Dir: dir, Rotate: true, Namespace: ns, SecretName: secretName, ServiceName: serviceName, WebhookConfigName: configName,
		}, func() error {
			mgr.GetWebhookServer().Register("/nothing", http.NotFoundHandler())
			close(registered)
			return nil
		})
		Expect(err).NotTo(HaveOccurred())
		Expect(mgr.Add(starter)).To(Succeed())
		mgrCtx, stop := context.WithCancel(ctx)
		DeferCleanup(stop)
		go func() {
			defer GinkgoRecover()
			Expect(mgr.Start(mgrCtx)).To(Succeed())
		}()
		probe := httptest.NewRequest(http.MethodGet, "/readyz", nil)

		By("generating the CA and serving certificate into the Secret")
		var secret corev1.Secret
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: secretName}, &secret)).To(Succeed())
			for _, k := range []string{"ca.crt", "tls.crt", "tls.key"} {
				g.Expect(secret.Data[k]).NotTo(BeEmpty(), k)
			}
		}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())

		By("injecting the CA into the webhook configuration")
		Eventually(func(g Gomega) []byte {
			var cur admissionregistrationv1.ValidatingWebhookConfiguration
			g.Expect(k8sClient.Get(ctx, client.ObjectKey{Name: configName}, &cur)).To(Succeed())
			return cur.Webhooks[0].ClientConfig.CABundle
		}).WithTimeout(timeout).WithPolling(interval).Should(Equal(secret.Data["ca.crt"]))

		By("staying unready, with the webhooks unregistered, until the kubelet would have mounted the files")
		Consistently(func(g Gomega) {
			g.Expect(starter.ReadyCheck(probe)).To(MatchError(ContainSubstring("webhook certificate not in place yet")))
			g.Expect(registered).NotTo(BeClosed())
		}).WithTimeout(2 * time.Second).WithPolling(200 * time.Millisecond).Should(Succeed())

		By("mounting the Secret's files, as the kubelet does")
		for _, k := range []string{"tls.crt", "tls.key"} {
			Expect(os.WriteFile(filepath.Join(dir, k), secret.Data[k], 0o600)).To(Succeed())
		}
		Eventually(registered).WithTimeout(timeout).Should(BeClosed())
		Eventually(func() error { return starter.ReadyCheck(probe) }).WithTimeout(timeout).WithPolling(interval).Should(Succeed())

		By("serving a certificate that the injected CA verifies for the Service's DNS name")
		roots := x509.NewCertPool()
		Expect(roots.AppendCertsFromPEM(secret.Data["ca.crt"])).To(BeTrue())
		for _, name := range []string{serviceName + "." + ns + ".svc", serviceName + "." + ns + ".svc.cluster.local"} {
			conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
				&tls.Config{RootCAs: roots, ServerName: name, MinVersion: tls.VersionTLS12})
			Expect(err).NotTo(HaveOccurred(), name)
			Expect(conn.Close()).To(Succeed())
		}
	})

	It("does not rotate when rotation is off, and waits for files someone else provides", func() {
		dir := GinkgoT().TempDir()
		mgr, err := ctrl.NewManager(cfg, ctrl.Options{
			Scheme:                 scheme.Scheme,
			Metrics:                metricsserver.Options{BindAddress: "0"},
			HealthProbeBindAddress: "0",
			WebhookServer:          webhook.NewServer(webhook.Options{Host: "127.0.0.1", Port: freePort(), CertDir: dir}),
		})
		Expect(err).NotTo(HaveOccurred())
		registered := make(chan struct{})
		starter, err := NewStarter(mgr, CertOptions{Dir: dir}, func() error { close(registered); return nil })
		Expect(err).NotTo(HaveOccurred())
		Expect(starter.NeedLeaderElection()).To(BeFalse(), "every replica serves admission")
		Expect(mgr.Add(starter)).To(Succeed())
		mgrCtx, stop := context.WithCancel(ctx)
		DeferCleanup(stop)
		go func() {
			defer GinkgoRecover()
			Expect(mgr.Start(mgrCtx)).To(Succeed())
		}()
		Consistently(registered).WithTimeout(2 * time.Second).ShouldNot(BeClosed())
		// Someone else's certificate: the one envtest made for the suite.
		provide := func(name string) {
			b, err := os.ReadFile(filepath.Join(testEnv.WebhookInstallOptions.LocalServingCertDir, name))
			Expect(err).NotTo(HaveOccurred())
			Expect(os.WriteFile(filepath.Join(dir, name), b, 0o600)).To(Succeed())
		}
		provide("tls.crt")
		Consistently(registered).WithTimeout(time.Second).ShouldNot(BeClosed(), "tls.key is still missing")
		provide("tls.key")
		Eventually(registered).WithTimeout(timeout).Should(BeClosed())
		probe := httptest.NewRequest(http.MethodGet, "/readyz", nil)
		Eventually(func() error { return starter.ReadyCheck(probe) }).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
	})
})
