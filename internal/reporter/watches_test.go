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

package reporter

import (
	"context"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
	"github.com/prodready/prodready/internal/gather"
	"github.com/prodready/prodready/internal/testutil"
)

// mapFixture: in namespace "a" a policy with shutdown.preStop and
// spread.zones (zone key "zone") selects app=web; a cluster policy with
// priority.class selects app=api everywhere. Deployments a/web, a/other,
// b/web, b/api.
func mapFixture(t *testing.T) *Reconciler {
	t.Helper()
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	if err := prodreadyv1alpha1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	minimum := int32(10)
	objs := []client.Object{
		&prodreadyv1alpha1.ReadinessPolicy{
			ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "ops"},
			Spec: prodreadyv1alpha1.PolicySpec{
				Selector: &prodreadyv1alpha1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
				Rules: prodreadyv1alpha1.Rules{
					Shutdown: &prodreadyv1alpha1.ShutdownRules{PreStop: prodreadyv1alpha1.RequirementRequired},
					Spread:   &prodreadyv1alpha1.SpreadRules{Zones: prodreadyv1alpha1.SpreadRequired, ZoneKey: "zone"},
				},
			},
		},
		&prodreadyv1alpha1.ClusterReadinessPolicy{
			ObjectMeta: metav1.ObjectMeta{Name: "prio"},
			Spec: prodreadyv1alpha1.ClusterReadinessPolicySpec{PolicySpec: prodreadyv1alpha1.PolicySpec{
				Selector: &prodreadyv1alpha1.LabelSelector{MatchLabels: map[string]string{"app": "api"}},
				Rules:    prodreadyv1alpha1.Rules{Priority: &prodreadyv1alpha1.PriorityRules{Minimum: &minimum}},
			}},
		},
	}
	for _, nn := range [][2]string{{"a", "web"}, {"a", "other"}, {"b", "web"}, {"b", "api"}} {
		objs = append(objs, testutil.CompliantDeployment(nn[0], nn[1], 2))
	}
	c := fake.NewClientBuilder().WithScheme(s).WithObjects(objs...).Build()
	return &Reconciler{Client: c, Compiler: gather.NewCompiler()}
}

func names(reqs []reconcile.Request) []string {
	out := make([]string, 0, len(reqs))
	for _, r := range reqs {
		out = append(out, r.String())
	}
	slices.Sort(out)
	return out
}

func TestMapService(t *testing.T) {
	r := mapFixture(t)
	svc := func(ns string, sel map[string]string) *corev1.Service {
		return &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "s"}, Spec: corev1.ServiceSpec{Selector: sel}}
	}
	cases := map[string]struct {
		svc  *corev1.Service
		want []string
	}{
		"selects a policed Deployment's pods":    {svc("a", map[string]string{"app": "web"}), []string{"a/web"}},
		"selects pods no preStop policy selects": {svc("a", map[string]string{"app": "other"}), []string{}},
		"namespace without a preStop policy":     {svc("b", map[string]string{"app": "web"}), []string{}},
		"no selector":                            {svc("a", nil), []string{}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := names(r.mapService(context.Background(), tc.svc)); !slices.Equal(got, tc.want) {
				t.Errorf("mapService = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestMapPriorityClass(t *testing.T) {
	r := mapFixture(t)
	if got, want := names(r.mapPriorityClass(context.Background(), nil)), []string{"b/api"}; !slices.Equal(got, want) {
		t.Errorf("mapPriorityClass = %v, want %v", got, want)
	}
}

type queue = workqueue.TypedRateLimitingInterface[reconcile.Request]

func TestNodeHandler(t *testing.T) {
	r := mapFixture(t)
	node := func(lbls map[string]string) *metav1.PartialObjectMetadata {
		return &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Name: "n", Labels: lbls}}
	}
	cases := map[string]struct {
		ev   func(h handler.EventHandler, q queue)
		want []string
	}{
		"a node in a zone joins": {func(h handler.EventHandler, q queue) {
			h.Create(context.Background(), event.CreateEvent{Object: node(map[string]string{"zone": "z1"})}, q)
		}, []string{"a/web"}},
		"a node without the zone key joins": {func(h handler.EventHandler, q queue) {
			h.Create(context.Background(), event.CreateEvent{Object: node(map[string]string{"other": "x"})}, q)
		}, []string{}},
		"a node changes zone": {func(h handler.EventHandler, q queue) {
			h.Update(context.Background(), event.UpdateEvent{ObjectOld: node(map[string]string{"zone": "z1"}), ObjectNew: node(map[string]string{"zone": "z2"})}, q)
		}, []string{"a/web"}},
		"an unrelated label changes": {func(h handler.EventHandler, q queue) {
			h.Update(context.Background(), event.UpdateEvent{
				ObjectOld: node(map[string]string{"zone": "z1", "x": "1"}), ObjectNew: node(map[string]string{"zone": "z1", "x": "2"}),
			}, q)
		}, []string{}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			q := workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[reconcile.Request]())
			defer q.ShutDown()
			tc.ev(r.nodeHandler(), q)
			var got []reconcile.Request
			for q.Len() > 0 {
				item, _ := q.Get()
				got = append(got, item)
				q.Done(item)
			}
			if n := names(got); !slices.Equal(n, tc.want) {
				t.Errorf("enqueued %v, want %v", n, tc.want)
			}
		})
	}
}
