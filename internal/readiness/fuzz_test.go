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
	"encoding/json"
	"fmt"
	"math"
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

// byteReader hands out fuzz bytes as small decisions; once the bytes run out
// every decision is 0, so any input decodes to some object.
type byteReader struct{ b []byte }

func (r *byteReader) byte() byte {
	if len(r.b) == 0 {
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *byteReader) intn(n int) int { return int(r.byte()) % n }
func (r *byteReader) bool() bool     { return r.byte()&1 == 1 }

func (r *byteReader) int32() int32 {
	return int32(uint32(r.byte()) | uint32(r.byte())<<8 | uint32(r.byte())<<16 | uint32(r.byte())<<24)
}

func pick[T any](r *byteReader, from []T) T { return from[r.intn(len(from))] }

var (
	fuzzNames       = []string{testName, "api", "", "web-2", "mesh"}
	fuzzNamespaces  = []string{testNamespace, testNamespace, "other", ""}
	fuzzAnnotations = []string{"prometheus.io/scrape", "prometheus.io/port", "prometheus.io/path", "other"}
	fuzzAnnValues   = []string{"true", "truex", "8080", "80a", "", "\n", "xtrue"}
	fuzzQuantities  = []string{"0", "1", "100m", "-1", "128Mi", "1e3", "0.0001m"}
	fuzzResources   = []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceEphemeralStorage, "nvidia.com/gpu"}
	fuzzPaths       = []string{"/healthz", "/ready", "", "/"}
	fuzzSchemes     = []corev1.URIScheme{"", corev1.URISchemeHTTP, corev1.URISchemeHTTPS, "ftp"}
	fuzzRestart     = []*corev1.ContainerRestartPolicy{
		nil, new(corev1.ContainerRestartPolicyAlways), new(corev1.ContainerRestartPolicyOnFailure),
		new(corev1.ContainerRestartPolicyNever), new(corev1.ContainerRestartPolicy("")),
	}
	fuzzIntOrStrings = []intstr.IntOrString{
		intstr.FromInt32(0), intstr.FromInt32(1), intstr.FromInt32(2), intstr.FromInt32(-1),
		intstr.FromInt32(math.MaxInt32), intstr.FromString("0%"), intstr.FromString("10%"),
		intstr.FromString("50%"), intstr.FromString("100%"), intstr.FromString("250%"),
		intstr.FromString("-10%"), intstr.FromString("abc%"), intstr.FromString("%"),
		intstr.FromString(""), intstr.FromString("3"), intstr.FromString("99999999999999999999%"),
		{Type: 7, IntVal: 1, StrVal: "1"},
	}
	fuzzAPIVersions = []string{"apps/v1", "apps/v1beta2", "v1", "", "a/b/c", "example.com/v1"}
	fuzzKinds       = []string{"Deployment", "StatefulSet", "", "deployment"}
	fuzzImages      = []string{"nginx", "nginx:latest", "nginx:1.27", "registry:5000/app", "registry:5000/app:1.0", "", "UPPER",
		"nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "a:b:c", "nginx:stable"}
	fuzzTopologyKeys = []string{hostnameKey, defaultZoneKey, regionKey, "", "example.com/zone"}
	fuzzSleepArgs    = []string{"5", "30", "1m", "-1", "x", "1e300", "NaN", ""}
	fuzzPortNames    = []string{"http", "", "metrics"}
	fuzzClassNames   = []string{"", "high", "low", "missing"}
)

func readLabelSelector(r *byteReader) *metav1.LabelSelector {
	switch r.intn(4) {
	case 0:
		return nil
	case 1:
		return &metav1.LabelSelector{}
	default:
		return readSelector(r)
	}
}

// readOperational fills the fields the operational rules read: strategy,
// revision history, spreading, shutdown, ports, images and priority.
func readOperational(r *byteReader, d *appsv1.Deployment) {
	spec := &d.Spec.Template.Spec
	switch r.intn(4) {
	case 0:
	case 1:
		d.Spec.Strategy.Type = appsv1.RecreateDeploymentStrategyType
	default:
		d.Spec.Strategy.Type = appsv1.RollingUpdateDeploymentStrategyType
		if r.bool() {
			d.Spec.Strategy.RollingUpdate = &appsv1.RollingUpdateDeployment{MaxUnavailable: readIntOrString(r), MaxSurge: readIntOrString(r)}
		}
	}
	d.Spec.RevisionHistoryLimit = readInt32Ptr(r)
	for range r.intn(3) {
		spec.TopologySpreadConstraints = append(spec.TopologySpreadConstraints, corev1.TopologySpreadConstraint{
			MaxSkew: 1, TopologyKey: pick(r, fuzzTopologyKeys), LabelSelector: readLabelSelector(r),
			WhenUnsatisfiable: pick(r, []corev1.UnsatisfiableConstraintAction{corev1.DoNotSchedule, corev1.ScheduleAnyway, ""}),
		})
	}
	if r.bool() {
		term := func() corev1.PodAffinityTerm {
			t := corev1.PodAffinityTerm{TopologyKey: pick(r, fuzzTopologyKeys), LabelSelector: readLabelSelector(r)}
			switch r.intn(4) {
			case 1:
				t.Namespaces = []string{pick(r, fuzzNamespaces)}
			case 2:
				t.NamespaceSelector = readLabelSelector(r)
			}
			return t
		}
		aa := &corev1.PodAntiAffinity{}
		for range r.intn(3) {
			aa.RequiredDuringSchedulingIgnoredDuringExecution = append(aa.RequiredDuringSchedulingIgnoredDuringExecution, term())
		}
		for range r.intn(3) {
			aa.PreferredDuringSchedulingIgnoredDuringExecution = append(aa.PreferredDuringSchedulingIgnoredDuringExecution,
				corev1.WeightedPodAffinityTerm{Weight: int32(r.intn(101)), PodAffinityTerm: term()})
		}
		spec.Affinity = &corev1.Affinity{PodAntiAffinity: aa}
		if r.bool() {
			var terms []corev1.NodeSelectorTerm
			for range r.intn(3) {
				vals := []string{"a"}
				if r.bool() {
					vals = append(vals, "b")
				}
				terms = append(terms, corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{
					{Key: pick(r, fuzzTopologyKeys), Operator: pick(r, []corev1.NodeSelectorOperator{corev1.NodeSelectorOpIn, corev1.NodeSelectorOpNotIn}), Values: vals},
				}})
			}
			spec.Affinity.NodeAffinity = &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: terms}}
		}
	}
	if r.bool() {
		spec.NodeSelector = map[string]string{pick(r, fuzzTopologyKeys): "a"}
	}
	if r.bool() {
		spec.TerminationGracePeriodSeconds = new(int64(r.int32()))
	}
	spec.PriorityClassName = pick(r, fuzzClassNames)
	for _, cs := range [][]corev1.Container{spec.Containers, spec.InitContainers} {
		for i := range cs {
			c := &cs[i]
			c.Image = pick(r, fuzzImages)
			if r.bool() {
				c.Ports = []corev1.ContainerPort{{Name: pick(r, fuzzPortNames), ContainerPort: int32(r.intn(3)) + 8080}}
			}
			switch r.intn(5) {
			case 1:
				c.Lifecycle = &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Sleep: &corev1.SleepAction{Seconds: int64(r.int32())}}}
			case 2:
				c.Lifecycle = &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Exec: &corev1.ExecAction{Command: []string{"sleep", pick(r, fuzzSleepArgs)}}}}
			case 3:
				c.Lifecycle = &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Exec: &corev1.ExecAction{Command: []string{"sh", "-c", "sleep " + pick(r, fuzzSleepArgs) + "; x"}}}}
			case 4:
				c.Lifecycle = &corev1.Lifecycle{}
			}
		}
	}
}

