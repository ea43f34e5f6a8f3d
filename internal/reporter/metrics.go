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

package reporter

import (
	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Write operations, the operation label of prodready_report_writes_total.
const (
	opApply  = "apply"
	opDelete = "delete"
)

var (
	reportsTotal = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "prodready_reports_total",
		Help: "OpenReports Reports prodready maintains (labeled app.kubernetes.io/managed-by=prodready), as its cache sees them; leader only.",
	})
	reportWrites = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "prodready_report_writes_total",
		Help: "Report writes sent to the API server, by operation (apply, delete) and result (success, error); an unchanged report is not written.",
	}, []string{"operation", "result"})
)

func init() {
	metrics.Registry.MustRegister(reportsTotal, reportWrites)
}

func countWrite(op string, err error) {
	result := "success"
	if err != nil {
		result = "error"
	}
	reportWrites.WithLabelValues(op, result).Inc()
}
