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
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
	"github.com/prodready/prodready/internal/testutil"
)

func testScheme(t *testing.T) *runtime.Scheme {
	t.Helper()
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	if err := prodreadyv1alpha1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	return s
}

func rpol(ns, name string, gen int64, mutate ...func(*prodreadyv1alpha1.PolicySpec)) *prodreadyv1alpha1.ReadinessPolicy {
	p := &prodreadyv1alpha1.ReadinessPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID(ns + "/" + name), Generation: gen},
		Spec:       prodreadyv1alpha1.PolicySpec{Rules: testutil.FullRules()},
	}
	for _, m := range mutate {
		m(&p.Spec)
	}
	return p
}

func crpol(name string, nsSel *prodreadyv1alpha1.LabelSelector, mutate ...func(*prodreadyv1alpha1.PolicySpec)) *prodreadyv1alpha1.ClusterReadinessPolicy {
	p := &prodreadyv1alpha1.ClusterReadinessPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: name, UID: types.UID(name), Generation: 1},
		Spec: prodreadyv1alpha1.ClusterReadinessPolicySpec{
			PolicySpec: prodreadyv1alpha1.PolicySpec{Rules: testutil.FullRules()}, NamespaceSelector: nsSel,
		},
	}
	for _, m := range mutate {
		m(&p.Spec.PolicySpec)
	}
	return p
}

func badRegex(s *prodreadyv1alpha1.PolicySpec) {
	s.Rules.Metrics.Annotations = []prodreadyv1alpha1.AnnotationRequirement{{Key: "prometheus.io/port", Value: "[0-9"}}
}

func TestPolicyKeyString(t *testing.T) {
	for key, want := range map[PolicyKey]string{
		{NamespacedName: types.NamespacedName{Namespace: "shop", Name: "baseline"}}: "ReadinessPolicy/shop/baseline",
		{Cluster: true, NamespacedName: types.NamespacedName{Name: "probes"}}:       "ClusterReadinessPolicy/probes",
	} {
		if got := key.String(); got != want {
			t.Errorf("%#v.String() = %q, want %q", key, got, want)
		}
	}
	if k := KeyOf(crpol("probes", nil)); !k.Cluster || k.Name != "probes" || k.Namespace != "" {
		t.Errorf("KeyOf(cluster policy) = %#v", k)
	}
	if k := KeyOf(rpol("shop", "baseline", 1)); k.Cluster || k.Namespace != "shop" || k.Name != "baseline" {
		t.Errorf("KeyOf(namespaced policy) = %#v", k)
	}
}

func TestCompilerCachesPerUIDAndGeneration(t *testing.T) {
	c := NewCompiler()
	p := rpol("shop", "baseline", 1)
	first, err := c.Compile(p)
	if err != nil || first == nil {
		t.Fatalf("Compile = %v, %v", first, err)
	}
	if again, _ := c.Compile(p.DeepCopy()); again != first {
		t.Error("the same generation was compiled again")
	}

	next := p.DeepCopy()
	next.Generation = 2
	next.Spec.Enforcement = prodreadyv1alpha1.EnforcementEnforce
	second, err := c.Compile(next)
	if err != nil {
		t.Fatal(err)
	}
	if second == first || second.Enforcement() != prodreadyv1alpha1.EnforcementEnforce {
		t.Error("a new generation was not recompiled")
	}

	recreated := next.DeepCopy()
	recreated.UID = "new-uid"
	recreated.Spec.Enforcement = prodreadyv1alpha1.EnforcementWarn
	if third, _ := c.Compile(recreated); third == second || third.Enforcement() != prodreadyv1alpha1.EnforcementWarn {
		t.Error("a policy recreated under the same name and generation was served from the cache")
	}

	c.Forget(KeyOf(recreated))
	if after, _ := c.Compile(recreated); after == nil || after == second {
		t.Error("Forget did not drop the entry")
	}

	cluster := crpol("baseline", nil)
	cluster.Namespace = ""
	cp, err := c.Compile(cluster)
	if err != nil || cp == nil {
		t.Fatalf("Compile(cluster) = %v, %v", cp, err)
	}
	if np, _ := c.Compile(recreated); np == cp {
		t.Error("a cluster policy and a namespaced one share a cache entry")
	}
}