func readServices(r *byteReader) []corev1.Service {
	var out []corev1.Service
	for range r.intn(3) {
		s := corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: pick(r, []string{"web", "", "db"}), Namespace: pick(r, fuzzNamespaces)}}
		s.Spec.Selector = readLabels(r)
		for range r.intn(3) {
			p := corev1.ServicePort{Port: int32(r.intn(3)) + 8080, Protocol: pick(r, []corev1.Protocol{"", corev1.ProtocolTCP, corev1.ProtocolUDP})}
			if r.bool() {
				p.TargetPort = intstr.FromString(pick(r, fuzzPortNames))
			} else {
				p.TargetPort = intstr.FromInt32(int32(r.intn(3)) + 8080)
			}
			s.Spec.Ports = append(s.Spec.Ports, p)
		}
		out = append(out, s)
	}
	return out
}

func readNodes(r *byteReader) []metav1.PartialObjectMetadata {
	var out []metav1.PartialObjectMetadata
	for range r.intn(4) {
		out = append(out, metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{
			Name: pick(r, []string{"n1", "n2", ""}), Labels: readStringMap(r, fuzzTopologyKeys, []string{"a", "b", ""})}})
	}
	return out
}

func readPriorityClasses(r *byteReader) []schedulingv1.PriorityClass {
	var out []schedulingv1.PriorityClass
	for range r.intn(4) {
		out = append(out, schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: pick(r, fuzzClassNames)},
			Value: r.int32(), GlobalDefault: r.bool()})
	}
	return out
}

