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
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
)

// opsCase is one row of the operational rules' tables: a policy's rules, a
// change to baseDeployment, the cluster objects, and the expected findings.
type opsCase struct {
	rules       prodreadyv1alpha1.Rules
	mutate      func(d *appsv1.Deployment)
	hpas        []autoscalingv2.HorizontalPodAutoscaler
	services    []corev1.Service
	nodes       []metav1.PartialObjectMetadata
	classes     []schedulingv1.PriorityClass
	want        []Finding
	msgContains []string
}

func runOpsCases(t *testing.T, cases map[string]opsCase) {
	t.Helper()
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := mustCompile(t, &prodreadyv1alpha1.PolicySpec{Rules: tc.rules})
			d := baseDeployment()
			if tc.mutate != nil {
				tc.mutate(d)
			}
			in := Input{Deployment: d, HorizontalPodAutoscalers: tc.hpas, Services: tc.services, Nodes: tc.nodes, PriorityClasses: tc.classes}
			before := Input{Deployment: d.DeepCopy(), Services: clone(tc.services), Nodes: clone(tc.nodes), PriorityClasses: clone(tc.classes)}
			res := evaluate(t, p, in, testNow)
			assertFindings(t, "violations", res.Violations, tc.want)
			for _, f := range res.Violations {
				if f.Message == "" {
					t.Errorf("finding %+v has an empty message", f)
				}
			}
			assertMessages(t, res.Violations, tc.msgContains)
			if !equality.Semantic.DeepEqual(in.Deployment, before.Deployment) ||
				!equality.Semantic.DeepEqual(in.Services, before.Services) ||
				!equality.Semantic.DeepEqual(in.Nodes, before.Nodes) ||
				!equality.Semantic.DeepEqual(in.PriorityClasses, before.PriorityClasses) {
				t.Error("Evaluate modified its input")
			}
		})
	}
}

func clone[T any](s []T) []T {
	if s == nil {
		return nil
	}
	return append([]T{}, s...)
}

func rolling(maxUnavailable, maxSurge *intstr.IntOrString) func(d *appsv1.Deployment) {
	return func(d *appsv1.Deployment) {
		d.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType,
			RollingUpdate: &appsv1.RollingUpdateDeployment{MaxUnavailable: maxUnavailable, MaxSurge: maxSurge}}
	}
}

func ios(s string) *intstr.IntOrString { v := intstr.FromString(s); return &v }
func ioi(i int32) *intstr.IntOrString  { v := intstr.FromInt32(i); return &v }

func rolloutRules(maxUnavailable *intstr.IntOrString) prodreadyv1alpha1.Rules {
	return prodreadyv1alpha1.Rules{Rollout: &prodreadyv1alpha1.RolloutRules{MaxUnavailable: maxUnavailable, MinRevisionHistory: new(int32(0))}}
}

func withReplicas(n int32, then ...func(d *appsv1.Deployment)) func(d *appsv1.Deployment) {
	return func(d *appsv1.Deployment) {
		d.Spec.Replicas = new(n)
		for _, f := range then {
			f(d)
		}
	}
}

var maxUnavailableFinding = []Finding{{Rule: RuleRolloutMaxUnavailable, Path: "spec.strategy.rollingUpdate.maxUnavailable"}}

