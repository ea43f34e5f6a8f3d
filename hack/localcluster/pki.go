//go:build unix

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
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// keyPair is a certificate and its ECDSA P-256 key, parsed and PEM-encoded.
type keyPair struct {
	cert    *x509.Certificate
	key     *ecdsa.PrivateKey
	certPEM []byte
	keyPEM  []byte
}

// certSpec describes a certificate to issue.
type certSpec struct {
	cn     string
	orgs   []string
	dns    []string
	ips    []net.IP
	server bool
	client bool
}

const certValidity = 365 * 24 * time.Hour

func newKey() (*ecdsa.PrivateKey, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), nil
}

func serial() (*big.Int, error) {
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
}

// newCA creates a self-signed CA.
func newCA(cn string) (*keyPair, error) {
	key, keyPEM, err := newKey()
	if err != nil {
		return nil, err
	}
	sn, err := serial()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          sn,
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"prodready local cluster"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(certValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	return sign(tmpl, tmpl, key, key, keyPEM)
}

// issue signs a leaf certificate with the CA.
func issue(ca *keyPair, spec certSpec) (*keyPair, error) {
	key, keyPEM, err := newKey()
	if err != nil {
		return nil, err
	}
	sn, err := serial()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          sn,
		Subject:               pkix.Name{CommonName: spec.cn, Organization: spec.orgs},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(certValidity),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		DNSNames:              spec.dns,
		IPAddresses:           spec.ips,
	}
	if spec.server {
		tmpl.ExtKeyUsage = append(tmpl.ExtKeyUsage, x509.ExtKeyUsageServerAuth)
	}
	if spec.client {
		tmpl.ExtKeyUsage = append(tmpl.ExtKeyUsage, x509.ExtKeyUsageClientAuth)
	}
	return sign(tmpl, ca.cert, key, ca.key, keyPEM)
}

func sign(tmpl, parent *x509.Certificate, key, signer *ecdsa.PrivateKey, keyPEM []byte) (*keyPair, error) {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &keyPair{
		cert:    cert,
		key:     key,
		certPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		keyPEM:  keyPEM,
	}, nil
}

// write stores the certificate and the key in two PEM files.
func (kp *keyPair) write(certFile, keyFile string) error {
	if err := os.MkdirAll(filepath.Dir(certFile), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(certFile, kp.certPEM, 0o644); err != nil {
		return err
	}
	return os.WriteFile(keyFile, kp.keyPEM, 0o600)
}

// pki is everything generated for one run of the cluster.
type pki struct {
	ca, apiserver, admin, kcm *keyPair
	webhookCA, webhook        *keyPair
}

// generatePKI creates the cluster CA and its certificates, the service
// account key pair and the separate webhook CA and serving certificate, and
// writes them under .state/certs.
func generatePKI(l layout) (*pki, error) {
	var p pki
	var err error
	loopback := []net.IP{net.ParseIP("127.0.0.1")}
	steps := []struct {
		what string
		do   func() error
	}{
		{"cluster CA", func() error { p.ca, err = newCA("prodready-local-ca"); return err }},
		{"apiserver certificate", func() error {
			p.apiserver, err = issue(p.ca, certSpec{
				cn:     "kube-apiserver",
				dns:    []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"},
				ips:    append(loopback, net.ParseIP("10.0.0.1")),
				server: true,
			})
			return err
		}},
		{"admin certificate", func() error {
			p.admin, err = issue(p.ca, certSpec{cn: "prodready-admin", orgs: []string{"system:masters"}, client: true})
			return err
		}},
		// Without --use-service-account-credentials the controller manager
		// acts as itself for every controller, so it needs more than the
		// system:kube-controller-manager role grants.
		{"kube-controller-manager certificate", func() error {
			p.kcm, err = issue(p.ca, certSpec{cn: "system:kube-controller-manager", orgs: []string{"system:masters"}, client: true})
			return err
		}},
		{"webhook CA", func() error { p.webhookCA, err = newCA("prodready-local-webhook-ca"); return err }},
		{"webhook certificate", func() error {
			p.webhook, err = issue(p.webhookCA, certSpec{cn: "127.0.0.1", dns: []string{"localhost"}, ips: loopback, server: true})
			return err
		}},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			return nil, fmt.Errorf("generating the %s: %w", s.what, err)
		}
	}
	if err := p.write(l); err != nil {
		return nil, fmt.Errorf("writing certificates to %s: %w", l.certs, err)
	}
	return &p, nil
}

func (p *pki) write(l layout) error {
	for _, f := range []struct {
		kp   *keyPair
		base string
	}{{p.ca, "ca"}, {p.apiserver, "apiserver"}, {p.admin, "admin"}, {p.kcm, "kube-controller-manager"}} {
		if err := f.kp.write(l.cert(f.base+".crt"), l.cert(f.base+".key")); err != nil {
			return err
		}
	}
	if err := p.webhook.write(filepath.Join(l.webhookCert, "tls.crt"), filepath.Join(l.webhookCert, "tls.key")); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(l.webhookCert, "ca.crt"), p.webhookCA.certPEM, 0o644); err != nil {
		return err
	}
	if err := os.MkdirAll(l.cert("apiserver"), 0o755); err != nil {
		return err
	}
	// The service account token signing key pair.
	key, keyPEM, err := newKey()
	if err != nil {
		return err
	}
	pubDER, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return err
	}
	if err := os.WriteFile(l.cert("service-account.key"), keyPEM, 0o600); err != nil {
		return err
	}
	return os.WriteFile(l.cert("service-account.pub"), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), 0o644)
}
