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
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/go-logr/logr/funcr"
	"github.com/prometheus/client_golang/prometheus/testutil"
	admissionv1 "k8s.io/api/admission/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/intstr"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
	"github.com/prodready/prodready/internal/gather"
)

// reference decodes a review the way controller-runtime's admission.Webhook
// and admission.Decoder do: apimachinery's deserializer for the envelope
// (v1 only, as the handler serves), then DecodeRaw for each object that is
// present. ok is false when controller-runtime would reject the review.
type reference struct {
	req      *admissionv1.AdmissionRequest
	obj, old *appsv1.Deployment
}

// referenceDecoders are built once: the fuzz target runs them per input.
var referenceDecoders = sync.OnceValue(func() (d struct {
	envelope runtime.Decoder
	objects  admission.Decoder
}) {
	as := runtime.NewScheme()
	utilruntime.Must(admissionv1.AddToScheme(as))
	s := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	d.envelope = serializer.NewCodecFactory(as).UniversalDeserializer()
	d.objects = admission.NewDecoder(s)
	return d
})

func referenceDecode(body []byte) (reference, bool) {
	decs := referenceDecoders()
	var ar admissionv1.AdmissionReview
	if _, _, err := decs.envelope.Decode(body, nil, &ar); err != nil || ar.Request == nil {
		return reference{}, false
	}
	if ar.APIVersion != "admission.k8s.io/v1" || ar.Kind != "AdmissionReview" {
		return reference{}, false
	}
	dec := decs.objects
	ref := reference{req: ar.Request}
	for _, o := range []struct {
		raw []byte
		out **appsv1.Deployment
	}{{ar.Request.Object.Raw, &ref.obj}, {ar.Request.OldObject.Raw, &ref.old}} {
		if len(o.raw) == 0 {
			continue
		}
		d := &appsv1.Deployment{}
		if err := dec.DecodeRaw(runtime.RawExtension{Raw: o.raw}, d); err != nil {
			return reference{}, false
		}
		*o.out = d
	}
	return ref, true
}

// compareDecoding decodes body with the handler's decoder and with the
// reference and fails on any difference: one accepting what the other
// rejects, or objects that are not deep-equal. It returns whether both
// accepted.
func compareDecoding(t *testing.T, body []byte) bool {
	t.Helper()
	ref, refOK := referenceDecode(body)
	var rev deploymentReview
	ours := reviewJSON.Unmarshal(body, &rev) == nil && rev.Request != nil &&
		rev.APIVersion == "admission.k8s.io/v1" && rev.Kind == "AdmissionReview"
	for _, d := range []*appsv1.Deployment{rev.Request.objectOrNil(), rev.Request.oldObjectOrNil()} {
		if ours && d != nil && checkKind(d.TypeMeta) != nil {
			ours = false
		}
	}
	if ours != refOK {
		t.Fatalf("the handler's decoder accepts: %v, controller-runtime's: %v\nbody: %q", ours, refOK, body)
	}
	if !ours {
		return false
	}
	if rev.Request.UID != ref.req.UID || rev.Request.Operation != ref.req.Operation || rev.Request.Namespace != ref.req.Namespace ||
		rev.Request.Name != ref.req.Name || !reflect.DeepEqual(rev.Request.UserInfo, ref.req.UserInfo) {
		t.Fatalf("request fields differ: %+v vs %+v", rev.Request.admissionRequest().AdmissionRequest, *ref.req)
	}
	if !reflect.DeepEqual(rev.Request.Object, ref.obj) {
		t.Fatalf("request.object differs from controller-runtime's decoding\nours: %#v\ntheirs: %#v", rev.Request.Object, ref.obj)
	}
	if !reflect.DeepEqual(rev.Request.OldObject, ref.old) {
		t.Fatalf("request.oldObject differs from controller-runtime's decoding\nours: %#v\ntheirs: %#v", rev.Request.OldObject, ref.old)
	}
	return true
}

func (r *deploymentRequest) objectOrNil() *appsv1.Deployment {
	if r == nil {
		return nil
	}
	return r.Object
}