func TestRolloutMaxUnavailableRule(t *testing.T) {
	runOpsCases(t, map[string]opsCase{
		"API defaults 25%/25% of 3 replicas: 0 unavailable, passes": {rules: rolloutRules(nil)},
		"unset strategy counts as the API default":                  {rules: rolloutRules(nil), mutate: func(d *appsv1.Deployment) { d.Spec.Strategy = appsv1.DeploymentStrategy{} }},
		"single replica with Recreate is skipped (ReadWriteOnce volume)": {rules: rolloutRules(nil),
			mutate: withReplicas(1, func(d *appsv1.Deployment) { d.Spec.Strategy.Type = appsv1.RecreateDeploymentStrategyType })},
		"zero replicas are skipped": {rules: rolloutRules(ioi(0)), mutate: withReplicas(0, rolling(ioi(5), ioi(0)))},
		"Recreate with 2 replicas fails": {rules: rolloutRules(nil),
			mutate: withReplicas(2, func(d *appsv1.Deployment) {
				d.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}
			}),
			want: []Finding{{Rule: RuleRolloutMaxUnavailable, Path: "spec.strategy.type"}}, msgContains: []string{"Recreate", "all 2 replicas"}},
		"maxUnavailable 100% takes all 3 down: fails the R-1 default": {rules: rolloutRules(nil), mutate: rolling(ios("100%"), ioi(0)),
			want: maxUnavailableFinding, msgContains: []string{"3 of 3 replicas", "more than the 2 allowed"}},
		"maxUnavailable equal to replicas fails": {rules: rolloutRules(nil), mutate: rolling(ioi(3), ioi(1)), want: maxUnavailableFinding},
		"maxUnavailable R-1 passes the default":  {rules: rolloutRules(nil), mutate: rolling(ioi(2), ioi(0))},
		"both zero means maxUnavailable 1: fails a policy of 0": {rules: rolloutRules(ioi(0)), mutate: rolling(ioi(0), ioi(0)),
			want: maxUnavailableFinding, msgContains: []string{"1 of 3"}},
		"both 0% means maxUnavailable 1: fails a policy of 0": {rules: rolloutRules(ioi(0)), mutate: rolling(ios("0%"), ios("0%")), want: maxUnavailableFinding},
		"maxUnavailable 0 with surge passes a policy of 0":    {rules: rolloutRules(ioi(0)), mutate: rolling(ioi(0), ioi(1))},
		// 10% of 3 rounds down to 0; maxSurge 10% rounds up to 1, so it is not "both zero".
		"percent rounds down, surge rounds up (10% of 3 is 0 unavailable)": {rules: rolloutRules(ioi(0)), mutate: rolling(ios("10%"), ios("10%"))},
		// 10%/0 of 3: unavailable 0, surge 0, so the controller uses 1.
		"10% of 3 with maxSurge 0 resolves to 1": {rules: rolloutRules(ioi(0)), mutate: rolling(ios("10%"), ioi(0)), want: maxUnavailableFinding},
		// kube-linter compares a count with a percentage; resolved, 1 of 4 is 25%.
		"false positive kube-linter: count 1 against policy 25% of 4 passes":         {rules: rolloutRules(ios("25%")), mutate: withReplicas(4, rolling(ioi(1), ioi(1)))},
		"false positive kube-linter: percent 50% against policy count 2 of 4 passes": {rules: rolloutRules(ioi(2)), mutate: withReplicas(4, rolling(ios("50%"), ioi(1)))},
		"percent 75% of 4 is 3, above policy count 2: fails":                         {rules: rolloutRules(ioi(2)), mutate: withReplicas(4, rolling(ios("75%"), ioi(1))), want: maxUnavailableFinding},
		"policy percent rounds down: 30% of 4 allows 1, deployment 2 fails":          {rules: rolloutRules(ios("30%")), mutate: withReplicas(4, rolling(ioi(2), ioi(0))), want: maxUnavailableFinding},
		"HPA minReplicas is R: 50% of 2 is 1 > policy 0": {rules: rolloutRules(ioi(0)),
			mutate: withReplicas(1, rolling(ios("50%"), ioi(1))), hpas: []autoscalingv2.HorizontalPodAutoscaler{webHPA("web", new(int32(2)))},
			want: maxUnavailableFinding},
		"HPA minReplicas 1 skips even Recreate": {rules: rolloutRules(nil),
			mutate: func(d *appsv1.Deployment) {
				d.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}
			},
			hpas: []autoscalingv2.HorizontalPodAutoscaler{webHPA("web", new(int32(1)))}},
		"unresolvable maxUnavailable fails with a message": {rules: rolloutRules(nil), mutate: rolling(ios("abc"), ioi(1)),
			want: []Finding{{Rule: RuleRolloutMaxUnavailable, Path: "spec.strategy.rollingUpdate"}}},
	})
}

func revisionRules(minimum *int32) prodreadyv1alpha1.Rules {
	return prodreadyv1alpha1.Rules{Rollout: &prodreadyv1alpha1.RolloutRules{MinRevisionHistory: minimum, MaxUnavailable: ios("100%")}}
}

func TestRolloutRevisionHistoryRule(t *testing.T) {
	limit := func(n int32) func(d *appsv1.Deployment) {
		return func(d *appsv1.Deployment) { d.Spec.RevisionHistoryLimit = new(n) }
	}
	fails := []Finding{{Rule: RuleRolloutRevisionHistory, Path: "spec.revisionHistoryLimit"}}
	runOpsCases(t, map[string]opsCase{
		"unset limit is the API default 10: passes the default minimum 1": {rules: revisionRules(nil)},
		"limit 0 fails the default minimum 1": {rules: revisionRules(nil), mutate: limit(0), want: fails,
			msgContains: []string{"keeps 0 old ReplicaSet(s)", "rollout undo", "at least 1"}},
		"limit 1 passes the default":    {rules: revisionRules(nil), mutate: limit(1)},
		"limit 2 fails a minimum of 3":  {rules: revisionRules(new(int32(3))), mutate: limit(2), want: fails},
		"limit 3 passes a minimum of 3": {rules: revisionRules(new(int32(3))), mutate: limit(3)},
		"negative limit fails":          {rules: revisionRules(nil), mutate: limit(-1), want: fails},
		"minimum 0 never fails":         {rules: revisionRules(new(int32(0))), mutate: limit(0)},
	})
}

func spreadRules(nodes, zones prodreadyv1alpha1.SpreadRequirement) prodreadyv1alpha1.Rules {
	return prodreadyv1alpha1.Rules{Spread: &prodreadyv1alpha1.SpreadRules{Nodes: nodes, Zones: zones}}
}

const (
	sPref = prodreadyv1alpha1.SpreadPreferred
	sReq  = prodreadyv1alpha1.SpreadRequired
)

func ownSelector() *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}
}

func withTSC(key string, when corev1.UnsatisfiableConstraintAction, sel *metav1.LabelSelector, matchLabelKeys ...string) func(d *appsv1.Deployment) {
	return func(d *appsv1.Deployment) {
		d.Spec.Template.Spec.TopologySpreadConstraints = append(d.Spec.Template.Spec.TopologySpreadConstraints, corev1.TopologySpreadConstraint{
			MaxSkew: 1, TopologyKey: key, WhenUnsatisfiable: when, LabelSelector: sel, MatchLabelKeys: matchLabelKeys})
	}
}

