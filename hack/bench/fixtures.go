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

import (
	"encoding/json"
	"fmt"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
)

// The admission row's cluster state: namespace "shop" with three
// ReadinessPolicies, one ClusterReadinessPolicy selecting it, five
// PodDisruptionBudgets and two HorizontalPodAutoscalers.
const benchNamespace = "shop"

// clusterObjects returns what the fake client holds.
func clusterObjects() []client.Object {
	objs := []client.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: benchNamespace, Labels: map[string]string{
			"kubernetes.io/metadata.name": benchNamespace, "env": "prod", "team": "payments",
		}}},
	}
	objs = append(objs, policies()...)
	for _, p := range pdbs() {
		objs = append(objs, p)
	}
	for _, h := range hpas() {
		objs = append(objs, h)
	}
	return objs
}

func policies() []client.Object {
	expires := metav1.NewTime(time.Now().Add(90 * 24 * time.Hour))
	// baseline is the team's Enforce policy over every Deployment of the
	// namespace: probes, requests, a memory limit, replicas and a PDB.
	baseline := &prodreadyv1alpha1.ReadinessPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: benchNamespace, Name: "baseline", UID: "p-1", Generation: 3},
		Spec: prodreadyv1alpha1.PolicySpec{
			Enforcement: prodreadyv1alpha1.EnforcementEnforce,
			Rules: prodreadyv1alpha1.Rules{
				Probes: &prodreadyv1alpha1.ProbeRules{
					Readiness: prodreadyv1alpha1.RequirementRequired,
					Liveness:  prodreadyv1alpha1.RequirementRequired,
					Distinct:  true,
				},
				Resources: &prodreadyv1alpha1.ResourceRules{
					Requests: []prodreadyv1alpha1.ResourceName{"cpu", "memory"},
					Limits:   []prodreadyv1alpha1.ResourceName{"memory"},
				},
				Replicas:            &prodreadyv1alpha1.ReplicaRules{Minimum: 2},
				PodDisruptionBudget: &prodreadyv1alpha1.PodDisruptionBudgetRules{Required: true, AllowsDisruption: true},
			},
			Exemptions: []prodreadyv1alpha1.Exemption{
				{Deployments: []string{"legacy-reports"}, Rules: []string{"probes"}, Reason: "being rewritten, see TICKET-1234"},
				{
					Selector:   &prodreadyv1alpha1.LabelSelector{MatchLabels: map[string]string{"team": "data"}},
					Rules:      []string{"resources.limits"},
					Containers: []string{"spark"},
					Reason:     "Spark sizes its own executors",
					Expires:    &expires,
				},
			},
		},
	}
	// observability warns about the Prometheus annotations on web and api
	// tiers.
	observability := &prodreadyv1alpha1.ReadinessPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: benchNamespace, Name: "observability", UID: "p-2", Generation: 1},
		Spec: prodreadyv1alpha1.PolicySpec{
			Enforcement: prodreadyv1alpha1.EnforcementWarn,
			Selector: &prodreadyv1alpha1.LabelSelector{MatchExpressions: []prodreadyv1alpha1.LabelSelectorRequirement{
				{Key: "tier", Operator: prodreadyv1alpha1.LabelSelectorOpIn, Values: []string{"web", "api"}},
			}},
			Rules: prodreadyv1alpha1.Rules{Metrics: &prodreadyv1alpha1.MetricsRules{Annotations: []prodreadyv1alpha1.AnnotationRequirement{
				{Key: "prometheus.io/scrape", Value: "true"},
				{Key: "prometheus.io/port", Value: "[0-9]+"},
				{Key: "prometheus.io/path"},
			}}},
		},
	}
	// batch selects only the data team's Deployments, so for the web
	// Deployments it costs a selector check and nothing more.
	batch := &prodreadyv1alpha1.ReadinessPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: benchNamespace, Name: "batch", UID: "p-3", Generation: 2},
		Spec: prodreadyv1alpha1.PolicySpec{
			Enforcement: prodreadyv1alpha1.EnforcementEnforce,
			Selector:    &prodreadyv1alpha1.LabelSelector{MatchLabels: map[string]string{"team": "data"}},
			Rules: prodreadyv1alpha1.Rules{
				Probes:   &prodreadyv1alpha1.ProbeRules{Liveness: prodreadyv1alpha1.RequirementRequired},
				Replicas: &prodreadyv1alpha1.ReplicaRules{Minimum: 1},
			},
		},
	}
	// org is the platform team's cluster-wide Enforce policy over production
	// namespaces; it waives the startup probe of web's log shipper.
	org := &prodreadyv1alpha1.ClusterReadinessPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "org-production", UID: "c-1", Generation: 5},
		Spec: prodreadyv1alpha1.ClusterReadinessPolicySpec{
			NamespaceSelector: &prodreadyv1alpha1.LabelSelector{MatchLabels: map[string]string{"env": "prod"}},
			PolicySpec: prodreadyv1alpha1.PolicySpec{
				Enforcement: prodreadyv1alpha1.EnforcementEnforce,
				Rules: prodreadyv1alpha1.Rules{
					Probes: &prodreadyv1alpha1.ProbeRules{
						Readiness: prodreadyv1alpha1.RequirementRequired,
						Startup:   prodreadyv1alpha1.RequirementRequired,
					},
					Resources: &prodreadyv1alpha1.ResourceRules{Requests: []prodreadyv1alpha1.ResourceName{"cpu", "memory"}},
				},
				Exemptions: []prodreadyv1alpha1.Exemption{{
					Namespaces:  []string{benchNamespace},
					Deployments: []string{"web"}, Rules: []string{"probes.startup"}, Containers: []string{"log-shipper"},
					Reason: "fluent-bit is ready within a second",
				}},
			},
		},
	}
	return []client.Object{baseline, observability, batch, org}
}

