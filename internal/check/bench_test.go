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

package check

import (
	"os"
	"testing"

	"github.com/prodready/prodready/internal/manifest"
)

// BenchmarkCorpus checks the corpus in $PRODREADY_CORPUS (a file or
// directory written by hack/corpus) against a Deployment-wide policy, for
// profiling: PRODREADY_CORPUS=_out/bench/corpus-1000/bundle.yaml go test
// ./internal/check -run '^$' -bench Corpus -cpuprofile cpu.out
func BenchmarkCorpus(b *testing.B) {
	path := os.Getenv("PRODREADY_CORPUS")
	if path == "" {
		b.Skip("set PRODREADY_CORPUS to a hack/corpus file or directory")
	}
	srcs, err := manifest.Expand([]string{path})
	if err != nil {
		b.Fatal(err)
	}
	policy := []byte("apiVersion: prodready.io/v1alpha1\nkind: ClusterReadinessPolicy\nmetadata: {name: all}\nspec:\n  rules:\n    probes: {readiness: Required, liveness: Required, distinct: true}\n    resources: {requests: [cpu, memory], limits: [memory]}\n    replicas: {minimum: 2}\n    podDisruptionBudget: {required: true, allowsDisruption: true}\n")
	b.ReportAllocs()
	for b.Loop() {
		r, err := Run(Options{}, nil, srcs, policy)
		if err != nil {
			b.Fatal(err)
		}
		if len(r.Deployments) == 0 {
			b.Fatal("no Deployments checked")
		}
	}
}