func antiAffinity(key string, hard bool, sel *metav1.LabelSelector, edit ...func(t *corev1.PodAffinityTerm)) func(d *appsv1.Deployment) {
	return func(d *appsv1.Deployment) {
		term := corev1.PodAffinityTerm{TopologyKey: key, LabelSelector: sel}
		for _, e := range edit {
			e(&term)
		}
		if d.Spec.Template.Spec.Affinity == nil {
			d.Spec.Template.Spec.Affinity = &corev1.Affinity{}
		}
		a := d.Spec.Template.Spec.Affinity
		if a.PodAntiAffinity == nil {
			a.PodAntiAffinity = &corev1.PodAntiAffinity{}
		}
		if hard {
			a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution = append(a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution, term)
			return
		}
		a.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution = append(a.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution,
			corev1.WeightedPodAffinityTerm{Weight: 100, PodAffinityTerm: term})
	}
}

func nodeAffinityIn(key string, values ...string) func(d *appsv1.Deployment) {
	return func(d *appsv1.Deployment) {
		d.Spec.Template.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{
				{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: key, Operator: corev1.NodeSelectorOpIn, Values: values}}},
			}},
		}}
	}
}

func chain(fs ...func(d *appsv1.Deployment)) func(d *appsv1.Deployment) {
	return func(d *appsv1.Deployment) {
		for _, f := range fs {
			f(d)
		}
	}
}

var spreadNodesFinding = []Finding{{Rule: RuleSpreadNodes, Path: "spec.template.spec.topologySpreadConstraints"}}

// unspread runs the rows of a spread table on a baseDeployment without its
// topologySpreadConstraints.
func unspread(cases map[string]opsCase) map[string]opsCase {
	for name, tc := range cases {
		m := tc.mutate
		tc.mutate = func(d *appsv1.Deployment) {
			d.Spec.Template.Spec.TopologySpreadConstraints = nil
			if m != nil {
				m(d)
			}
		}
		cases[name] = tc
	}
	return cases
}

