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

	"github.com/prometheus/client_golang/prometheus"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
	"github.com/prodready/prodready/internal/gather"
)

// ForgetDeletedPolicies drops a deleted policy's compiled form from the
// compiler and its series from prodready_admission_decisions_total, on
// every replica. The reconciler does the same on a NotFound, but it runs on
// the leader only; without this the other replicas, whose webhooks compile
// and count every policy too, would keep what tenants create and delete
// forever.
func ForgetDeletedPolicies(informers cache.Informers, compiler *gather.Compiler) error {
	for _, obj := range []client.Object{&prodreadyv1alpha1.ReadinessPolicy{}, &prodreadyv1alpha1.ClusterReadinessPolicy{}} {
		inf, err := informers.GetInformer(context.Background(), obj, cache.BlockUntilSynced(false))
		if err != nil {
			return fmt.Errorf("getting the informer for %T: %w", obj, err)
		}
		if _, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{DeleteFunc: func(o any) {
			if tomb, ok := o.(toolscache.DeletedFinalStateUnknown); ok {
				o = tomb.Obj
			}
			p, ok := o.(prodreadyv1alpha1.Policy)
			if !ok {
				return
			}
			key := gather.KeyOf(p)
			compiler.Forget(key)
			forgetAdmissionSeries(key)
		}}); err != nil {
			return fmt.Errorf("watching deletions of %T: %w", obj, err)
		}
	}
	return nil
}

func forgetAdmissionSeries(key gather.PolicyKey) {
	admissionDecisions.DeletePartialMatch(prometheus.Labels{"policy": key.String()})
}
