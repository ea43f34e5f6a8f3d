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

package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
	"github.com/prodready/prodready/internal/gather"
	prodreadywebhook "github.com/prodready/prodready/internal/webhook"
)

// deploymentPath is where SetupWithManager registers the Deployment
// webhook.
const deploymentPath = prodreadywebhook.DeploymentPath

// noopPath serves the no-op webhook (noopHandler) on the same server.
const noopPath = "/noop"

// webhookServer is the Deployment webhook served the way cmd/main.go serves
// it: controller-runtime's webhook server (HTTP/1.1 only, as without
// --enable-http2) with an RSA-2048 serving certificate like the one
// cert-controller's rotator issues, on 127.0.0.1.
type webhookServer struct {
	url     string // the Deployment webhook
	noopURL string // the no-op webhook on the same server
	caPool  *x509.CertPool
	stop    func()
}

// startWebhookServer builds the handler exactly as SetupWithManager does
// (NewDeploymentHandler over a DeploymentValidator), except that the
// reader holds clusterObjects instead of being the manager's cache: the
// controller-runtime fake client ("fake", the default) or cacheReader
// ("cache").
func startWebhookServer(ctx context.Context, readerKind string) (*webhookServer, error) {
	// Production logs through zap in production mode (JSON, Info, sampled);
	// keep the cost, discard the output.
	ctrl.SetLogger(zap.New(zap.UseDevMode(false), zap.WriteTo(io.Discard)))

	scheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(prodreadyv1alpha1.AddToScheme(scheme))
	var reader client.Reader
	switch readerKind {
	case "fake":
		reader = fake.NewClientBuilder().WithScheme(scheme).WithObjects(clusterObjects()...).Build()
	case "cache":
		r, err := newCacheReader(clusterObjects())
		if err != nil {
			return nil, err
		}
		reader = r
	default:
		return nil, fmt.Errorf("unknown -reader %q; want fake or cache", readerKind)
	}
	validator := prodreadywebhook.NewDeploymentHandler(&prodreadywebhook.DeploymentValidator{
		Reader:   reader,
		Compiler: gather.NewCompiler(),
		Clock:    clock.RealClock{},
	})

	dir, err := os.MkdirTemp("", "prodready-bench-certs-")
	if err != nil {
		return nil, err
	}
	caPool, _, err := writeServingCert(dir)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}

	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := freePort()
		if err != nil {
			_ = os.RemoveAll(dir)
			return nil, err
		}
		srv := webhook.NewServer(webhook.Options{
			Host: "127.0.0.1", Port: port, CertDir: dir,
			TLSOpts: []func(*tls.Config){func(c *tls.Config) { c.NextProtos = []string{"http/1.1"} }},
		})
		srv.Register(deploymentPath, validator)
		srv.Register(noopPath, noopHandler{})
		sctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		// Goroutines inherit profiler labels: everything the server runs
		// (accept loop, connections, handlers) is tagged side=server.
		go pprof.Do(sctx, pprof.Labels("side", "server"), func(c context.Context) { done <- srv.Start(c) })
		if err := waitStarted(srv, done); err != nil {
			cancel()
			lastErr = err
			continue
		}
		return &webhookServer{
			url:     fmt.Sprintf("https://127.0.0.1:%d%s", port, deploymentPath),
			noopURL: fmt.Sprintf("https://127.0.0.1:%d%s", port, noopPath),
			caPool:  caPool,
			stop: func() {
				cancel()
				select {
				case err := <-done:
					if err != nil {
						logf("webhook server: %v", err)
					}
				case <-time.After(5 * time.Second):
				}
				_ = os.RemoveAll(dir)
			},
		}, nil
	}
	_ = os.RemoveAll(dir)
	return nil, fmt.Errorf("starting the webhook server: %w", lastErr)
}

func waitStarted(srv webhook.Server, done <-chan error) error {
	check := srv.StartedChecker()
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case err := <-done:
			if err == nil {
				err = errors.New("webhook server stopped")
			}
			return err
		default:
		}
		req, _ := http.NewRequest(http.MethodGet, "/", nil)
		if err := check(req); err == nil {
			return nil
		} else if time.Now().After(deadline) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// freePort asks the kernel for a free port on 127.0.0.1. The webhook
// server binds it right after; a lost race is retried by the caller.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	return port, l.Close()
}

// writeServingCert writes tls.crt and tls.key for 127.0.0.1, signed by a
// throw-away CA, and returns a pool trusting that CA and the CA in PEM.
func writeServingCert(dir string) (*x509.CertPool, []byte, error) {
	caKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "prodready-bench-ca", Organization: []string{"prodready"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, nil, err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, nil, err
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "prodready-webhook-service.prodready-system.svc"},
		DNSNames:     []string{"prodready-webhook-service.prodready-system.svc", "localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		return nil, nil, err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	if err := os.WriteFile(filepath.Join(dir, "tls.crt"), certPEM, 0o600); err != nil {
		return nil, nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "tls.key"), keyPEM, 0o600); err != nil {
		return nil, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	return pool, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), nil
}
