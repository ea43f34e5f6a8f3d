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
	"context"
	"errors"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
	"github.com/prodready/prodready/internal/readiness"
)

// +kubebuilder:webhook:path=/validate-prodready-io-v1alpha1-readinesspolicy,mutating=false,failurePolicy=ignore,sideEffects=None,groups=prodready.io,resources=readinesspolicies,verbs=create;update,versions=v1alpha1,name=vreadinesspolicy.prodready.io,admissionReviewVersions=v1,timeoutSeconds=3,matchPolicy=Equivalent
// +kubebuilder:webhook:path=/validate-prodready-io-v1alpha1-clusterreadinesspolicy,mutating=false,failurePolicy=ignore,sideEffects=None,groups=prodready.io,resources=clusterreadinesspolicies,verbs=create;update,versions=v1alpha1,name=vclusterreadinesspolicy.prodready.io,admissionReviewVersions=v1,timeoutSeconds=3,matchPolicy=Equivalent

// PolicyValidator checks what the CRD schema cannot: that selectors parse,
// regular expressions compile and exemptions name known rules. It compiles
// the policy with the same engine the controller uses, so a policy it admits
// is one the controller can evaluate. It warns when the policy selects no
// Deployment at the moment.
type PolicyValidator[T interface {
	prodreadyv1alpha1.Policy
	runtime.Object
}] struct {
	// Reader lists Deployments and Namespaces for the no-match warning.
	Reader client.Reader
}

var (
	_ admission.Validator[*prodreadyv1alpha1.ReadinessPolicy]        = &PolicyValidator[*prodreadyv1alpha1.ReadinessPolicy]{}
	_ admission.Validator[*prodreadyv1alpha1.ClusterReadinessPolicy] = &PolicyValidator[*prodreadyv1alpha1.ClusterReadinessPolicy]{}
)

// ValidateCreate validates a new policy.
func (v *PolicyValidator[T]) ValidateCreate(ctx context.Context, p T) (admission.Warnings, error) {
	return v.validate(ctx, p)
}

// ValidateUpdate validates a changed policy.
func (v *PolicyValidator[T]) ValidateUpdate(ctx context.Context, _, p T) (admission.Warnings, error) {
	return v.validate(ctx, p)
}

// ValidateDelete admits every delete.
func (v *PolicyValidator[T]) ValidateDelete(context.Context, T) (admission.Warnings, error) {
	return nil, nil
}

func (v *PolicyValidator[T]) validate(ctx context.Context, p T) (admission.Warnings, error) {
	compiled, err := readiness.CompileFor(p)
	if err != nil {
		gk := prodreadyv1alpha1.GroupVersion.WithKind("ReadinessPolicy").GroupKind()
		if p.IsClusterScoped() {
			gk.Kind = "ClusterReadinessPolicy"
		}
		return nil, apierrors.NewInvalid(gk, p.GetName(), fieldErrors(err))
	}
	n, err := v.countSelected(ctx, p, compiled)
	if err != nil {
		return admission.Warnings{"prodready could not check which Deployments this policy selects: " + err.Error()}, nil
	}
	if n == 0 {
		return admission.Warnings{"this policy selects no Deployment at the moment; check spec.selector" + nsHint(p)}, nil
	}
	return nil, nil
}

func nsHint(p prodreadyv1alpha1.Policy) string {
	if p.IsClusterScoped() {
		return " and spec.namespaceSelector"
	}
	return " and the policy's namespace"
}

// countSelected counts the Deployments the policy selects now.
func (v *PolicyValidator[T]) countSelected(ctx context.Context, p T, compiled *readiness.Policy) (int, error) {
	var list appsv1.DeploymentList
	opts := []client.ListOption{client.UnsafeDisableDeepCopy}
	if !p.IsClusterScoped() {
		opts = append(opts, client.InNamespace(p.GetNamespace()))
	}
	if err := v.Reader.List(ctx, &list, opts...); err != nil {
		return 0, fmt.Errorf("listing Deployments: %w", err)
	}
	var selectedNS map[string]bool
	if compiled.HasNamespaceSelector() {
		var nss corev1.NamespaceList
		if err := v.Reader.List(ctx, &nss, client.UnsafeDisableDeepCopy); err != nil {
			return 0, fmt.Errorf("listing Namespaces: %w", err)
		}
		selectedNS = make(map[string]bool, len(nss.Items))
		for i := range nss.Items {
			selectedNS[nss.Items[i].Name] = compiled.SelectsNamespace(nss.Items[i].Labels)
		}
	}
	n := 0
	for i := range list.Items {
		d := &list.Items[i]
		if (selectedNS == nil || selectedNS[d.Namespace]) && compiled.SelectsDeployment(d.Labels) {
			n++
		}
	}
	return n, nil
}

// fieldErrors recovers the field errors of a compile error.
func fieldErrors(err error) field.ErrorList {
	var agg utilerrors.Aggregate
	if !errors.As(err, &agg) {
		return field.ErrorList{field.InternalError(field.NewPath("spec"), err)}
	}
	var out field.ErrorList
	for _, e := range agg.Errors() {
		var fe *field.Error
		if errors.As(e, &fe) {
			out = append(out, fe)
		} else {
			out = append(out, field.InternalError(field.NewPath("spec"), e))
		}
	}
	return out
}
