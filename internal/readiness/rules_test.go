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
	"cmp"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
)

const (
	testNamespace = "shop"
	testName      = "web"
)

// testNow is the evaluation time of every test; exemption expiries are
// relative to it.
var testNow = time.Date(2026, time.March, 1, 12, 0, 0, 0, time.UTC)

// httpProbe returns an HTTP GET probe on port 8080 with the given path and
// failureThreshold and every other field unset.
func httpProbe(path string, failureThreshold int32) *corev1.Probe {
	return &corev1.Probe{
		ProbeHandler: corev1.ProbeHandler{
			HTTPGet: &corev1.HTTPGetAction{Path: path, Port: intstr.FromInt32(8080)},
		},
		FailureThreshold: failureThreshold,
	}
}

func fullResources() corev1.ResourceRequirements {
	return corev1.ResourceRequirements{
		Requests: corev1.ResourceList{
			corev1.ResourceCPU:              resource.MustParse("100m"),
			corev1.ResourceMemory:           resource.MustParse("128Mi"),
			corev1.ResourceEphemeralStorage: resource.MustParse("1Gi"),
		},
		Limits: corev1.ResourceList{
			corev1.ResourceCPU:              resource.MustParse("1"),
			corev1.ResourceMemory:           resource.MustParse("256Mi"),
			corev1.ResourceEphemeralStorage: resource.MustParse("2Gi"),
		},
	}
}

// goodContainer passes every container rule: three distinct probes and every
// request and limit.
func goodContainer(name string) corev1.Container {
	return corev1.Container{
		Name:           name,
		Image:          "registry.example/" + name + ":1.0",
		ReadinessProbe: httpProbe("/ready", 3),
		LivenessProbe:  httpProbe("/healthz", 6),
		StartupProbe:   httpProbe("/healthz", 30),
		Resources:      fullResources(),
	}
}

// sidecar returns a native sidecar (restartPolicy: Always) that passes every
// container rule.
func sidecar() corev1.Container {
	const name = "mesh"
	c := goodContainer(name)
	c.RestartPolicy = new(corev1.ContainerRestartPolicyAlways)
	return c
}

// plainInit returns a run-to-completion init container with no probes and no
// resources.
func plainInit(name string) corev1.Container {
	return corev1.Container{Name: name, Image: "registry.example/" + name + ":1.0"}
}

// baseDeployment passes every rule of allRules given goodPDB.
func baseDeployment() *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{
			Name:      testName,
			Namespace: testNamespace,
			Labels:    map[string]string{"app": "web", "team": "payments"},
		},
		Spec: appsv1.DeploymentSpec{
			Replicas: new(int32(3)),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{
					Labels: map[string]string{"app": "web", "tier": "frontend"},
					Annotations: map[string]string{
						"prometheus.io/scrape": "true",
						"prometheus.io/port":   "8080",
					},
				},
				Spec: corev1.PodSpec{
					Containers: []corev1.Container{goodContainer("app")},
					TopologySpreadConstraints: []corev1.TopologySpreadConstraint{
						{MaxSkew: 1, TopologyKey: corev1.LabelHostname, WhenUnsatisfiable: corev1.DoNotSchedule,
							LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}},
						{MaxSkew: 1, TopologyKey: corev1.LabelTopologyZone, WhenUnsatisfiable: corev1.ScheduleAnyway,
							LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}},
					},
				},
			},
		},
	}
}

func pdb(name, namespace string, sel *metav1.LabelSelector) policyv1.PodDisruptionBudget {
	return policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Spec:       policyv1.PodDisruptionBudgetSpec{Selector: sel},
	}
}

func maxUnavailablePDB(name string, v intstr.IntOrString) policyv1.PodDisruptionBudget {
	p := pdb(name, testNamespace, &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}})
	p.Spec.MaxUnavailable = &v
	return p
}

func minAvailablePDB(name string, v intstr.IntOrString) policyv1.PodDisruptionBudget {
	p := pdb(name, testNamespace, &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}})
	p.Spec.MinAvailable = &v
	return p
}

// goodPDB selects the base Deployment's pods and allows one disruption.
func goodPDB() policyv1.PodDisruptionBudget {
	return maxUnavailablePDB("web-pdb", intstr.FromInt32(1))
}

func hpa(name, namespace, kind, apiVersion, target string, minReplicas *int32) autoscalingv2.HorizontalPodAutoscaler {
	return autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{Kind: kind, APIVersion: apiVersion, Name: target},
			MinReplicas:    minReplicas,
			MaxReplicas:    10,
		},
	}
}

// webHPA is an autoscaling/v2 HPA in the test namespace targeting the base
// Deployment.
func webHPA(name string, minReplicas *int32) autoscalingv2.HorizontalPodAutoscaler {
	return hpa(name, testNamespace, "Deployment", "apps/v1", testName, minReplicas)
}

var allResources = []prodreadyv1alpha1.ResourceName{"cpu", "memory", "ephemeral-storage"}

// allRules turns on every rule.
func allRules() prodreadyv1alpha1.Rules {
	return prodreadyv1alpha1.Rules{
		Probes: &prodreadyv1alpha1.ProbeRules{
			Readiness: prodreadyv1alpha1.RequirementRequired,
			Liveness:  prodreadyv1alpha1.RequirementRequired,
			Startup:   prodreadyv1alpha1.RequirementRequired,
			Distinct:  true,
		},
		Resources:           &prodreadyv1alpha1.ResourceRules{Requests: allResources, Limits: allResources},
		Replicas:            &prodreadyv1alpha1.ReplicaRules{Minimum: 2},
		PodDisruptionBudget: &prodreadyv1alpha1.PodDisruptionBudgetRules{Required: true, AllowsDisruption: true},
		Metrics: &prodreadyv1alpha1.MetricsRules{Annotations: []prodreadyv1alpha1.AnnotationRequirement{
			{Key: "prometheus.io/scrape", Value: "true"},
			{Key: "prometheus.io/port", Value: "[0-9]+"},
		}},
		Rollout:  &prodreadyv1alpha1.RolloutRules{MinRevisionHistory: new(int32(2))},
		Spread:   &prodreadyv1alpha1.SpreadRules{Nodes: prodreadyv1alpha1.SpreadRequired, Zones: prodreadyv1alpha1.SpreadPreferred},
		Shutdown: &prodreadyv1alpha1.ShutdownRules{MinimumSeconds: new(int64(10)), PreStop: prodreadyv1alpha1.RequirementRequired},
		Images:   &prodreadyv1alpha1.ImageRules{Pinned: true},
		Priority: &prodreadyv1alpha1.PriorityRules{Minimum: new(int32(0))},
	}
}

func mustCompile(tb testing.TB, spec *prodreadyv1alpha1.PolicySpec) *Policy {
	tb.Helper()
	p, err := Compile(spec, nil)
	if err != nil {
		tb.Fatalf("Compile: %v", err)
	}
	return p
}

// keys strips messages and sorts findings by rule, container and path, so
// that two lists compare by the (Rule, Container, Path) multiset.
func keys(fs []Finding) []Finding {
	out := make([]Finding, 0, len(fs))
	for _, f := range fs {
		out = append(out, Finding{Rule: f.Rule, Container: f.Container, Path: f.Path})
	}
	SortFindings(out)
	slices.SortStableFunc(out, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.Container, b.Container), cmp.Compare(a.Path, b.Path))
	})
	return out
}

func assertFindings(t *testing.T, kind string, got, want []Finding) {
	t.Helper()
	if g, w := keys(got), keys(want); !slices.Equal(g, w) {
		t.Errorf("%s:\n got  %v\n want %v", kind, g, w)
	}
}

