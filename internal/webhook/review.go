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
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"runtime/debug"

	"github.com/bytedance/sonic"
	"github.com/go-logr/logr"
	admissionv1 "k8s.io/api/admission/v1"
	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
	sigsjson "sigs.k8s.io/json"
)

// DeploymentPath is where the Deployment webhook is served; the
// kubebuilder marker on DeploymentValidator names the same path.
const DeploymentPath = "/validate-apps-v1-deployment"

// MaxReviewBytes bounds the AdmissionReview body the Deployment webhook
// reads, as controller-runtime's handler does (7 MiB): kube-apiserver limits
// one object to 3 MiB and an UPDATE carries two.
const MaxReviewBytes = 7 << 20

// maxErrorBytes caps a decoding error quoted back in an answer.
const maxErrorBytes = 1024

// reviewJSON decodes AdmissionReviews. It is github.com/bytedance/sonic
// (chosen by measurement, see docs/performance.md) configured to decode as
// kube-apiserver's own serializer (sigs.k8s.io/json) does: field names match
// case-sensitively, the last of duplicate keys wins, invalid UTF-8 becomes
// U+FFFD and control characters in strings are errors, and every
// json.Unmarshaler (resource.Quantity, IntOrString, metav1.Time, FieldsV1)
// decodes itself. Strings are copied out of the body, so nothing decoded
// (an image name kept in a cache, say) pins a request's whole body.
// FuzzReviewDecodeDifferential holds it to controller-runtime's decoding.
// Where sonic has no JIT (other architectures, Go versions it does not yet
// know) it would fall back to encoding/json, which matches names
// case-insensitively; sigs.k8s.io/json is used there instead.
var reviewJSON = func() interface{ Unmarshal([]byte, any) error } {
	if sonic.APIKind == sonic.UseStdJSON {
		return sigsJSON{}
	}
	return sonic.Config{CaseSensitive: true, ValidateString: true, CopyString: true}.Froze()
}()

// sigsJSON is apimachinery's own decoding.
type sigsJSON struct{}

func (sigsJSON) Unmarshal(data []byte, v any) error {
	return sigsjson.UnmarshalCaseSensitivePreserveInts(data, v)
}

// deploymentReview is an admission.k8s.io/v1 AdmissionReview whose objects
// decode straight into Deployments, in the same pass as the envelope.
type deploymentReview struct {
	APIVersion string             `json:"apiVersion"`
	Kind       string             `json:"kind"`
	Request    *deploymentRequest `json:"request"`
}

// deploymentRequest holds the fields of admissionv1.AdmissionRequest the
// webhook uses; the rest (options, requestKind, ...) is skipped unread.
type deploymentRequest struct {
	UID         types.UID                   `json:"uid"`
	Kind        metav1.GroupVersionKind     `json:"kind"`
	Resource    metav1.GroupVersionResource `json:"resource"`
	SubResource string                      `json:"subResource,omitempty"`
	Name        string                      `json:"name,omitempty"`
	Namespace   string                      `json:"namespace,omitempty"`
	Operation   admissionv1.Operation       `json:"operation"`
	UserInfo    authenticationv1.UserInfo   `json:"userInfo"`
	DryRun      *bool                       `json:"dryRun,omitempty"`
	Object      *appsv1.Deployment          `json:"object,omitempty"`
	OldObject   *appsv1.Deployment          `json:"oldObject,omitempty"`
}

// admissionRequest is the request as controller-runtime's types hold it,
// without the raw objects, for admission.RequestFromContext.
func (r *deploymentRequest) admissionRequest() admission.Request {
	return admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{
		UID: r.UID, Kind: r.Kind, Resource: r.Resource, SubResource: r.SubResource,
		Name: r.Name, Namespace: r.Namespace, Operation: r.Operation, UserInfo: r.UserInfo, DryRun: r.DryRun,
	}}
}

