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

package controller

import (
	"reflect"
	"strconv"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func internDeployment(name, cpu, mem string, annotations map[string]string) *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", Labels: map[string]string{"app": name}},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}, Annotations: annotations},
				Spec: corev1.PodSpec{
					InitContainers: []corev1.Container{{Name: "init", Resources: corev1.ResourceRequirements{
						Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu)},
					}}},
					Containers: []corev1.Container{{Name: "app", Resources: corev1.ResourceRequirements{
						Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(mem)},
						Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse(mem)},
					}}},
				},
			},
		},
	}
}

func sameMap(a, b any) bool {
	return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
}

func TestInternerSharesEqualMapsAndKeepsContent(t *testing.T) {
	in := newInterner()
	a := internDeployment("a", "50m", "64Mi", map[string]string{"prometheus.io/scrape": "true"})
	b := internDeployment("b", "50m", "64Mi", map[string]string{"prometheus.io/scrape": "true"})
	wantA, wantB := a.DeepCopy(), b.DeepCopy()
	a, b = in.deployment(a), in.deployment(b)
	if !equality.Semantic.DeepEqual(a, wantA) || !equality.Semantic.DeepEqual(b, wantB) {
		t.Fatalf("interning changed a Deployment:\n%+v\nwant\n%+v", a.Spec.Template, wantA.Spec.Template)
	}
	ca, cb := a.Spec.Template.Spec.Containers[0].Resources, b.Spec.Template.Spec.Containers[0].Resources
	for name, pair := range map[string][2]any{
		"requests":                        {ca.Requests, cb.Requests},
		"limits":                          {ca.Limits, cb.Limits},
		"init requests":                   {a.Spec.Template.Spec.InitContainers[0].Resources.Requests, b.Spec.Template.Spec.InitContainers[0].Resources.Requests},
		"template annotations":            {a.Spec.Template.Annotations, b.Spec.Template.Annotations},
		"a: template labels and selector": {a.Spec.Template.Labels, a.Spec.Selector.MatchLabels},
	} {
		if !sameMap(pair[0], pair[1]) {
			t.Errorf("%s: equal maps are not shared", name)
		}
	}
	if sameMap(a.Spec.Template.Labels, b.Spec.Template.Labels) {
		t.Errorf("different template labels share one map")
	}
}

func TestInternerKeepsDifferentMapsApart(t *testing.T) {
	in := newInterner()
	for name, other := range map[string]*appsv1.Deployment{
		"other quantity":   internDeployment("b", "100m", "64Mi", nil),
		"other format":     internDeployment("b", "50m", "67108864", nil),
		"other annotation": internDeployment("b", "50m", "64Mi", map[string]string{"x": "2"}),
	} {
		a := in.deployment(internDeployment("a", "50m", "64Mi", map[string]string{"x": "1"}))
		want := other.DeepCopy()
		b := in.deployment(other)
		if !equality.Semantic.DeepEqual(b, want) {
			t.Errorf("%s: interning changed the Deployment", name)
		}
		ra, rb := a.Spec.Template.Spec.Containers[0].Resources.Requests, b.Spec.Template.Spec.Containers[0].Resources.Requests
		if name != "other annotation" && sameMap(ra, rb) {
			t.Errorf("%s: %v and %v share one map", name, ra, rb)
		}
		if name == "other annotation" && sameMap(a.Spec.Template.Annotations, b.Spec.Template.Annotations) {
			t.Errorf("%s: different annotations share one map", name)
		}
	}
	// Zero reads "0" in every format; the format still tells them apart.
	z1, z2 := internDeployment("z1", "0", "0", nil), internDeployment("z2", "0", "0", nil)
	z2.Spec.Template.Spec.Containers[0].Resources.Limits[corev1.ResourceMemory] = *resource.NewQuantity(0, resource.BinarySI)
	z1, z2 = in.deployment(z1), in.deployment(z2)
	if l1, l2 := z1.Spec.Template.Spec.Containers[0].Resources.Limits, z2.Spec.Template.Spec.Containers[0].Resources.Limits; sameMap(l1, l2) {
		t.Errorf("zero quantities of formats %q and %q share one map", l1.Memory().Format, l2.Memory().Format)
	}
	// Template labels that differ from the selector keep their own map.
	d := internDeployment("c", "50m", "64Mi", nil)
	d.Spec.Template.Labels = map[string]string{"app": "c", "tier": "web"}
	if d = in.deployment(d); sameMap(d.Spec.Template.Labels, d.Spec.Selector.MatchLabels) || len(d.Spec.Template.Labels) != 2 {
		t.Errorf("template labels %v replaced by the selector's %v", d.Spec.Template.Labels, d.Spec.Selector.MatchLabels)
	}
}

func TestInternerIsBounded(t *testing.T) {
	in := newInterner()
	for i := range internMaxTable + 10 {
		in.deployment(internDeployment("a", strconv.Itoa(i+1), "64Mi", map[string]string{"checksum": strconv.Itoa(i)}))
	}
	if len(in.resources) > internMaxTable || len(in.strings) > internMaxTable {
		t.Errorf("tables grew to %d resource lists and %d string maps, bound %d", len(in.resources), len(in.strings), internMaxTable)
	}
	big := map[string]string{}
	for i := range internMaxEntries + 1 {
		big[strconv.Itoa(i)] = "v"
	}
	before := len(in.strings)
	in.deployment(internDeployment("a", "1", "64Mi", big))
	long := map[string]string{"k": string(make([]byte, internMaxKey+1))}
	in.deployment(internDeployment("a", "1", "64Mi", long))
	if len(in.strings) != before {
		t.Errorf("a map over %d entries or a key over %d bytes entered the table", internMaxEntries, internMaxKey)
	}
}