// assertMessages checks that every substring appears in the message of some
// finding.
func assertMessages(t *testing.T, fs []Finding, substrings []string) {
	t.Helper()
	for _, s := range substrings {
		if !slices.ContainsFunc(fs, func(f Finding) bool { return strings.Contains(f.Message, s) }) {
			t.Errorf("no finding message contains %q; messages: %q", s, messages(fs))
		}
	}
}

func messages(fs []Finding) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Message
	}
	return out
}

// ruleCase is one row of the per-rule tables: a policy's rules, a change to
// baseDeployment, and the findings expected (no exemptions involved).
type ruleCase struct {
	rules       prodreadyv1alpha1.Rules
	mutate      func(d *appsv1.Deployment)
	pdbs        []policyv1.PodDisruptionBudget
	hpas        []autoscalingv2.HorizontalPodAutoscaler
	want        []Finding
	msgContains []string
}

func runRuleCases(t *testing.T, cases map[string]ruleCase) {
	t.Helper()
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := mustCompile(t, &prodreadyv1alpha1.PolicySpec{Rules: tc.rules})
			d := baseDeployment()
			if tc.mutate != nil {
				tc.mutate(d)
			}
			in := Input{Deployment: d, PodDisruptionBudgets: tc.pdbs, HorizontalPodAutoscalers: tc.hpas}
			before := Input{
				Deployment:               d.DeepCopy(),
				PodDisruptionBudgets:     slices.Clone(tc.pdbs),
				HorizontalPodAutoscalers: slices.Clone(tc.hpas),
			}
			res := evaluate(t, p, in, testNow)
			assertFindings(t, "violations", res.Violations, tc.want)
			if len(res.Exempted) != 0 || !res.NextExpiry.IsZero() {
				t.Errorf("no exemptions configured, got Exempted=%v NextExpiry=%v", res.Exempted, res.NextExpiry)
			}
			if got, want := res.Compliant(), len(tc.want) == 0; got != want {
				t.Errorf("Compliant() = %v, want %v", got, want)
			}
			for _, f := range res.Violations {
				if f.Message == "" {
					t.Errorf("finding %+v has an empty message", f)
				}
			}
			assertMessages(t, res.Violations, tc.msgContains)
			if !equality.Semantic.DeepEqual(in.Deployment, before.Deployment) ||
				!equality.Semantic.DeepEqual(in.PodDisruptionBudgets, before.PodDisruptionBudgets) ||
				!equality.Semantic.DeepEqual(in.HorizontalPodAutoscalers, before.HorizontalPodAutoscalers) {
				t.Error("Evaluate modified its input")
			}
		})
	}
}

func probeRules(readiness, liveness, startup prodreadyv1alpha1.Requirement) prodreadyv1alpha1.Rules {
	return prodreadyv1alpha1.Rules{Probes: &prodreadyv1alpha1.ProbeRules{Readiness: readiness, Liveness: liveness, Startup: startup}}
}

const (
	req = prodreadyv1alpha1.RequirementRequired
	ign = prodreadyv1alpha1.RequirementIgnore
)

func TestProbePresenceRules(t *testing.T) {
	all := probeRules(req, req, req)
	runRuleCases(t, map[string]ruleCase{
		"all probes present": {rules: all},
		"missing readinessProbe": {
			rules:  all,
			mutate: func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].ReadinessProbe = nil },
			want: []Finding{
				{Rule: RuleProbesReadiness, Container: "app", Path: "spec.template.spec.containers[0].readinessProbe"},
			},
			msgContains: []string{`container "app" has no readinessProbe`, "add spec.template.spec.containers[0].readinessProbe"},
		},
		"missing livenessProbe": {
			rules:  all,
			mutate: func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].LivenessProbe = nil },
			want: []Finding{
				{Rule: RuleProbesLiveness, Container: "app", Path: "spec.template.spec.containers[0].livenessProbe"},
			},
			msgContains: []string{"add spec.template.spec.containers[0].livenessProbe so a hung process is restarted"},
		},
		"missing startupProbe": {
			rules:  all,
			mutate: func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].StartupProbe = nil },
			want: []Finding{
				{Rule: RuleProbesStartup, Container: "app", Path: "spec.template.spec.containers[0].startupProbe"},
			},
			msgContains: []string{"add spec.template.spec.containers[0].startupProbe"},
		},
		"second container without any probe": {
			rules: all,
			mutate: func(d *appsv1.Deployment) {
				d.Spec.Template.Spec.Containers = append(d.Spec.Template.Spec.Containers, plainInit("proxy"))
			},
			want: []Finding{
				{Rule: RuleProbesReadiness, Container: "proxy", Path: "spec.template.spec.containers[1].readinessProbe"},
				{Rule: RuleProbesLiveness, Container: "proxy", Path: "spec.template.spec.containers[1].livenessProbe"},
				{Rule: RuleProbesStartup, Container: "proxy", Path: "spec.template.spec.containers[1].startupProbe"},
			},
		},
		"only readiness required": {
			rules: probeRules(req, ign, ign),
			mutate: func(d *appsv1.Deployment) {
				c := &d.Spec.Template.Spec.Containers[0]
				c.ReadinessProbe, c.LivenessProbe, c.StartupProbe = nil, nil, nil
			},
			want: []Finding{
				{Rule: RuleProbesReadiness, Container: "app", Path: "spec.template.spec.containers[0].readinessProbe"},
			},
		},
		"Ignore and empty requirements check nothing": {
			rules: probeRules(ign, "", ign),
			mutate: func(d *appsv1.Deployment) {
				c := &d.Spec.Template.Spec.Containers[0]
				c.ReadinessProbe, c.LivenessProbe, c.StartupProbe = nil, nil, nil
			},
		},
		"no probe rules": {
			rules: prodreadyv1alpha1.Rules{},
			mutate: func(d *appsv1.Deployment) {
				c := &d.Spec.Template.Spec.Containers[0]
				c.ReadinessProbe, c.LivenessProbe, c.StartupProbe = nil, nil, nil
			},
		},
		"native sidecar without readinessProbe is checked": {
			rules: all,
			mutate: func(d *appsv1.Deployment) {
				s := sidecar()
				s.ReadinessProbe = nil
				d.Spec.Template.Spec.InitContainers = []corev1.Container{s}
			},
			want: []Finding{
				{Rule: RuleProbesReadiness, Container: "mesh", Path: "spec.template.spec.initContainers[0].readinessProbe"},
			},
			msgContains: []string{"add spec.template.spec.initContainers[0].readinessProbe"},
		},
		"plain init container without probes is not checked": {
			rules: all,
			mutate: func(d *appsv1.Deployment) {
				d.Spec.Template.Spec.InitContainers = []corev1.Container{plainInit("migrate")}
			},
		},
		"init container with restartPolicy OnFailure is not checked": {
			rules: all,
			mutate: func(d *appsv1.Deployment) {
				c := plainInit("migrate")
				c.RestartPolicy = new(corev1.ContainerRestartPolicyOnFailure)
				d.Spec.Template.Spec.InitContainers = []corev1.Container{c}
			},
		},
		"sidecar after a plain init container keeps its own index": {
			rules: all,
			mutate: func(d *appsv1.Deployment) {
				s := plainInit("mesh")
				s.RestartPolicy = new(corev1.ContainerRestartPolicyAlways)
				d.Spec.Template.Spec.InitContainers = []corev1.Container{plainInit("migrate"), s}
			},
			want: []Finding{
				{Rule: RuleProbesReadiness, Container: "mesh", Path: "spec.template.spec.initContainers[1].readinessProbe"},
				{Rule: RuleProbesLiveness, Container: "mesh", Path: "spec.template.spec.initContainers[1].livenessProbe"},
				{Rule: RuleProbesStartup, Container: "mesh", Path: "spec.template.spec.initContainers[1].startupProbe"},
			},
		},
		"no containers at all": {
			rules:  all,
			mutate: func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers = nil },
		},
	})
}