func (r *deploymentRequest) oldObjectOrNil() *appsv1.Deployment {
	if r == nil {
		return nil
	}
	return r.OldObject
}

// handlers returns the handler under test and controller-runtime's
// admission.WithValidator over the same validator.
func handlers(t testing.TB) (ours, theirs http.Handler) {
	t.Helper()
	s := testScheme(t)
	objs := []client.Object{&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}}, strictPolicy()}
	c := fake.NewClientBuilder().WithScheme(s).WithObjects(objs...).Build()
	v := &DeploymentValidator{Reader: c, Compiler: gather.NewCompiler(), Clock: clocktesting.NewFakePassiveClock(fuzzNow)}
	return NewDeploymentHandler(v), admission.WithValidator[*appsv1.Deployment](s, v)
}

func answer(t testing.TB, h http.Handler, body []byte) admissionv1.AdmissionResponse {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, DeploymentPath, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out admissionv1.AdmissionReview
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || out.Response == nil {
		t.Fatalf("no AdmissionReview answer (HTTP %d): %q", rec.Code, rec.Body.String())
	}
	return *out.Response
}

// sameVerdict requires the two handlers to answer a create or update
// identically: allowed, status (code, reason, message, causes), warnings
// and uid.
func sameVerdict(t *testing.T, ours, theirs http.Handler, body []byte) {
	t.Helper()
	a, b := answer(t, ours, body), answer(t, theirs, body)
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("verdicts differ\nours:   %+v %+v\ntheirs: %+v %+v", a, a.Result, b, b.Result)
	}
}

