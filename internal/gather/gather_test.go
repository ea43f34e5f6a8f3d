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

package gather

import (
	"context"
	"fmt"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
)

// TestLoadListsOnlyWhatIsNeeded checks that each kind is listed only when a
// policy needs it, once, and from the right scope.
func TestLoadListsOnlyWhatIsNeeded(t *testing.T) {
	objs := []client.Object{
		&corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web"}},
		&corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "other", Name: "api"}},
		&policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web"}},
		&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1", Labels: map[string]string{"topology.kubernetes.io/zone": "a"}}},
		&schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: "high"}, Value: 1000},
	}
	var listed []string
	c := fake.NewClientBuilder().WithScheme(scheme.Scheme).WithObjects(objs...).WithInterceptorFuncs(interceptor.Funcs{
		List: func(ctx context.Context, c client.WithWatch, list client.ObjectList, opts ...client.ListOption) error {
			listed = append(listed, fmt.Sprintf("%T", list))
			return c.List(ctx, list, opts...)
		},
	}).Build()
	ctx := context.Background()

	o := &NamespaceObjects{}
	if err := o.Load(ctx, c, "shop", Needs{}); err != nil || len(listed) != 0 {
		t.Fatalf("Load with no needs: err=%v, listed %v", err, listed)
	}
	if err := o.Load(ctx, c, "shop", Needs{Services: true}); err != nil {
		t.Fatal(err)
	}
	if len(o.Services) != 1 || o.Services[0].Name != "web" || len(o.PodDisruptionBudgets) != 0 {
		t.Errorf("Services %v, PDBs %v: want only the Service of namespace shop", o.Services, o.PodDisruptionBudgets)
	}
	all := Needs{Replicas: true, Services: true, Nodes: true, PriorityClasses: true}
	if err := o.Load(ctx, c, "shop", all); err != nil {
		t.Fatal(err)
	}
	if err := o.Load(ctx, c, "shop", all); err != nil {
		t.Fatal(err)
	}
	want := []string{"*v1.ServiceList", "*v1.PodDisruptionBudgetList", "*v2.HorizontalPodAutoscalerList",
		"*v1.PartialObjectMetadataList", "*v1.PriorityClassList"}
	if !slices.Equal(listed, want) {
		t.Errorf("listed %v, want each kind once: %v", listed, want)
	}
	if len(o.Nodes) != 1 || o.Nodes[0].Labels["topology.kubernetes.io/zone"] != "a" || len(o.PriorityClasses) != 1 {
		t.Errorf("Nodes %v, PriorityClasses %v", o.Nodes, o.PriorityClasses)
	}
	in := o.Input(nil)
	if len(in.Services) != 1 || len(in.Nodes) != 1 || len(in.PriorityClasses) != 1 || len(in.PodDisruptionBudgets) != 1 {
		t.Errorf("Input does not carry every loaded kind: %+v", in)
	}

	shared := &NamespaceObjects{}
	shared.ShareCluster(o)
	listed = nil
	if err := shared.LoadCluster(ctx, c, all); err != nil || len(listed) != 0 {
		t.Errorf("LoadCluster after ShareCluster listed %v (err %v), want nothing", listed, err)
	}
}
