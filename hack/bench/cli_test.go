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

import "testing"

// TestMedianRun checks that each figure of row 6 is the median of its own
// runs, so one disturbed run moves none of them.
func TestMedianRun(t *testing.T) {
	got := medianRun([]cliRun{
		{Deployments: 1000, Layout: "files", WallSeconds: 0.62, CPUSeconds: 0.30, PeakRSSMiB: 99},
		{Deployments: 1000, Layout: "files", WallSeconds: 0.20, CPUSeconds: 0.51, PeakRSSMiB: 108},
		{Deployments: 1000, Layout: "files", WallSeconds: 0.22, CPUSeconds: 0.33, PeakRSSMiB: 101},
	})
	want := cliRun{Deployments: 1000, Layout: "files", WallSeconds: 0.22, CPUSeconds: 0.33, PeakRSSMiB: 101, Runs: 3}
	if got != want {
		t.Errorf("medianRun = %+v, want %+v", got, want)
	}
}