// decodeFixtures are reviews of every shape the tests know: the testutil
// Deployment and its variants from the handler tests, a Deployment using
// every json.Unmarshaler the type holds (quantities, int-or-strings,
// times, managedFields), and the last-applied annotation kubectl writes.
func decodeFixtures(t testing.TB) map[string][]byte {
	rich := deployment(func(d *appsv1.Deployment) {
		d.CreationTimestamp = metav1.Date(2026, 1, 2, 3, 4, 5, 0, metav1.Now().Location())
		d.ManagedFields = []metav1.ManagedFieldsEntry{{Manager: "kubectl", Operation: metav1.ManagedFieldsOperationApply,
			FieldsType: "FieldsV1", FieldsV1: metav1.NewFieldsV1(`{"f:spec":{"f:replicas":{}}}`)}}
		d.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType, RollingUpdate: &appsv1.RollingUpdateDeployment{
			MaxSurge: new(intstr.FromString("25%")), MaxUnavailable: new(intstr.FromInt32(1))}}
		c := &d.Spec.Template.Spec.Containers[0]
		c.Resources.Limits = corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1.5Gi"), corev1.ResourceCPU: resource.MustParse("2500m"),
			"example.com/gpu": resource.MustParse("1e3")}
		c.Env = []corev1.EnvVar{{Name: "UNICODE", Value: "é ✓ \u2028 <tag> & \"quoted\""}}
		d.Annotations = map[string]string{"kubectl.kubernetes.io/last-applied-configuration": `{"apiVersion":"apps/v1","kind":"Deployment"}`}
	})
	rich.APIVersion, rich.Kind = "apps/v1", "Deployment"
	d := deployment()
	sidecar := deployment(func(d *appsv1.Deployment) {
		d.Spec.Template.Spec.InitContainers = []corev1.Container{{Name: "side", RestartPolicy: new(corev1.ContainerRestartPolicyAlways)}}
	})
	return map[string][]byte{
		"compliant create":          review(admissionv1.Create, mustJSON(t, d), nil),
		"non-compliant create":      review(admissionv1.Create, mustJSON(t, deployment(noReadiness)), nil),
		"rich create":               review(admissionv1.Create, mustJSON(t, rich), nil),
		"update, ratcheted":         review(admissionv1.Update, mustJSON(t, deployment(noReadiness, image("2.0"))), mustJSON(t, deployment(noReadiness))),
		"update, new violation":     review(admissionv1.Update, mustJSON(t, deployment(noReadiness, noScrape)), mustJSON(t, deployment(noReadiness))),
		"update, metadata only":     review(admissionv1.Update, mustJSON(t, rich), mustJSON(t, rich)),
		"update with a sidecar":     review(admissionv1.Update, mustJSON(t, sidecar), mustJSON(t, d)),
		"object without namespace":  reviewIn("shop", "u", admissionv1.Create, mustJSON(t, deployment(func(d *appsv1.Deployment) { d.Namespace = "" })), nil),
		"object in another ns":      reviewIn("shop", "u", admissionv1.Create, mustJSON(t, deployment(noReadiness, func(d *appsv1.Deployment) { d.Namespace = "lab" })), nil),
		"apiVersion and kind named": review(admissionv1.Create, []byte(`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"x","namespace":"shop"}}`), nil),
		"kind only":                 review(admissionv1.Create, []byte(`{"kind":"Deployment","metadata":{"name":"x","namespace":"shop"}}`), nil),
		"group only":                review(admissionv1.Create, []byte(`{"apiVersion":"apps","metadata":{"name":"x"}}`), nil),
		"another kind":              review(admissionv1.Create, []byte(`{"apiVersion":"apps/v1","kind":"StatefulSet"}`), nil),
		"another version":           review(admissionv1.Create, []byte(`{"apiVersion":"apps/v1beta1","kind":"Deployment"}`), nil),
		"bad apiVersion":            review(admissionv1.Create, []byte(`{"apiVersion":"a/b/c"}`), nil),
		"case variants ignored":     review(admissionv1.Create, []byte(`{"Metadata":{"name":"x"},"metadata":{"NAME":"y","namespace":"shop"},"spec":{"Replicas":5}}`), nil),
		"duplicate keys":            review(admissionv1.Create, []byte(`{"metadata":{"name":"a","name":"b","labels":{"k":"1","k":"2"}}}`), nil),
		"invalid UTF-8":             review(admissionv1.Create, []byte("{\"metadata\":{\"name\":\"a\xffb\",\"labels\":{\"k\xfe\":\"v\"}}}"), nil),
		"surrogate escape":          review(admissionv1.Create, []byte(`{"metadata":{"name":"a\ud800b\u00e9"}}`), nil),
		"nulls":                     review(admissionv1.Create, []byte(`{"metadata":{"labels":null},"spec":{"replicas":null,"template":null}}`), nil),
		"bad quantity":              review(admissionv1.Create, []byte(`{"spec":{"template":{"spec":{"containers":[{"resources":{"limits":{"cpu":"1x"}}}]}}}}`), nil),
		"numeric quantity":          review(admissionv1.Create, []byte(`{"spec":{"template":{"spec":{"containers":[{"resources":{"limits":{"cpu":1.5}}}]}}}}`), nil),
		"float replicas":            review(admissionv1.Create, []byte(`{"spec":{"replicas":1.0}}`), nil),
		"huge replicas":             review(admissionv1.Create, []byte(`{"spec":{"replicas":99999999999}}`), nil),
		"array object":              review(admissionv1.Create, []byte(`[1,2]`), nil),
		"string port":               review(admissionv1.Create, []byte(`{"spec":{"template":{"spec":{"containers":[{"ports":[{"containerPort":"80"}]}]}}}}`), nil),
	}
}

// TestReviewDecodingMatchesControllerRuntime: for every fixture the
// handler's single-pass decoder accepts exactly what controller-runtime
// accepts, its objects are deep-equal to controller-runtime's, and both
// handlers give the same verdict.
func TestReviewDecodingMatchesControllerRuntime(t *testing.T) {
	ours, theirs := handlers(t)
	accepted := 0
	for name, body := range decodeFixtures(t) {
		t.Run(name, func(t *testing.T) {
			if compareDecoding(t, body) {
				accepted++
			}
			sameVerdictIfDecodable(t, ours, theirs, body)
		})
	}
	if accepted < 12 {
		t.Fatalf("only %d fixtures decoded; the comparison tests little", accepted)
	}
}

