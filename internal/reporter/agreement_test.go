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

package reporter

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
	"github.com/prodready/prodready/internal/check"
	"github.com/prodready/prodready/internal/gather"
	"github.com/prodready/prodready/internal/manifest"
	"github.com/prodready/prodready/internal/reports"
)

// TestCLIAndReporterAgree loads the CLI's agreement fixtures into a fake
// cluster and checks that, for every Deployment, the Report the reporter
// builds (evaluate, then reports.Build, as Reconcile does) is exactly the
// Report `prodready check -o report` builds from the same objects: same
// name, scope, results, messages, properties, summary and hash. A
// Deployment no policy selects has no report on either side.
func TestCLIAndReporterAgree(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "cli", "testdata", "agreement", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	now := time.Date(2026, time.March, 1, 12, 0, 0, 0, time.UTC)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			srcs, err := manifest.Expand([]string{file})
			if err != nil {
				t.Fatal(err)
			}
			cli, err := check.Run(check.Options{Now: now, Reports: true}, nil, srcs, nil)
			if err != nil {
				t.Fatal(err)
			}
			byName := map[string]int{}
			for i, rep := range cli.OpenReports {
				byName[rep.Name] = i
			}

			c, deployments := fakeCluster(t, file)
			r := &Reconciler{Client: c, Compiler: gather.NewCompiler(), Clock: clocktesting.NewFakePassiveClock(now)}
			built := 0
			for _, d := range deployments {
				evals, _, err := r.evaluate(context.Background(), d, now)
				if err != nil {
					t.Fatalf("%s/%s: %v", d.Namespace, d.Name, err)
				}
				i, inCLI := byName[reports.Name(d)]
				if len(evals) == 0 {
					if inCLI {
						t.Errorf("%s/%s: the CLI writes a report, the reporter none", d.Namespace, d.Name)
					}
					continue
				}
				built++
				if !inCLI {
					t.Errorf("%s/%s: the reporter builds %s, the CLI has no such report", d.Namespace, d.Name, reports.Name(d))
					continue
				}
				want := reports.Build(d, evals, now, nil)
				if diff := cmp.Diff(want, cli.OpenReports[i]); diff != "" {
					t.Errorf("%s/%s: the CLI's report differs from the reporter's (-reporter +cli):\n%s", d.Namespace, d.Name, diff)
				}
			}
			if built == 0 || built != len(cli.OpenReports) {
				t.Errorf("the reporter builds %d reports, the CLI %d; the fixture must select at least one Deployment", built, len(cli.OpenReports))
			}
		})
	}
}

// fakeCluster loads a fixture's objects into a fake client, defaulting the
// namespace as the CLI does, and returns the Deployments.
func fakeCluster(t *testing.T, file string) (client.Client, []*appsv1.Deployment) {
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
			case "Service":
				obj = &corev1.Service{}
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
			if obj.GetNamespace() == "" && o.Kind != "Namespace" && o.Kind != "ClusterReadinessPolicy" {
				obj.SetNamespace("default")
			}
			objs = append(objs, obj)
		}
	}
	return fake.NewClientBuilder().WithScheme(s).WithObjects(objs...).Build(), deployments
}
