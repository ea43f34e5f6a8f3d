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

package readiness

import (
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
)

// bareDeployment fails every rule of allRules: containers without probes or
// resources, one replica, no PDB, no annotations.
func bareDeployment(containers ...corev1.Container) *appsv1.Deployment {
	d := baseDeployment()
	d.Spec.Replicas = new(int32(1))
	d.Spec.Template.Annotations = nil
	d.Spec.Template.Spec.Containers = containers
	return d
}

func TestChecks(t *testing.T) {
	perContainer := func(rules []string, containers ...string) []Check {
		var out []Check
		for _, r := range rules {
			for _, c := range containers {
				out = append(out, Check{Rule: r, Container: c})
			}
		}
		return out
	}
	containerRules := []string{
		RuleProbesReadiness, RuleProbesLiveness, RuleProbesStartup, RuleProbesDistinct,
		"resources.requests.cpu", "resources.requests.memory", "resources.requests.ephemeral-storage",
		"resources.limits.cpu", "resources.limits.memory", "resources.limits.ephemeral-storage",
	}
	deploymentWide := []Check{{Rule: RuleReplicasMinimum}, {Rule: RulePDBRequired}, {Rule: RulePDBAllowsDisruption}, {Rule: RuleMetricsAnnotation},
		{Rule: RuleRolloutMaxUnavailable}, {Rule: RuleRolloutRevisionHistory}, {Rule: RuleSpreadNodes}, {Rule: RuleSpreadZones}}
	shutdown := []string{RuleShutdownGracePeriod, RuleShutdownPreStop}
	priority := Check{Rule: RulePriorityClass}

	cases := map[string]struct {
		rules prodreadyv1alpha1.Rules
		d     *appsv1.Deployment
		want  []Check
	}{
		"no rules": {d: bareDeployment(plainInit("app")), want: nil},
		"every rule, one container": {
			rules: allRules(), d: bareDeployment(plainInit("app")),
			want: slices.Concat(perContainer(containerRules, "app"), deploymentWide, perContainer(shutdown, "app"),
				perContainer([]string{RuleImagePinned}, "app"), []Check{priority}),
		},
		"native sidecar first, plain init container skipped but by image.pinned": {
			rules: allRules(),
			d: func() *appsv1.Deployment {
				d := bareDeployment(plainInit("app"), plainInit("log"))
				sc := plainInit("mesh")
				sc.RestartPolicy = new(corev1.ContainerRestartPolicyAlways)
				d.Spec.Template.Spec.InitContainers = []corev1.Container{plainInit("migrate"), sc}
				return d
			}(),
			// image.pinned checks plain init containers too.
			want: slices.Concat(perContainer(containerRules, "mesh", "app", "log"), deploymentWide, perContainer(shutdown, "mesh", "app", "log"),
				perContainer([]string{RuleImagePinned}, "migrate", "mesh", "app", "log"), []Check{priority}),
		},
		"only Deployment-wide rules": {
			rules: prodreadyv1alpha1.Rules{Replicas: &prodreadyv1alpha1.ReplicaRules{Minimum: 2}},
			d:     bareDeployment(plainInit("app"), plainInit("log")),
			want:  []Check{{Rule: RuleReplicasMinimum}},
		},
		"one resource": {
			rules: prodreadyv1alpha1.Rules{Resources: &prodreadyv1alpha1.ResourceRules{Limits: []prodreadyv1alpha1.ResourceName{"memory"}}},
			d:     bareDeployment(plainInit("app"), plainInit("log")),
			want:  perContainer([]string{"resources.limits.memory"}, "app", "log"),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := mustCompile(t, &prodreadyv1alpha1.PolicySpec{Rules: tc.rules})
			got := p.Checks(tc.d)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("Checks:\n got %v\nwant %v", got, tc.want)
			}
			// Every finding must be one of the checks, or a report would
			// list a failure it never counted as checked.
			res := evaluate(t, p, Input{Deployment: tc.d}, testNow)
			for _, f := range slices.Concat(res.Violations, res.Exempted) {
				if !slices.Contains(got, Check{Rule: f.Rule, Container: f.Container}) {
					t.Errorf("finding %s/%q is not among the checks %v", f.Rule, f.Container, got)
				}
			}
		})
	}
	if got := (&Policy{}).Checks(nil); got != nil {
		t.Errorf("Checks(nil) = %v, want nil", got)
	}
}

func TestWaiverFor(t *testing.T) {
	expires := metav1.NewTime(testNow.Add(time.Hour))
	spec := &prodreadyv1alpha1.PolicySpec{
		Rules: allRules(),
		Exemptions: []prodreadyv1alpha1.Exemption{
			{Deployments: []string{testName}, Rules: []string{"probes.liveness"}, Containers: []string{"log"}, Reason: "log shipper has no health endpoint", Expires: &expires},
			{Deployments: []string{testName}, Rules: []string{"probes"}, Reason: "probes come in the next release"},
			{Deployments: []string{"other"}, Rules: []string{"replicas"}, Reason: "not this one"},
		},
	}
	p := mustCompile(t, spec)
	d := bareDeployment(plainInit("app"), plainInit("log"))
	cases := map[string]struct {
		f    Finding
		now  time.Time
		want Waiver
		ok   bool
	}{
		"container exemption wins by order":         {f: Finding{Rule: RuleProbesLiveness, Container: "log"}, now: testNow, want: Waiver{Reason: "log shipper has no health endpoint", Expires: expires.Time}, ok: true},
		"expired container exemption falls through": {f: Finding{Rule: RuleProbesLiveness, Container: "log"}, now: testNow.Add(2 * time.Hour), want: Waiver{Reason: "probes come in the next release"}, ok: true},
		"prefix exemption":                          {f: Finding{Rule: RuleProbesReadiness, Container: "app"}, now: testNow, want: Waiver{Reason: "probes come in the next release"}, ok: true},
		"other Deployment's exemption":              {f: Finding{Rule: RuleReplicasMinimum}, now: testNow},
		"rule not covered":                          {f: Finding{Rule: "resources.limits.memory", Container: "app"}, now: testNow},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, ok := p.WaiverFor(d, &tc.f, tc.now)
			if ok != tc.ok || got != tc.want {
				t.Fatalf("WaiverFor = %+v, %v; want %+v, %v", got, ok, tc.want, tc.ok)
			}
			// It must agree with Evaluate.
			res := evaluate(t, p, Input{Deployment: d}, tc.now)
			exempted := slices.ContainsFunc(res.Exempted, func(e Finding) bool { return e.Rule == tc.f.Rule && e.Container == tc.f.Container })
			if exempted != ok {
				t.Errorf("Evaluate exempted %s/%q = %v, WaiverFor = %v", tc.f.Rule, tc.f.Container, exempted, ok)
			}
		})
	}
	if _, ok := p.WaiverFor(nil, &Finding{}, testNow); ok {
		t.Error("WaiverFor(nil Deployment) found a waiver")
	}
}

func TestRuleIDs(t *testing.T) {
	ids := RuleIDs()
	for _, id := range ids {
		if !KnownRuleID(id) {
			t.Errorf("RuleIDs lists %q, which KnownRuleID rejects", id)
		}
	}
	ids[0] = "changed"
	if RuleIDs()[0] == "changed" {
		t.Error("RuleIDs returns the engine's own slice")
	}
}