// sameVerdictIfDecodable compares verdicts for creates and updates whose
// objects the reference decodes; the answers to malformed reviews word
// their decoding errors differently (the decoders differ) and are checked
// by the handler tests.
func sameVerdictIfDecodable(t *testing.T, ours, theirs http.Handler, body []byte) {
	t.Helper()
	ref, ok := referenceDecode(body)
	if !ok {
		return
	}
	switch {
	case ref.req.Operation == admissionv1.Create && ref.obj != nil,
		ref.req.Operation == admissionv1.Update && ref.obj != nil && ref.old != nil:
		sameVerdict(t, ours, theirs, body)
	}
}

// FuzzReviewDecodeDifferential holds the single-pass decoder to
// controller-runtime's decoding on arbitrary input: the same bodies are
// accepted, the objects are deep-equal, the verdicts identical, and
// nothing panics.
func FuzzReviewDecodeDifferential(f *testing.F) {
	for _, body := range decodeFixtures(f) {
		f.Add(body)
	}
	f.Add([]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"x","operation":"CREATE","object":{"spec":{"template":{"spec":{"containers":[{}]}}}}}}`))
	f.Add([]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"x","operation":"UPDATE","object":{"metadata":{"deletionTimestamp":"2026-01-01T00:00:00Z"}},"oldObject":{}}}`))
	f.Add([]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"x","userInfo":{"extra":{"a":["b"]}},"options":{"x":[1,{"y":null}]},"object":null}}`))
	f.Add([]byte("garbage"))
	ours, theirs := handlers(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		compareDecoding(t, body)
		sameVerdictIfDecodable(t, ours, theirs, body)
	})
}

// TestHandlerBoundsAndHeaders covers what the handler checks before it
// decodes: the body size bound, the Content-Type and an empty body.
func TestHandlerBoundsAndHeaders(t *testing.T) {
	h, _ := handlers(t)
	good := review(admissionv1.Create, mustJSON(t, deployment()), nil)
	huge := review(admissionv1.Create, mustJSON(t, deployment(func(d *appsv1.Deployment) {
		d.Annotations = map[string]string{"big": strings.Repeat("x", MaxReviewBytes)}
	})), nil)
	tests := map[string]struct {
		body        []byte
		contentType string
		wantCode    int32
		wantInMsg   string
	}{
		"accepted":                       {body: good, contentType: "application/json", wantCode: http.StatusOK},
		"charset parameter":              {body: good, contentType: "application/json; charset=utf-8", wantCode: http.StatusOK},
		"too large":                      {body: huge, contentType: "application/json", wantCode: http.StatusRequestEntityTooLarge, wantInMsg: "too large"},
		"wrong content type":             {body: good, contentType: "application/yaml", wantCode: http.StatusBadRequest, wantInMsg: "expected application/json"},
		"no content type":                {body: good, wantCode: http.StatusBadRequest, wantInMsg: "expected application/json"},
		"empty body":                     {body: nil, contentType: "application/json", wantCode: http.StatusBadRequest, wantInMsg: "body is empty"},
		"not JSON":                       {body: []byte("apiVersion: admission.k8s.io/v1"), contentType: "application/json", wantCode: http.StatusBadRequest, wantInMsg: "decoding the AdmissionReview"},
		"trailing data after the review": {body: append(append([]byte{}, good...), []byte(" {}")...), contentType: "application/json", wantCode: http.StatusBadRequest, wantInMsg: "decoding the AdmissionReview"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var body *bytes.Reader
			req := httptest.NewRequest(http.MethodPost, DeploymentPath, nil)
			if tc.body != nil {
				body = bytes.NewReader(tc.body)
				req = httptest.NewRequest(http.MethodPost, DeploymentPath, body)
			}
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if got := rec.Header().Get("Content-Type"); got != "application/json" {
				t.Errorf("answer Content-Type %q", got)
			}
			var out admissionv1.AdmissionReview
			if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || out.Response == nil {
				t.Fatalf("no AdmissionReview answer: %q", rec.Body.String())
			}
			if out.APIVersion != "admission.k8s.io/v1" || out.Kind != "AdmissionReview" {
				t.Errorf("answer is a %s %s", out.APIVersion, out.Kind)
			}
			r := out.Response
			if r.Result == nil || r.Result.Code != tc.wantCode {
				t.Fatalf("result %+v, want code %d", r.Result, tc.wantCode)
			}
			if tc.wantCode == http.StatusOK {
				if !r.Allowed || r.UID != "fuzz" {
					t.Fatalf("allowed %v uid %q, want allowed with the request's uid", r.Allowed, r.UID)
				}
				return
			}
			if r.Allowed || !strings.Contains(r.Result.Message, tc.wantInMsg) {
				t.Fatalf("allowed %v, message %q; want an error naming %q", r.Allowed, r.Result.Message, tc.wantInMsg)
			}
		})
	}
}

// TestHandlerEchoesUIDOnObjectErrors: when the envelope is sound but an
// object is not, the error answer carries the uid, so kube-apiserver reads
// it as this request's answer.
func TestHandlerEchoesUIDOnObjectErrors(t *testing.T) {
	h, _ := handlers(t)
	for name, body := range map[string][]byte{
		"bad object":     reviewWithUID("u-1", admissionv1.Create, []byte(`{"spec":{"replicas":"many"}}`), nil),
		"bad old object": reviewWithUID("u-1", admissionv1.Update, mustJSON(t, deployment()), []byte(`{"metadata":[]}`)),
		"other kind":     reviewWithUID("u-1", admissionv1.Create, []byte(`{"apiVersion":"v1","kind":"Pod"}`), nil),
		"missing old":    reviewWithUID("u-1", admissionv1.Update, mustJSON(t, deployment()), nil),
	} {
		r := answer(t, h, body)
		if r.Allowed || r.UID != "u-1" || r.Result == nil || r.Result.Code != http.StatusBadRequest {
			t.Errorf("%s: got allowed %v uid %q result %+v; want a 400 for uid u-1", name, r.Allowed, r.UID, r.Result)
		}
	}
}

// TestHandlerRecoversFromPanics: a panic while evaluating is logged with
// its stack and counted, the request is admitted with a warning (the
// webhook fails open), and the handler keeps serving.
func TestHandlerRecoversFromPanics(t *testing.T) {
	s := testScheme(t)
	c := fake.NewClientBuilder().WithScheme(s).WithObjects(strictPolicy()).WithInterceptorFuncs(interceptor.Funcs{
		List: func(ctx context.Context, c client.WithWatch, list client.ObjectList, opts ...client.ListOption) error {
			if _, ok := list.(*prodreadyv1alpha1.ReadinessPolicyList); ok {
				panic("boom in the cache")
			}
			return c.List(ctx, list, opts...)
		},
	}).Build()
	h := NewDeploymentHandler(&DeploymentValidator{Reader: c, Compiler: gather.NewCompiler(), Clock: clocktesting.NewFakePassiveClock(fuzzNow)})
	var logs []string
	h.Log = funcr.New(func(_, args string) { logs = append(logs, args) }, funcr.Options{})
	before := testutil.ToFloat64(admissionPanics)

	for i := range 2 { // the second request shows the handler still serves
		r := answer(t, h, reviewWithUID("u-panic", admissionv1.Create, mustJSON(t, deployment(noReadiness)), nil))
		if !r.Allowed || r.UID != "u-panic" || len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "could not evaluate this Deployment") {
			t.Fatalf("request %d: allowed %v uid %q warnings %q; want admitted with a warning", i, r.Allowed, r.UID, r.Warnings)
		}
	}
	if got := testutil.ToFloat64(admissionPanics) - before; got != 2 {
		t.Errorf("prodready_admission_panics_total rose by %v, want 2", got)
	}
	all := strings.Join(logs, "\n")
	for _, want := range []string{"boom in the cache", `"requestID"="u-panic"`, `"deployment"="shop/web"`, "goroutine", "review.go"} {
		if !strings.Contains(all, want) {
			t.Errorf("panic log lacks %q:\n%s", want, all)
		}
	}
}