func pdbs() []*policyv1.PodDisruptionBudget {
	pdb := func(name string, sel *metav1.LabelSelector, maxUnavailable, minAvailable *intstr.IntOrString) *policyv1.PodDisruptionBudget {
		return &policyv1.PodDisruptionBudget{
			ObjectMeta: metav1.ObjectMeta{Namespace: benchNamespace, Name: name},
			Spec:       policyv1.PodDisruptionBudgetSpec{Selector: sel, MaxUnavailable: maxUnavailable, MinAvailable: minAvailable},
		}
	}
	app := func(a string) *metav1.LabelSelector {
		return &metav1.LabelSelector{MatchLabels: map[string]string{"app": a}}
	}
	return []*policyv1.PodDisruptionBudget{
		pdb("api", app("api"), nil, ptr.To(intstr.FromString("50%"))),
		pdb("web", &metav1.LabelSelector{
			MatchLabels:      map[string]string{"app": "web"},
			MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "tier", Operator: metav1.LabelSelectorOpIn, Values: []string{"web", "edge"}}},
		}, ptr.To(intstr.FromInt32(1)), nil),
		pdb("postgres", app("postgres"), ptr.To(intstr.FromInt32(1)), nil),
		pdb("redis", app("redis"), ptr.To(intstr.FromInt32(1)), nil),
		pdb("workers", &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
			{Key: "app", Operator: metav1.LabelSelectorOpIn, Values: []string{"worker", "scheduler"}},
		}}, ptr.To(intstr.FromString("25%")), nil),
	}
}

func hpas() []*autoscalingv2.HorizontalPodAutoscaler {
	hpa := func(target string, minReplicas int32) *autoscalingv2.HorizontalPodAutoscaler {
		return &autoscalingv2.HorizontalPodAutoscaler{
			ObjectMeta: metav1.ObjectMeta{Namespace: benchNamespace, Name: target},
			Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
				ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: target},
				MinReplicas:    ptr.To(minReplicas),
				MaxReplicas:    20,
				Metrics: []autoscalingv2.MetricSpec{{
					Type: autoscalingv2.ResourceMetricSourceType,
					Resource: &autoscalingv2.ResourceMetricSource{
						Name:   corev1.ResourceCPU,
						Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr.To(int32(70))},
					},
				}},
			},
		}
	}
	return []*autoscalingv2.HorizontalPodAutoscaler{hpa("web", 3), hpa("api", 2)}
}

