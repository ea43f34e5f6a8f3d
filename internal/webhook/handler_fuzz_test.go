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
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
	"github.com/prodready/prodready/internal/gather"
	"github.com/prodready/prodready/internal/testutil"
)

// newTestHandler serves the Deployment webhook over a fake client holding
// an Enforce policy with every rule in namespace "shop".
func newTestHandler(t testing.TB) http.Handler {
	t.Helper()
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	if err := prodreadyv1alpha1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	rules := testutil.FullRules()
	rules.Replicas = &prodreadyv1alpha1.ReplicaRules{Minimum: 2}
	rules.PodDisruptionBudget = &prodreadyv1alpha1.PodDisruptionBudgetRules{Required: true, AllowsDisruption: true}
	pol := &prodreadyv1alpha1.ReadinessPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "strict", UID: "1", Generation: 1},
		Spec:       prodreadyv1alpha1.PolicySpec{Enforcement: prodreadyv1alpha1.EnforcementEnforce, Rules: rules},
	}
	c := fake.NewClientBuilder().WithScheme(s).WithObjects(pol, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}}).Build()
	v := &DeploymentValidator{Reader: c, Compiler: gather.NewCompiler(), Clock: clocktesting.NewFakePassiveClock(time.Unix(1_800_000_000, 0))}
	return admission.WithValidator[*appsv1.Deployment](s, v)
}

// review wraps a raw object (and old object) in an AdmissionReview body.
func review(op admissionv1.Operation, obj, old []byte) []byte {
	r := admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request: &admissionv1.AdmissionRequest{
			UID:       "fuzz",
			Kind:      metav1.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"},
			Resource:  metav1.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"},
			Namespace: "shop", Name: "web", Operation: op,
			Object:    runtime.RawExtension{Raw: obj},
			OldObject: runtime.RawExtension{Raw: old},
		},
	}
	b, _ := json.Marshal(r)
	return b
}

// serve posts a body and checks the answer is always a well-formed response:
// either an HTTP error for an undecodable review, or an AdmissionReview with
// a response whose UID matches and whose denial carries a message.
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

func TestAdmissionHandlerVerdicts(t *testing.T) {
	h := newTestHandler(t)
	good, _ := json.Marshal(func() *appsv1.Deployment {
		d := testutil.CompliantDeployment("shop", "web", 2)
		return d
	}())
	bad, _ := json.Marshal(func() *appsv1.Deployment {
		d := testutil.CompliantDeployment("shop", "web", 2)
		d.Spec.Template.Spec.Containers[0].ReadinessProbe = nil
		return d
	}())
	tests := map[string]struct {
		body        []byte
		wantAllowed bool
		wantHTTPErr bool
		wantInMsg   string
	}{
		"compliant create (pdb only warned)": {body: review(admissionv1.Create, good, nil), wantAllowed: true},
		"missing probe denied":               {body: review(admissionv1.Create, bad, nil), wantInMsg: "probes.readiness"},
		"update keeping an old violation":    {body: review(admissionv1.Update, bad, bad), wantAllowed: true},
		"update adding a violation":          {body: review(admissionv1.Update, bad, good), wantInMsg: "probes.readiness"},
		"not JSON":                           {body: []byte("{not json"), wantHTTPErr: true},
		"empty body":                         {body: nil, wantHTTPErr: true},
		"review without request":             {body: []byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}`), wantHTTPErr: true},
		"object is not a Deployment":         {body: review(admissionv1.Create, []byte(`{"spec":{"replicas":"many"}}`), nil), wantInMsg: "cannot unmarshal"},
		"object is empty":                    {body: review(admissionv1.Create, nil, nil), wantInMsg: "no content to decode"},
		"update with garbage old object":     {body: review(admissionv1.Update, good, []byte(`[1,2]`)), wantInMsg: "cannot unmarshal"},
		"unknown operation":                  {body: review("PATCH", good, nil), wantInMsg: "unknown operation"},
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

// FuzzAdmissionReview feeds malformed AdmissionReview bodies and random
// Deployments through the HTTP handler: it must never panic and must always
// answer with an error or a well-formed response.
func FuzzAdmissionReview(f *testing.F) {
	d := testutil.CompliantDeployment("shop", "web", 2)
	good, _ := json.Marshal(d)
	d.Spec.Template.Spec.InitContainers = []corev1.Container{{Name: "side", RestartPolicy: new(corev1.ContainerRestartPolicyAlways)}}
	sidecar, _ := json.Marshal(d)
	f.Add(review(admissionv1.Create, good, nil), []byte(nil), uint8(0))
	f.Add(review(admissionv1.Update, sidecar, good), []byte(nil), uint8(1))
	f.Add([]byte(`{"request":{"uid":"x","operation":"CREATE","object":{"spec":{"template":{"spec":{"containers":[{}]}}}}}}`), []byte(nil), uint8(0))
	f.Add([]byte("garbage"), []byte(`{"spec":{"replicas":-1,"template":{"metadata":{"labels":{"":""}}}}}`), uint8(2))
	f.Add([]byte(nil), []byte(`{"metadata":{"name":"web"},"spec":{"template":{"spec":{"initContainers":[{"restartPolicy":"Always"}],"containers":[{"name":"a","livenessProbe":{},"readinessProbe":{}}]}}}}`), uint8(3))
	h := newTestHandler(f)
	f.Fuzz(func(t *testing.T, body, object []byte, mode uint8) {
		switch mode % 4 {
		case 0: // the body as it came
		case 1: // a random object in a well-formed create
			body = review(admissionv1.Create, object, nil)
		case 2: // a random object as the new side of an update
			body = review(admissionv1.Update, object, body)
		case 3: // a random object as the old side of an update
			body = review(admissionv1.Update, body, object)
		}
		serve(t, h, body)
	})
}
