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

package testutil

import (
	"fmt"
	"sync"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"
)

// RecordedEvent is one call of Eventf.
type RecordedEvent struct {
	// Namespace and Name are the regarding object's.
	Namespace, Name string
	// Related is the related object's name, empty when there is none.
	Related      string
	Type, Reason string
	Note         string
}

// CountingRecorder is an events.EventRecorder that remembers every call and
// passes it on to Next (when set). The events.k8s.io recorder folds repeated
// Events into one object and only raises its series count, so counting Event
// objects cannot tell one emission from many; counting calls can.
type CountingRecorder struct {
	Next events.EventRecorder

	mu     sync.Mutex
	events []RecordedEvent
}

var _ events.EventRecorder = &CountingRecorder{}

// Eventf records the call and forwards it.
func (r *CountingRecorder) Eventf(regarding, related runtime.Object, eventtype, reason, action, note string, args ...any) {
	e := RecordedEvent{Type: eventtype, Reason: reason, Note: fmt.Sprintf(note, args...)}
	if m, err := meta.Accessor(regarding); err == nil {
		e.Namespace, e.Name = m.GetNamespace(), m.GetName()
	}
	if related != nil {
		if m, err := meta.Accessor(related); err == nil {
			e.Related = m.GetName()
		}
	}
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
	if r.Next != nil {
		r.Next.Eventf(regarding, related, eventtype, reason, action, note, args...)
	}
}

// Calls returns the recorded calls about one object with a reason.
func (r *CountingRecorder) Calls(namespace, name, reason string) []RecordedEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []RecordedEvent
	for _, e := range r.events {
		if e.Namespace == namespace && e.Name == name && e.Reason == reason {
			out = append(out, e)
		}
	}
	return out
}

// CallsIn returns every recorded call about objects in a namespace.
func (r *CountingRecorder) CallsIn(namespace string) []RecordedEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []RecordedEvent
	for _, e := range r.events {
		if e.Namespace == namespace {
			out = append(out, e)
		}
	}
	return out
}
