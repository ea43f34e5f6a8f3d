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
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
	"github.com/prodready/prodready/internal/testutil"
)

// Admission reads Services and PriorityClasses from the manager's cache,
// whose informers start on first use.
var _ = Describe("Deployment admission with rules that read Services and PriorityClasses", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	It("denies a container a Service targets without a preStop handler, and a missing PriorityClass", func() {
		Expect(k8sClient.Create(ctx, &corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"},
			Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "web"},
				Ports: []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromString("http")}}},
		})).To(Succeed())
		createPolicy(ns, "ops", prodreadyv1alpha1.EnforcementEnforce, prodreadyv1alpha1.Rules{
			Shutdown: &prodreadyv1alpha1.ShutdownRules{PreStop: prodreadyv1alpha1.RequirementRequired},
			Priority: &prodreadyv1alpha1.PriorityRules{Minimum: ptr.To[int32](0)},
		})
		d := testutil.CompliantDeployment(ns, "web", 2)
		d.Spec.Template.Spec.Containers[0].Ports = []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}}
		d.Spec.Template.Spec.PriorityClassName = "no-such-class-" + ns
		err := deniedCreate(d)
		Expect(err.Error()).To(ContainSubstring("shutdown.preStop"))
		Expect(err.Error()).To(ContainSubstring(`serves Service "web"`))
		Expect(err.Error()).To(ContainSubstring("priority.class"))
		Expect(err.Error()).To(ContainSubstring("names no PriorityClass"))

		d.Spec.Template.Spec.PriorityClassName = ""
		d.Spec.Template.Spec.Containers[0].Lifecycle = &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Sleep: &corev1.SleepAction{Seconds: 5}}}
		Expect(k8sClient.Create(ctx, d)).To(Succeed())
	})
})
