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

package readiness

import (
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The Trim functions keep, of each object the rules read, only the fields
// some rule reads, plus the identity a caller needs to write Events and
// Reports about it (name, namespace, UID, resourceVersion, generation,
// labels, creation and deletion timestamps). The operator's informer cache
// applies them as transforms, so it holds a fraction of each object; the
// tests in trim_test.go evaluate every fixture with every rule before and
// after trimming and fail when a rule reads a field a Trim drops.
//
// They build a new object that shares the kept fields' maps, slices and
// pointers with the input: the input must not be modified afterwards (an
// informer's freshly decoded object never is).

// trimMeta keeps an object's identity and labels; annotations (kubectl's
// last-applied copy among them), owner references, finalizers and
// managedFields are dropped.
func trimMeta(m *metav1.ObjectMeta) metav1.ObjectMeta {
	return metav1.ObjectMeta{
		Name:              m.Name,
		Namespace:         m.Namespace,
		UID:               m.UID,
		ResourceVersion:   m.ResourceVersion,
		Generation:        m.Generation,
		Labels:            m.Labels,
		CreationTimestamp: m.CreationTimestamp,
		DeletionTimestamp: m.DeletionTimestamp,
	}
}

// TrimDeployment returns the part of a Deployment the rules read: its
// identity and labels; the replica count, selector, strategy and rollout
// settings; the pod template's labels and annotations; the containers' and
// init containers' names, images, ports, probes, resources, lifecycle and
// restart policy; and the pod's grace period, priority, topology spread
// constraints, affinity, node name and node selector. Env, volumes, commands,
// arguments, security contexts, the status and the rest are dropped.
func TrimDeployment(d *appsv1.Deployment) *appsv1.Deployment {
	s := &d.Spec
	ps := &s.Template.Spec
	return &appsv1.Deployment{
		TypeMeta:   d.TypeMeta,
		ObjectMeta: trimMeta(&d.ObjectMeta),
		Spec: appsv1.DeploymentSpec{
			Replicas:                s.Replicas,
			Selector:                s.Selector,
			Strategy:                s.Strategy,
			MinReadySeconds:         s.MinReadySeconds,
			RevisionHistoryLimit:    s.RevisionHistoryLimit,
			Paused:                  s.Paused,
			ProgressDeadlineSeconds: s.ProgressDeadlineSeconds,
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{
					Labels:      s.Template.Labels,
					Annotations: s.Template.Annotations,
				},
				Spec: corev1.PodSpec{
					InitContainers:                trimContainers(ps.InitContainers),
					Containers:                    trimContainers(ps.Containers),
					TerminationGracePeriodSeconds: ps.TerminationGracePeriodSeconds,
					NodeName:                      ps.NodeName,
					NodeSelector:                  ps.NodeSelector,
					Affinity:                      ps.Affinity,
					PriorityClassName:             ps.PriorityClassName,
					Priority:                      ps.Priority,
					TopologySpreadConstraints:     ps.TopologySpreadConstraints,
				},
			},
		},
	}
}

// trimContainers returns the containers with the fields the rules read.
func trimContainers(cs []corev1.Container) []corev1.Container {
	if cs == nil {
		return nil
	}
	out := make([]corev1.Container, len(cs))
	for i := range cs {
		c := &cs[i]
		out[i] = corev1.Container{
			Name:           c.Name,
			Image:          c.Image,
			Ports:          c.Ports,
			Resources:      c.Resources,
			RestartPolicy:  c.RestartPolicy,
			LivenessProbe:  c.LivenessProbe,
			ReadinessProbe: c.ReadinessProbe,
			StartupProbe:   c.StartupProbe,
			Lifecycle:      c.Lifecycle,
		}
	}
	return out
}

// TrimPodDisruptionBudget returns a PodDisruptionBudget's identity and spec;
// the status (its conditions and the map of disrupted pods) is dropped.
func TrimPodDisruptionBudget(p *policyv1.PodDisruptionBudget) *policyv1.PodDisruptionBudget {
	return &policyv1.PodDisruptionBudget{TypeMeta: p.TypeMeta, ObjectMeta: trimMeta(&p.ObjectMeta), Spec: p.Spec}
}

// TrimHorizontalPodAutoscaler returns an HPA's identity, scale target and
// replica bounds; metrics, behavior and status are dropped.
func TrimHorizontalPodAutoscaler(h *autoscalingv2.HorizontalPodAutoscaler) *autoscalingv2.HorizontalPodAutoscaler {
	return &autoscalingv2.HorizontalPodAutoscaler{
		TypeMeta:   h.TypeMeta,
		ObjectMeta: trimMeta(&h.ObjectMeta),
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: h.Spec.ScaleTargetRef,
			MinReplicas:    h.Spec.MinReplicas,
			MaxReplicas:    h.Spec.MaxReplicas,
		},
	}
}

// TrimService returns a Service's identity, selector and ports; its type,
// cluster IPs, status and the rest are dropped.
func TrimService(s *corev1.Service) *corev1.Service {
	return &corev1.Service{
		TypeMeta:   s.TypeMeta,
		ObjectMeta: trimMeta(&s.ObjectMeta),
		Spec:       corev1.ServiceSpec{Selector: s.Spec.Selector, Ports: s.Spec.Ports},
	}
}