func readInt32Ptr(r *byteReader) *int32 {
	switch r.intn(6) {
	case 0:
		return nil
	case 1:
		return new(int32(0))
	case 2:
		return new(int32(-1))
	case 3:
		return new(r.int32())
	default:
		return new(int32(r.intn(5)))
	}
}

func readStringMap(r *byteReader, keys, values []string) map[string]string {
	n := r.intn(5)
	if n == 0 {
		if r.bool() {
			return nil
		}
		return map[string]string{}
	}
	m := make(map[string]string, n)
	for range n {
		m[pick(r, keys)] = pick(r, values)
	}
	return m
}

func readProbe(r *byteReader) *corev1.Probe {
	if r.intn(4) == 0 {
		return nil
	}
	p := &corev1.Probe{}
	switch r.intn(6) {
	case 0: // no handler at all
	case 1, 2:
		p.HTTPGet = &corev1.HTTPGetAction{Path: pick(r, fuzzPaths), Scheme: pick(r, fuzzSchemes)}
		if r.bool() {
			p.HTTPGet.Port = intstr.FromInt32(int32(r.intn(3)) + 8080)
		} else {
			p.HTTPGet.Port = intstr.FromString("http")
		}
		if r.bool() {
			p.HTTPGet.HTTPHeaders = []corev1.HTTPHeader{}
		}
	case 3:
		p.Exec = &corev1.ExecAction{Command: []string{"check", pick(r, fuzzPaths)}}
		if r.bool() {
			p.Exec.Command = nil
		}
	case 4:
		p.TCPSocket = &corev1.TCPSocketAction{Port: intstr.FromInt32(int32(r.intn(2)))}
	case 5:
		p.GRPC = &corev1.GRPCAction{Port: 9090}
		if r.bool() {
			p.GRPC.Service = new("")
		}
	}
	// Small values so that probes collide often, including explicit defaults.
	p.InitialDelaySeconds = int32(r.intn(2))
	p.TimeoutSeconds = int32(r.intn(3))
	p.PeriodSeconds = []int32{0, 10, 5, -1}[r.intn(4)]
	p.SuccessThreshold = int32(r.intn(2))
	p.FailureThreshold = []int32{0, 3, 6}[r.intn(3)]
	if r.intn(4) == 0 {
		p.TerminationGracePeriodSeconds = new(int64(r.intn(2)))
	}
	return p
}

func readResourceList(r *byteReader) corev1.ResourceList {
	n := r.intn(4)
	if n == 0 {
		if r.bool() {
			return nil
		}
		return corev1.ResourceList{}
	}
	l := make(corev1.ResourceList, n)
	for range n {
		l[pick(r, fuzzResources)] = resource.MustParse(pick(r, fuzzQuantities))
	}
	return l
}

func readContainer(r *byteReader) corev1.Container {
	c := corev1.Container{Name: pick(r, []string{"app", "proxy", "", "mesh", "app"})}
	c.ReadinessProbe = readProbe(r)
	c.LivenessProbe = readProbe(r)
	if r.bool() {
		c.LivenessProbe = c.ReadinessProbe // aliased: identical by construction
	}
	c.StartupProbe = readProbe(r)
	c.Resources.Requests = readResourceList(r)
	c.Resources.Limits = readResourceList(r)
	return c
}

func readContainers(r *byteReader, limit int) []corev1.Container {
	n := r.intn(limit + 1)
	if n == 0 {
		if r.bool() {
			return nil
		}
		return []corev1.Container{}
	}
	cs := make([]corev1.Container, n)
	for i := range cs {
		cs[i] = readContainer(r)
	}
	return cs
}