func TestSpreadNodesRule(t *testing.T) {
	runOpsCases(t, unspread(map[string]opsCase{
		"no spreading at all fails": {rules: spreadRules(sPref, ""), want: spreadNodesFinding,
			msgContains: []string{"single node", "kubernetes.io/hostname"}},
		"false positive kube-score #613/#495: a hostname spread constraint counts": {rules: spreadRules(sPref, ""),
			mutate: withTSC(hostnameKey, corev1.ScheduleAnyway, ownSelector())},
		"false positive kube-linter #894: a spread constraint instead of anti-affinity counts": {rules: spreadRules(sReq, ""),
			mutate: withTSC(hostnameKey, corev1.DoNotSchedule, ownSelector())},
		"false positive kube-linter #369/#574: zone anti-affinity also spreads over nodes": {rules: spreadRules(sPref, ""),
			mutate: antiAffinity(defaultZoneKey, false, ownSelector())},
		"false positive kube-linter #369: legacy region anti-affinity counts": {rules: spreadRules(sPref, ""),
			mutate: antiAffinity(legacyRegionKey, false, ownSelector())},
		"false positive Polaris #911: one replica is skipped": {rules: spreadRules(sReq, ""), mutate: withReplicas(1)},
		"false positive: HPA minReplicas 1 is skipped": {rules: spreadRules(sReq, ""),
			hpas: []autoscalingv2.HorizontalPodAutoscaler{webHPA("web", new(int32(1)))}},
		"matchLabelKeys pod-template-hash is ignored": {rules: spreadRules(sReq, ""),
			mutate: withTSC(hostnameKey, corev1.DoNotSchedule, ownSelector(), "pod-template-hash")},
		"preferred hostname anti-affinity passes Preferred": {rules: spreadRules(sPref, ""),
			mutate: antiAffinity(hostnameKey, false, ownSelector())},
		"required hostname anti-affinity passes Required with maxUnavailable 25% of 4": {rules: spreadRules(sReq, ""),
			mutate: withReplicas(4, antiAffinity(hostnameKey, true, ownSelector()))},
		"bypass: preferred anti-affinity does not satisfy Required": {rules: spreadRules(sReq, ""),
			mutate: antiAffinity(hostnameKey, false, ownSelector()), want: spreadNodesFinding},
		"bypass: ScheduleAnyway does not satisfy Required": {rules: spreadRules(sReq, ""),
			mutate: withTSC(hostnameKey, corev1.ScheduleAnyway, ownSelector()), want: spreadNodesFinding},
		"bypass: a selector that matches other pods does not count": {rules: spreadRules(sPref, ""),
			mutate: withTSC(hostnameKey, corev1.ScheduleAnyway, &metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"}}), want: spreadNodesFinding},
		"bypass: a nil label selector matches no pods": {rules: spreadRules(sPref, ""),
			mutate: antiAffinity(hostnameKey, true, nil), want: spreadNodesFinding},
		"bypass: anti-affinity against pods of another namespace does not count": {rules: spreadRules(sPref, ""),
			mutate: antiAffinity(hostnameKey, false, ownSelector(), func(t *corev1.PodAffinityTerm) { t.Namespaces = []string{"other"} }),
			want:   spreadNodesFinding},
		"anti-affinity listing the own namespace counts": {rules: spreadRules(sPref, ""),
			mutate: antiAffinity(hostnameKey, false, ownSelector(), func(t *corev1.PodAffinityTerm) { t.Namespaces = []string{"other", testNamespace} })},
		"anti-affinity with an empty namespaceSelector (all namespaces) counts": {rules: spreadRules(sPref, ""),
			mutate: antiAffinity(hostnameKey, false, ownSelector(), func(t *corev1.PodAffinityTerm) { t.NamespaceSelector = &metav1.LabelSelector{} })},
		"bypass: a zone spread constraint does not spread over nodes": {rules: spreadRules(sPref, ""),
			mutate: withTSC(defaultZoneKey, corev1.DoNotSchedule, ownSelector()), want: spreadNodesFinding},
		"bypass: an arbitrary topology key does not count": {rules: spreadRules(sPref, ""),
			mutate: antiAffinity("example.com/rack-ish", false, ownSelector()), want: spreadNodesFinding},
		"pinned to one host by nodeSelector is skipped": {rules: spreadRules(sReq, ""),
			mutate: func(d *appsv1.Deployment) {
				d.Spec.Template.Spec.NodeSelector = map[string]string{hostnameKey: "node-1"}
			}},
		"pinned to one host by required node affinity is skipped": {rules: spreadRules(sReq, ""), mutate: nodeAffinityIn(hostnameKey, "node-1")},
		"node affinity allowing two hosts is not pinned": {rules: spreadRules(sReq, ""), mutate: nodeAffinityIn(hostnameKey, "node-1", "node-2"),
			want: spreadNodesFinding},
		"deadlock: required hostname anti-affinity with maxUnavailable 0 fails": {rules: spreadRules(sReq, ""),
			mutate: chain(antiAffinity(hostnameKey, true, ownSelector()), rolling(ioi(0), ioi(1))),
			want:   maxUnavailableFinding2(), msgContains: []string{"deadlock"}},
		"deadlock: 25% of 3 rounds down to 0 with required anti-affinity fails": {rules: spreadRules(sPref, ""),
			mutate: antiAffinity(hostnameKey, true, ownSelector()), want: maxUnavailableFinding2()},
		"required anti-affinity with maxUnavailable 1 passes": {rules: spreadRules(sReq, ""),
			mutate: chain(antiAffinity(hostnameKey, true, ownSelector()), rolling(ioi(1), ioi(0)))},
		"required anti-affinity with Recreate cannot deadlock": {rules: spreadRules(sReq, ""),
			mutate: chain(antiAffinity(hostnameKey, true, ownSelector()), func(d *appsv1.Deployment) {
				d.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}
			})},
	}))
}

func maxUnavailableFinding2() []Finding {
	return []Finding{{Rule: RuleSpreadNodes, Path: "spec.strategy.rollingUpdate.maxUnavailable"}}
}

func nodeMeta(name string, labels map[string]string) metav1.PartialObjectMetadata {
	return metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
}

func twoZones() []metav1.PartialObjectMetadata {
	return []metav1.PartialObjectMetadata{
		nodeMeta("n1", map[string]string{defaultZoneKey: "a"}), nodeMeta("n2", map[string]string{defaultZoneKey: "a"}),
		nodeMeta("n3", nil), nodeMeta("n4", map[string]string{defaultZoneKey: "b"}),
	}
}

var spreadZonesFinding = []Finding{{Rule: RuleSpreadZones, Path: "spec.template.spec.topologySpreadConstraints"}}

func TestSpreadZonesRule(t *testing.T) {
	custom := prodreadyv1alpha1.Rules{Spread: &prodreadyv1alpha1.SpreadRules{Zones: sReq, ZoneKey: "example.com/zone"}}
	customNodes := []metav1.PartialObjectMetadata{
		nodeMeta("n1", map[string]string{"example.com/zone": "x"}), nodeMeta("n2", map[string]string{"example.com/zone": "y"}),
	}
	runOpsCases(t, unspread(map[string]opsCase{
		"no zone spreading over two zones fails": {rules: spreadRules("", sPref), nodes: twoZones(), want: spreadZonesFinding,
			msgContains: []string{"single zone", defaultZoneKey}},
		"single-zone cluster is skipped": {rules: spreadRules("", sReq),
			nodes: []metav1.PartialObjectMetadata{nodeMeta("n1", map[string]string{defaultZoneKey: "a"}), nodeMeta("n2", map[string]string{defaultZoneKey: "a"})}},
		"nodes without zone labels are skipped":               {rules: spreadRules("", sReq), nodes: []metav1.PartialObjectMetadata{nodeMeta("n1", nil)}},
		"no nodes at all are skipped":                         {rules: spreadRules("", sReq)},
		"false positive Polaris #911: one replica is skipped": {rules: spreadRules("", sReq), nodes: twoZones(), mutate: withReplicas(1)},
		"false positive kube-score #613: a zone spread constraint counts": {rules: spreadRules("", sReq), nodes: twoZones(),
			mutate: withTSC(defaultZoneKey, corev1.DoNotSchedule, ownSelector(), "pod-template-hash")},
		"zone anti-affinity counts": {rules: spreadRules("", sPref), nodes: twoZones(), mutate: antiAffinity(defaultZoneKey, false, ownSelector())},
		"bypass: hostname spreading does not spread over zones": {rules: spreadRules("", sPref), nodes: twoZones(),
			mutate: withTSC(hostnameKey, corev1.DoNotSchedule, ownSelector()), want: spreadZonesFinding},
		"bypass: ScheduleAnyway does not satisfy Required": {rules: spreadRules("", sReq), nodes: twoZones(),
			mutate: withTSC(defaultZoneKey, corev1.ScheduleAnyway, ownSelector()), want: spreadZonesFinding},
		"bypass: selector of other pods does not count": {rules: spreadRules("", sPref), nodes: twoZones(),
			mutate: withTSC(defaultZoneKey, corev1.ScheduleAnyway, &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web", "x": "y"}}), want: spreadZonesFinding},
		"pinned to one zone by node affinity is skipped": {rules: spreadRules("", sReq), nodes: twoZones(), mutate: nodeAffinityIn(defaultZoneKey, "a")},
		"pinned to one zone by nodeSelector is skipped": {rules: spreadRules("", sReq), nodes: twoZones(),
			mutate: func(d *appsv1.Deployment) { d.Spec.Template.Spec.NodeSelector = map[string]string{defaultZoneKey: "b"} }},
		"node affinity allowing two zones is not pinned": {rules: spreadRules("", sReq), nodes: twoZones(), mutate: nodeAffinityIn(defaultZoneKey, "a", "b"),
			want: spreadZonesFinding},
		"false positive kube-linter #574: a custom zone key is honored": {rules: custom, nodes: customNodes,
			mutate: withTSC("example.com/zone", corev1.DoNotSchedule, ownSelector())},
		"custom zone key: the standard key does not count": {rules: custom, nodes: customNodes,
			mutate: withTSC(defaultZoneKey, corev1.DoNotSchedule, ownSelector()), want: spreadZonesFinding},
		"custom zone key: nodes labeled only with the standard key are one zone": {rules: custom, nodes: twoZones()},
	}))
}

func shutdownRules(minimum int64) prodreadyv1alpha1.Rules {
	return prodreadyv1alpha1.Rules{Shutdown: &prodreadyv1alpha1.ShutdownRules{MinimumSeconds: new(minimum)}}
}

func grace(n int64) func(d *appsv1.Deployment) {
	return func(d *appsv1.Deployment) { d.Spec.Template.Spec.TerminationGracePeriodSeconds = new(n) }
}

func preStop(h corev1.LifecycleHandler) func(d *appsv1.Deployment) {
	return func(d *appsv1.Deployment) {
		d.Spec.Template.Spec.Containers[0].Lifecycle = &corev1.Lifecycle{PreStop: &h}
	}
}

func execPreStop(cmd ...string) func(d *appsv1.Deployment) {
	return preStop(corev1.LifecycleHandler{Exec: &corev1.ExecAction{Command: cmd}})
}

func sleepPreStop(s int64) func(d *appsv1.Deployment) {
	return preStop(corev1.LifecycleHandler{Sleep: &corev1.SleepAction{Seconds: s}})
}

func TestShutdownGracePeriodRule(t *testing.T) {
	onGrace := []Finding{{Rule: RuleShutdownGracePeriod, Container: "app", Path: "spec.template.spec.terminationGracePeriodSeconds"}}
	onPreStop := []Finding{{Rule: RuleShutdownGracePeriod, Container: "app", Path: "spec.template.spec.containers[0].lifecycle.preStop"}}
	runOpsCases(t, map[string]opsCase{
		"API default 30s passes a minimum of 10":   {rules: shutdownRules(10)},
		"grace period 0 fails":                     {rules: shutdownRules(10), mutate: grace(0), want: onGrace, msgContains: []string{"0s between SIGTERM and SIGKILL"}},
		"grace period 1 fails":                     {rules: shutdownRules(10), mutate: grace(1), want: onGrace},
		"grace period equal to the minimum passes": {rules: shutdownRules(10), mutate: grace(10)},
		"sleep action eating the whole grace period fails": {rules: shutdownRules(10), mutate: sleepPreStop(30), want: onPreStop,
			msgContains: []string{"minus a 30s preStop sleep", "at least 40"}},
		"sleep action leaving enough passes":   {rules: shutdownRules(10), mutate: sleepPreStop(20)},
		"exec sleep N counts":                  {rules: shutdownRules(10), mutate: execPreStop("sleep", "25"), want: onPreStop},
		"exec /bin/sleep with a suffix counts": {rules: shutdownRules(10), mutate: execPreStop("/bin/sleep", "25s"), want: onPreStop},
		"sh -c sleep N counts":                 {rules: shutdownRules(10), mutate: execPreStop("/bin/sh", "-c", "sleep 25"), want: onPreStop},
		"sh -c sleep N && cmd counts":          {rules: shutdownRules(10), mutate: execPreStop("sh", "-c", "sleep 25 && nginx -s quit"), want: onPreStop},
		"sh -c sleep N; cmd counts":            {rules: shutdownRules(10), mutate: execPreStop("bash", "-c", "sleep 25; kill 1"), want: onPreStop},
		"sleep in minutes counts":              {rules: shutdownRules(10), mutate: execPreStop("sleep", "1m"), want: onPreStop},
		"exec of something else counts as 0":   {rules: shutdownRules(10), mutate: execPreStop("nginx", "-s", "quit")},
		"httpGet preStop counts as 0":          {rules: shutdownRules(10), mutate: preStop(corev1.LifecycleHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/drain"}})},
		"grace period with a sidecar checks both": {rules: shutdownRules(10), mutate: chain(grace(5), func(d *appsv1.Deployment) {
			d.Spec.Template.Spec.InitContainers = []corev1.Container{plainInit("migrate"), sidecar()}
		}), want: append(onGrace, Finding{Rule: RuleShutdownGracePeriod, Container: "mesh", Path: "spec.template.spec.terminationGracePeriodSeconds"})},
	})
}

func TestPreStopSleep(t *testing.T) {
	for name, tc := range map[string]struct {
		cmd  []string
		want int64
	}{
		"sleep 5":               {[]string{"sleep", "5"}, 5},
		"sleep 2.9 rounds down": {[]string{"sleep", "2.9"}, 2},
		"sleep garbage":         {[]string{"sleep", "x"}, 0},
		"sleep negative":        {[]string{"sleep", "-5"}, 0},
		"sleep NaN":             {[]string{"sleep", "NaN"}, 0},
		"sleep huge":            {[]string{"sleep", "1e300"}, 2147483647},
		"sleep without arg":     {[]string{"sleep"}, 0},
		"sh -c two args":        {[]string{"sh", "-c", "sleep 5 10"}, 0},
		"sh -c pipe":            {[]string{"sh", "-c", "sleep 5 | cat"}, 0},
		"sh -c newline":         {[]string{"sh", "-c", "sleep 7\nnginx -s quit"}, 7},
		"sh -c sleep 5;":        {[]string{"sh", "-c", "sleep 5;"}, 5},
		"sh -c other first":     {[]string{"sh", "-c", "echo; sleep 5"}, 0},
		"sh without -c":         {[]string{"sh", "sleep 5"}, 0},
		"empty command":         {nil, 0},
	} {
		t.Run(name, func(t *testing.T) {
			c := &corev1.Container{Lifecycle: &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Exec: &corev1.ExecAction{Command: tc.cmd}}}}
			if got := preStopSleep(c); got != tc.want {
				t.Errorf("preStopSleep(%q) = %d, want %d", tc.cmd, got, tc.want)
			}
		})
	}
}

func service(name, namespace string, selector map[string]string, ports ...corev1.ServicePort) corev1.Service {
	return corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Spec: corev1.ServiceSpec{Selector: selector, Ports: ports}}
}

func withPorts(ports ...corev1.ContainerPort) func(d *appsv1.Deployment) {
	return func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Ports = ports }
}

func TestShutdownPreStopRule(t *testing.T) {
	rules := prodreadyv1alpha1.Rules{Shutdown: &prodreadyv1alpha1.ShutdownRules{PreStop: req}}
	web := map[string]string{"app": "web"}
	httpPort := corev1.ContainerPort{Name: "http", ContainerPort: 8080}
	byName := service("web", testNamespace, web, corev1.ServicePort{Port: 80, TargetPort: intstr.FromString("http")})
	byNumber := service("web", testNamespace, web, corev1.ServicePort{Port: 80, TargetPort: intstr.FromInt32(8080)})
	fails := []Finding{{Rule: RuleShutdownPreStop, Container: "app", Path: "spec.template.spec.containers[0].lifecycle.preStop"}}
	runOpsCases(t, map[string]opsCase{
		"served by targetPort name without preStop fails": {rules: rules, mutate: withPorts(httpPort), services: []corev1.Service{byName}, want: fails,
			msgContains: []string{`Service "web"`, "sleep action", "needs no shell"}},
		"served by targetPort number without preStop fails": {rules: rules, mutate: withPorts(httpPort), services: []corev1.Service{byNumber}, want: fails},
		"unset targetPort means port": {rules: rules, mutate: withPorts(corev1.ContainerPort{ContainerPort: 80}),
			services: []corev1.Service{service("web", testNamespace, web, corev1.ServicePort{Port: 80})}, want: fails},
		"sleep action passes": {rules: rules, mutate: chain(withPorts(httpPort), sleepPreStop(5)), services: []corev1.Service{byName}},
		"any handler passes":  {rules: rules, mutate: chain(withPorts(httpPort), execPreStop("nginx", "-s", "quit")), services: []corev1.Service{byName}},
		"no Service passes":   {rules: rules, mutate: withPorts(httpPort)},
		"sidecar without served ports passes": {rules: rules, services: []corev1.Service{byName},
			mutate: chain(withPorts(httpPort), sleepPreStop(5), func(d *appsv1.Deployment) {
				d.Spec.Template.Spec.Containers = append(d.Spec.Template.Spec.Containers, goodContainer("log-shipper"))
				d.Spec.Template.Spec.InitContainers = []corev1.Container{sidecar()}
			})},
		"sidecar serving a targeted port fails": {rules: rules,
			services: []corev1.Service{service("mesh", testNamespace, web, corev1.ServicePort{Port: 15001, TargetPort: intstr.FromString("proxy")})},
			mutate: func(d *appsv1.Deployment) {
				s := sidecar()
				s.Ports = []corev1.ContainerPort{{Name: "proxy", ContainerPort: 15001}}
				d.Spec.Template.Spec.InitContainers = []corev1.Container{s}
			},
			want: []Finding{{Rule: RuleShutdownPreStop, Container: "mesh", Path: "spec.template.spec.initContainers[0].lifecycle.preStop"}}},
		"Service in another namespace does not count": {rules: rules, mutate: withPorts(httpPort),
			services: []corev1.Service{service("web", "other", web, corev1.ServicePort{Port: 80, TargetPort: intstr.FromString("http")})}},
		"Service selecting other pods does not count": {rules: rules, mutate: withPorts(httpPort),
			services: []corev1.Service{service("db", testNamespace, map[string]string{"app": "db"}, corev1.ServicePort{Port: 80, TargetPort: intstr.FromString("http")})}},
		"Service without a selector targets no pods": {rules: rules, mutate: withPorts(httpPort),
			services: []corev1.Service{service("ext", testNamespace, nil, corev1.ServicePort{Port: 8080})}},
		"Service targeting another port does not count": {rules: rules, mutate: withPorts(httpPort),
			services: []corev1.Service{service("web", testNamespace, web, corev1.ServicePort{Port: 9090, TargetPort: intstr.FromString("metrics")})}},
		"UDP Service port does not target a TCP container port": {rules: rules, mutate: withPorts(httpPort),
			services: []corev1.Service{service("web", testNamespace, web, corev1.ServicePort{Port: 8080, Protocol: corev1.ProtocolUDP})}},
	})
}

func imageRules(img prodreadyv1alpha1.ImageRules) prodreadyv1alpha1.Rules {
	return prodreadyv1alpha1.Rules{Images: &img}
}

func image(ref string) func(d *appsv1.Deployment) {
	return func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Image = ref }
}