// withProbes sets the first container's liveness and readiness probes.
func withProbes(liveness, readiness *corev1.Probe) func(d *appsv1.Deployment) {
	return func(d *appsv1.Deployment) {
		c := &d.Spec.Template.Spec.Containers[0]
		c.LivenessProbe, c.ReadinessProbe = liveness, readiness
	}
}

func TestDistinctProbesRule(t *testing.T) {
	distinct := prodreadyv1alpha1.Rules{Probes: &prodreadyv1alpha1.ProbeRules{Distinct: true}}
	flagged := []Finding{{Rule: RuleProbesDistinct, Container: "app", Path: "spec.template.spec.containers[0].livenessProbe"}}
	explicitDefaults := httpProbe("/healthz", 3)
	explicitDefaults.TimeoutSeconds, explicitDefaults.PeriodSeconds, explicitDefaults.SuccessThreshold = 1, 10, 1
	withScheme := func(p *corev1.Probe, s corev1.URIScheme) *corev1.Probe {
		p.HTTPGet.Scheme = s
		return p
	}
	exec := func(cmd ...string) *corev1.Probe {
		return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: cmd}}}
	}
	tcp := func(port int32) *corev1.Probe {
		return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(port)}}}
	}
	runRuleCases(t, map[string]ruleCase{
		"distinct probes":                  {rules: distinct},
		"identical liveness and readiness": {rules: distinct, mutate: withProbes(httpProbe("/healthz", 3), httpProbe("/healthz", 3)), want: flagged, msgContains: []string{"identical to its readinessProbe", "give spec.template.spec.containers[0].livenessProbe a higher failureThreshold"}},
		"liveness differs only in failureThreshold": {
			rules: distinct, mutate: withProbes(httpProbe("/healthz", 6), httpProbe("/healthz", 3)),
		},
		"unset timing fields equal explicit defaults": {
			rules: distinct, mutate: withProbes(httpProbe("/healthz", 0), explicitDefaults), want: flagged,
		},
		"explicit default failureThreshold equals unset": {
			rules: distinct, mutate: withProbes(httpProbe("/healthz", 3), httpProbe("/healthz", 0)), want: flagged,
		},
		"periodSeconds differs from its default": {
			rules: distinct,
			mutate: func(d *appsv1.Deployment) {
				l := httpProbe("/healthz", 0)
				l.PeriodSeconds = 20
				withProbes(l, httpProbe("/healthz", 0))(d)
			},
		},
		"initialDelaySeconds differs": {
			rules: distinct,
			mutate: func(d *appsv1.Deployment) {
				l := httpProbe("/healthz", 0)
				l.InitialDelaySeconds = 5
				withProbes(l, httpProbe("/healthz", 0))(d)
			},
		},
		"terminationGracePeriodSeconds set on liveness only": {
			rules: distinct,
			mutate: func(d *appsv1.Deployment) {
				l := httpProbe("/healthz", 0)
				l.TerminationGracePeriodSeconds = new(int64(30))
				withProbes(l, httpProbe("/healthz", 0))(d)
			},
		},
		"httpGet scheme empty equals HTTP": {
			rules: distinct, mutate: withProbes(withScheme(httpProbe("/healthz", 0), ""), withScheme(httpProbe("/healthz", 0), corev1.URISchemeHTTP)), want: flagged,
		},
		"httpGet scheme HTTP differs from HTTPS": {
			rules: distinct, mutate: withProbes(withScheme(httpProbe("/healthz", 0), corev1.URISchemeHTTPS), withScheme(httpProbe("/healthz", 0), "")),
		},
		"nil and empty httpHeaders are identical": {
			rules: distinct,
			mutate: func(d *appsv1.Deployment) {
				l := httpProbe("/healthz", 0)
				l.HTTPGet.HTTPHeaders = []corev1.HTTPHeader{}
				withProbes(l, httpProbe("/healthz", 0))(d)
			},
			want: flagged,
		},
		"different paths are distinct": {
			rules: distinct, mutate: withProbes(httpProbe("/livez", 0), httpProbe("/readyz", 0)),
		},
		"different ports are distinct": {
			rules: distinct,
			mutate: func(d *appsv1.Deployment) {
				l := httpProbe("/healthz", 0)
				l.HTTPGet.Port = intstr.FromInt32(9090)
				withProbes(l, httpProbe("/healthz", 0))(d)
			},
		},
		"identical exec probes": {
			rules: distinct, mutate: withProbes(exec("check", "--fast"), exec("check", "--fast")), want: flagged,
		},
		"exec probes with different commands": {
			rules: distinct, mutate: withProbes(exec("check", "--deep"), exec("check", "--fast")),
		},
		"identical tcpSocket probes": {
			rules: distinct, mutate: withProbes(tcp(5432), tcp(5432)), want: flagged,
		},
		"tcpSocket versus httpGet": {
			rules: distinct, mutate: withProbes(tcp(8080), httpProbe("/healthz", 0)),
		},
		"only a livenessProbe":  {rules: distinct, mutate: withProbes(httpProbe("/healthz", 0), nil)},
		"only a readinessProbe": {rules: distinct, mutate: withProbes(nil, httpProbe("/healthz", 0))},
		"no probes":             {rules: distinct, mutate: withProbes(nil, nil)},
		"identical probes on a native sidecar": {
			rules: distinct,
			mutate: func(d *appsv1.Deployment) {
				s := sidecar()
				s.LivenessProbe, s.ReadinessProbe = httpProbe("/healthz", 0), httpProbe("/healthz", 0)
				d.Spec.Template.Spec.InitContainers = []corev1.Container{s}
			},
			want: []Finding{{Rule: RuleProbesDistinct, Container: "mesh", Path: "spec.template.spec.initContainers[0].livenessProbe"}},
		},
		"identical probes on a plain init container are not checked": {
			rules: distinct,
			mutate: func(d *appsv1.Deployment) {
				c := plainInit("migrate")
				c.LivenessProbe, c.ReadinessProbe = httpProbe("/healthz", 0), httpProbe("/healthz", 0)
				d.Spec.Template.Spec.InitContainers = []corev1.Container{c}
			},
		},
		"distinct not enabled": {
			rules:  probeRules(ign, ign, ign),
			mutate: withProbes(httpProbe("/healthz", 3), httpProbe("/healthz", 3)),
		},
	})
}