func readDeployment(r *byteReader) *appsv1.Deployment {
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{
			Name:      pick(r, fuzzNames),
			Namespace: pick(r, fuzzNamespaces),
			Labels:    readLabels(r),
		},
	}
	d.Spec.Replicas = readInt32Ptr(r)
	d.Spec.Template.Labels = readLabels(r)
	d.Spec.Template.Annotations = readStringMap(r, fuzzAnnotations, fuzzAnnValues)
	d.Spec.Template.Spec.Containers = readContainers(r, 3)
	d.Spec.Template.Spec.InitContainers = readContainers(r, 2)
	for i := range d.Spec.Template.Spec.InitContainers {
		d.Spec.Template.Spec.InitContainers[i].RestartPolicy = pick(r, fuzzRestart)
	}
	return d
}

func readIntOrString(r *byteReader) *intstr.IntOrString {
	if r.intn(3) == 0 {
		return nil
	}
	v := pick(r, fuzzIntOrStrings)
	return &v
}

func readPDBs(r *byteReader) []policyv1.PodDisruptionBudget {
	var out []policyv1.PodDisruptionBudget
	for range r.intn(4) {
		p := policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{
			Name:      pick(r, []string{"web-pdb", "other-pdb", ""}),
			Namespace: pick(r, fuzzNamespaces),
		}}
		p.Spec.Selector = readSelector(r)
		p.Spec.MaxUnavailable = readIntOrString(r)
		p.Spec.MinAvailable = readIntOrString(r)
		out = append(out, p)
	}
	return out
}

func readHPAs(r *byteReader) []autoscalingv2.HorizontalPodAutoscaler {
	var out []autoscalingv2.HorizontalPodAutoscaler
	for range r.intn(3) {
		h := autoscalingv2.HorizontalPodAutoscaler{ObjectMeta: metav1.ObjectMeta{
			Name:      pick(r, []string{"web-hpa", "other-hpa", ""}),
			Namespace: pick(r, fuzzNamespaces),
		}}
		h.Spec.ScaleTargetRef = autoscalingv2.CrossVersionObjectReference{
			Kind:       pick(r, fuzzKinds),
			APIVersion: pick(r, fuzzAPIVersions),
			Name:       pick(r, fuzzNames),
		}
		h.Spec.MinReplicas = readInt32Ptr(r)
		h.Spec.MaxReplicas = r.int32()
		out = append(out, h)
	}
	return out
}

// fuzzJSONInput is the second decoding path: arbitrary JSON for the objects,
// as a client or a cache could hand them over.
type fuzzJSONInput struct {
	Deployment      *appsv1.Deployment                      `json:"deployment"`
	PDBs            []policyv1.PodDisruptionBudget          `json:"pdbs"`
	HPAs            []autoscalingv2.HorizontalPodAutoscaler `json:"hpas"`
	Services        []corev1.Service                        `json:"services"`
	Nodes           []metav1.PartialObjectMetadata          `json:"nodes"`
	PriorityClasses []schedulingv1.PriorityClass            `json:"priorityClasses"`
}

// fuzzPolicySpec uses every rule and exemptions of every shape, so that the
// fuzzer reaches the exemption code too.
func fuzzPolicySpec() *prodreadyv1alpha1.PolicySpec {
	rules := allRules()
	rules.Metrics.Annotations = append(rules.Metrics.Annotations, prodreadyv1alpha1.AnnotationRequirement{Key: "prometheus.io/path"})
	return &prodreadyv1alpha1.PolicySpec{
		Rules: rules,
		Exemptions: []prodreadyv1alpha1.Exemption{
			{Deployments: []string{"api"}, Rules: []string{"probes"}, Reason: "r"},
			{Deployments: []string{testName}, Rules: []string{"resources.limits"}, Containers: []string{"proxy"}, Reason: "r",
				Expires: &metav1.Time{Time: testNow.Add(time.Hour)}},
			{Selector: &prodreadyv1alpha1.LabelSelector{MatchLabels: map[string]string{"tier": "web"}}, Rules: []string{"pdb", "replicas.minimum"}, Reason: "r",
				Expires: &metav1.Time{Time: testNow.Add(-time.Hour)}},
			{Selector: &prodreadyv1alpha1.LabelSelector{}, Rules: []string{"probes.distinct", "metrics"}, Containers: []string{"app"}, Reason: "r",
				Expires: &metav1.Time{Time: testNow.Add(2 * time.Hour)}},
		},
	}
}