const digest = "@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestImagePinnedRule(t *testing.T) {
	pinned := imageRules(prodreadyv1alpha1.ImageRules{Pinned: true})
	digests := imageRules(prodreadyv1alpha1.ImageRules{RequireDigest: true})
	fails := []Finding{{Rule: RuleImagePinned, Container: "app", Path: "spec.template.spec.containers[0].image"}}
	runOpsCases(t, map[string]opsCase{
		"version tag passes":                                     {rules: pinned, mutate: image("nginx:1.27.3")},
		"bypass: no tag means latest, fails":                     {rules: pinned, mutate: image("nginx"), want: fails, msgContains: []string{"without a tag"}},
		"bypass: explicit latest fails":                          {rules: pinned, mutate: image("nginx:latest"), want: fails, msgContains: []string{`mutable tag "latest"`}},
		"bypass: registry port is not a tag (registry:5000/app)": {rules: pinned, mutate: image("registry:5000/app"), want: fails},
		"bypass: registry port with a path and no tag":           {rules: pinned, mutate: image("registry.example:5000/team/app"), want: fails},
		"registry port with a version tag passes":                {rules: pinned, mutate: image("registry:5000/app:1.2.3")},
		"registry port with latest fails":                        {rules: pinned, mutate: image("registry:5000/app:latest"), want: fails},
		"digest passes":                                          {rules: pinned, mutate: image("nginx" + digest)},
		"digest with latest tag passes (the digest wins)":        {rules: pinned, mutate: image("nginx:latest" + digest)},
		"registry port with digest passes":                       {rules: pinned, mutate: image("registry:5000/app" + digest)},
		"invalid reference fails":                                {rules: pinned, mutate: image("Nginx:UPPER CASE"), want: fails, msgContains: []string{"not a valid image reference"}},
		"empty image fails":                                      {rules: pinned, mutate: image(""), want: fails},
		"custom mutable tag fails": {rules: imageRules(prodreadyv1alpha1.ImageRules{Pinned: true, MutableTags: []string{"latest", "stable"}}),
			mutate: image("nginx:stable"), want: fails},
		"empty mutableTags accepts latest but not a missing tag": {rules: imageRules(prodreadyv1alpha1.ImageRules{Pinned: true, MutableTags: []string{}}),
			mutate: image("nginx:latest")},
		"requireDigest fails a version tag": {rules: digests, mutate: image("nginx:1.27.3"), want: fails, msgContains: []string{"without a digest"}},
		"requireDigest passes a digest":     {rules: digests, mutate: image("nginx" + digest)},
		"init containers and sidecars are checked": {rules: pinned, mutate: func(d *appsv1.Deployment) {
			s := sidecar()
			s.Image = "mesh:latest"
			i := plainInit("migrate")
			i.Image = "registry:5000/migrate"
			d.Spec.Template.Spec.InitContainers = []corev1.Container{i, s}
		}, want: []Finding{
			{Rule: RuleImagePinned, Container: "migrate", Path: "spec.template.spec.initContainers[0].image"},
			{Rule: RuleImagePinned, Container: "mesh", Path: "spec.template.spec.initContainers[1].image"},
		}},
	})
}

