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
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
	"github.com/prodready/prodready/internal/gather"
)

// SetupWithManager registers the Deployment and policy webhooks on the
// manager's webhook server. Every replica serves them; no leader is needed.
func SetupWithManager(mgr ctrl.Manager, compiler *gather.Compiler, clk clock.PassiveClock) error {
	if clk == nil {
		clk = clock.RealClock{}
	}
	reader := mgr.GetCache()
	if err := ctrl.NewWebhookManagedBy(mgr, &appsv1.Deployment{}).
		WithValidator(&DeploymentValidator{Reader: reader, Compiler: compiler, Clock: clk}).
		Complete(); err != nil {
		return err
	}
	if err := ctrl.NewWebhookManagedBy(mgr, &prodreadyv1alpha1.ReadinessPolicy{}).
		WithValidator(&PolicyValidator[*prodreadyv1alpha1.ReadinessPolicy]{Reader: reader}).
		Complete(); err != nil {
		return err
	}
	return ctrl.NewWebhookManagedBy(mgr, &prodreadyv1alpha1.ClusterReadinessPolicy{}).
		WithValidator(&PolicyValidator[*prodreadyv1alpha1.ClusterReadinessPolicy]{Reader: reader}).
		Complete()
}