func TestResourceRules(t *testing.T) {
	resources := func(requests, limits []prodreadyv1alpha1.ResourceName) prodreadyv1alpha1.Rules {
		return prodreadyv1alpha1.Rules{Resources: &prodreadyv1alpha1.ResourceRules{Requests: requests, Limits: limits}}
	}
	names := func(n ...prodreadyv1alpha1.ResourceName) []prodreadyv1alpha1.ResourceName { return n }
	all := prodreadyv1alpha1.Rules{Resources: &prodreadyv1alpha1.ResourceRules{Requests: allResources, Limits: allResources}}
	drop := func(list func(c *corev1.Container) corev1.ResourceList, name corev1.ResourceName) func(d *appsv1.Deployment) {
		return func(d *appsv1.Deployment) { delete(list(&d.Spec.Template.Spec.Containers[0]), name) }
	}
	requests := func(c *corev1.Container) corev1.ResourceList { return c.Resources.Requests }
	limits := func(c *corev1.Container) corev1.ResourceList { return c.Resources.Limits }
	runRuleCases(t, map[string]ruleCase{
		"every request and limit set": {rules: all},
		"missing cpu request": {
			rules: all, mutate: drop(requests, corev1.ResourceCPU),
			want:        []Finding{{Rule: "resources.requests.cpu", Container: "app", Path: "spec.template.spec.containers[0].resources.requests.cpu"}},
			msgContains: []string{`container "app" does not request cpu`, "set spec.template.spec.containers[0].resources.requests.cpu"},
		},
		"missing memory request": {
			rules: all, mutate: drop(requests, corev1.ResourceMemory),
			want: []Finding{{Rule: "resources.requests.memory", Container: "app", Path: "spec.template.spec.containers[0].resources.requests.memory"}},
		},
		"missing ephemeral-storage request": {
			rules: all, mutate: drop(requests, corev1.ResourceEphemeralStorage),
			want: []Finding{{Rule: "resources.requests.ephemeral-storage", Container: "app", Path: "spec.template.spec.containers[0].resources.requests.ephemeral-storage"}},
		},
		"missing cpu limit": {
			rules: all, mutate: drop(limits, corev1.ResourceCPU),
			want: []Finding{{Rule: "resources.limits.cpu", Container: "app", Path: "spec.template.spec.containers[0].resources.limits.cpu"}},
		},
		"missing memory limit": {
			rules: all, mutate: drop(limits, corev1.ResourceMemory),
			want:        []Finding{{Rule: "resources.limits.memory", Container: "app", Path: "spec.template.spec.containers[0].resources.limits.memory"}},
			msgContains: []string{`container "app" has no memory limit`, "set spec.template.spec.containers[0].resources.limits.memory"},
		},
		"missing ephemeral-storage limit": {
			rules: all, mutate: drop(limits, corev1.ResourceEphemeralStorage),
			want: []Finding{{Rule: "resources.limits.ephemeral-storage", Container: "app", Path: "spec.template.spec.containers[0].resources.limits.ephemeral-storage"}},
		},
		"zero request counts as missing": {
			rules: resources(names("memory"), nil),
			mutate: func(d *appsv1.Deployment) {
				d.Spec.Template.Spec.Containers[0].Resources.Requests[corev1.ResourceMemory] = resource.MustParse("0")
			},
			want: []Finding{{Rule: "resources.requests.memory", Container: "app", Path: "spec.template.spec.containers[0].resources.requests.memory"}},
		},
		"no resources at all": {
			rules: resources(names("cpu", "memory"), names("memory")),
			mutate: func(d *appsv1.Deployment) {
				d.Spec.Template.Spec.Containers[0].Resources = corev1.ResourceRequirements{}
			},
			want: []Finding{
				{Rule: "resources.requests.cpu", Container: "app", Path: "spec.template.spec.containers[0].resources.requests.cpu"},
				{Rule: "resources.requests.memory", Container: "app", Path: "spec.template.spec.containers[0].resources.requests.memory"},
				{Rule: "resources.limits.memory", Container: "app", Path: "spec.template.spec.containers[0].resources.limits.memory"},
			},
		},
		"a resource listed twice is reported once": {
			rules:  resources(names("cpu", "cpu"), nil),
			mutate: drop(requests, corev1.ResourceCPU),
			want:   []Finding{{Rule: "resources.requests.cpu", Container: "app", Path: "spec.template.spec.containers[0].resources.requests.cpu"}},
		},
		"unlisted resources are not checked": {
			rules: resources(names("memory"), nil),
			mutate: func(d *appsv1.Deployment) {
				delete(d.Spec.Template.Spec.Containers[0].Resources.Requests, corev1.ResourceCPU)
			},
		},
		"native sidecar checked, plain init container not": {
			rules: resources(names("cpu"), nil),
			mutate: func(d *appsv1.Deployment) {
				s := plainInit("mesh")
				s.RestartPolicy = new(corev1.ContainerRestartPolicyAlways)
				d.Spec.Template.Spec.InitContainers = []corev1.Container{plainInit("migrate"), s}
			},
			want: []Finding{{Rule: "resources.requests.cpu", Container: "mesh", Path: "spec.template.spec.initContainers[1].resources.requests.cpu"}},
		},
		"second container without limits": {
			rules: resources(nil, names("cpu", "memory")),
			mutate: func(d *appsv1.Deployment) {
				d.Spec.Template.Spec.Containers = append(d.Spec.Template.Spec.Containers, plainInit("proxy"))
			},
			want: []Finding{
				{Rule: "resources.limits.cpu", Container: "proxy", Path: "spec.template.spec.containers[1].resources.limits.cpu"},
				{Rule: "resources.limits.memory", Container: "proxy", Path: "spec.template.spec.containers[1].resources.limits.memory"},
			},
		},
	})
}

func TestReplicasMinimumRule(t *testing.T) {
	min2 := prodreadyv1alpha1.Rules{Replicas: &prodreadyv1alpha1.ReplicaRules{Minimum: 2}}
	flagged := []Finding{{Rule: RuleReplicasMinimum, Path: "spec.replicas"}}
	replicas := func(n *int32) func(d *appsv1.Deployment) {
		return func(d *appsv1.Deployment) { d.Spec.Replicas = n }
	}
	runRuleCases(t, map[string]ruleCase{
		"three replicas":      {rules: min2},
		"exactly the minimum": {rules: min2, mutate: replicas(new(int32(2)))},
		"one replica": {
			rules: min2, mutate: replicas(new(int32(1))), want: flagged,
			msgContains: []string{"runs 1 replica(s), below the minimum of 2", "set spec.replicas to at least 2"},
		},
		"nil replicas counts as 1": {
			rules: min2, mutate: replicas(nil), want: flagged, msgContains: []string{"runs 1 replica(s)"},
		},
		"nil replicas meets a minimum of 1": {
			rules: prodreadyv1alpha1.Rules{Replicas: &prodreadyv1alpha1.ReplicaRules{Minimum: 1}}, mutate: replicas(nil),
		},
		"zero replicas":     {rules: min2, mutate: replicas(new(int32(0))), want: flagged, msgContains: []string{"runs 0 replica(s)"}},
		"negative replicas": {rules: min2, mutate: replicas(new(int32(-1))), want: flagged},
		"HPA minReplicas 3 counts instead of spec.replicas 1": {
			rules: min2, mutate: replicas(new(int32(1))),
			hpas: []autoscalingv2.HorizontalPodAutoscaler{webHPA("web-hpa", new(int32(3)))},
		},
		"HPA minReplicas 1 fails even with spec.replicas 3": {
			rules: min2,
			hpas:  []autoscalingv2.HorizontalPodAutoscaler{webHPA("web-hpa", new(int32(1)))},
			want:  flagged,
			msgContains: []string{
				`HorizontalPodAutoscaler "web-hpa" may scale down to 1 replica(s)`,
				"set its spec.minReplicas to at least 2",
			},
		},
		"HPA with nil minReplicas counts as 1": {
			rules: min2,
			hpas:  []autoscalingv2.HorizontalPodAutoscaler{webHPA("web-hpa", nil)},
			want:  flagged, msgContains: []string{`"web-hpa" may scale down to 1 replica(s)`},
		},
		"HPA targeting another Deployment is ignored": {
			rules: min2, mutate: replicas(new(int32(1))),
			hpas:        []autoscalingv2.HorizontalPodAutoscaler{hpa("api-hpa", testNamespace, "Deployment", "apps/v1", "api", new(int32(3)))},
			want:        flagged,
			msgContains: []string{"runs 1 replica(s)"},
		},
		"HPA with low minReplicas targeting another Deployment is ignored": {
			rules: min2,
			hpas:  []autoscalingv2.HorizontalPodAutoscaler{hpa("api-hpa", testNamespace, "Deployment", "apps/v1", "api", new(int32(1)))},
		},
		"HPA in another namespace is ignored": {
			rules: min2, mutate: replicas(new(int32(1))),
			hpas: []autoscalingv2.HorizontalPodAutoscaler{hpa("web-hpa", "other", "Deployment", "apps/v1", testName, new(int32(3)))},
			want: flagged,
		},
		"HPA targeting a StatefulSet of the same name is ignored": {
			rules: min2, mutate: replicas(new(int32(1))),
			hpas: []autoscalingv2.HorizontalPodAutoscaler{hpa("web-hpa", testNamespace, "StatefulSet", "apps/v1", testName, new(int32(3)))},
			want: flagged,
		},
		"HPA targeting a Deployment of another API group is ignored": {
			rules: min2, mutate: replicas(new(int32(1))),
			hpas: []autoscalingv2.HorizontalPodAutoscaler{hpa("web-hpa", testNamespace, "Deployment", "example.com/v1", testName, new(int32(3)))},
			want: flagged,
		},
		"of two targeting HPAs the lower minReplicas counts": {
			rules: min2,
			hpas: []autoscalingv2.HorizontalPodAutoscaler{
				webHPA("web-hpa-big", new(int32(4))),
				webHPA("web-hpa-small", new(int32(1))),
			},
			want: flagged, msgContains: []string{`"web-hpa-small" may scale down to 1`},
		},
	})
}