func priorityClass(name string, value int32, globalDefault bool) schedulingv1.PriorityClass {
	return schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: name}, Value: value, GlobalDefault: globalDefault}
}

func priorityName(n string) func(d *appsv1.Deployment) {
	return func(d *appsv1.Deployment) { d.Spec.Template.Spec.PriorityClassName = n }
}

func TestPriorityClassRule(t *testing.T) {
	atLeast := func(n int32) prodreadyv1alpha1.Rules {
		return prodreadyv1alpha1.Rules{Priority: &prodreadyv1alpha1.PriorityRules{Minimum: new(n)}}
	}
	allowed := func(names ...string) prodreadyv1alpha1.Rules {
		return prodreadyv1alpha1.Rules{Priority: &prodreadyv1alpha1.PriorityRules{AllowedClasses: names}}
	}
	classes := []schedulingv1.PriorityClass{priorityClass("high", 1000, false), priorityClass("low", 10, false), priorityClass("system-cluster-critical", 2000000000, false)}
	withDefault := append(clone(classes), priorityClass("default-prio", 500, true))
	fails := []Finding{{Rule: RulePriorityClass, Path: "spec.template.spec.priorityClassName"}}
	runOpsCases(t, map[string]opsCase{
		"named class above the minimum passes": {rules: atLeast(100), mutate: priorityName("high"), classes: classes},
		"named class below the minimum fails":  {rules: atLeast(100), mutate: priorityName("low"), classes: classes, want: fails, msgContains: []string{`"low" has priority 10`}},
		"bypass: a class that does not exist always fails": {rules: atLeast(-1000), mutate: priorityName("hihg"), classes: classes, want: fails,
			msgContains: []string{"names no PriorityClass", "can create no pods"}},
		"false positive Polaris: unset with a global default above the minimum passes": {rules: atLeast(100), classes: withDefault},
		"unset with a global default below the minimum fails":                          {rules: atLeast(1000), classes: withDefault, want: fails, msgContains: []string{"global default"}},
		"unset without a global default is 0: fails a positive minimum":                {rules: atLeast(1), classes: classes, want: fails, msgContains: []string{"priority 0"}},
		"unset without a global default is 0: passes a minimum of 0":                   {rules: atLeast(0), classes: classes},
		"two global defaults: the lowest counts":                                       {rules: atLeast(100), classes: append(clone(withDefault), priorityClass("other-default", 50, true)), want: fails},
		"false positive kube-linter: a non-system class is allowed when listed":        {rules: allowed("high"), mutate: priorityName("high"), classes: classes},
		"class outside allowedClasses fails":                                           {rules: allowed("high"), mutate: priorityName("low"), classes: classes, want: fails, msgContains: []string{"not allowed"}},
		"global default counts against allowedClasses":                                 {rules: allowed("default-prio"), classes: withDefault},
		"unset without default fails allowedClasses":                                   {rules: allowed("high"), classes: classes, want: fails, msgContains: []string{"sets no priorityClassName"}},
		"system class above the minimum passes":                                        {rules: atLeast(1000000), mutate: priorityName("system-cluster-critical"), classes: classes},
	})
}

