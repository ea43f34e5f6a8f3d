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
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	openreportsv1alpha1 "github.com/openreports/reports-api/apis/openreports.io/v1alpha1"
	prometheustestutil "github.com/prometheus/client_golang/prometheus/testutil"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
	"github.com/prodready/prodready/internal/reports"
	"github.com/prodready/prodready/internal/testutil"
)

const (
	timeout  = 30 * time.Second
	interval = 100 * time.Millisecond
)

func newNamespace(labels map[string]string) string {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "reports-test-", Labels: labels}}
	Expect(k8sClient.Create(ctx, ns)).To(Succeed())
	return ns.Name
}

func createDeployment(ns, name string) *appsv1.Deployment {
	d := testutil.CompliantDeployment(ns, name, 1)
	Expect(k8sClient.Create(ctx, d)).To(Succeed())
	return d
}

func readinessOnly() prodreadyv1alpha1.Rules {
	return prodreadyv1alpha1.Rules{Probes: &prodreadyv1alpha1.ProbeRules{Readiness: prodreadyv1alpha1.RequirementRequired}}
}

func createPolicy(ns string, rules prodreadyv1alpha1.Rules) *prodreadyv1alpha1.ReadinessPolicy {
	p := &prodreadyv1alpha1.ReadinessPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "probes"},
		Spec:       prodreadyv1alpha1.PolicySpec{Rules: rules},
	}
	Expect(k8sClient.Create(ctx, p)).To(Succeed())
	return p
}

func reportKey(d *appsv1.Deployment) client.ObjectKey {
	return client.ObjectKey{Namespace: d.Namespace, Name: "prodready-" + string(d.UID)}
}

func getReport(d *appsv1.Deployment) func(g Gomega) *openreportsv1alpha1.Report {
	return func(g Gomega) *openreportsv1alpha1.Report {
		var r openreportsv1alpha1.Report
		g.Expect(k8sClient.Get(ctx, reportKey(d), &r)).To(Succeed())
		return &r
	}
}

func reportGone(d *appsv1.Deployment) func() bool {
	return func() bool {
		var r openreportsv1alpha1.Report
		return apierrors.IsNotFound(k8sClient.Get(ctx, reportKey(d), &r))
	}
}

// resultsByPolicy renders a report's results as policy -> rule/container -> result.
func resultsByPolicy(r *openreportsv1alpha1.Report) map[string]map[string]openreportsv1alpha1.Result {
	out := map[string]map[string]openreportsv1alpha1.Result{}
	for _, res := range r.Results {
		if out[res.Policy] == nil {
			out[res.Policy] = map[string]openreportsv1alpha1.Result{}
		}
		out[res.Policy][res.Rule+"/"+res.Properties["container"]] = res.Result
	}
	return out
}

func applyWrites() float64 {
	return prometheustestutil.ToFloat64(reportWrites.WithLabelValues(opApply, "success"))
}

