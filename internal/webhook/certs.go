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
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/open-policy-agent/cert-controller/pkg/rotator"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
)

// The certificate rotator's permissions go into a role of their own,
// cert-rotator-role (config/rbac/cert_rotator_role_binding.yaml binds it), so
// that the cert-manager variant (config/certmanager), which runs without the
// rotator, can drop them whole. Writes are limited by resourceNames to the
// one Secret and the one ValidatingWebhookConfiguration prodready owns (the
// names config/default's namePrefix gives them); reading needs list and
// watch, which resourceNames cannot narrow.
//
// +kubebuilder:rbac:roleName=cert-rotator-role,groups="",namespace=prodready-system,resources=secrets,verbs=get;list;watch
// +kubebuilder:rbac:roleName=cert-rotator-role,groups="",namespace=prodready-system,resources=secrets,resourceNames=prodready-webhook-server-cert,verbs=update;patch
// +kubebuilder:rbac:roleName=cert-rotator-role,groups=admissionregistration.k8s.io,resources=validatingwebhookconfigurations,verbs=get;list;watch
// +kubebuilder:rbac:roleName=cert-rotator-role,groups=admissionregistration.k8s.io,resources=validatingwebhookconfigurations,resourceNames=prodready-validating-webhook-configuration,verbs=update;patch

// CertOptions says where the webhook's serving certificate comes from.
type CertOptions struct {
	// Dir holds tls.crt and tls.key.
	Dir string
	// Rotate generates a self-signed CA and serving certificate into the
	// Secret, keeps them renewed, and writes the CA into the webhook
	// configuration's caBundle. The Secret must already exist (the manifests
	// ship it empty) and be mounted at Dir; the rotator only updates it.
	// When false, something else (cert-manager, make up) must put the files
	// into Dir.
	Rotate bool
	// Namespace and SecretName locate the Secret holding the certificate.
	Namespace, SecretName string
	// ServiceName is the webhook Service; the certificate is issued for
	// <service>.<namespace>.svc.
	ServiceName string
	// WebhookConfigName is the ValidatingWebhookConfiguration to inject the
	// CA into.
	WebhookConfigName string
}

// Starter registers the webhooks once the serving certificate is in place,
// and reports readiness: not ready until the certificate exists, the
// webhook server serves TLS and the informers the webhooks read have synced.
type Starter struct {
	opts     CertOptions
	register func() error
	ready    chan struct{}
	started  atomic.Pointer[healthz.Checker]
	synced   atomic.Pointer[func() error]
	mgr      ctrl.Manager
}

// NewStarter sets up certificate handling on the manager. register is
// called once the certificate files exist; it must register the webhooks.
func NewStarter(mgr ctrl.Manager, opts CertOptions, register func() error) (*Starter, error) {
	s := &Starter{opts: opts, register: register, ready: make(chan struct{}), mgr: mgr}
	if !opts.Rotate {
		return s, nil
	}
	err := rotator.AddRotator(mgr, &rotator.CertRotator{
		SecretKey:             types.NamespacedName{Namespace: opts.Namespace, Name: opts.SecretName},
		CertDir:               opts.Dir,
		CAName:                "prodready-ca",
		CAOrganization:        "prodready",
		DNSName:               fmt.Sprintf("%s.%s.svc", opts.ServiceName, opts.Namespace),
		ExtraDNSNames:         []string{fmt.Sprintf("%s.%s.svc.cluster.local", opts.ServiceName, opts.Namespace)},
		IsReady:               s.ready,
		Webhooks:              []rotator.WebhookInfo{{Name: opts.WebhookConfigName, Type: rotator.Validating}},
		RequireLeaderElection: false, // every replica serves admission and needs the files
	})
	if err != nil {
		return nil, fmt.Errorf("setting up webhook certificate rotation: %w", err)
	}
	return s, nil
}

// Start waits for the certificate and registers the webhooks. It runs until
// ctx ends, logging every few seconds what it is waiting for.
func (s *Starter) Start(ctx context.Context) error {
	log := ctrl.LoggerFrom(ctx).WithName("webhook-certs")
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for !s.certsPresent() {
		select {
		case <-ctx.Done():
			return nil
		case <-s.ready:
		case <-tick.C:
			if s.opts.Rotate {
				log.Info("Waiting for the webhook certificate; the rotator fills the Secret and the kubelet copies it into the mounted directory (up to about a minute)",
					"secret", s.opts.Namespace+"/"+s.opts.SecretName, "dir", s.opts.Dir)
			} else {
				log.Info("Waiting for the webhook certificate files; provide tls.crt and tls.key (e.g. cert-manager's Secret mounted there) or run with --cert-rotation",
					"dir", s.opts.Dir)
			}
		}
	}
	if err := s.register(); err != nil {
		return fmt.Errorf("registering webhooks: %w", err)
	}
	synced, err := CacheSynced(s.mgr.GetCache())
	if err != nil {
		return err
	}
	s.synced.Store(&synced)
	checker := s.mgr.GetWebhookServer().StartedChecker()
	s.started.Store(&checker)
	log.Info("Webhook certificate in place; serving admission", "dir", s.opts.Dir)
	<-ctx.Done()
	return nil
}

// NeedLeaderElection is false: every replica serves admission.
func (s *Starter) NeedLeaderElection() bool { return false }

func (s *Starter) certsPresent() bool {
	for _, f := range []string{"tls.crt", "tls.key"} {
		if st, err := os.Stat(filepath.Join(s.opts.Dir, f)); err != nil || st.Size() == 0 {
			return false
		}
	}
	return true
}

// ReadyCheck fails until the webhook server serves with its certificate and
// every informer the webhooks read has synced, so that no review is answered
// from a cold cache.
func (s *Starter) ReadyCheck(req *http.Request) error {
	c := s.started.Load()
	if c == nil {
		return errors.New("webhook certificate not in place yet (see the webhook-certs log lines)")
	}
	if err := (*c)(req); err != nil {
		return err
	}
	return (*s.synced.Load())()
}
