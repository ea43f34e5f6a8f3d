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
	"testing"
	"time"

	"github.com/go-logr/logr"
)

func TestDrainReportsNotReadyBeforeShuttingDown(t *testing.T) {
	signals, signal := context.WithCancel(context.Background())
	d := NewDrain(time.Hour)
	ctx := d.Context(signals, logr.Discard())
	if err := d.ReadyCheck(nil); err != nil {
		t.Fatalf("ready before the signal: %v", err)
	}
	signal()
	deadline := time.Now().Add(10 * time.Second)
	for d.ReadyCheck(nil) == nil {
		if time.Now().After(deadline) {
			t.Fatal("still ready after the signal")
		}
		time.Sleep(time.Millisecond)
	}
	if ctx.Err() != nil {
		t.Fatal("the manager's context ended before the delay")
	}
}

func TestDrainWithoutDelayShutsDownAtOnce(t *testing.T) {
	signals, signal := context.WithCancel(context.Background())
	d := NewDrain(0)
	ctx := d.Context(signals, logr.Discard())
	signal()
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the manager's context did not end")
	}
	if d.ReadyCheck(nil) == nil {
		t.Fatal("ready while shutting down")
	}
}
