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
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
	"github.com/prodready/prodready/internal/gather"
)

// withContainers returns a Deployment with n containers and no probes.
func withContainers(n int) *appsv1.Deployment {
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "huge"}}
	d.Spec.Template.Spec.Containers = make([]corev1.Container, n)
	for i := range d.Spec.Template.Spec.Containers {
		d.Spec.Template.Spec.Containers[i] = corev1.Container{Name: "c" + strconv.Itoa(i), Image: "registry.example/c:1"}
	}
	return d
}

func boundedValidator(t *testing.T, enf prodreadyv1alpha1.Enforcement) *DeploymentValidator {
	t.Helper()
	sch := runtime.NewScheme()
	if err := prodreadyv1alpha1.AddToScheme(sch); err != nil {
		t.Fatal(err)
	}
	rules := prodreadyv1alpha1.Rules{Probes: &prodreadyv1alpha1.ProbeRules{
		Readiness: prodreadyv1alpha1.RequirementRequired, Liveness: prodreadyv1alpha1.RequirementRequired,
	}}
	var objs []runtime.Object
	for _, name := range []string{"probes-1", "probes-2"} {
		objs = append(objs, &prodreadyv1alpha1.ReadinessPolicy{
			ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: name, Generation: 1},
			Spec:       prodreadyv1alpha1.PolicySpec{Enforcement: enf, Rules: rules},
		})
	}
	return &DeploymentValidator{
		Reader:   fake.NewClientBuilder().WithScheme(sch).WithRuntimeObjects(objs...).Build(),
		Compiler: gather.NewCompiler(),
		Clock:    clocktesting.NewFakePassiveClock(time.Date(2026, time.March, 1, 0, 0, 0, 0, time.UTC)),
	}
}

// TestAdmissionResponseBounded: a Deployment with 5,000 containers and two
// policies each finding 10,000 violations yields a response of at most
// MaxAdmissionMessages+1 messages that states the true total.
func TestAdmissionResponseBounded(t *testing.T) {
	cases := map[string]struct {
		enf           prodreadyv1alpha1.Enforcement
		wantDenied    bool
		wantSummaryIn string
	}{
		"Enforce": {enf: prodreadyv1alpha1.EnforcementEnforce, wantDenied: true, wantSummaryIn: "and 19950 more violation(s) of enforced policies (20000 in total)"},
		"Warn":    {enf: prodreadyv1alpha1.EnforcementWarn, wantSummaryIn: "and 19950 more warning(s) (20000 in total)"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			v := boundedValidator(t, tc.enf)
			warns, err := v.ValidateCreate(context.Background(), withContainers(5000))
			var messages []string
			if tc.wantDenied {
				if !apierrors.IsInvalid(err) {
					t.Fatalf("want an Invalid denial, got %v", err)
				}
				for _, c := range err.(apierrors.APIStatus).Status().Details.Causes {
					messages = append(messages, c.Message)
				}
			} else if err != nil {
				t.Fatalf("want admitted, got %v", err)
			}
			messages = append(messages, warns...)
			if len(messages) > MaxAdmissionMessages+1 {
				t.Errorf("response carries %d messages, want at most %d", len(messages), MaxAdmissionMessages+1)
			}
			if last := messages[len(messages)-1]; !strings.Contains(last, tc.wantSummaryIn) {
				t.Errorf("last message %q does not state the total (%q)", last, tc.wantSummaryIn)
			}
			size := len(strings.Join(warns, ""))
			if err != nil {
				b, _ := json.Marshal(err.(apierrors.APIStatus).Status())
				size += len(b)
			}
			if size > 64<<10 {
				t.Errorf("response is %d bytes, want at most 64 KiB", size)
			}
			t.Logf("%d messages, %d bytes", len(messages), size)
		})
	}
}

// TestTruncatedRatchet: on an update, a new violation past the listed ones
// is still denied, because the total rose.
func TestTruncatedRatchet(t *testing.T) {
	v := boundedValidator(t, prodreadyv1alpha1.EnforcementEnforce)
	oldD := withContainers(5000)
	cases := map[string]struct {
		newD       *appsv1.Deployment
		wantDenied bool
	}{
		"one more container without probes": {newD: withContainers(5001), wantDenied: true},
		"an image change only": {newD: func() *appsv1.Deployment {
			d := withContainers(5000)
			d.Spec.Template.Spec.Containers[4999].Image = "x:2"
			return d
		}()},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := v.ValidateUpdate(context.Background(), oldD, tc.newD)
			if got := err != nil; got != tc.wantDenied {
				t.Errorf("denied = %v (%v), want %v", got, err, tc.wantDenied)
			}
		})
	}
}