// deploymentWide are the rules whose findings are about the whole
// Deployment, never a container.
var deploymentWide = []string{RuleReplicasMinimum, RulePDBRequired, RulePDBAllowsDisruption, RuleMetricsAnnotation,
	RuleRolloutMaxUnavailable, RuleRolloutRevisionHistory, RuleSpreadNodes, RuleSpreadZones, RulePriorityClass}

func FuzzEvaluate(f *testing.F) {
	// Byte-reader seeds (first byte even).
	f.Add([]byte{})
	f.Add([]byte{0, 0, 0, 0, 3, 1, 1, 0, 0, 0, 0, 0, 1, 2, 1, 1, 1, 1, 1})
	f.Add([]byte{2, 0, 0, 2, 0, 1, 0, 4, 1, 2, 0, 3, 1, 1, 1, 1, 2, 1, 3, 1, 2, 1, 0, 3, 2, 2, 0, 1, 1, 0, 1, 1, 1, 3, 3, 3, 0, 1, 2})
	f.Add([]byte("\x04a deployment built from a longer byte string, with many decisions in it"))
	f.Add([]byte{6, 255, 254, 253, 252, 251, 250, 249, 248, 247, 246, 245, 244, 243, 242, 241, 240, 239, 238, 237})
	// JSON seeds (first byte odd).
	d := baseDeployment()
	d.Spec.Template.Spec.InitContainers = []corev1.Container{plainInit("migrate"), sidecar()}
	js, err := json.Marshal(fuzzJSONInput{
		Deployment: d,
		PDBs:       []policyv1.PodDisruptionBudget{goodPDB(), minAvailablePDB("web-min", intstr.FromString("100%"))},
		HPAs:       []autoscalingv2.HorizontalPodAutoscaler{webHPA("web-hpa", new(int32(1)))},
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(append([]byte{1}, js...))
	f.Add([]byte(`{"deployment":{"metadata":{"name":"web","namespace":"shop"},"spec":{"replicas":-4,"template":{"spec":{"containers":[{"name":"app","resources":{"limits":{"cpu":"0"}}}],"initContainers":[{"name":"s","restartPolicy":"Always"}]}}}},"pdbs":[{"metadata":{"namespace":"shop"},"spec":{"selector":{},"maxUnavailable":"abc%"}}],"hpas":[{"metadata":{"namespace":"shop"},"spec":{"scaleTargetRef":{"kind":"Deployment","apiVersion":"apps/v1","name":"web"},"minReplicas":0}}]}`))
	f.Add([]byte(`{"deployment":null}`))
	f.Add([]byte(`{"deployment":{"metadata":{"name":"web","namespace":"shop"},"spec":{"replicas":3,"revisionHistoryLimit":0,"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":"0%","maxSurge":0}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"terminationGracePeriodSeconds":5,"priorityClassName":"missing","affinity":{"podAntiAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":[{"topologyKey":"kubernetes.io/hostname","labelSelector":{"matchLabels":{"app":"web"}}}]}},"containers":[{"name":"app","image":"registry:5000/app","ports":[{"name":"http","containerPort":8080}],"lifecycle":{"preStop":{"exec":{"command":["sh","-c","sleep 30"]}}}}]}}}},"services":[{"metadata":{"name":"web","namespace":"shop"},"spec":{"selector":{"app":"web"},"ports":[{"port":80,"targetPort":"http"}]}}],"nodes":[{"metadata":{"name":"n1","labels":{"topology.kubernetes.io/zone":"a"}}},{"metadata":{"name":"n2","labels":{"topology.kubernetes.io/zone":"b"}}}],"priorityClasses":[{"metadata":{"name":"low"},"value":1,"globalDefault":true}]}`))

	p := mustCompile(f, fuzzPolicySpec())
	f.Fuzz(func(t *testing.T, data []byte) {
		var in Input
		if len(data) > 0 && data[0]&1 == 1 {
			var j fuzzJSONInput
			if json.Unmarshal(data[1:], &j) != nil {
				return
			}
			in = Input{Deployment: j.Deployment, PodDisruptionBudgets: j.PDBs, HorizontalPodAutoscalers: j.HPAs,
				Services: j.Services, Nodes: j.Nodes, PriorityClasses: j.PriorityClasses}
		} else {
			r := &byteReader{b: data}
			if len(data) > 0 {
				r.byte() // the mode byte
			}
			d := readDeployment(r)
			readOperational(r, d)
			in = Input{Deployment: d, PodDisruptionBudgets: readPDBs(r), HorizontalPodAutoscalers: readHPAs(r),
				Services: readServices(r), Nodes: readNodes(r), PriorityClasses: readPriorityClasses(r)}
		}
		var before *appsv1.Deployment
		if in.Deployment != nil {
			before = in.Deployment.DeepCopy()
		}

		res := evaluate(t, p, in, testNow)

		if in.Deployment == nil {
			if len(res.Violations)+len(res.Exempted) != 0 {
				t.Fatalf("findings for a nil Deployment: %+v", res)
			}
			return
		}
		if !equality.Semantic.DeepEqual(in.Deployment, before) {
			t.Fatal("Evaluate modified the Deployment")
		}
		for _, fd := range slices.Concat(res.Violations, res.Exempted) {
			if fd.Rule == "" || !KnownRuleID(fd.Rule) || !slices.Contains(knownRuleIDs, fd.Rule) {
				t.Errorf("finding with unknown rule ID: %+v", fd)
			}
			if fd.Message == "" {
				t.Errorf("finding without message: %+v", fd)
			}
			if !strings.HasPrefix(fd.Path, "spec.") {
				t.Errorf("finding without a spec path: %+v", fd)
			}
			var i int
			switch {
			case slices.Contains(deploymentWide, fd.Rule):
				if fd.Container != "" || strings.Contains(fd.Path, "ontainers[") {
					t.Errorf("Deployment-wide finding about a container: %+v", fd)
				}
			case fd.Rule == RuleShutdownGracePeriod && fd.Path == "spec.template.spec.terminationGracePeriodSeconds":
				named := func(c corev1.Container) bool { return c.Name == fd.Container }
				if !slices.ContainsFunc(in.Deployment.Spec.Template.Spec.Containers, named) &&
					!slices.ContainsFunc(in.Deployment.Spec.Template.Spec.InitContainers, named) {
					t.Errorf("grace period finding about no container of the pod: %+v", fd)
				}
			case strings.HasPrefix(fd.Path, "spec.template.spec.containers["):
				if _, err := fmt.Sscanf(fd.Path, "spec.template.spec.containers[%d]", &i); err != nil ||
					i >= len(in.Deployment.Spec.Template.Spec.Containers) ||
					in.Deployment.Spec.Template.Spec.Containers[i].Name != fd.Container {
					t.Errorf("finding does not name the container at its path: %+v", fd)
				}
			case strings.HasPrefix(fd.Path, "spec.template.spec.initContainers["):
				inits := in.Deployment.Spec.Template.Spec.InitContainers
				if _, err := fmt.Sscanf(fd.Path, "spec.template.spec.initContainers[%d]", &i); err != nil ||
					i >= len(inits) || inits[i].Name != fd.Container {
					t.Errorf("finding does not name the init container at its path: %+v", fd)
				} else if rp := inits[i].RestartPolicy; fd.Rule != RuleImagePinned && (rp == nil || *rp != corev1.ContainerRestartPolicyAlways) {
					t.Errorf("finding about a plain init container: %+v", fd)
				}
			default:
				t.Errorf("container finding without a container path: %+v", fd)
			}
		}
		if len(res.Exempted) == 0 && !res.NextExpiry.IsZero() {
			t.Errorf("NextExpiry %v set with nothing exempted", res.NextExpiry)
		}
		if !res.NextExpiry.IsZero() && !res.NextExpiry.After(testNow) {
			t.Errorf("NextExpiry %v is not after now %v", res.NextExpiry, testNow)
		}
		if again := p.Evaluate(in, testNow); !slices.Equal(res.Violations, again.Violations) ||
			!slices.Equal(res.Exempted, again.Exempted) || !res.NextExpiry.Equal(again.NextExpiry) {
			t.Errorf("Evaluate is not deterministic:\n%+v\n%+v", res, again)
		}
	})
}