// DeploymentHandler serves the Deployment webhook over HTTP. It replaces
// controller-runtime's admission.Webhook for this one kind so that the
// AdmissionReview and its objects are decoded once, in a single pass, into
// typed Deployments (controller-runtime decodes the envelope, then each
// object again, each time with an extra pass to read apiVersion and kind).
// Everything else is what admission.Webhook does: a bounded body, the
// Content-Type check, the uid echoed, warnings, denials as Status, and
// recovery from panics. It is registered on controller-runtime's webhook
// server, which serves TLS and counts every request in its
// controller_runtime_webhook_* metrics. The decision itself is
// DeploymentValidator's, shared with every other caller.
type DeploymentHandler struct {
	Validator *DeploymentValidator
	// Log is the base logger; every request's logger adds its uid, user
	// and Deployment when it logs.
	Log logr.Logger
}

// NewDeploymentHandler returns the handler for v, logging under
// "admission" like controller-runtime's webhooks.
func NewDeploymentHandler(v *DeploymentValidator) *DeploymentHandler {
	// Compile the decoder for the review type now rather than on the first
	// request, which would otherwise wait for it.
	if sonic.APIKind != sonic.UseStdJSON {
		_ = sonic.Pretouch(reflect.TypeFor[deploymentReview]())
	}
	return &DeploymentHandler{Validator: v, Log: logf.Log.WithName("admission")}
}

var _ http.Handler = &DeploymentHandler{}

// ServeHTTP answers one AdmissionReview. Malformed requests get an
// AdmissionReview whose response is an error (carrying the uid whenever
// the envelope could be read), as controller-runtime answers them.
func (h *DeploymentHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req *deploymentRequest
	defer func() {
		if p := recover(); p != nil {
			h.writeResponse(w, h.recovered(req, p))
		}
	}()
	resp := h.handle(r, &req)
	h.writeResponse(w, resp)
}

// recovered turns a panic into an answer, in the webhook's failure
// semantics: it fails open, like every other error the validator cannot
// decide on (the controller's audit reports the Deployment), with a
// warning that says so; the panic is logged with its stack and counted in
// prodready_admission_panics_total. The process keeps serving.
func (h *DeploymentHandler) recovered(req *deploymentRequest, p any) admission.Response {
	admissionPanics.Inc()
	log := h.Log
	if req != nil {
		log = requestLogger(log, req.admissionRequest())
		if req.Object != nil {
			log = log.WithValues("deployment", types.NamespacedName{Namespace: req.Object.Namespace, Name: req.Object.Name}.String())
		}
	}
	log.Error(fmt.Errorf("panic: %v", p), "Recovered from a panic in the Deployment webhook; admitting", "stack", string(debug.Stack()))
	if req == nil {
		// Nothing was decoded: there is no uid to answer to.
		return admission.Errored(http.StatusInternalServerError, fmt.Errorf("panic: %v [recovered]", p))
	}
	resp := admission.Allowed("").WithWarnings("prodready could not evaluate this Deployment (internal error, logged by the webhook); it was admitted and will be audited")
	resp.UID = req.UID
	return resp
}

