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

package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ReadinessPolicy declares the production-readiness rules that Deployments in
// its own namespace must satisfy. The controller evaluates every selected
// Deployment and writes the result into the status; the admission webhook
// acts on violations according to spec.enforcement.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Namespaced,shortName=rpol,categories=prodready
// +kubebuilder:printcolumn:name="Enforcement",type=string,JSONPath=`.spec.enforcement`
// +kubebuilder:printcolumn:name="Matched",type=integer,JSONPath=`.status.summary.matched`
// +kubebuilder:printcolumn:name="NonCompliant",type=integer,JSONPath=`.status.summary.nonCompliant`
// +kubebuilder:printcolumn:name="Compliant",type=string,JSONPath=`.status.conditions[?(@.type=="Compliant")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type ReadinessPolicy struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec declares the rules and which Deployments they apply to.
	// +required
	Spec PolicySpec `json:"spec"`

	// status is the result of the last evaluation.
	// +optional
	Status PolicyStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// ReadinessPolicyList is a list of ReadinessPolicy.
type ReadinessPolicyList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ReadinessPolicy `json:"items"`
}

// ClusterReadinessPolicySpec is a PolicySpec plus a namespace selector.
// +kubebuilder:validation:XValidation:rule="!has(self.exemptions) || self.exemptions.all(e, has(e.namespaces))",message="every exemption of a ClusterReadinessPolicy must name the namespaces it applies to (exemptions[].namespaces)",fieldPath=".exemptions"
type ClusterReadinessPolicySpec struct {
	PolicySpec `json:",inline"`

	// namespaceSelector picks the namespaces whose Deployments this policy
	// applies to, by the namespaces' labels. An empty or absent selector
	// selects every namespace.
	// +optional
	NamespaceSelector *LabelSelector `json:"namespaceSelector,omitempty"`
}

// ClusterReadinessPolicy declares production-readiness rules for Deployments
// in every namespace its namespaceSelector selects. It composes with
// ReadinessPolicies by AND: a Deployment must satisfy every policy that
// selects it.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=crpol,categories=prodready
// +kubebuilder:printcolumn:name="Enforcement",type=string,JSONPath=`.spec.enforcement`
// +kubebuilder:printcolumn:name="Matched",type=integer,JSONPath=`.status.summary.matched`
// +kubebuilder:printcolumn:name="NonCompliant",type=integer,JSONPath=`.status.summary.nonCompliant`
// +kubebuilder:printcolumn:name="Compliant",type=string,JSONPath=`.status.conditions[?(@.type=="Compliant")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type ClusterReadinessPolicy struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec declares the rules and which namespaces and Deployments they
	// apply to.
	// +required
	Spec ClusterReadinessPolicySpec `json:"spec"`

	// status is the result of the last evaluation.
	// +optional
	Status PolicyStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// ClusterReadinessPolicyList is a list of ClusterReadinessPolicy.
type ClusterReadinessPolicyList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ClusterReadinessPolicy `json:"items"`
}

// Policy is implemented by both policy kinds so that the controller and the
// webhook can treat them alike.
// +kubebuilder:object:generate=false
type Policy interface {
	metav1.Object
	// GetPolicySpec returns the shared spec.
	GetPolicySpec() *PolicySpec
	// GetNamespaceSelector returns the namespace selector, or nil for a
	// namespaced policy (which applies to its own namespace only).
	GetNamespaceSelector() *LabelSelector
	// GetPolicyStatus returns the status for reading and writing.
	GetPolicyStatus() *PolicyStatus
	// IsClusterScoped reports whether the policy is a ClusterReadinessPolicy.
	IsClusterScoped() bool
}

var (
	_ Policy = &ReadinessPolicy{}
	_ Policy = &ClusterReadinessPolicy{}
)

// GetPolicySpec returns the shared spec.
func (p *ReadinessPolicy) GetPolicySpec() *PolicySpec { return &p.Spec }

// GetNamespaceSelector returns nil: a ReadinessPolicy applies to its own namespace.
func (p *ReadinessPolicy) GetNamespaceSelector() *LabelSelector { return nil }

// GetPolicyStatus returns the status.
func (p *ReadinessPolicy) GetPolicyStatus() *PolicyStatus { return &p.Status }

// IsClusterScoped returns false.
func (p *ReadinessPolicy) IsClusterScoped() bool { return false }

// GetPolicySpec returns the shared spec.
func (p *ClusterReadinessPolicy) GetPolicySpec() *PolicySpec { return &p.Spec.PolicySpec }

// GetNamespaceSelector returns the namespace selector.
func (p *ClusterReadinessPolicy) GetNamespaceSelector() *LabelSelector {
	return p.Spec.NamespaceSelector
}

// GetPolicyStatus returns the status.
func (p *ClusterReadinessPolicy) GetPolicyStatus() *PolicyStatus { return &p.Status }

// IsClusterScoped returns true.
func (p *ClusterReadinessPolicy) IsClusterScoped() bool { return true }
