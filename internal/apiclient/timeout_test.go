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

package apiclient

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

const bound = 300 * time.Millisecond

// fakeAPIServer answers watches of ConfigMaps with one event at once and a
// second one after 4×bound; a LIST with its body streamed over 4×bound; and
// GETs of ConfigMap "hang" never.
func fakeAPIServer(t *testing.T) *httptest.Server {
	t.Helper()
	event := func(name string) string {
		return fmt.Sprintf(`{"type":"ADDED","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":%q,"namespace":"ns","resourceVersion":"1"}}}`+"\n", name)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fl := w.(http.Flusher)
		switch {
		case r.URL.Query().Get("watch") == "true":
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(event("first")))
			fl.Flush()
			select {
			case <-time.After(4 * bound):
			case <-r.Context().Done():
				return
			}
			_, _ = w.Write([]byte(event("second")))
			fl.Flush()
			<-r.Context().Done()
		case strings.HasSuffix(r.URL.Path, "/configmaps/hang"):
			<-r.Context().Done()
		case strings.HasSuffix(r.URL.Path, "/configmaps"):
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"apiVersion":"v1","kind":"ConfigMapList","metadata":{"resourceVersion":"1"},"items":[`))
			fl.Flush()
			for i := range 4 {
				time.Sleep(bound)
				if i > 0 {
					_, _ = w.Write([]byte(","))
				}
				_, _ = fmt.Fprintf(w, `{"metadata":{"name":"cm%d","namespace":"ns"}}`, i)
				fl.Flush()
			}
			_, _ = w.Write([]byte(`]}`))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func clientFor(t *testing.T, cfg *rest.Config) kubernetes.Interface {
	t.Helper()
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// secondEvent reports whether a watch delivers the event sent 4×bound after
// the first one, or ends before it.
func secondEvent(t *testing.T, cs kubernetes.Interface) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	w, err := cs.CoreV1().ConfigMaps("ns").Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("opening the watch: %v", err)
	}
	defer w.Stop()
	var names []string
	for ev := range w.ResultChan() {
		if ev.Type == watch.Error {
			t.Logf("watch error event: %v", ev.Object)
			break
		}
		names = append(names, ev.Object.(*corev1.ConfigMap).Name)
		if len(names) == 2 {
			return true
		}
	}
	t.Logf("watch ended after %v", names)
	return false
}

// The claim this package exists for: client-go applies rest.Config.Timeout
// to the whole response, so it cuts watches.
func TestRESTConfigTimeoutCutsWatches(t *testing.T) {
	srv := fakeAPIServer(t)
	cs := clientFor(t, &rest.Config{Host: srv.URL, Timeout: bound})
	if secondEvent(t, cs) {
		t.Fatal("rest.Config.Timeout did not cut the watch; the premise of BoundRequests changed")
	}
}

func TestBoundRequestsKeepsWatchesOpen(t *testing.T) {
	srv := fakeAPIServer(t)
	cfg := &rest.Config{Host: srv.URL, Timeout: bound}
	BoundRequests(cfg, bound)
	if !secondEvent(t, clientFor(t, cfg)) {
		t.Fatal("the watch was cut")
	}
}

func TestBoundRequestsLetsALongListFinish(t *testing.T) {
	srv := fakeAPIServer(t)
	cfg := &rest.Config{Host: srv.URL}
	BoundRequests(cfg, bound)
	list, err := clientFor(t, cfg).CoreV1().ConfigMaps("ns").List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatalf("a LIST whose body streams longer than the bound failed: %v", err)
	}
	if len(list.Items) != 4 {
		t.Fatalf("got %d items, want 4", len(list.Items))
	}
}

func TestBoundRequestsFailsACallWithoutAnswer(t *testing.T) {
	srv := fakeAPIServer(t)
	cfg := &rest.Config{Host: srv.URL}
	BoundRequests(cfg, bound)
	done := make(chan error, 1)
	go func() {
		_, err := clientFor(t, cfg).CoreV1().ConfigMaps("ns").Get(context.Background(), "hang", metav1.GetOptions{})
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "no response from the API server within 300ms") {
			t.Fatalf("got %v, want the timeout error", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the call was never given up on")
	}
}