func (h *DeploymentHandler) handle(r *http.Request, reqOut **deploymentRequest) admission.Response {
	if r.Body == nil || r.Body == http.NoBody {
		return h.malformed(nil, http.StatusBadRequest, errors.New("the request body is empty"))
	}
	defer func() { _ = r.Body.Close() }()
	if ct := r.Header.Get("Content-Type"); !isJSON(ct) {
		return h.malformed(nil, http.StatusBadRequest, fmt.Errorf("contentType=%s, expected application/json", ct))
	}
	body, err := readBody(r.Body, r.ContentLength)
	if err != nil {
		code := int32(http.StatusBadRequest)
		if errors.Is(err, errTooLarge) {
			code = http.StatusRequestEntityTooLarge
		}
		return h.malformed(nil, code, err)
	}

	var rev deploymentReview
	if err := reviewJSON.Unmarshal(body, &rev); err != nil {
		uid, err := explainDecodeError(body, err)
		return h.malformed(uid, http.StatusBadRequest, err)
	}
	req := rev.Request
	if rev.APIVersion != admissionv1.SchemeGroupVersion.String() || rev.Kind != "AdmissionReview" {
		var uid *types.UID
		if req != nil {
			uid = &req.UID
		}
		return h.malformed(uid, http.StatusBadRequest, fmt.Errorf(
			"unsupported AdmissionReview (apiVersion %q, kind %q): this webhook serves admission.k8s.io/v1 AdmissionReview only; set admissionReviewVersions: [v1]",
			rev.APIVersion, rev.Kind))
	}
	if req == nil {
		return h.malformed(nil, http.StatusBadRequest, errors.New("the AdmissionReview has no request"))
	}
	*reqOut = req
	for _, o := range []struct {
		field string
		d     *appsv1.Deployment
	}{{"request.object", req.Object}, {"request.oldObject", req.OldObject}} {
		if o.d == nil {
			continue
		}
		if err := checkKind(o.d.TypeMeta); err != nil {
			return h.malformed(&req.UID, http.StatusBadRequest, fmt.Errorf("%s: %w", o.field, err))
		}
	}

	ar := req.admissionRequest()
	ctx := admission.NewContextWithRequest(r.Context(), ar)
	ctx = logf.IntoContext(ctx, h.Log)
	var warnings admission.Warnings
	switch req.Operation {
	case admissionv1.Create:
		if req.Object == nil {
			return h.malformed(&req.UID, http.StatusBadRequest, errors.New("request.object is empty: there is no content to decode"))
		}
		warnings, err = h.Validator.ValidateCreate(ctx, req.Object)
	case admissionv1.Update:
		if req.Object == nil || req.OldObject == nil {
			return h.malformed(&req.UID, http.StatusBadRequest, errors.New("an UPDATE needs request.object and request.oldObject: there is no content to decode"))
		}
		warnings, err = h.Validator.ValidateUpdate(ctx, req.OldObject, req.Object)
	case admissionv1.Delete, admissionv1.Connect:
		// The webhook is registered for creates and updates only.
	default:
		return h.malformed(&req.UID, http.StatusBadRequest, fmt.Errorf("unknown operation %q", req.Operation))
	}
	return verdictResponse(ctx, ar, warnings, err)
}

// verdictResponse is the validator's answer as admission.Webhook words it:
// an API status error is returned as the response's status (its causes
// list every violation), any other error as a plain denial.
func verdictResponse(ctx context.Context, ar admission.Request, warnings admission.Warnings, err error) admission.Response {
	var resp admission.Response
	var apiStatus apierrors.APIStatus
	switch {
	case err == nil:
		resp = admission.Allowed("")
	case errors.As(err, &apiStatus):
		status := apiStatus.Status()
		resp = admission.Response{AdmissionResponse: admissionv1.AdmissionResponse{Allowed: false, Result: &status}}
	default:
		resp = admission.Denied(err.Error())
	}
	resp = resp.WithWarnings(warnings...)
	if err := resp.Complete(ar); err != nil {
		logf.FromContext(ctx).Error(err, "Unable to complete the admission response")
		resp = admission.Errored(http.StatusInternalServerError, err)
		resp.UID = ar.UID
	}
	return resp
}

// malformed answers a request that cannot be evaluated with an error
// response, echoing the uid when it is known.
func (h *DeploymentHandler) malformed(uid *types.UID, code int32, err error) admission.Response {
	msg := err.Error()
	if len(msg) > maxErrorBytes {
		msg = msg[:maxErrorBytes] + "…"
	}
	log := h.Log.V(1)
	if uid != nil {
		log = log.WithValues("requestID", *uid)
	}
	log.Info("Rejected a malformed admission request", "code", code, "error", msg)
	resp := admission.Errored(code, errors.New(msg))
	if uid != nil {
		resp.UID = *uid
	}
	return resp
}

