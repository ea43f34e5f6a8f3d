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

package controller

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
	"github.com/prodready/prodready/internal/gather"
)

var (
	policyViolations = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "prodready_policy_violations",
		Help: "Current violations of a policy, per namespace and rule ID (all of them, not only the 50 listed in status).",
	}, []string{"policy", "namespace", "rule"})

	policyMatched = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "prodready_policy_matched_deployments",
		Help: "Deployments a policy selects.",
	}, []string{"policy"})

	policyNonCompliant = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "prodready_policy_noncompliant_deployments",
		Help: "Deployments a policy selects that have at least one violation after exemptions, per namespace.",
	}, []string{"policy", "namespace"})

	statusWrites = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "prodready_policy_status_writes_total",
		Help: "Status patches written, per policy kind; a reconcile whose outcome did not change writes none.",
	}, []string{"kind"})

	statusWriteErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "prodready_policy_status_write_errors_total",
		Help: "Status patches that failed (conflicts included; they are retried), per policy kind.",
	}, []string{"kind"})

	policiesInvalid = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "prodready_policies_invalid",
		Help: "Policies whose spec is invalid and which therefore check nothing, per kind and enforcement. " +
			"Set by the leader; other replicas export 0.",
	}, []string{"kind", "enforcement"})

	policyEvaluation = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "prodready_policy_evaluation_seconds",
		Help:    "Time to gather and evaluate every Deployment one policy selects, per reconcile.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 4, 9), // 0.5 ms .. ~33 s
	}, []string{"kind"})
)

func init() {
	metrics.Registry.MustRegister(policyViolations, policyMatched, policyNonCompliant, policyEvaluation, statusWrites, statusWriteErrors, policiesInvalid)
	// Export the status write counters at zero from the start, so that a
	// rate() over them (the ProdreadyStatusWritesFailing alert) sees the
	// first failure instead of a series appearing out of nothing.
	for _, kind := range []string{"ReadinessPolicy", "ClusterReadinessPolicy"} {
		statusWrites.WithLabelValues(kind)
		statusWriteErrors.WithLabelValues(kind)
	}
}

// violationKey is one series of prodready_policy_violations.
type violationKey struct{ namespace, rule string }

// policyMetrics publishes a policy's outcome and removes series that no
// longer apply, so a fixed violation drops to nothing rather than lingering.
type policyMetrics struct {
	mu   sync.Mutex
	last map[gather.PolicyKey]map[violationKey]struct{}
	// lastNonCompliant holds the namespaces with a
	// prodready_policy_noncompliant_deployments series, per policy.
	lastNonCompliant map[gather.PolicyKey]map[string]struct{}
	// invalid holds the enforcement of each invalid policy of this
	// reconciler's kind.
	invalid map[gather.PolicyKey]prodreadyv1alpha1.Enforcement
	kind    string
}

var enforcements = []prodreadyv1alpha1.Enforcement{
	prodreadyv1alpha1.EnforcementAudit, prodreadyv1alpha1.EnforcementWarn, prodreadyv1alpha1.EnforcementEnforce,
}

// newPolicyMetrics returns the metrics of one reconciler; kind is its policy
// kind. prodready_policies_invalid starts at 0 for every enforcement, so an
// alert on it has a series to read before the first invalid policy.
func newPolicyMetrics(kind string) *policyMetrics {
	m := &policyMetrics{
		last:             map[gather.PolicyKey]map[violationKey]struct{}{},
		lastNonCompliant: map[gather.PolicyKey]map[string]struct{}{},
		invalid:          map[gather.PolicyKey]prodreadyv1alpha1.Enforcement{},
		kind:             kind,
	}
	m.publishInvalid()
	return m
}

// setInvalid records whether a policy is invalid, with its enforcement.
func (m *policyMetrics) setInvalid(key gather.PolicyKey, invalid bool, enforcement prodreadyv1alpha1.Enforcement) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if invalid {
		m.invalid[key] = enforcement
	} else {
		delete(m.invalid, key)
	}
	m.publishInvalid()
}

func (m *policyMetrics) publishInvalid() {
	counts := map[prodreadyv1alpha1.Enforcement]int{}
	for _, e := range m.invalid {
		counts[e]++
	}
	for _, e := range enforcements {
		policiesInvalid.WithLabelValues(m.kind, string(e)).Set(float64(counts[e]))
	}
}

func kindOf(key gather.PolicyKey) string {
	if key.Cluster {
		return "ClusterReadinessPolicy"
	}
	return "ReadinessPolicy"
}

func (m *policyMetrics) observe(key gather.PolicyKey, o *outcome, took time.Duration) {
	policyEvaluation.WithLabelValues(kindOf(key)).Observe(took.Seconds())
	name := key.String()
	policyMatched.WithLabelValues(name).Set(float64(o.summary.Matched))

	counts := o.counts
	m.mu.Lock()
	defer m.mu.Unlock()
	for k := range m.last[key] {
		if _, ok := counts[k]; !ok {
			policyViolations.DeleteLabelValues(name, k.namespace, k.rule)
		}
	}
	now := make(map[violationKey]struct{}, len(counts))
	for k, n := range counts {
		policyViolations.WithLabelValues(name, k.namespace, k.rule).Set(float64(n))
		now[k] = struct{}{}
	}
	m.last[key] = now

	perNamespace := map[string]int{}
	for d := range o.nonCompliant {
		perNamespace[d.Namespace]++
	}
	for ns := range m.lastNonCompliant[key] {
		if _, ok := perNamespace[ns]; !ok {
			policyNonCompliant.DeleteLabelValues(name, ns)
		}
	}
	nowNS := make(map[string]struct{}, len(perNamespace))
	for ns, n := range perNamespace {
		policyNonCompliant.WithLabelValues(name, ns).Set(float64(n))
		nowNS[ns] = struct{}{}
	}
	m.lastNonCompliant[key] = nowNS
}

// forget removes every series of a deleted or invalid policy. A deleted
// policy is also no longer counted as invalid (see setInvalid).
func (m *policyMetrics) forget(key gather.PolicyKey) {
	m.mu.Lock()
	defer m.mu.Unlock()
	name := key.String()
	for k := range m.last[key] {
		policyViolations.DeleteLabelValues(name, k.namespace, k.rule)
	}
	delete(m.last, key)
	for ns := range m.lastNonCompliant[key] {
		policyNonCompliant.DeleteLabelValues(name, ns)
	}
	delete(m.lastNonCompliant, key)
	policyMatched.DeleteLabelValues(name)
}
