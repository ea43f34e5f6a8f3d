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

package startup

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
)

// Drain delays the shutdown of the manager after a termination signal: it
// first reports not ready, so that whatever routes admission reviews (the
// Service's endpoints, a load balancer) stops sending new ones, keeps
// serving for delay, and only then ends the context the manager runs
// with; the webhook server then stops accepting connections and finishes
// the reviews in flight.
//
// In a pod the preStop sleep gives the same pause (config/manager); the
// delay is for processes without one, such as those of `make up`.
type Drain struct {
	delay    time.Duration
	draining atomic.Bool
}

// NewDrain returns a Drain that waits delay between the signal and the
// shutdown; 0 shuts down at once.
func NewDrain(delay time.Duration) *Drain { return &Drain{delay: delay} }

// Context returns a context that ends delay after signals ends.
func (d *Drain) Context(signals context.Context, log logr.Logger) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-signals.Done()
		d.draining.Store(true)
		if d.delay > 0 {
			log.Info("Termination requested; reporting not ready and serving on before shutting down", "delay", d.delay)
			time.Sleep(d.delay)
		}
		cancel()
	}()
	return ctx
}

// ReadyCheck fails once a termination signal has arrived.
func (d *Drain) ReadyCheck(_ *http.Request) error {
	if d.draining.Load() {
		return errors.New("shutting down")
	}
	return nil
}
