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

// Package gather reads what the rule engine needs from the cluster (in
// practice from the manager's informer cache) and keeps each policy compiled
// once per generation. The controller and the admission webhook both use it,
// so they evaluate the same input with the same compiled policies.
package gather

import (
	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
)

// ServiceRoutingChanged passes Service creates and deletes, and updates that
// change which pods and ports the Service targets: the only Service changes
// a rule (shutdown.preStop) can see. The policy controllers and the report
// writer both watch Services through it.
func ServiceRoutingChanged() predicate.Predicate {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		o, ok1 := e.ObjectOld.(*corev1.Service)
		n, ok2 := e.ObjectNew.(*corev1.Service)
		if !ok1 || !ok2 {
			return true
		}
		return !equality.Semantic.DeepEqual(o.Spec.Selector, n.Spec.Selector) || !equality.Semantic.DeepEqual(o.Spec.Ports, n.Spec.Ports)
	}}
}

// PriorityChanged passes PriorityClass creates and deletes, and updates of
// the value or of globalDefault, the fields rule priority.class reads.
func PriorityChanged() predicate.Predicate {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		o, ok1 := e.ObjectOld.(*schedulingv1.PriorityClass)
		n, ok2 := e.ObjectNew.(*schedulingv1.PriorityClass)
		if !ok1 || !ok2 {
			return true
		}
		return o.Value != n.Value || o.GlobalDefault != n.GlobalDefault
	}}
}