// container is a realistic container: ports, environment, mounts, a
// security context, probes and resources.
func container(name, image string, port int32, cpu, mem, memLimit string) corev1.Container {
	probe := func(path string, failures, period int32) *corev1.Probe {
		return &corev1.Probe{
			ProbeHandler:     corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: path, Port: intstr.FromInt32(port)}},
			PeriodSeconds:    period,
			FailureThreshold: failures,
		}
	}
	return corev1.Container{
		Name:  name,
		Image: image,
		Args:  []string{"--config=/etc/" + name + "/config.yaml", "--log-format=json"},
		Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: port, Protocol: corev1.ProtocolTCP}},
		Env: []corev1.EnvVar{
			{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}},
			{Name: "POD_NAMESPACE", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.namespace"}}},
			{Name: "LOG_LEVEL", Value: "info"},
			{Name: "OTEL_EXPORTER_OTLP_ENDPOINT", Value: "http://otel-collector.observability:4317"},
		},
		VolumeMounts: []corev1.VolumeMount{{Name: name + "-config", MountPath: "/etc/" + name, ReadOnly: true}, {Name: "tmp", MountPath: "/tmp"}},
		Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(mem)},
			Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse(memLimit)},
		},
		ReadinessProbe: probe("/ready", 3, 5),
		LivenessProbe:  probe("/healthz", 6, 10),
		StartupProbe:   probe("/healthz", 30, 2),
		SecurityContext: &corev1.SecurityContext{
			RunAsNonRoot:             ptr.To(true),
			AllowPrivilegeEscalation: ptr.To(false),
			ReadOnlyRootFilesystem:   ptr.To(true),
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		},
	}
}

