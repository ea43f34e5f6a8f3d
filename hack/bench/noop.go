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

package main

import (
	"bytes"
	"io"
	"net/http"

	prodreadywebhook "github.com/prodready/prodready/internal/webhook"
)

// noopHandler is the floor prodready's webhook is measured against: a
// webhook that admits every AdmissionReview without decoding it. It reads
// the whole body (bounded like prodready's handler, so the bytes cross TLS
// and HTTP the same way), finds the first `"uid":"` in it, which in a
// review from kube-apiserver or the load generator is request.uid (the
// first field of request; userInfo.uid comes later), copies the bytes up to
// the next `"` without unescaping (uids are UUIDs), and answers
// {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":"<uid>","allowed":true}}.
// A body without that token is answered with HTTP 400.
type noopHandler struct{}

var uidToken = []byte(`"uid":"`)

func (noopHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var buf bytes.Buffer
	if r.ContentLength > 0 && r.ContentLength <= prodreadywebhook.MaxReviewBytes {
		buf.Grow(int(r.ContentLength) + bytes.MinRead)
	}
	if _, err := buf.ReadFrom(io.LimitReader(r.Body, prodreadywebhook.MaxReviewBytes+1)); err != nil || buf.Len() > prodreadywebhook.MaxReviewBytes {
		http.Error(w, "unreadable or too large", http.StatusBadRequest)
		return
	}
	body := buf.Bytes()
	i := bytes.Index(body, uidToken)
	if i < 0 {
		http.Error(w, "no uid", http.StatusBadRequest)
		return
	}
	uid := body[i+len(uidToken):]
	end := bytes.IndexByte(uid, '"')
	if end < 0 {
		http.Error(w, "no uid", http.StatusBadRequest)
		return
	}
	out := make([]byte, 0, 128)
	out = append(out, `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":"`...)
	out = append(out, uid[:end]...)
	out = append(out, `","allowed":true}}`...)
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(out)
}