var _ = Describe("Report writer", Ordered, func() {
	It("waits while the OpenReports CRDs are missing and starts writing once they are installed", func() {
		ns := newNamespace(nil)
		d := createDeployment(ns, "web")
		createPolicy(ns, readinessOnly())

		// Without the CRDs the operator keeps running and writes nothing.
		Consistently(managerDone).WithTimeout(2 * time.Second).ShouldNot(BeClosed())
		Expect(applyWrites()).To(BeZero())

		_, err := envtest.InstallCRDs(cfg, envtest.CRDInstallOptions{Paths: openReportsCRDs})
		Expect(err).NotTo(HaveOccurred())

		Eventually(getReport(d)).WithTimeout(timeout).WithPolling(interval).Should(Not(BeNil()))
		var rep openreportsv1alpha1.Report
		Expect(k8sClient.Get(ctx, reportKey(d), &rep)).To(Succeed())
		Expect(rep.Labels).To(HaveKeyWithValue("app.kubernetes.io/managed-by", "prodready"))
		Expect(rep.Source).To(Equal("prodready"))
		Expect(rep.Scope).To(HaveValue(Equal(corev1.ObjectReference{
			APIVersion: "apps/v1", Kind: "Deployment", Namespace: ns, Name: "web", UID: d.UID,
		})))
		Expect(rep.OwnerReferences).To(ConsistOf(metav1.OwnerReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web", UID: d.UID}))
		Expect(resultsByPolicy(&rep)).To(Equal(map[string]map[string]openreportsv1alpha1.Result{
			ns + "/probes": {"probes.readiness/app": reports.ResultPass},
		}))
		Expect(rep.Summary).To(Equal(openreportsv1alpha1.ReportSummary{Pass: 1}))
		// Written with server-side apply by one field manager.
		Expect(rep.ManagedFields).To(ContainElement(HaveField("Manager", FieldManager)))
		Expect(rep.ManagedFields).To(HaveEach(HaveField("Operation", metav1.ManagedFieldsOperationApply)))
	})

	It("writes a report only when its content changes, and keeps the timestamps of unchanged results", func() {
		ns := newNamespace(nil)
		d := createDeployment(ns, "web")
		p := createPolicy(ns, prodreadyv1alpha1.Rules{Probes: &prodreadyv1alpha1.ProbeRules{
			Readiness: prodreadyv1alpha1.RequirementRequired, Liveness: prodreadyv1alpha1.RequirementRequired,
		}})
		Eventually(getReport(d)).WithTimeout(timeout).WithPolling(interval).
			Should(HaveField("Summary", openreportsv1alpha1.ReportSummary{Pass: 2}))
		var before openreportsv1alpha1.Report
		Expect(k8sClient.Get(ctx, reportKey(d), &before)).To(Succeed())
		writes := applyWrites()

		// Changes that trigger a re-evaluation but change no result: a new
		// policy generation, a relabeled Deployment, a later time.
		testClock.SetTime(testClock.Now().Add(time.Hour))
		p.Spec.Exemptions = []prodreadyv1alpha1.Exemption{{Deployments: []string{"someone-else"}, Rules: []string{"probes"}, Reason: "not this one"}}
		Expect(k8sClient.Update(ctx, p)).To(Succeed())
		patch := client.MergeFrom(d.DeepCopy())
		d.Labels["touched"] = "yes"
		Expect(k8sClient.Patch(ctx, d, patch)).To(Succeed())
		Consistently(func(g Gomega) {
			var now openreportsv1alpha1.Report
			g.Expect(k8sClient.Get(ctx, reportKey(d), &now)).To(Succeed())
			g.Expect(now.ResourceVersion).To(Equal(before.ResourceVersion))
			g.Expect(applyWrites()).To(Equal(writes))
		}).WithTimeout(3 * time.Second).WithPolling(200 * time.Millisecond).Should(Succeed())

		// A real change: the liveness probe goes. One write; the readiness
		// result keeps its timestamp, the liveness result gets the new one.
		patch = client.MergeFrom(d.DeepCopy())
		d.Spec.Template.Spec.Containers[0].LivenessProbe = nil
		Expect(k8sClient.Patch(ctx, d, patch)).To(Succeed())
		Eventually(getReport(d)).WithTimeout(timeout).WithPolling(interval).
			Should(HaveField("Summary", openreportsv1alpha1.ReportSummary{Pass: 1, Fail: 1}))
		var changed openreportsv1alpha1.Report
		Expect(k8sClient.Get(ctx, reportKey(d), &changed)).To(Succeed())
		stamps := map[string]int64{}
		for _, res := range changed.Results {
			stamps[res.Rule] = res.Timestamp.Seconds
		}
		Expect(stamps).To(Equal(map[string]int64{
			"probes.readiness": before.Results[1].Timestamp.Seconds,
			"probes.liveness":  testClock.Now().Unix(),
		}))
		Expect(before.Results[1].Rule).To(Equal("probes.readiness"))
		Consistently(applyWrites).WithTimeout(2 * time.Second).Should(Equal(writes + 1))
	})

	It("keeps one result per policy, drops a deleted policy's results and prunes the report when no policy selects the Deployment", func() {
		ns := newNamespace(map[string]string{"reports-test": "prune"})
		d := createDeployment(ns, "web")
		other := createDeployment(ns, "other")
		local := createPolicy(ns, readinessOnly())
		local.Spec.Selector = &prodreadyv1alpha1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}
		Expect(k8sClient.Update(ctx, local)).To(Succeed())
		cluster := &prodreadyv1alpha1.ClusterReadinessPolicy{
			ObjectMeta: metav1.ObjectMeta{Name: "reports-test-replicas"},
			Spec: prodreadyv1alpha1.ClusterReadinessPolicySpec{
				PolicySpec: prodreadyv1alpha1.PolicySpec{
					Selector: &prodreadyv1alpha1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
					Rules:    prodreadyv1alpha1.Rules{Replicas: &prodreadyv1alpha1.ReplicaRules{Minimum: 2}},
				},
				NamespaceSelector: &prodreadyv1alpha1.LabelSelector{MatchLabels: map[string]string{"reports-test": "prune"}},
			},
		}
		Expect(k8sClient.Create(ctx, cluster)).To(Succeed())
		DeferCleanup(func() { Expect(client.IgnoreNotFound(k8sClient.Delete(ctx, cluster))).To(Succeed()) })

		Eventually(func(g Gomega) map[string]map[string]openreportsv1alpha1.Result {
			return resultsByPolicy(getReport(d)(g))
		}).WithTimeout(timeout).WithPolling(interval).Should(Equal(map[string]map[string]openreportsv1alpha1.Result{
			ns + "/probes":          {"probes.readiness/app": reports.ResultPass},
			"reports-test-replicas": {"replicas.minimum/": reports.ResultFail},
		}))
		Expect(getReport(d)(Default).Summary).To(Equal(openreportsv1alpha1.ReportSummary{Pass: 1, Fail: 1}))
		// No policy selects "other": no report.
		Consistently(reportGone(other)).WithTimeout(time.Second).Should(BeTrue())

		Expect(k8sClient.Delete(ctx, local)).To(Succeed())
		Eventually(func(g Gomega) map[string]map[string]openreportsv1alpha1.Result {
			return resultsByPolicy(getReport(d)(g))
		}).WithTimeout(timeout).WithPolling(interval).Should(Equal(map[string]map[string]openreportsv1alpha1.Result{
			"reports-test-replicas": {"replicas.minimum/": reports.ResultFail},
		}))

		Expect(k8sClient.Delete(ctx, cluster)).To(Succeed())
		Eventually(reportGone(d)).WithTimeout(timeout).WithPolling(interval).Should(BeTrue())
	})

	It("updates a report when a Service or a PriorityClass a rule reads changes, with nothing else changing", func() {
		ns := newNamespace(nil)
		d := testutil.CompliantDeployment(ns, "web", 1)
		d.Spec.Template.Spec.Containers[0].Ports = []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}}
		d.Spec.Template.Spec.PriorityClassName = "reports-test-high"
		Expect(k8sClient.Create(ctx, d)).To(Succeed())
		minimum := int32(1000)
		createPolicy(ns, prodreadyv1alpha1.Rules{
			Shutdown: &prodreadyv1alpha1.ShutdownRules{PreStop: prodreadyv1alpha1.RequirementRequired},
			Priority: &prodreadyv1alpha1.PriorityRules{Minimum: &minimum},
		})
		// No Service serves the pods: preStop passes. The PriorityClass
		// does not exist: priority.class fails.
		Eventually(func(g Gomega) map[string]map[string]openreportsv1alpha1.Result {
			return resultsByPolicy(getReport(d)(g))
		}).WithTimeout(timeout).WithPolling(interval).Should(Equal(map[string]map[string]openreportsv1alpha1.Result{
			ns + "/probes": {"shutdown.preStop/app": reports.ResultPass, "priority.class/": reports.ResultFail},
		}))

		// A Service alone starts serving the pods: preStop now fails.
		svc := &corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"},
			Spec: corev1.ServiceSpec{
				Selector: map[string]string{"app": "web"},
				Ports:    []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromString("http")}},
			},
		}
		Expect(k8sClient.Create(ctx, svc)).To(Succeed())
		Eventually(func(g Gomega) openreportsv1alpha1.Result {
			return resultsByPolicy(getReport(d)(g))[ns+"/probes"]["shutdown.preStop/app"]
		}).WithTimeout(timeout).WithPolling(interval).Should(Equal(reports.ResultFail))

		// A PriorityClass alone appears, with a high enough value: the
		// priority rule now passes.
		pc := &schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: "reports-test-high"}, Value: 2000}
		Expect(k8sClient.Create(ctx, pc)).To(Succeed())
		DeferCleanup(func() { Expect(client.IgnoreNotFound(k8sClient.Delete(ctx, pc))).To(Succeed()) })
		Eventually(func(g Gomega) openreportsv1alpha1.Result {
			return resultsByPolicy(getReport(d)(g))[ns+"/probes"]["priority.class/"]
		}).WithTimeout(timeout).WithPolling(interval).Should(Equal(reports.ResultPass))
	})

	It("cleans up at start the reports orphaned while the operator was down", func() {
		ns := newNamespace(nil)
		d := createDeployment(ns, "web")
		p := createPolicy(ns, readinessOnly())
		Eventually(getReport(d)).WithTimeout(timeout).WithPolling(interval).Should(Not(BeNil()))

		restartManager(func() {
			Expect(k8sClient.Delete(ctx, p)).To(Succeed())
			Consistently(reportGone(d)).WithTimeout(time.Second).Should(BeFalse(), "nobody prunes while the operator is down")
		})
		Eventually(reportGone(d)).WithTimeout(timeout).WithPolling(interval).Should(BeTrue())
	})
})