// deployment returns a Deployment with three containers (app, proxy, log
// shipper) that passes every policy above when named "web" (the org policy
// exempts web's log shipper from the startup probe). With lastApplied it
// carries kubectl's last-applied-configuration annotation.
func deployment(name, tier, version string, lastApplied bool) *appsv1.Deployment {
	lbls := map[string]string{"app": name, "tier": tier}
	podLabels := map[string]string{"app": name, "tier": tier, "version": version}
	shipper := container("log-shipper", "fluent/fluent-bit:3.2.4", 2020, "20m", "32Mi", "64Mi")
	shipper.StartupProbe = nil
	d := &appsv1.Deployment{
		TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{
			Namespace: benchNamespace, Name: name,
			Labels: map[string]string{"app": name, "tier": tier, "team": "payments", "app.kubernetes.io/part-of": "shop"},
			Annotations: map[string]string{
				"deployment.kubernetes.io/revision": "12",
				"argocd.argoproj.io/tracking-id":    "shop:apps/Deployment:shop/" + name,
			},
		},
		Spec: appsv1.DeploymentSpec{
			Replicas:             ptr.To(int32(3)),
			RevisionHistoryLimit: ptr.To(int32(5)),
			Selector:             &metav1.LabelSelector{MatchLabels: lbls},
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType, RollingUpdate: &appsv1.RollingUpdateDeployment{
				MaxUnavailable: ptr.To(intstr.FromInt32(0)), MaxSurge: ptr.To(intstr.FromString("25%")),
			}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{
					Labels: podLabels,
					Annotations: map[string]string{
						"prometheus.io/scrape":              "true",
						"prometheus.io/port":                "8080",
						"prometheus.io/path":                "/metrics",
						"kubectl.kubernetes.io/restartedAt": "2026-02-27T09:14:03Z",
					},
				},
				Spec: corev1.PodSpec{
					ServiceAccountName:            name,
					TerminationGracePeriodSeconds: ptr.To(int64(45)),
					SecurityContext:               &corev1.PodSecurityContext{RunAsUser: ptr.To(int64(10001)), FSGroup: ptr.To(int64(10001))},
					Containers: []corev1.Container{
						container("app", "registry.example/shop/"+name+":"+version, 8080, "250m", "256Mi", "512Mi"),
						container("proxy", "envoyproxy/envoy:v1.33.0", 15021, "100m", "64Mi", "128Mi"),
						shipper,
					},
					Volumes: []corev1.Volume{
						{Name: "app-config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: name + "-config"}}}},
						{Name: "proxy-config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "envoy"}}}},
						{Name: "log-shipper-config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "fluent-bit"}}}},
						{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
					},
					TopologySpreadConstraints: []corev1.TopologySpreadConstraint{{
						MaxSkew: 1, TopologyKey: "topology.kubernetes.io/zone", WhenUnsatisfiable: corev1.ScheduleAnyway,
						LabelSelector: &metav1.LabelSelector{MatchLabels: lbls},
					}},
				},
			},
		},
	}
	if !lastApplied {
		return d
	}
	// Client-side kubectl apply (and Argo CD by default) keeps the whole
	// manifest in an annotation, which roughly doubles the object.
	applied, err := json.Marshal(d)
	if err != nil {
		panic(err)
	}
	d.Annotations["kubectl.kubernetes.io/last-applied-configuration"] = string(applied)
	return d
}

// requestKind says what a request in the mix is and what the webhook must
// answer.
type requestKind struct {
	name    string
	allowed bool
	body    []byte
}

// requestMix returns the three kinds of AdmissionReview the load generator
// cycles through.
func requestMix(lastApplied bool) ([]requestKind, error) {
	good := deployment("web", "web", "v2.14.0", lastApplied)

	// A new Deployment missing a readiness probe and a memory limit, and
	// without a PodDisruptionBudget (only warned on create): denied by the
	// baseline and the org policy.
	bad := deployment("checkout", "web", "v1.0.0", lastApplied)
	bad.Spec.Template.Spec.Containers[0].ReadinessProbe = nil
	delete(bad.Spec.Template.Spec.Containers[1].Resources.Limits, corev1.ResourceMemory)

	// A legacy Deployment without a liveness probe rolls out a new image:
	// the violation is pre-existing, so ratcheting admits it.
	oldD := deployment("web", "web", "v2.13.1", lastApplied)
	oldD.Spec.Template.Spec.Containers[0].LivenessProbe = nil
	oldD.Generation, oldD.ResourceVersion, oldD.UID = 41, "884213", "6f1e1b7e-5d3c-4a0e-9d52-3c1f8f0e7a11"
	oldD.Status = appsv1.DeploymentStatus{ObservedGeneration: 41, Replicas: 3, ReadyReplicas: 3, AvailableReplicas: 3, UpdatedReplicas: 3}
	newD := oldD.DeepCopy()
	newD.Spec.Template.Spec.Containers[0].Image = "registry.example/shop/web:v2.14.0"
	newD.Spec.Template.Labels["version"] = "v2.14.0"

	var out []requestKind
	for _, k := range []struct {
		name      string
		op        admissionv1.Operation
		obj, old  *appsv1.Deployment
		allowed   bool
		operation runtime.Object
	}{
		{name: "compliant CREATE", op: admissionv1.Create, obj: good, allowed: true, operation: &metav1.CreateOptions{TypeMeta: metav1.TypeMeta{APIVersion: "meta.k8s.io/v1", Kind: "CreateOptions"}, FieldManager: "kubectl-client-side-apply"}},
		{name: "non-compliant CREATE (Enforce)", op: admissionv1.Create, obj: bad, allowed: false, operation: &metav1.CreateOptions{TypeMeta: metav1.TypeMeta{APIVersion: "meta.k8s.io/v1", Kind: "CreateOptions"}, FieldManager: "kubectl-client-side-apply"}},
		{name: "UPDATE keeping an old violation (ratcheting)", op: admissionv1.Update, obj: newD, old: oldD, allowed: true, operation: &metav1.UpdateOptions{TypeMeta: metav1.TypeMeta{APIVersion: "meta.k8s.io/v1", Kind: "UpdateOptions"}, FieldManager: "argocd-controller"}},
	} {
		body, err := admissionReview(fmt.Sprintf("00000000-0000-4000-8000-%012d", len(out)+1), k.op, k.obj, k.old, k.operation)
		if err != nil {
			return nil, err
		}
		out = append(out, requestKind{name: k.name, allowed: k.allowed, body: body})
	}
	return out, nil
}

// admissionReview encodes a v1 AdmissionReview as the kube-apiserver sends it.
func admissionReview(uid string, op admissionv1.Operation, obj, old *appsv1.Deployment, options runtime.Object) ([]byte, error) {
	raw := func(d *appsv1.Deployment) (runtime.RawExtension, error) {
		if d == nil {
			return runtime.RawExtension{}, nil
		}
		b, err := json.Marshal(d)
		return runtime.RawExtension{Raw: b}, err
	}
	gvk := metav1.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}
	gvr := metav1.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}
	r := admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request: &admissionv1.AdmissionRequest{
			UID: types.UID(uid), Kind: gvk, Resource: gvr,
			RequestKind: &gvk, RequestResource: &gvr,
			Name: obj.Name, Namespace: obj.Namespace, Operation: op,
			UserInfo: authenticationv1.UserInfo{
				Username: "system:serviceaccount:argocd:argocd-application-controller",
				UID:      "0b8c2f1e-7f0a-4c55-9a7e-2d1f6c3b9e40",
				Groups:   []string{"system:serviceaccounts", "system:serviceaccounts:argocd", "system:authenticated"},
			},
			DryRun: ptr.To(false),
		},
	}
	var err error
	if r.Request.Object, err = raw(obj); err != nil {
		return nil, err
	}
	if r.Request.OldObject, err = raw(old); err != nil {
		return nil, err
	}
	opts, err := json.Marshal(options)
	if err != nil {
		return nil, err
	}
	r.Request.Options = runtime.RawExtension{Raw: opts}
	return json.Marshal(r)
}
