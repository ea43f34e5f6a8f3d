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
	"time"

	"github.com/prometheus/client_golang/prometheus"
	admissionv1 "k8s.io/api/admission/v1"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Admission decisions, the values of the decision label.
const (
	decisionAllowed = "allowed"
	decisionWarned  = "warned"
	decisionDenied  = "denied"
)

var (
	admissionDecisions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "prodready_admission_decisions_total",
		Help: "Admission decisions per policy that selected the Deployment: allowed, warned or denied.",
	}, []string{"policy", "decision", "operation"})

	admissionEvaluation = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "prodready_admission_evaluation_seconds",
		Help:    "Time the Deployment webhook spent gathering and evaluating, per request.",
		Buckets: []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1},
	})

	admissionPanics = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "prodready_admission_panics_total",
		Help: "Panics the Deployment webhook recovered from; each such request was admitted with a warning.",
	})
)

func init() {
	metrics.Registry.MustRegister(admissionDecisions, admissionEvaluation, admissionPanics)
}

func observe(op admissionv1.Operation, decisions map[string]string, took time.Duration) {
	admissionEvaluation.Observe(took.Seconds())
	for policy, d := range decisions {
		admissionDecisions.WithLabelValues(policy, d, string(op)).Inc()
	}
}