func (h *DeploymentHandler) writeResponse(w http.ResponseWriter, resp admission.Response) {
	w.Header().Set("Content-Type", "application/json")
	ar := admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: admissionv1.SchemeGroupVersion.String(), Kind: "AdmissionReview"},
		Response: &resp.AdmissionResponse,
	}
	if err := json.NewEncoder(w).Encode(ar); err != nil {
		// The response is a plain value; failing to write it means the
		// connection is gone.
		h.Log.Error(err, "Unable to write the admission response", "requestID", resp.UID)
	}
}

// requestLogger is the per-request logger: which request, from whom.
func requestLogger(log logr.Logger, req admission.Request) logr.Logger {
	return log.WithValues("requestID", req.UID, "user", req.UserInfo.Username)
}

func isJSON(contentType string) bool {
	if contentType == "application/json" {
		return true
	}
	media, _, err := mime.ParseMediaType(contentType)
	return err == nil && media == "application/json"
}

var errTooLarge = fmt.Errorf("request entity is too large; limit is %d bytes", MaxReviewBytes)

// readBody reads at most MaxReviewBytes, in one allocation when the
// request states its length.
func readBody(r io.Reader, contentLength int64) ([]byte, error) {
	if contentLength > MaxReviewBytes {
		return nil, errTooLarge
	}
	var buf bytes.Buffer
	if contentLength > 0 {
		buf.Grow(int(contentLength) + bytes.MinRead)
	}
	if _, err := buf.ReadFrom(io.LimitReader(r, MaxReviewBytes+1)); err != nil {
		return nil, fmt.Errorf("reading the request body: %w", err)
	}
	if buf.Len() > MaxReviewBytes {
		return nil, errTooLarge
	}
	return buf.Bytes(), nil
}

// checkKind applies the rule controller-runtime's decoder applies through
// apimachinery's serializer: an object may leave apiVersion and kind out,
// but when it names them they must name an apps/v1 Deployment.
func checkKind(tm metav1.TypeMeta) error {
	gv, err := schema.ParseGroupVersion(tm.APIVersion)
	if err != nil {
		return err
	}
	gvk := gv.WithKind(tm.Kind)
	want := appsv1.SchemeGroupVersion.WithKind("Deployment")
	if gvk.Kind == "" {
		gvk.Kind = want.Kind
	}
	if gvk.Version == "" && (gvk.Group == "" || gvk.Group == want.Group) {
		gvk.Group, gvk.Version = want.Group, want.Version
	}
	if gvk != want {
		return fmt.Errorf("unable to decode %s into an apps/v1 Deployment", gvk)
	}
	return nil
}

// rawReview reads a review's uid and objects without decoding them, to
// explain a failed decode.
type rawReview struct {
	Request *struct {
		UID       types.UID       `json:"uid"`
		Object    json.RawMessage `json:"object"`
		OldObject json.RawMessage `json:"oldObject"`
	} `json:"request"`
}

// explainDecodeError runs only when a review failed to decode. When the
// envelope itself is sound it returns the request's uid, so the answer can
// be matched to the request (as controller-runtime's is when only an
// object fails), and says which object failed.
func explainDecodeError(body []byte, err error) (*types.UID, error) {
	var rr rawReview
	if reviewJSON.Unmarshal(body, &rr) != nil || rr.Request == nil {
		return nil, fmt.Errorf("decoding the AdmissionReview: %w", err)
	}
	for _, o := range []struct {
		field string
		raw   json.RawMessage
	}{{"request.object", rr.Request.Object}, {"request.oldObject", rr.Request.OldObject}} {
		if len(o.raw) == 0 || string(o.raw) == "null" {
			continue
		}
		var d appsv1.Deployment
		if oerr := reviewJSON.Unmarshal(o.raw, &d); oerr != nil {
			return &rr.Request.UID, fmt.Errorf("decoding %s: %w", o.field, oerr)
		}
	}
	return &rr.Request.UID, fmt.Errorf("decoding the AdmissionReview: %w", err)
}
