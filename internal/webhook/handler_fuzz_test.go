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
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
	sigsjson "sigs.k8s.io/json"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
	"github.com/prodready/prodready/internal/gather"
	"github.com/prodready/prodready/internal/readiness"
	"github.com/prodready/prodready/internal/testutil"
)

// strictPolicy is an Enforce policy in namespace "shop" with every rule
// but the HPA ones: probes, resources, the scrape annotation, two replicas
// and a PodDisruptionBudget that allows disruption.
func strictPolicy() *prodreadyv1alpha1.ReadinessPolicy {
	rules := testutil.FullRules()
	rules.Replicas = &prodreadyv1alpha1.ReplicaRules{Minimum: 2}
	rules.PodDisruptionBudget = &prodreadyv1alpha1.PodDisruptionBudgetRules{Required: true, AllowsDisruption: true}
	return &prodreadyv1alpha1.ReadinessPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "strict", UID: "1", Generation: 1},
		Spec:       prodreadyv1alpha1.PolicySpec{Enforcement: prodreadyv1alpha1.EnforcementEnforce, Rules: rules},
	}
}

// fuzzNow is the fake time every handler test evaluates at.
var fuzzNow = time.Unix(1_800_000_000, 0)

func testScheme(t testing.TB) *runtime.Scheme {
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

// newTestHandler serves the Deployment webhook over a fake client holding
// the given policies (strictPolicy when none) and namespace "shop".
func newTestHandler(t testing.TB, policies ...*prodreadyv1alpha1.ReadinessPolicy) http.Handler {
	t.Helper()
	if len(policies) == 0 {
		policies = []*prodreadyv1alpha1.ReadinessPolicy{strictPolicy()}
	}
	objs := []client.Object{&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}}}
	for _, p := range policies {
		objs = append(objs, p)
	}
	s := testScheme(t)
	c := fake.NewClientBuilder().WithScheme(s).WithObjects(objs...).Build()
	v := &DeploymentValidator{Reader: c, Compiler: gather.NewCompiler(), Clock: clocktesting.NewFakePassiveClock(fuzzNow)}
	return NewDeploymentHandler(v)
}

// review wraps a raw object (and old object) in an AdmissionReview body.
func review(op admissionv1.Operation, obj, old []byte) []byte {
	return reviewWithUID("fuzz", op, obj, old)
}

func reviewWithUID(uid types.UID, op admissionv1.Operation, obj, old []byte) []byte {
	return reviewIn("shop", uid, op, obj, old)
}

// reviewIn is review with the request's namespace.
func reviewIn(namespace string, uid types.UID, op admissionv1.Operation, obj, old []byte) []byte {
	r := admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request: &admissionv1.AdmissionRequest{
			UID:       uid,
			Kind:      metav1.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"},
			Resource:  metav1.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"},
			Namespace: namespace, Name: "web", Operation: op,
			Object:    runtime.RawExtension{Raw: obj},
			OldObject: runtime.RawExtension{Raw: old},
		},
	}
	b, err := json.Marshal(r)
	if err != nil {
		return nil
	}
	return b
}

// serve posts a body and checks the answer is always a well-formed response:
// either an HTTP error for an undecodable review, or an AdmissionReview with
// a response whose denial carries a message.
func serve(t *testing.T, h http.Handler, body []byte) *admissionv1.AdmissionResponse {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/validate-apps-v1-deployment", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out admissionv1.AdmissionReview
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || out.Response == nil {
		if rec.Code == http.StatusOK {
			t.Fatalf("status 200 without an AdmissionReview response: %q", rec.Body.String())
		}
		return nil
	}
	resp := out.Response
	if !resp.Allowed && (resp.Result == nil || resp.Result.Message == "") {
		t.Fatalf("denied without a message: %+v", resp)
	}
	return resp
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// deployment returns a compliant Deployment in "shop" changed by mutate.
func deployment(mutate ...func(*appsv1.Deployment)) *appsv1.Deployment {
	d := testutil.CompliantDeployment("shop", "web", 2)
	for _, m := range mutate {
		m(d)
	}
	return d
}

func noReadiness(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].ReadinessProbe = nil }
func noScrape(d *appsv1.Deployment)    { d.Spec.Template.Annotations = nil }
func image(tag string) func(*appsv1.Deployment) {
	return func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Image = "registry.example/app:" + tag }
}