func TestPDBRequiredRule(t *testing.T) {
	required := prodreadyv1alpha1.Rules{PodDisruptionBudget: &prodreadyv1alpha1.PodDisruptionBudgetRules{Required: true}}
	flagged := []Finding{{Rule: RulePDBRequired, Path: "spec.template.metadata.labels"}}
	expr := func(key string, op metav1.LabelSelectorOperator, values ...string) metav1.LabelSelectorRequirement {
		return metav1.LabelSelectorRequirement{Key: key, Operator: op, Values: values}
	}
	with := func(sel *metav1.LabelSelector) []policyv1.PodDisruptionBudget {
		return []policyv1.PodDisruptionBudget{pdb("web-pdb", testNamespace, sel)}
	}
	exprs := func(reqs ...metav1.LabelSelectorRequirement) *metav1.LabelSelector {
		return &metav1.LabelSelector{MatchExpressions: reqs}
	}
	runRuleCases(t, map[string]ruleCase{
		"matchLabels subset matches": {rules: required, pdbs: with(&metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}})},
		"matchLabels on every label": {rules: required, pdbs: with(&metav1.LabelSelector{MatchLabels: map[string]string{"app": "web", "tier": "frontend"}})},
		"no PDB": {
			rules: required, want: flagged,
			msgContains: []string{`no PodDisruptionBudget in namespace "shop" selects the pod template's labels`, "maxUnavailable: 1"},
		},
		"PDB in another namespace is ignored": {
			rules: required, want: flagged,
			pdbs: []policyv1.PodDisruptionBudget{pdb("web-pdb", "other", &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}})},
		},
		"In matches":                  {rules: required, pdbs: with(exprs(expr("app", metav1.LabelSelectorOpIn, "api", "web")))},
		"In does not match":           {rules: required, pdbs: with(exprs(expr("app", metav1.LabelSelectorOpIn, "api"))), want: flagged},
		"In on an absent key":         {rules: required, pdbs: with(exprs(expr("team", metav1.LabelSelectorOpIn, "payments"))), want: flagged},
		"NotIn matches":               {rules: required, pdbs: with(exprs(expr("tier", metav1.LabelSelectorOpNotIn, "backend")))},
		"NotIn on an excluded value":  {rules: required, pdbs: with(exprs(expr("tier", metav1.LabelSelectorOpNotIn, "frontend"))), want: flagged},
		"NotIn on an absent key":      {rules: required, pdbs: with(exprs(expr("team", metav1.LabelSelectorOpNotIn, "payments")))},
		"Exists matches":              {rules: required, pdbs: with(exprs(expr("tier", metav1.LabelSelectorOpExists)))},
		"Exists on an absent key":     {rules: required, pdbs: with(exprs(expr("team", metav1.LabelSelectorOpExists))), want: flagged},
		"DoesNotExist on absent key":  {rules: required, pdbs: with(exprs(expr("team", metav1.LabelSelectorOpDoesNotExist)))},
		"DoesNotExist on present key": {rules: required, pdbs: with(exprs(expr("app", metav1.LabelSelectorOpDoesNotExist))), want: flagged},
		"all four operators together": {
			rules: required,
			pdbs: with(exprs(
				expr("app", metav1.LabelSelectorOpIn, "web"),
				expr("tier", metav1.LabelSelectorOpNotIn, "backend"),
				expr("tier", metav1.LabelSelectorOpExists),
				expr("canary", metav1.LabelSelectorOpDoesNotExist),
			)),
		},
		"one failing expression among matching terms": {
			rules: required, want: flagged,
			pdbs: with(&metav1.LabelSelector{
				MatchLabels:      map[string]string{"app": "web"},
				MatchExpressions: []metav1.LabelSelectorRequirement{expr("tier", metav1.LabelSelectorOpIn, "backend")},
			}),
		},
		"one failing matchLabels term among matching ones": {
			rules: required, want: flagged,
			pdbs: with(&metav1.LabelSelector{MatchLabels: map[string]string{"app": "web", "tier": "backend"}}),
		},
		"matchLabels term on an absent key": {
			rules: required, want: flagged,
			pdbs: with(&metav1.LabelSelector{MatchLabels: map[string]string{"app": "web", "canary": "true"}}),
		},
		"nil selector matches nothing":   {rules: required, pdbs: with(nil), want: flagged},
		"empty selector matches all":     {rules: required, pdbs: with(&metav1.LabelSelector{})},
		"unknown operator never matches": {rules: required, pdbs: with(exprs(expr("app", "Equals", "web"))), want: flagged},
		"PDB selects by the template's labels, not the Deployment's": {
			rules: required, want: flagged,
			pdbs: with(&metav1.LabelSelector{MatchLabels: map[string]string{"team": "payments"}}),
		},
		"one of several PDBs matches": {
			rules: required,
			pdbs: []policyv1.PodDisruptionBudget{
				pdb("api-pdb", testNamespace, &metav1.LabelSelector{MatchLabels: map[string]string{"app": "api"}}),
				pdb("web-pdb", testNamespace, &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}),
			},
		},
		"required whatever the replica count": {
			rules: required, want: flagged,
			mutate: func(d *appsv1.Deployment) { d.Spec.Replicas = new(int32(0)) },
		},
	})
}