func TestCompileOperationalRules(t *testing.T) {
	for name, tc := range map[string]struct {
		rules   prodreadyv1alpha1.Rules
		wantErr string
	}{
		"negative maxUnavailable":        {rolloutRules(ioi(-1)), "spec.rules.rollout.maxUnavailable"},
		"string maxUnavailable not %":    {rolloutRules(ios("3")), "spec.rules.rollout.maxUnavailable"},
		"negative percent":               {rolloutRules(ios("-5%")), "spec.rules.rollout.maxUnavailable"},
		"negative minRevisionHistory":    {prodreadyv1alpha1.Rules{Rollout: &prodreadyv1alpha1.RolloutRules{MinRevisionHistory: new(int32(-1))}}, "spec.rules.rollout.minRevisionHistory"},
		"unknown spread requirement":     {spreadRules("Sometimes", ""), "spec.rules.spread.nodes"},
		"invalid zone key":               {prodreadyv1alpha1.Rules{Spread: &prodreadyv1alpha1.SpreadRules{Zones: sReq, ZoneKey: "not a key"}}, "spec.rules.spread.zoneKey"},
		"minimumSeconds 0":               {shutdownRules(0), "spec.rules.shutdown.minimumSeconds"},
		"unknown preStop requirement":    {prodreadyv1alpha1.Rules{Shutdown: &prodreadyv1alpha1.ShutdownRules{PreStop: "Maybe"}}, "spec.rules.shutdown.preStop"},
		"priority with nothing to check": {prodreadyv1alpha1.Rules{Priority: &prodreadyv1alpha1.PriorityRules{}}, "spec.rules.priority"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Compile(&prodreadyv1alpha1.PolicySpec{Rules: tc.rules}, nil)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Compile error = %v, want one naming %s", err, tc.wantErr)
			}
		})
	}
}

