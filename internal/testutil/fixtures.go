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

// Package testutil holds fixtures shared by the envtest suites.
package testutil

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
)

// CompliantDeployment returns a Deployment that passes FullRules: distinct
// readiness and liveness probes, cpu and memory requests, a memory limit and
// the prometheus.io/scrape annotation. Its labels are app=<name>, tier=web.
func CompliantDeployment(ns, name string, replicas int32) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	probe := func(failures int32) *corev1.Probe {
		return &corev1.Probe{
			ProbeHandler:     corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/ready", Port: intstr.FromInt32(8080)}},
			FailureThreshold: failures,
		}
	}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{"app": name, "tier": "web"}},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels, Annotations: map[string]string{"prometheus.io/scrape": "true"}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name:           "app",
					Image:          "registry.example/app:1.0",
					ReadinessProbe: probe(3),
					LivenessProbe:  probe(6),
					Resources: corev1.ResourceRequirements{
						Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("64Mi")},
						Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("128Mi")},
					},
				}}},
			},
		},
	}
}

// FullRules requires distinct readiness and liveness probes, cpu and memory
// requests, a memory limit and prometheus.io/scrape: "true".
func FullRules() prodreadyv1alpha1.Rules {
	return prodreadyv1alpha1.Rules{
		Probes: &prodreadyv1alpha1.ProbeRules{
			Readiness: prodreadyv1alpha1.RequirementRequired, Liveness: prodreadyv1alpha1.RequirementRequired, Distinct: true,
		},
		Resources: &prodreadyv1alpha1.ResourceRules{
			Requests: []prodreadyv1alpha1.ResourceName{"cpu", "memory"},
			Limits:   []prodreadyv1alpha1.ResourceName{"memory"},
		},
		Metrics: &prodreadyv1alpha1.MetricsRules{Annotations: []prodreadyv1alpha1.AnnotationRequirement{{Key: "prometheus.io/scrape", Value: "true"}}},
	}
}