func TestPDBAllowsDisruptionRule(t *testing.T) {
	allows := prodreadyv1alpha1.Rules{PodDisruptionBudget: &prodreadyv1alpha1.PodDisruptionBudgetRules{AllowsDisruption: true}}
	both := prodreadyv1alpha1.Rules{PodDisruptionBudget: &prodreadyv1alpha1.PodDisruptionBudgetRules{Required: true, AllowsDisruption: true}}
	flagged := []Finding{{Rule: RulePDBAllowsDisruption, Path: "spec.template.metadata.labels"}}
	replicas := func(n *int32) func(d *appsv1.Deployment) {
		return func(d *appsv1.Deployment) { d.Spec.Replicas = n }
	}
	two := replicas(new(int32(2)))
	one := func(p policyv1.PodDisruptionBudget) []policyv1.PodDisruptionBudget {
		return []policyv1.PodDisruptionBudget{p}
	}
	runRuleCases(t, map[string]ruleCase{
		"no PDB and only allowsDisruption": {rules: allows, mutate: two},
		"no PDB with both rules": {
			rules: both, mutate: two,
			want: []Finding{{Rule: RulePDBRequired, Path: "spec.template.metadata.labels"}},
		},
		"maxUnavailable 1": {rules: allows, mutate: two, pdbs: one(goodPDB())},
		"maxUnavailable 0": {
			rules: allows, mutate: two, pdbs: one(maxUnavailablePDB("web-pdb", intstr.FromInt32(0))), want: flagged,
			msgContains: []string{`PodDisruptionBudget "web-pdb" never allows a voluntary eviction (maxUnavailable: 0)`, "e.g. maxUnavailable: 1"},
		},
		"maxUnavailable 0%": {
			rules: allows, mutate: two, pdbs: one(maxUnavailablePDB("web-pdb", intstr.FromString("0%"))), want: flagged,
			msgContains: []string{"(maxUnavailable: 0%)"},
		},
		"maxUnavailable 10% of 2 rounds up to 1": {
			rules: allows, mutate: two, pdbs: one(maxUnavailablePDB("web-pdb", intstr.FromString("10%"))),
		},
		"minAvailable 100%": {
			rules: allows, mutate: two, pdbs: one(minAvailablePDB("web-pdb", intstr.FromString("100%"))), want: flagged,
			msgContains: []string{"minAvailable: 100% with 2 replica(s)"},
		},
		"minAvailable 2 with 2 replicas": {
			rules: allows, mutate: two, pdbs: one(minAvailablePDB("web-pdb", intstr.FromInt32(2))), want: flagged,
			msgContains: []string{"minAvailable: 2 with 2 replica(s)"},
		},
		"minAvailable above the replica count": {
			rules: allows, mutate: two, pdbs: one(minAvailablePDB("web-pdb", intstr.FromInt32(5))), want: flagged,
		},
		"minAvailable 1 with 2 replicas": {
			rules: allows, mutate: two, pdbs: one(minAvailablePDB("web-pdb", intstr.FromInt32(1))),
		},
		"minAvailable 50% with 2 replicas": {
			rules: allows, mutate: two, pdbs: one(minAvailablePDB("web-pdb", intstr.FromString("50%"))),
		},
		"minAvailable 2 with HPA minReplicas 3": {
			rules: allows, mutate: two, pdbs: one(minAvailablePDB("web-pdb", intstr.FromInt32(2))),
			hpas: []autoscalingv2.HorizontalPodAutoscaler{webHPA("web-hpa", new(int32(3)))},
		},
		"minAvailable 2 with HPA minReplicas 2 despite spec.replicas 5": {
			rules: allows, mutate: replicas(new(int32(5))), pdbs: one(minAvailablePDB("web-pdb", intstr.FromInt32(2))),
			hpas: []autoscalingv2.HorizontalPodAutoscaler{webHPA("web-hpa", new(int32(2)))},
			want: flagged, msgContains: []string{"minAvailable: 2 with 2 replica(s)"},
		},
		"minAvailable 1 with nil replicas": {
			rules: allows, mutate: replicas(nil), pdbs: one(minAvailablePDB("web-pdb", intstr.FromInt32(1))), want: flagged,
			msgContains: []string{"minAvailable: 1 with 1 replica(s)"},
		},
		"zero replicas: nothing is ever evicted": {
			rules: allows, mutate: replicas(new(int32(0))), pdbs: one(maxUnavailablePDB("web-pdb", intstr.FromInt32(0))),
		},
		"two matching PDBs": {
			rules: allows, mutate: two, want: flagged,
			pdbs:        []policyv1.PodDisruptionBudget{goodPDB(), maxUnavailablePDB("web-pdb-2", intstr.FromInt32(1))},
			msgContains: []string{`PodDisruptionBudgets "web-pdb", "web-pdb-2" all select these pods`, "keep exactly one"},
		},
		"two PDBs, one not matching": {
			rules: allows, mutate: two,
			pdbs: []policyv1.PodDisruptionBudget{
				goodPDB(),
				pdb("api-pdb", testNamespace, &metav1.LabelSelector{MatchLabels: map[string]string{"app": "api"}}),
			},
		},
		"blocking PDB that does not select the pods": {
			rules: allows, mutate: two,
			pdbs: one(func() policyv1.PodDisruptionBudget {
				p := maxUnavailablePDB("api-pdb", intstr.FromInt32(0))
				p.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "api"}}
				return p
			}()),
		},
		"blocking PDB in another namespace": {
			rules: allows, mutate: two,
			pdbs: one(func() policyv1.PodDisruptionBudget {
				p := maxUnavailablePDB("web-pdb", intstr.FromInt32(0))
				p.Namespace = "other"
				return p
			}()),
		},
		"unparseable percentage is not flagged": {
			rules: allows, mutate: two, pdbs: one(maxUnavailablePDB("web-pdb", intstr.FromString("abc%"))),
		},
		"PDB with neither field": {
			rules: both, mutate: two,
			pdbs: []policyv1.PodDisruptionBudget{pdb("web-pdb", testNamespace, &metav1.LabelSelector{})},
		},
	})
}

func TestMetricsAnnotationRule(t *testing.T) {
	annotations := func(reqs ...prodreadyv1alpha1.AnnotationRequirement) prodreadyv1alpha1.Rules {
		return prodreadyv1alpha1.Rules{Metrics: &prodreadyv1alpha1.MetricsRules{Annotations: reqs}}
	}
	scrape := annotations(prodreadyv1alpha1.AnnotationRequirement{Key: "prometheus.io/scrape", Value: "true"})
	port := annotations(prodreadyv1alpha1.AnnotationRequirement{Key: "prometheus.io/port", Value: "[0-9]+"})
	anyPath := annotations(prodreadyv1alpha1.AnnotationRequirement{Key: "prometheus.io/path"})
	flagged := []Finding{{Rule: RuleMetricsAnnotation, Path: "spec.template.metadata.annotations"}}
	set := func(key, value string) func(d *appsv1.Deployment) {
		return func(d *appsv1.Deployment) { d.Spec.Template.Annotations[key] = value }
	}
	runRuleCases(t, map[string]ruleCase{
		"true matches true": {rules: scrape},
		"truex does not match true": {
			rules: scrape, mutate: set("prometheus.io/scrape", "truex"), want: flagged,
			msgContains: []string{`pod template annotation "prometheus.io/scrape" is "truex", which does not match "true"`},
		},
		"xtrue does not match true":       {rules: scrape, mutate: set("prometheus.io/scrape", "xtrue"), want: flagged},
		"empty value does not match true": {rules: scrape, mutate: set("prometheus.io/scrape", ""), want: flagged},
		"8080 matches [0-9]+":             {rules: port},
		"80a does not match [0-9]+":       {rules: port, mutate: set("prometheus.io/port", "80a"), want: flagged},
		"a80 does not match [0-9]+":       {rules: port, mutate: set("prometheus.io/port", "a80"), want: flagged},
		"alternation matches as a whole": {
			rules:  annotations(prodreadyv1alpha1.AnnotationRequirement{Key: "prometheus.io/scrape", Value: "yes|true"}),
			mutate: set("prometheus.io/scrape", "yes"),
		},
		"alternation does not match a longer value": {
			rules:  annotations(prodreadyv1alpha1.AnnotationRequirement{Key: "prometheus.io/scrape", Value: "yes|true"}),
			mutate: set("prometheus.io/scrape", "yesno"), want: flagged,
		},
		"missing annotation": {
			rules:  scrape,
			mutate: func(d *appsv1.Deployment) { delete(d.Spec.Template.Annotations, "prometheus.io/scrape") },
			want:   flagged,
			msgContains: []string{
				`pod template annotation "prometheus.io/scrape" is missing`,
				`add it under spec.template.metadata.annotations with a value matching "true"`,
			},
		},
		"no annotations at all, two required": {
			rules: annotations(
				prodreadyv1alpha1.AnnotationRequirement{Key: "prometheus.io/scrape", Value: "true"},
				prodreadyv1alpha1.AnnotationRequirement{Key: "prometheus.io/port"},
			),
			mutate:      func(d *appsv1.Deployment) { d.Spec.Template.Annotations = nil },
			want:        append(slices.Clone(flagged), flagged...),
			msgContains: []string{`"prometheus.io/scrape" is missing`, `"prometheus.io/port" is missing`},
		},
		"unset value accepts any value":   {rules: anyPath, mutate: set("prometheus.io/path", "/anything?at=all")},
		"unset value accepts empty value": {rules: anyPath, mutate: set("prometheus.io/path", "")},
		"unset value, missing annotation": {
			rules: anyPath, want: flagged,
			msgContains: []string{`"prometheus.io/path" is missing; add it under spec.template.metadata.annotations`},
		},
		"annotation on the Deployment, not the template, does not count": {
			rules: anyPath, want: flagged,
			mutate: func(d *appsv1.Deployment) {
				d.Annotations = map[string]string{"prometheus.io/path": "/metrics"}
			},
		},
	})
}