func TestOperationalUses(t *testing.T) {
	for name, tc := range map[string]struct {
		rules                             prodreadyv1alpha1.Rules
		cluster, services, nodes, classes bool
	}{
		"rollout reads HPAs":         {rules: rolloutRules(nil), cluster: true},
		"spread nodes reads HPAs":    {rules: spreadRules(sPref, ""), cluster: true},
		"spread zones reads Nodes":   {rules: spreadRules("", sPref), cluster: true, nodes: true},
		"preStop reads Services":     {rules: prodreadyv1alpha1.Rules{Shutdown: &prodreadyv1alpha1.ShutdownRules{PreStop: req}}, services: true},
		"grace period reads nothing": {rules: shutdownRules(5)},
		"images read nothing":        {rules: imageRules(prodreadyv1alpha1.ImageRules{Pinned: true})},
		"priority reads classes":     {rules: prodreadyv1alpha1.Rules{Priority: &prodreadyv1alpha1.PriorityRules{Minimum: new(int32(1))}}, classes: true},
	} {
		t.Run(name, func(t *testing.T) {
			p := mustCompile(t, &prodreadyv1alpha1.PolicySpec{Rules: tc.rules})
			if p.UsesClusterObjects() != tc.cluster || p.UsesServices() != tc.services || p.UsesNodes() != tc.nodes || p.UsesPriorityClasses() != tc.classes {
				t.Errorf("uses cluster=%v services=%v nodes=%v classes=%v, want %v %v %v %v",
					p.UsesClusterObjects(), p.UsesServices(), p.UsesNodes(), p.UsesPriorityClasses(), tc.cluster, tc.services, tc.nodes, tc.classes)
			}
		})
	}
}
