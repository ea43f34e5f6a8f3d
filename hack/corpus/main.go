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

// Command corpus writes a manifest corpus for benchmarking `prodready
// check`: N Deployments (3 containers each, with probes, resources, env and
// annotations) spread over 100 namespaces, half with a matching
// PodDisruptionBudget and every tenth with a HorizontalPodAutoscaler. It
// writes them twice: one file per Deployment (with its PDB and HPA) under
// OUT/files/, and all of it in OUT/bundle.yaml.
//
//	go run ./hack/corpus -n 10000 -out _out/corpus-10000
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Namespaces is how many namespaces the Deployments spread over.
const Namespaces = 100

func main() {
	n := flag.Int("n", 1000, "number of Deployments")
	out := flag.String("out", "_out/corpus", "output directory (replaced)")
	flag.Parse()
	if err := write(*out, *n); err != nil {
		fmt.Fprintln(os.Stderr, "corpus:", err)
		os.Exit(1)
	}
}

func write(dir string, n int) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	files := filepath.Join(dir, "files")
	if err := os.MkdirAll(files, 0o755); err != nil {
		return err
	}
	bf, err := os.Create(filepath.Join(dir, "bundle.yaml"))
	if err != nil {
		return err
	}
	bundle := bufio.NewWriterSize(bf, 1<<20)
	var ns strings.Builder
	for i := range Namespaces {
		fmt.Fprintf(&ns, "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-%02d\n  labels:\n    tier: prod\n", i)
	}
	if err := os.WriteFile(filepath.Join(files, "namespaces.yaml"), []byte(ns.String()), 0o644); err != nil {
		return err
	}
	if _, err := bundle.WriteString(ns.String()); err != nil {
		return err
	}
	var b strings.Builder
	for i := range n {
		b.Reset()
		object(&b, i)
		if err := os.WriteFile(filepath.Join(files, fmt.Sprintf("app-%05d.yaml", i)), []byte(b.String()), 0o644); err != nil {
			return err
		}
		if _, err := bundle.WriteString(b.String()); err != nil {
			return err
		}
	}
	if err := bundle.Flush(); err != nil {
		return err
	}
	return bf.Close()
}

// object writes Deployment i and, for half of them, its PDB and, for every
// tenth, an HPA.
func object(b *strings.Builder, i int) {
	name := fmt.Sprintf("app-%05d", i)
	ns := fmt.Sprintf("team-%02d", i%Namespaces)
	fmt.Fprintf(b, `---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: %[1]s
  namespace: %[2]s
  labels:
    app.kubernetes.io/name: %[1]s
    app.kubernetes.io/part-of: shop
    team: team-%[3]d
  annotations:
    owner: team-%[3]d@example.com
    runbook: https://runbooks.example.com/%[1]s
spec:
  replicas: %[4]d
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      app.kubernetes.io/name: %[1]s
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 25%%, maxUnavailable: 0}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: %[1]s
        app.kubernetes.io/part-of: shop
        team: team-%[3]d
      annotations:
        prometheus.io/scrape: "true"
        prometheus.io/port: "9090"
        prometheus.io/path: /metrics
    spec:
      serviceAccountName: %[1]s
      terminationGracePeriodSeconds: 30
      securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
      containers:
`, name, ns, i%40, 2+i%3)
	for c, cname := range []string{"app", "sidecar", "metrics"} {
		fmt.Fprintf(b, `      - name: %[1]s
        image: registry.example.com/shop/%[2]s-%[1]s:1.%[3]d.0
        imagePullPolicy: IfNotPresent
        args: ["--listen=:%[4]d", "--log-format=json", "--log-level=info"]
        ports:
        - {name: http, containerPort: %[4]d, protocol: TCP}
        env:
        - {name: APP_NAME, value: %[2]s}
        - {name: POD_NAMESPACE, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}
        - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
        - {name: GOMAXPROCS, valueFrom: {resourceFieldRef: {resource: limits.cpu}}}
        - {name: OTEL_EXPORTER_OTLP_ENDPOINT, value: "http://otel-collector.observability:4317"}
        - {name: FEATURE_FLAGS, value: "checkout-v2,fast-search,new-cart"}
        resources:
          requests: {cpu: %[5]dm, memory: %[6]dMi}
          limits: {cpu: "1", memory: %[7]dMi}
        readinessProbe:
          httpGet: {path: /ready, port: %[4]d}
          periodSeconds: 5
          failureThreshold: 3
        livenessProbe:
          httpGet: {path: /healthz, port: %[4]d}
          periodSeconds: 10
          failureThreshold: 6
        startupProbe:
          httpGet: {path: /healthz, port: %[4]d}
          periodSeconds: 5
          failureThreshold: 30
        securityContext:
          allowPrivilegeEscalation: false
          readOnlyRootFilesystem: true
          capabilities: {drop: [ALL]}
        volumeMounts:
        - {name: tmp, mountPath: /tmp}
`, cname, name, i%10, 8080+c, 100+c*50, 128+c*64, 256+c*128)
	}
	b.WriteString("      volumes:\n      - {name: tmp, emptyDir: {}}\n")
	if i%2 == 0 {
		fmt.Fprintf(b, `---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: %[1]s
  namespace: %[2]s
spec:
  maxUnavailable: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: %[1]s
`, name, ns)
	}
	if i%10 == 0 {
		fmt.Fprintf(b, `---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: %[1]s
  namespace: %[2]s
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: %[1]s}
  minReplicas: 2
  maxReplicas: 10
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}
`, name, ns)
	}
}
