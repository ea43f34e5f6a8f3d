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

package cli

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
	"github.com/prodready/prodready/internal/check"
	"github.com/prodready/prodready/internal/gather"
	"github.com/prodready/prodready/internal/manifest"
	"github.com/prodready/prodready/internal/webhook"
)

// webhookMessage is how the Deployment webhook words a finding, in a denial
// or a warning: "RULE (POLICY[, note]): MESSAGE".
var webhookMessage = regexp.MustCompile(`([a-zA-Z][a-zA-Z.\-]*) \(((?:Cluster)?ReadinessPolicy/[^,)]+)[^)]*\): (.*)$`)

// TestCLIAndWebhookAgree loads each shared fixture into a fake cluster,
// asks the admission webhook about every Deployment in it, and checks that
// the webhook reports exactly the failed findings of `prodready check` at
// error and warning severity (Audit policies are not the webhook's
// business), with the same rule, policy and message.
func TestCLIAndWebhookAgree(t *testing.T) {
	files, err := filepath.Glob("testdata/agreement/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			r, res := jsonReport(t, "--fail-on", "none", file)
			if res.code != ExitOK {
				t.Fatalf("exit %d: %s", res.code, res.stderr)
			}
			var cli []string
			for _, f := range r.Findings {
				if f.Status == check.StatusFail && (f.Severity == check.SeverityError || f.Severity == check.SeverityWarning) {
					cli = append(cli, f.Namespace+"/"+f.Deployment+" "+f.Rule+" "+f.Policy+": "+f.Message)
				}
			}
			hook := webhookFindings(t, file)
			slices.Sort(cli)
			slices.Sort(hook)
			if len(cli) == 0 {
				t.Fatal("the fixture produces no finding; it cannot show agreement")
			}
			if strings.Join(cli, "\n") != strings.Join(hook, "\n") {
				t.Errorf("CLI and webhook disagree\n--- CLI\n%s\n--- webhook\n%s", strings.Join(cli, "\n"), strings.Join(hook, "\n"))
			}
		})
	}
}

func webhookFindings(t *testing.T, file string) []string {
	t.Helper()
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	if err := prodreadyv1alpha1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var objs []client.Object
	var deployments []*appsv1.Deployment
	for _, doc := range manifest.Split(file, data) {
		parsed, err := manifest.Parse(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range parsed {
			var obj client.Object
			switch o.Kind {
			case "Namespace":
				obj = &corev1.Namespace{}
			case "Deployment":
				d := &appsv1.Deployment{}
				deployments = append(deployments, d)
				obj = d
			case "PodDisruptionBudget":
				obj = &policyv1.PodDisruptionBudget{}
			case "HorizontalPodAutoscaler":
				obj = &autoscalingv2.HorizontalPodAutoscaler{}
			case "ReadinessPolicy":
				obj = &prodreadyv1alpha1.ReadinessPolicy{}
			case "ClusterReadinessPolicy":
				obj = &prodreadyv1alpha1.ClusterReadinessPolicy{}
			default:
				t.Fatalf("%s: unexpected kind %s", file, o.Kind)
			}
			if err := o.Decode(obj); err != nil {
				t.Fatal(err)
			}
			if ns := obj.GetNamespace(); ns == "" && o.Kind != "Namespace" && o.Kind != "ClusterReadinessPolicy" {
				obj.SetNamespace("default")
			}
			objs = append(objs, obj)
		}
	}
	c := fake.NewClientBuilder().WithScheme(s).WithObjects(objs...).Build()
	v := &webhook.DeploymentValidator{Reader: c, Compiler: gather.NewCompiler(), Clock: clocktesting.NewFakePassiveClock(time.Now())}
	var out []string
	for _, d := range deployments {
		warnings, err := v.ValidateCreate(context.Background(), d)
		msgs := []string(warnings)
		if err != nil {
			var se *apierrors.StatusError
			if !errors.As(err, &se) || se.ErrStatus.Details == nil {
				t.Fatalf("%s/%s: unexpected error %v", d.Namespace, d.Name, err)
			}
			for _, cause := range se.ErrStatus.Details.Causes {
				msgs = append(msgs, cause.Message)
			}
		}
		for _, m := range msgs {
			sub := webhookMessage.FindStringSubmatch(m)
			if sub == nil {
				t.Fatalf("%s/%s: cannot read webhook message %q", d.Namespace, d.Name, m)
			}
			out = append(out, d.Namespace+"/"+d.Name+" "+sub[1]+" "+sub[2]+": "+sub[3])
		}
	}
	return out
}