// exemptionDeployment fails, without exemptions, exactly the findings listed
// in exemptionFindings under exemptionRules.
func exemptionDeployment() *appsv1.Deployment {
	d := baseDeployment()
	d.Spec.Replicas = new(int32(1))
	d.Spec.Template.Annotations = nil
	app := goodContainer("app")
	app.ReadinessProbe = nil
	delete(app.Resources.Limits, corev1.ResourceMemory)
	proxy := goodContainer("proxy")
	proxy.ReadinessProbe = nil
	delete(proxy.Resources.Limits, corev1.ResourceMemory)
	d.Spec.Template.Spec.Containers = []corev1.Container{app, proxy}
	return d
}

func exemptionRules() prodreadyv1alpha1.Rules {
	return prodreadyv1alpha1.Rules{
		Probes:              &prodreadyv1alpha1.ProbeRules{Readiness: req, Liveness: req},
		Resources:           &prodreadyv1alpha1.ResourceRules{Limits: []prodreadyv1alpha1.ResourceName{"memory"}},
		Replicas:            &prodreadyv1alpha1.ReplicaRules{Minimum: 2},
		PodDisruptionBudget: &prodreadyv1alpha1.PodDisruptionBudgetRules{Required: true},
		Metrics:             &prodreadyv1alpha1.MetricsRules{Annotations: []prodreadyv1alpha1.AnnotationRequirement{{Key: "prometheus.io/scrape"}}},
	}
}

var (
	fAppReadiness   = Finding{Rule: RuleProbesReadiness, Container: "app", Path: "spec.template.spec.containers[0].readinessProbe"}
	fProxyReadiness = Finding{Rule: RuleProbesReadiness, Container: "proxy", Path: "spec.template.spec.containers[1].readinessProbe"}
	fAppMemory      = Finding{Rule: "resources.limits.memory", Container: "app", Path: "spec.template.spec.containers[0].resources.limits.memory"}
	fProxyMemory    = Finding{Rule: "resources.limits.memory", Container: "proxy", Path: "spec.template.spec.containers[1].resources.limits.memory"}
	fReplicas       = Finding{Rule: RuleReplicasMinimum, Path: "spec.replicas"}
	fPDB            = Finding{Rule: RulePDBRequired, Path: "spec.template.metadata.labels"}
	fMetrics        = Finding{Rule: RuleMetricsAnnotation, Path: "spec.template.metadata.annotations"}
)

func exemptionFindings() []Finding {
	return []Finding{fAppReadiness, fProxyReadiness, fAppMemory, fProxyMemory, fReplicas, fPDB, fMetrics}
}

// without returns every exemption finding except the given ones.
func without(fs ...Finding) []Finding {
	return slices.DeleteFunc(exemptionFindings(), func(f Finding) bool { return slices.Contains(fs, f) })
}