func TestCompilerCachesErrors(t *testing.T) {
	c := NewCompiler()
	p := rpol("shop", "bad", 1, badRegex)
	pol, err := c.Compile(p)
	if err == nil || pol != nil {
		t.Fatalf("Compile = %v, %v; want an error", pol, err)
	}
	if !strings.Contains(err.Error(), "spec.rules.metrics.annotations[0].value") {
		t.Errorf("error %q does not name the field", err)
	}
	_, again := c.Compile(p)
	if again == nil || again.Error() != err.Error() {
		t.Errorf("cached error = %v, want %v", again, err)
	}
}

func TestCompilerIsSafeForConcurrentUse(t *testing.T) {
	c := NewCompiler()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for g := range 20 {
				p := rpol("shop", "baseline", int64(g%3+1))
				if _, err := c.Compile(p); err != nil {
					t.Error(err)
				}
				if i%2 == 0 {
					c.Forget(KeyOf(p))
				}
			}
		}()
	}
	wg.Wait()
}

func names(cs []Candidate) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Key.String())
	}
	slices.Sort(out)
	return out
}

func TestPoliciesInScope(t *testing.T) {
	prod := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop", Labels: map[string]string{"env": "production"}}}
	dev := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "lab", Labels: map[string]string{"env": "dev"}}}
	objs := []client.Object{
		prod, dev,
		rpol("shop", "baseline", 1),
		rpol("shop", "broken", 1, badRegex),
		rpol("lab", "other", 1),
		crpol("everywhere", nil),
		crpol("production", &prodreadyv1alpha1.LabelSelector{MatchLabels: map[string]string{"env": "production"}}),
		crpol("broken-cluster", nil, badRegex),
	}
	c := fake.NewClientBuilder().WithScheme(testScheme(t)).WithObjects(objs...).Build()
	tests := map[string]struct {
		namespace string
		scope     Scope
		want      []string
	}{
		"namespaced only": {"shop", Namespaced, []string{"ReadinessPolicy/shop/baseline"}},
		"cluster only, selected namespace": {"shop", Cluster,
			[]string{"ClusterReadinessPolicy/everywhere", "ClusterReadinessPolicy/production"}},
		"cluster only, unselected namespace": {"lab", Cluster, []string{"ClusterReadinessPolicy/everywhere"}},
		"all":                                {"shop", All, []string{"ClusterReadinessPolicy/everywhere", "ClusterReadinessPolicy/production", "ReadinessPolicy/shop/baseline"}},
		// A namespace the cache does not know yet has no labels: only
		// cluster policies without a namespace selector apply.
		"unknown namespace": {"new", All, []string{"ClusterReadinessPolicy/everywhere"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := PoliciesInScope(context.Background(), c, NewCompiler(), tc.namespace, tc.scope)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(names(got), tc.want) {
				t.Errorf("got %q, want %q", names(got), tc.want)
			}
			for _, cand := range got {
				if cand.Compiled == nil {
					t.Errorf("%s has no compiled policy", cand.Key)
				}
			}
		})
	}
}

var errCache = errors.New("cache is not synced")

