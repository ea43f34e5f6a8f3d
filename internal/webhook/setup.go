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
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
	"github.com/prodready/prodready/internal/gather"
)

// cachedKinds are the kinds the webhooks read, all from the manager's cache.
func cachedKinds() []client.Object {
	return []client.Object{
		&appsv1.Deployment{}, &policyv1.PodDisruptionBudget{}, &autoscalingv2.HorizontalPodAutoscaler{},
		&corev1.Namespace{}, &prodreadyv1alpha1.ReadinessPolicy{}, &prodreadyv1alpha1.ClusterReadinessPolicy{},
	}
}

// SetupWithManager registers the Deployment and policy webhooks on the
// manager's webhook server. Every replica serves them; no leader is needed.
//
// It also registers the cache's informers for every kind the webhooks read,
// without waiting for them: informers otherwise start on the first read,
// and on a replica that is not the leader (whose controllers have not
// started them) the first review would wait for a full LIST, which in a
// large cluster outlasts the webhook timeout. WaitForCache reports when they
// have synced.
func SetupWithManager(mgr ctrl.Manager, compiler *gather.Compiler, clk clock.PassiveClock) error {
	if clk == nil {
		clk = clock.RealClock{}
	}
	reader := mgr.GetCache()
	if _, err := informers(reader); err != nil {
		return err
	}
	// The Deployment webhook decodes its reviews itself (DeploymentHandler),
	// on the manager's webhook server, which serves TLS and instruments it.
	mgr.GetWebhookServer().Register(DeploymentPath, NewDeploymentHandler(&DeploymentValidator{Reader: reader, Compiler: compiler, Clock: clk}))
	if err := ctrl.NewWebhookManagedBy(mgr, &prodreadyv1alpha1.ReadinessPolicy{}).
		WithValidator(&PolicyValidator[*prodreadyv1alpha1.ReadinessPolicy]{Reader: reader}).
		Complete(); err != nil {
		return err
	}
	return ctrl.NewWebhookManagedBy(mgr, &prodreadyv1alpha1.ClusterReadinessPolicy{}).
		WithValidator(&PolicyValidator[*prodreadyv1alpha1.ClusterReadinessPolicy]{Reader: reader}).
		Complete()
}

func informers(c cache.Informers) ([]cache.Informer, error) {
	var out []cache.Informer
	for _, obj := range cachedKinds() {
		inf, err := c.GetInformer(context.Background(), obj, cache.BlockUntilSynced(false))
		if err != nil {
			return nil, fmt.Errorf("starting the informer for %T: %w", obj, err)
		}
		out = append(out, inf)
	}
	return out, nil
}

// CacheSynced returns a readiness check that fails until the informers of
// every kind the webhooks read have synced, naming the ones still syncing.
func CacheSynced(c cache.Informers) (func() error, error) {
	infs, err := informers(c)
	if err != nil {
		return nil, err
	}
	kinds := cachedKinds()
	return func() error {
		var waiting []string
		for i, inf := range infs {
			if !inf.HasSynced() {
				waiting = append(waiting, fmt.Sprintf("%T", kinds[i]))
			}
		}
		if len(waiting) > 0 {
			return fmt.Errorf("informer cache not synced yet for %s", strings.Join(waiting, ", "))
		}
		return nil
	}, nil
}