func TestExemptions(t *testing.T) {
	byName := func(rules ...string) prodreadyv1alpha1.Exemption {
		return prodreadyv1alpha1.Exemption{Deployments: []string{"api", testName}, Rules: rules, Reason: "migration in progress"}
	}
	expiring := func(ex prodreadyv1alpha1.Exemption, at time.Time) prodreadyv1alpha1.Exemption {
		ex.Expires = &metav1.Time{Time: at}
		return ex
	}
	forContainers := func(ex prodreadyv1alpha1.Exemption, containers ...string) prodreadyv1alpha1.Exemption {
		ex.Containers = containers
		return ex
	}
	bySelector := func(sel *prodreadyv1alpha1.LabelSelector, rules ...string) prodreadyv1alpha1.Exemption {
		return prodreadyv1alpha1.Exemption{Selector: sel, Rules: rules, Reason: "owned by the payments team"}
	}
	inADay, inTwoDays := testNow.Add(24*time.Hour), testNow.Add(48*time.Hour)

	cases := map[string]struct {
		exemptions     []prodreadyv1alpha1.Exemption
		wantViolations []Finding
		wantExempted   []Finding
		wantNextExpiry time.Time
	}{
		"no exemptions": {wantViolations: exemptionFindings()},
		"by name, exact rule ID": {
			exemptions:     []prodreadyv1alpha1.Exemption{byName(RuleProbesReadiness)},
			wantViolations: without(fAppReadiness, fProxyReadiness),
			wantExempted:   []Finding{fAppReadiness, fProxyReadiness},
		},
		"name of another Deployment": {
			exemptions:     []prodreadyv1alpha1.Exemption{{Deployments: []string{"api"}, Rules: []string{"probes"}, Reason: "r"}},
			wantViolations: exemptionFindings(),
		},
		"by label selector": {
			exemptions:     []prodreadyv1alpha1.Exemption{bySelector(&prodreadyv1alpha1.LabelSelector{MatchLabels: map[string]string{"team": "payments"}}, "replicas")},
			wantViolations: without(fReplicas),
			wantExempted:   []Finding{fReplicas},
		},
		"by label selector with matchExpressions": {
			exemptions: []prodreadyv1alpha1.Exemption{bySelector(&prodreadyv1alpha1.LabelSelector{MatchExpressions: []prodreadyv1alpha1.LabelSelectorRequirement{
				{Key: "team", Operator: prodreadyv1alpha1.LabelSelectorOpIn, Values: []string{"payments", "search"}},
			}}, "pdb")},
			wantViolations: without(fPDB),
			wantExempted:   []Finding{fPDB},
		},
		"label selector not matching": {
			exemptions:     []prodreadyv1alpha1.Exemption{bySelector(&prodreadyv1alpha1.LabelSelector{MatchLabels: map[string]string{"team": "search"}}, "replicas")},
			wantViolations: exemptionFindings(),
		},
		"label selector matches the Deployment's labels, not the template's": {
			exemptions:     []prodreadyv1alpha1.Exemption{bySelector(&prodreadyv1alpha1.LabelSelector{MatchLabels: map[string]string{"tier": "frontend"}}, "replicas")},
			wantViolations: exemptionFindings(),
		},
		"prefix probes covers probes.readiness": {
			exemptions:     []prodreadyv1alpha1.Exemption{byName("probes")},
			wantViolations: without(fAppReadiness, fProxyReadiness),
			wantExempted:   []Finding{fAppReadiness, fProxyReadiness},
		},
		"prefix resources.limits covers resources.limits.memory": {
			exemptions:     []prodreadyv1alpha1.Exemption{byName("resources.limits")},
			wantViolations: without(fAppMemory, fProxyMemory),
			wantExempted:   []Finding{fAppMemory, fProxyMemory},
		},
		"prefix resources covers resources.limits.memory": {
			exemptions:     []prodreadyv1alpha1.Exemption{byName("resources")},
			wantViolations: without(fAppMemory, fProxyMemory),
			wantExempted:   []Finding{fAppMemory, fProxyMemory},
		},
		"resources.requests does not cover resources.limits": {
			exemptions:     []prodreadyv1alpha1.Exemption{byName("resources.requests")},
			wantViolations: exemptionFindings(),
		},
		"probes.liveness does not cover probes.readiness": {
			exemptions:     []prodreadyv1alpha1.Exemption{byName(RuleProbesLiveness)},
			wantViolations: exemptionFindings(),
		},
		"every prefix exempts everything": {
			exemptions:   []prodreadyv1alpha1.Exemption{byName("probes", "resources", "replicas", "pdb", "metrics")},
			wantExempted: exemptionFindings(),
		},
		"expired exemption does not apply": {
			exemptions:     []prodreadyv1alpha1.Exemption{expiring(byName("probes"), testNow.Add(-time.Hour))},
			wantViolations: exemptionFindings(),
		},
		"exemption expiring exactly now no longer applies": {
			exemptions:     []prodreadyv1alpha1.Exemption{expiring(byName("probes"), testNow)},
			wantViolations: exemptionFindings(),
		},
		"future expiry applies and sets NextExpiry": {
			exemptions:     []prodreadyv1alpha1.Exemption{expiring(byName("replicas.minimum"), inADay)},
			wantViolations: without(fReplicas),
			wantExempted:   []Finding{fReplicas},
			wantNextExpiry: inADay,
		},
		"earliest of two expiries is NextExpiry": {
			exemptions: []prodreadyv1alpha1.Exemption{
				expiring(byName("probes.readiness"), inTwoDays),
				expiring(byName("pdb.required"), inADay),
			},
			wantViolations: without(fAppReadiness, fProxyReadiness, fPDB),
			wantExempted:   []Finding{fAppReadiness, fProxyReadiness, fPDB},
			wantNextExpiry: inADay,
		},
		"permanent and expiring exemptions": {
			exemptions: []prodreadyv1alpha1.Exemption{
				byName("metrics"),
				expiring(byName("pdb"), inTwoDays),
			},
			wantViolations: without(fMetrics, fPDB),
			wantExempted:   []Finding{fMetrics, fPDB},
			wantNextExpiry: inTwoDays,
		},
		"expiring exemption that waives nothing leaves NextExpiry zero": {
			exemptions:     []prodreadyv1alpha1.Exemption{expiring(byName("pdb.allowsDisruption", "probes.startup"), inADay)},
			wantViolations: exemptionFindings(),
		},
		"container-scoped exemption covers only that container": {
			exemptions:     []prodreadyv1alpha1.Exemption{forContainers(byName("probes", "resources.limits.memory"), "app")},
			wantViolations: without(fAppReadiness, fAppMemory),
			wantExempted:   []Finding{fAppReadiness, fAppMemory},
		},
		"container-scoped exemption never covers Deployment-wide findings": {
			exemptions:     []prodreadyv1alpha1.Exemption{forContainers(byName("replicas", "pdb", "metrics", "probes"), "app", "proxy")},
			wantViolations: []Finding{fAppMemory, fProxyMemory, fReplicas, fPDB, fMetrics},
			wantExempted:   []Finding{fAppReadiness, fProxyReadiness},
		},
		"container-scoped exemption for an absent container": {
			exemptions:     []prodreadyv1alpha1.Exemption{forContainers(byName("probes"), "sidecar")},
			wantViolations: exemptionFindings(),
		},
		"container-scoped by selector with expiry": {
			exemptions: []prodreadyv1alpha1.Exemption{expiring(forContainers(
				bySelector(&prodreadyv1alpha1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}, "resources"), "proxy"), inTwoDays)},
			wantViolations: without(fProxyMemory),
			wantExempted:   []Finding{fProxyMemory},
			wantNextExpiry: inTwoDays,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := mustCompile(t, &prodreadyv1alpha1.PolicySpec{Rules: exemptionRules(), Exemptions: tc.exemptions})
			res := evaluate(t, p, Input{Deployment: exemptionDeployment()}, testNow)
			assertFindings(t, "violations", res.Violations, tc.wantViolations)
			assertFindings(t, "exempted", res.Exempted, tc.wantExempted)
			if !res.NextExpiry.Equal(tc.wantNextExpiry) {
				t.Errorf("NextExpiry = %v, want %v", res.NextExpiry, tc.wantNextExpiry)
			}
			if got, want := res.Compliant(), len(tc.wantViolations) == 0; got != want {
				t.Errorf("Compliant() = %v, want %v", got, want)
			}
		})
	}
}

func TestEvaluateNilDeployment(t *testing.T) {
	p := mustCompile(t, &prodreadyv1alpha1.PolicySpec{Rules: allRules()})
	res := evaluate(t, p, Input{PodDisruptionBudgets: []policyv1.PodDisruptionBudget{goodPDB()}}, testNow)
	if len(res.Violations) != 0 || len(res.Exempted) != 0 || !res.NextExpiry.IsZero() || !res.Compliant() {
		t.Errorf("Evaluate(nil Deployment) = %+v, want an empty, compliant result", res)
	}
}

func TestEvaluateAllRulesOnCompliantDeployment(t *testing.T) {
	p := mustCompile(t, &prodreadyv1alpha1.PolicySpec{Rules: allRules()})
	d := baseDeployment()
	d.Spec.Template.Spec.InitContainers = []corev1.Container{plainInit("migrate"), sidecar()}
	// The operational rules have something to check: a Service targets the
	// app's port, the Nodes span two zones, a global default priority.
	d.Spec.Template.Spec.Containers[0].Ports = []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}}
	d.Spec.Template.Spec.Containers[0].Lifecycle = &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Sleep: &corev1.SleepAction{Seconds: 5}}}
	res := evaluate(t, p, Input{
		Deployment:           d,
		PodDisruptionBudgets: []policyv1.PodDisruptionBudget{goodPDB()},
		Services: []corev1.Service{service("web", testNamespace, map[string]string{"app": "web"},
			corev1.ServicePort{Port: 80, TargetPort: intstr.FromString("http")})},
		Nodes:           twoZones(),
		PriorityClasses: []schedulingv1.PriorityClass{priorityClass("default", 10, true)},
	}, testNow)
	if !res.Compliant() {
		t.Errorf("violations = %v, want none", res.Violations)
	}
}

func TestSortFindings(t *testing.T) {
	cases := map[string]struct {
		in, want []Finding
	}{
		"by rule, then container, then message": {
			in: []Finding{
				{Rule: "replicas.minimum", Message: "b"},
				{Rule: "probes.readiness", Container: "proxy", Message: "a"},
				{Rule: "metrics.annotation", Message: "z"},
				{Rule: "probes.readiness", Container: "app", Message: "b"},
				{Rule: "metrics.annotation", Message: "y"},
				{Rule: "probes.readiness", Container: "app", Message: "a"},
			},
			want: []Finding{
				{Rule: "metrics.annotation", Message: "y"},
				{Rule: "metrics.annotation", Message: "z"},
				{Rule: "probes.readiness", Container: "app", Message: "a"},
				{Rule: "probes.readiness", Container: "app", Message: "b"},
				{Rule: "probes.readiness", Container: "proxy", Message: "a"},
				{Rule: "replicas.minimum", Message: "b"},
			},
		},
		"empty": {in: nil, want: nil},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := slices.Clone(tc.in)
			SortFindings(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("SortFindings = %v, want %v", got, tc.want)
			}
		})
	}
}