// failing returns a fake client whose List (or Get) fails for one kind.
func failing(t *testing.T, kind string, get bool, objs ...client.Object) client.Client {
	s := testScheme(t)
	gvkOf := func(o runtime.Object) schema.GroupVersionKind {
		gvks, _, err := s.ObjectKinds(o)
		if err != nil {
			t.Fatal(err)
		}
		return gvks[0]
	}
	return fake.NewClientBuilder().WithScheme(s).WithObjects(objs...).WithInterceptorFuncs(interceptor.Funcs{
		List: func(ctx context.Context, c client.WithWatch, list client.ObjectList, opts ...client.ListOption) error {
			if !get && strings.TrimSuffix(gvkOf(list).Kind, "List") == kind {
				return errCache
			}
			return c.List(ctx, list, opts...)
		},
		Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
			if get && gvkOf(obj).Kind == kind {
				return errCache
			}
			return c.Get(ctx, key, obj, opts...)
		},
	}).Build()
}

func TestPoliciesInScopeReportsReadErrors(t *testing.T) {
	selecting := crpol("production", &prodreadyv1alpha1.LabelSelector{MatchLabels: map[string]string{"env": "production"}})
	tests := map[string]struct {
		c       client.Client
		scope   Scope
		wantErr string
	}{
		"listing ReadinessPolicies": {failing(t, "ReadinessPolicy", false), All, `listing ReadinessPolicies in "shop"`},
		"listing ClusterReadinessPolicies": {failing(t, "ClusterReadinessPolicy", false), Cluster,
			"listing ClusterReadinessPolicies"},
		"reading the Namespace": {failing(t, "Namespace", true, selecting), All, `reading Namespace "shop"`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := PoliciesInScope(context.Background(), tc.c, NewCompiler(), "shop", tc.scope)
			if !errors.Is(err, errCache) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want %q wrapping %v", err, tc.wantErr, errCache)
			}
			if got != nil {
				t.Errorf("returned %d candidates with the error", len(got))
			}
		})
	}
	t.Run("a missing Namespace is no error", func(t *testing.T) {
		c := fake.NewClientBuilder().WithScheme(testScheme(t)).WithObjects(selecting).WithInterceptorFuncs(interceptor.Funcs{
			Get: func(_ context.Context, _ client.WithWatch, key client.ObjectKey, _ client.Object, _ ...client.GetOption) error {
				return apierrors.NewNotFound(schema.GroupResource{Resource: "namespaces"}, key.Name)
			},
		}).Build()
		got, err := PoliciesInScope(context.Background(), c, NewCompiler(), "shop", All)
		if err != nil || len(got) != 0 {
			t.Fatalf("got %v, %v; want no candidates and no error", names(got), err)
		}
	})
}

func TestListNamespaceObjects(t *testing.T) {
	pdb := &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web"}}
	hpa := &autoscalingv2.HorizontalPodAutoscaler{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web"}}
	elsewhere := &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Namespace: "lab", Name: "web"}}
	c := fake.NewClientBuilder().WithScheme(testScheme(t)).WithObjects(pdb, hpa, elsewhere).Build()
	objs, err := ListNamespaceObjects(context.Background(), c, "shop")
	if err != nil {
		t.Fatal(err)
	}
	if len(objs.PodDisruptionBudgets) != 1 || objs.PodDisruptionBudgets[0].Name != "web" || len(objs.HorizontalPodAutoscalers) != 1 {
		t.Fatalf("got %d PDBs, %d HPAs; want the namespace's one of each", len(objs.PodDisruptionBudgets), len(objs.HorizontalPodAutoscalers))
	}
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web"}}
	in := objs.Input(d)
	if in.Deployment != d || len(in.PodDisruptionBudgets) != 1 || len(in.HorizontalPodAutoscalers) != 1 {
		t.Errorf("Input = %+v", in)
	}

	for kind, want := range map[string]string{
		"PodDisruptionBudget":     `listing PodDisruptionBudgets in "shop"`,
		"HorizontalPodAutoscaler": `listing HorizontalPodAutoscalers in "shop"`,
	} {
		_, err := ListNamespaceObjects(context.Background(), failing(t, kind, false), "shop")
		if !errors.Is(err, errCache) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", kind, err, want)
		}
	}
}