func TestAdmissionHandlerVerdicts(t *testing.T) {
	h := newTestHandler(t)
	good := mustJSON(t, deployment())
	bad := mustJSON(t, deployment(noReadiness))
	noNamespace := mustJSON(t, deployment(noReadiness, func(d *appsv1.Deployment) { d.Namespace = "" }))
	elsewhere := mustJSON(t, deployment(noReadiness, func(d *appsv1.Deployment) { d.Namespace = "lab" }))
	tests := map[string]struct {
		body        []byte
		wantAllowed bool
		wantHTTPErr bool
		wantInMsg   string
	}{
		"object without namespace takes the request's": {body: reviewIn("shop", "u", admissionv1.Create, noNamespace, nil), wantInMsg: "probes.readiness"},
		"object without any namespace":                 {body: reviewIn("", "u", admissionv1.Create, noNamespace, nil), wantInMsg: "metadata.namespace"},
		"object's own namespace wins":                  {body: reviewIn("shop", "u", admissionv1.Create, elsewhere, nil), wantAllowed: true},
		"compliant create (pdb only warned)":           {body: review(admissionv1.Create, good, nil), wantAllowed: true},
		"missing probe denied":                         {body: review(admissionv1.Create, bad, nil), wantInMsg: "probes.readiness"},
		"update adding a violation":                    {body: review(admissionv1.Update, bad, good), wantInMsg: "probes.readiness"},
		"not JSON":                                     {body: []byte("{not json"), wantHTTPErr: true},
		"empty body":                                   {body: nil, wantHTTPErr: true},
		"review without request":                       {body: []byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}`), wantHTTPErr: true},
		"object is not a Deployment":                   {body: review(admissionv1.Create, []byte(`{"spec":{"replicas":"many"}}`), nil), wantInMsg: "decoding request.object"},
		"object is another kind":                       {body: review(admissionv1.Create, []byte(`{"apiVersion":"v1","kind":"Pod"}`), nil), wantInMsg: "request.object: unable to decode /v1, Kind=Pod"},
		"object is empty":                              {body: review(admissionv1.Create, nil, nil), wantInMsg: "no content to decode"},
		"update with garbage old object":               {body: review(admissionv1.Update, good, []byte(`[1,2]`)), wantInMsg: "decoding request.oldObject"},
		"v1beta1 review":                               {body: bytes.Replace(review(admissionv1.Create, good, nil), []byte("admission.k8s.io/v1"), []byte("admission.k8s.io/v1beta1"), 1), wantInMsg: "admission.k8s.io/v1 AdmissionReview only"},
		"unknown operation":                            {body: review("PATCH", good, nil), wantInMsg: "unknown operation"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			resp := serve(t, h, tc.body)
			if tc.wantHTTPErr {
				if resp != nil && resp.Allowed {
					t.Fatalf("garbage was allowed: %+v", resp)
				}
				return
			}
			if resp == nil {
				t.Fatal("no AdmissionReview response")
			}
			if resp.Allowed != tc.wantAllowed {
				t.Fatalf("allowed = %v, want %v (%+v)", resp.Allowed, tc.wantAllowed, resp.Result)
			}
			if tc.wantInMsg != "" && !bytes.Contains([]byte(resp.Result.Message), []byte(tc.wantInMsg)) {
				t.Fatalf("message %q does not contain %q", resp.Result.Message, tc.wantInMsg)
			}
		})
	}
}

// TestAdmissionRatcheting sends updates whose spec really changes, so that
// they reach the ratcheting comparison (an unchanged spec is admitted before
// it). Violations are counted per rule and container.
func TestAdmissionRatcheting(t *testing.T) {
	twoAnnotations := strictPolicy()
	twoAnnotations.Spec.Rules.Metrics.Annotations = append(twoAnnotations.Spec.Rules.Metrics.Annotations,
		prodreadyv1alpha1.AnnotationRequirement{Key: "prometheus.io/port", Value: "[0-9]+"})
	replicas := &prodreadyv1alpha1.ReadinessPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "replicas", UID: "2", Generation: 1},
		Spec: prodreadyv1alpha1.PolicySpec{Enforcement: prodreadyv1alpha1.EnforcementEnforce,
			Rules: prodreadyv1alpha1.Rules{Replicas: &prodreadyv1alpha1.ReplicaRules{Minimum: 3}}},
	}
	advice := &prodreadyv1alpha1.ReadinessPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "advice", UID: "3", Generation: 1},
		Spec: prodreadyv1alpha1.PolicySpec{Enforcement: prodreadyv1alpha1.EnforcementWarn,
			Rules: prodreadyv1alpha1.Rules{Replicas: &prodreadyv1alpha1.ReplicaRules{Minimum: 3}}},
	}
	sidecar := func(probe bool) func(*appsv1.Deployment) {
		return func(d *appsv1.Deployment) {
			c := *testutil.CompliantDeployment("shop", "web", 2).Spec.Template.Spec.Containers[0].DeepCopy()
			c.Name = "sidecar"
			if !probe {
				c.ReadinessProbe = nil
			}
			d.Spec.Template.Spec.Containers = append(d.Spec.Template.Spec.Containers, c)
		}
	}
	rename := func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Name = "main" }
	onlyPort := func(d *appsv1.Deployment) {
		d.Spec.Template.Annotations = map[string]string{"prometheus.io/port": "8080"}
	}
	scaleTo := func(n int32) func(*appsv1.Deployment) { return func(d *appsv1.Deployment) { d.Spec.Replicas = &n } }

	tests := map[string]struct {
		policies []*prodreadyv1alpha1.ReadinessPolicy
		old, new *appsv1.Deployment
		// wantDenied lists what the denial must name; empty means allowed.
		wantDenied []string
		// notDenied must not appear in the denial.
		notDenied []string
		// wantWarnings must each appear in some warning.
		wantWarnings []string
	}{
		"changed image keeping an old violation": {
			old: deployment(noReadiness), new: deployment(noReadiness, image("2.0")),
			wantWarnings: []string{"probes.readiness (ReadinessPolicy/shop/strict)"},
		},
		"changed image adding a violation to one that had another": {
			old: deployment(noReadiness), new: deployment(noReadiness, noScrape, image("2.0")),
			wantDenied:   []string{"metrics.annotation", "spec.template.metadata.annotations"},
			notDenied:    []string{"probes.readiness"},
			wantWarnings: []string{"probes.readiness"},
		},
		"renamed container keeping its violation": {
			old: deployment(noReadiness), new: deployment(noReadiness, rename),
			wantDenied: []string{"probes.readiness", `container "main"`},
		},
		"second container with the same violation": {
			old: deployment(noReadiness), new: deployment(noReadiness, sidecar(false)),
			wantDenied:   []string{"spec.template.spec.containers[1].readinessProbe", `container "sidecar"`},
			notDenied:    []string{"containers[0]"},
			wantWarnings: []string{`container "app"`},
		},
		"second container without the violation": {
			old: deployment(noReadiness), new: deployment(noReadiness, sidecar(true)),
			wantWarnings: []string{"probes.readiness"},
		},
		"per-container count grows": {
			policies:   []*prodreadyv1alpha1.ReadinessPolicy{twoAnnotations},
			old:        deployment(onlyPort),
			new:        deployment(noScrape, image("2.0")),
			wantDenied: []string{"metrics.annotation"},
		},
		"per-container count unchanged": {
			policies:     []*prodreadyv1alpha1.ReadinessPolicy{twoAnnotations},
			old:          deployment(noScrape),
			new:          deployment(noScrape, image("2.0")),
			wantWarnings: []string{"prometheus.io/scrape", "prometheus.io/port"},
		},
		"per-container count shrinks": {
			policies:     []*prodreadyv1alpha1.ReadinessPolicy{twoAnnotations},
			old:          deployment(noScrape),
			new:          deployment(onlyPort),
			wantWarnings: []string{"prometheus.io/scrape"},
		},
		"rollback to a worse template": {
			old: deployment(image("2.0")), new: deployment(noReadiness, image("1.0")),
			wantDenied: []string{"probes.readiness"},
		},
		"rollback to an equally bad template": {
			old: deployment(noReadiness, image("2.0")), new: deployment(noReadiness, image("1.0")),
			wantWarnings: []string{"probes.readiness"},
		},
		"a fix": {
			old: deployment(noReadiness, noScrape), new: deployment(noScrape),
			wantWarnings: []string{"metrics.annotation"},
		},
		"several policies: only the one with a new violation denies": {
			policies:     []*prodreadyv1alpha1.ReadinessPolicy{strictPolicy(), replicas},
			old:          deployment(noReadiness, scaleTo(3)),
			new:          deployment(noReadiness, scaleTo(2)),
			wantDenied:   []string{"replicas.minimum (ReadinessPolicy/shop/replicas)"},
			notDenied:    []string{"probes.readiness", "ReadinessPolicy/shop/strict"},
			wantWarnings: []string{"probes.readiness (ReadinessPolicy/shop/strict)"},
		},
		"several policies: Warn warns while Enforce denies": {
			policies:     []*prodreadyv1alpha1.ReadinessPolicy{strictPolicy(), advice},
			old:          deployment(scaleTo(3)),
			new:          deployment(noReadiness, scaleTo(2)),
			wantDenied:   []string{"probes.readiness (ReadinessPolicy/shop/strict)"},
			notDenied:    []string{"replicas.minimum"},
			wantWarnings: []string{"replicas.minimum (ReadinessPolicy/shop/advice)"},
		},
		"pdb rule is ratcheted, not waived, on update": {
			old: deployment(), new: deployment(image("2.0")),
			wantWarnings: []string{"pdb.required (ReadinessPolicy/shop/strict)"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			h := newTestHandler(t, tc.policies...)
			resp := serve(t, h, review(admissionv1.Update, mustJSON(t, tc.new), mustJSON(t, tc.old)))
			if resp == nil {
				t.Fatal("no AdmissionReview response")
			}
			msg := ""
			if resp.Result != nil {
				msg = resp.Result.Message
			}
			if len(tc.wantDenied) == 0 && !resp.Allowed {
				t.Fatalf("denied, want allowed: %s", msg)
			}
			if len(tc.wantDenied) > 0 && resp.Allowed {
				t.Fatalf("allowed (warnings %q), want denied naming %q", resp.Warnings, tc.wantDenied)
			}
			for _, w := range tc.wantDenied {
				if !strings.Contains(msg, w) {
					t.Errorf("denial %q does not name %q", msg, w)
				}
			}
			for _, w := range tc.notDenied {
				if strings.Contains(msg, w) {
					t.Errorf("denial %q names %q, which is not new", msg, w)
				}
			}
			all := strings.Join(resp.Warnings, "\n")
			for _, w := range tc.wantWarnings {
				if !strings.Contains(all, w) {
					t.Errorf("warnings %q do not contain %q", resp.Warnings, w)
				}
			}
		})
	}
}

// FuzzAdmissionReview feeds malformed AdmissionReview bodies and random
// Deployments through the HTTP handler. It must never panic, must always
// answer with an HTTP error or a well-formed response carrying the request's
// UID, and whenever the objects decode, its verdict must be the one a direct
// Evaluate of the same objects gives (with ratcheting on updates).
func FuzzAdmissionReview(f *testing.F) {
	d := testutil.CompliantDeployment("shop", "web", 2)
	good, _ := json.Marshal(d)
	d.Spec.Template.Spec.InitContainers = []corev1.Container{{Name: "side", RestartPolicy: new(corev1.ContainerRestartPolicyAlways)}}
	sidecar, _ := json.Marshal(d)
	bad, _ := json.Marshal(deployment(noReadiness))
	f.Add(review(admissionv1.Create, good, nil), []byte(nil), uint8(0))
	f.Add(review(admissionv1.Update, sidecar, good), []byte(nil), uint8(1))
	f.Add(good, bad, uint8(2))
	f.Add(bad, good, uint8(3))
	f.Add(bad, mustJSON(f, deployment(noReadiness, image("2.0"))), uint8(3))
	f.Add([]byte(`{"request":{"uid":"x","operation":"CREATE","object":{"spec":{"template":{"spec":{"containers":[{}]}}}}}}`), []byte(nil), uint8(0))
	f.Add([]byte("garbage"), []byte(`{"spec":{"replicas":-1,"template":{"metadata":{"labels":{"":""}}}}}`), uint8(2))
	f.Add([]byte(nil), []byte(`{"metadata":{"name":"web"},"spec":{"template":{"spec":{"initContainers":[{"restartPolicy":"Always"}],"containers":[{"name":"a","livenessProbe":{},"readinessProbe":{}}]}}}}`), uint8(3))
	f.Add([]byte(nil), bad, uint8(1))
	h := newTestHandler(f)
	s := testScheme(f)
	oracle, err := readiness.Compile(&strictPolicy().Spec, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body, object []byte, mode uint8) {
		uid := types.UID(fmt.Sprintf("uid-%d-%d", mode, len(object)))
		var op admissionv1.Operation
		var newRaw, oldRaw []byte
		reqNamespace := "shop"
		switch mode % 4 {
		case 0: // the body as it came
		case 1: // a random object in a well-formed create
			op, newRaw = admissionv1.Create, object
		case 2: // a random object as the new side of an update
			op, newRaw, oldRaw = admissionv1.Update, object, body
		case 3: // a random object as the old side of an update
			op, newRaw, oldRaw = admissionv1.Update, body, object
		}
		if mode%4 != 0 {
			if body = reviewWithUID(uid, op, newRaw, oldRaw); body == nil {
				return // an object is not even JSON: no AdmissionReview can carry it
			}
		} else {
			var ar admissionv1.AdmissionReview
			if sigsjson.UnmarshalCaseSensitivePreserveInts(body, &ar) != nil || ar.Request == nil {
				serve(t, h, body)
				return
			}
			uid, op, newRaw, oldRaw = ar.Request.UID, ar.Request.Operation, ar.Request.Object.Raw, ar.Request.OldObject.Raw
			reqNamespace = ar.Request.Namespace
			if ar.APIVersion != "admission.k8s.io/v1" || ar.Kind != "AdmissionReview" {
				// Only v1 reviews are served; anything else is an error.
				if resp := serve(t, h, body); resp != nil && resp.Allowed {
					t.Fatalf("a %s %s was allowed", ar.APIVersion, ar.Kind)
				}
				return
			}
		}
		resp := serve(t, h, body)
		if resp == nil {
			if mode%4 != 0 {
				t.Fatal("a well-formed AdmissionReview got no AdmissionReview response")
			}
			return
		}
		if resp.UID != uid {
			t.Fatalf("response UID %q, want the request's %q", resp.UID, uid)
		}
		want, ok := expectedVerdict(s, oracle, op, reqNamespace, newRaw, oldRaw)
		if !ok {
			return // an object did not decode: the 400 answer was checked by serve
		}
		if resp.Allowed != want {
			t.Fatalf("allowed = %v, but a direct Evaluate says %v (operation %s)\nresult: %+v\nwarnings: %q", resp.Allowed, want, op, resp.Result, resp.Warnings)
		}
	})
}

// expectedVerdict decides a request with the engine directly: a create is
// denied when a violation other than pdb.* exists, an update when some rule
// has more violations in a container than the old object had; an object
// without a namespace (neither its own nor the request's) is denied. ok is
// false when the handler must answer with a decoding error instead: when
// an object the operation needs is missing, or when any object the review
// carries is not a Deployment (the handler decodes both in one pass, so it
// rejects a malformed oldObject even on a create).
func expectedVerdict(s *runtime.Scheme, p *readiness.Policy, op admissionv1.Operation, reqNamespace string, newRaw, oldRaw []byte) (allowed, ok bool) {
	dec := admission.NewDecoder(s)
	decode := func(raw []byte) (*appsv1.Deployment, bool) {
		var d appsv1.Deployment
		if err := dec.DecodeRaw(runtime.RawExtension{Raw: raw}, &d); err != nil {
			return nil, false
		}
		return &d, true
	}
	for _, raw := range [][]byte{newRaw, oldRaw} {
		if len(raw) > 0 && string(raw) != "null" {
			if _, ok := decode(raw); !ok {
				return false, false
			}
		}
	}
	switch op {
	case admissionv1.Create, admissionv1.Update:
	case admissionv1.Delete, admissionv1.Connect:
		return true, true
	default:
		return false, false
	}
	d, ok := decode(newRaw)
	if !ok {
		return false, false
	}
	var old *appsv1.Deployment
	if op == admissionv1.Update {
		if old, ok = decode(oldRaw); !ok {
			return false, false
		}
		if d.DeletionTimestamp != nil || equality.Semantic.DeepEqual(old.Spec, d.Spec) {
			return true, true
		}
	}
	if d.Namespace == "" {
		d.Namespace = reqNamespace
	}
	if d.Namespace == "" {
		return false, true
	}
	if d.Namespace != "shop" || !p.SelectsDeployment(d.Labels) {
		return true, true
	}
	res := p.Evaluate(readiness.Input{Deployment: d}, fuzzNow)
	count := func(fs []readiness.Finding) map[[2]string]int {
		m := map[[2]string]int{}
		for _, f := range fs {
			m[[2]string{f.Rule, f.Container}]++
		}
		return m
	}
	if old == nil {
		for _, f := range res.Violations {
			if !strings.HasPrefix(f.Rule, "pdb.") {
				return false, true
			}
		}
		return true, true
	}
	before := count(p.Evaluate(readiness.Input{Deployment: old}, fuzzNow).Violations)
	for k, n := range count(res.Violations) {
		if n > before[k] {
			return false, true
		}
	}
	return true, true
}
