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

// Package apiclient configures how the operator talks to the API server.
package apiclient

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"k8s.io/client-go/rest"
)

// BoundRequests makes every request to the API server fail when its
// response headers do not arrive within timeout, and never cuts a response
// that has started: a watch stays open as long as the server keeps it.
//
// rest.Config.Timeout is not the tool for this: client-go uses it as
// http.Client.Timeout, which also covers reading the body, so it cuts every
// informer's watch after that long (the informer then re-lists or re-watches)
// and fails any LIST whose body takes longer to stream. The bound here covers
// the wait for the response headers, like http.Transport's
// ResponseHeaderTimeout: a hung connection or an API server that never
// answers is given up on, while a long but progressing body (a large LIST)
// and a watch stream are not cut. The API server bounds its own handling of
// non-watch requests (--request-timeout, 1m by default), and client-go's
// HTTP/2 health checks detect dead connections under an open stream.
//
// Callers that know a tighter bound pass a context with a deadline; this
// catches the calls that do not, including those of libraries that use
// context.Background().
func BoundRequests(cfg *rest.Config, timeout time.Duration) {
	if timeout <= 0 {
		return
	}
	cfg.Timeout = 0
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return &headerTimeout{next: rt, timeout: timeout}
	})
}

type headerTimeout struct {
	next    http.RoundTripper
	timeout time.Duration
}

func (h *headerTimeout) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancelCause(req.Context())
	timer := time.AfterFunc(h.timeout, func() {
		cancel(fmt.Errorf("no response from the API server within %s (%s %s)", h.timeout, req.Method, req.URL.Path))
	})
	resp, err := h.next.RoundTrip(req.WithContext(ctx))
	timer.Stop()
	if err != nil {
		if cause := context.Cause(ctx); cause != nil && req.Context().Err() == nil {
			err = fmt.Errorf("%w: %w", cause, err)
		}
		cancel(nil)
		return nil, err
	}
	// The body may still be streaming: release the context when it is
	// closed, not now.
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: func() { cancel(nil) }}
	return resp, nil
}

// WrappedRoundTripper lets client-go's debugging wrappers see through.
func (h *headerTimeout) WrappedRoundTripper() http.RoundTripper { return h.next }

type cancelOnClose struct {
	io.ReadCloser
	cancel func()
}

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}
