//go:build unix

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
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

const (
	operatorNamespace = "prodready-system"
	webhookConfigName = "prodready-validating-webhook-configuration"
	webhookDir        = "config/webhook"
	crdDir            = "config/crd/bases"
	ignoreLabelDir    = "config/ignore-label"
)

// openReportsCRDs are the OpenReports CRDs (config/components/openreports),
// installed too so that the operator writes a Report per selected
// Deployment (docs/reports.md).
var openReportsCRDs = []string{
	"config/components/openreports/openreports.io_reports.yaml",
	"config/components/openreports/openreports.io_clusterreports.yaml",
}

// controlPlaneBinaries are what hack/envtest.sh must provide.
var controlPlaneBinaries = []string{"etcd", "kube-apiserver", "kube-controller-manager", "kubectl"}

// envtestDir runs hack/envtest.sh for the directory holding the control
// plane binaries (building them through the Go module proxy on first use).
// A KUBEBUILDER_ASSETS directory without kube-controller-manager or kubectl
// (setup-envtest ships neither) is replaced by the script's own build.
func envtestDir(ctx context.Context, l layout) (string, error) {
	dir, err := runEnvtest(ctx, l, os.Environ())
	if err != nil {
		return "", err
	}
	missing := missingBinaries(dir)
	if assets := os.Getenv("KUBEBUILDER_ASSETS"); len(missing) > 0 && assets != "" {
		say("KUBEBUILDER_ASSETS=%s has no %s; building the full set with hack/envtest.sh instead (KUBEBUILDER_ASSETS unset)",
			assets, strings.Join(missing, ", "))
		var env []string
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "KUBEBUILDER_ASSETS=") {
				env = append(env, kv)
			}
		}
		if dir, err = runEnvtest(ctx, l, env); err != nil {
			return "", err
		}
		missing = missingBinaries(dir)
	}
	if len(missing) > 0 {
		return "", fmt.Errorf("%s has no %s; remove the directory and rerun 'make up' to rebuild the binaries", dir, strings.Join(missing, ", "))
	}
	return dir, nil
}

func runEnvtest(ctx context.Context, l layout, env []string) (string, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(l.root, "hack", "envtest.sh"))
	cmd.Dir = l.root
	cmd.Env = env
	cmd.Stderr = os.Stderr // build progress
	stdout, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("hack/envtest.sh could not provide the control plane binaries: %w (see its messages above)", err)
	}
	lines := strings.Split(strings.TrimSpace(string(stdout)), "\n")
	dir := strings.TrimSpace(lines[len(lines)-1])
	if dir == "" {
		return "", errors.New("hack/envtest.sh printed no directory")
	}
	return filepath.Abs(dir)
}

func missingBinaries(dir string) []string {
	var missing []string
	for _, b := range controlPlaneBinaries {
		if st, err := os.Stat(filepath.Join(dir, b)); err != nil || st.Mode()&0o111 == 0 {
			missing = append(missing, b)
		}
	}
	return missing
}

// buildManager builds the operator (./cmd) into binary, normally
// .state/bin/manager; the compiler output goes to .state/logs/manager-build.log.
func buildManager(ctx context.Context, l layout, binary string) error {
	buildLog := l.logFile("manager-build")
	for _, dir := range []string{l.logs, filepath.Dir(binary)} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	// go build skips linking when the binary is up to date, and replaces
	// (unlinks) it otherwise, which is safe while an operator runs from it.
	cmd := exec.CommandContext(ctx, "go", "build", "-o", binary, "./cmd")
	cmd.Dir = l.root
	output, err := cmd.CombinedOutput()
	_ = os.WriteFile(buildLog, output, 0o644)
	if err != nil {
		lines := strings.Split(strings.TrimRight(string(output), "\n"), "\n")
		if len(lines) > 25 {
			lines = append(lines[:25], "...")
		}
		return &componentError{name: "manager build (go build ./cmd)",
			err:   fmt.Errorf("%w\n%s", err, indent(strings.Join(lines, "\n"), "    ")),
			cause: "the operator does not compile; fix the errors above and rerun (full output: " + l.rel(buildLog) + ")"}
	}
	return nil
}

// writeKubeconfig writes a kubeconfig for the apiserver with a client
// certificate; the admin one goes to .state/kubeconfig.
func writeKubeconfig(path, server string, ca, client *keyPair, user string) error {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["prodready"] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: ca.certPEM}
	cfg.AuthInfos[user] = &clientcmdapi.AuthInfo{ClientCertificateData: client.certPEM, ClientKeyData: client.keyPEM}
	cfg.Contexts["prodready"] = &clientcmdapi.Context{Cluster: "prodready", AuthInfo: user}
	cfg.CurrentContext = "prodready"
	return clientcmd.WriteToFile(*cfg, path)
}

func clientset(kubeconfig string) (kubernetes.Interface, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, err
	}
	cfg.Timeout = 15 * time.Second
	return kubernetes.NewForConfig(cfg)
}

// kubectl runs the built kubectl against the local cluster.
func kubectl(ctx context.Context, l layout, st *clusterState, args ...string) error {
	args = append([]string{"--kubeconfig", st.Kubeconfig}, args...)
	cmd := exec.CommandContext(ctx, st.Kubectl, args...)
	cmd.Dir = l.root
	var outb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &outb, &outb
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("kubectl %s: %w\n%s", strings.Join(args[2:], " "), err, indent(outb.String(), "    "))
	}
	return nil
}

// installCRDs applies config/crd/bases and waits until the CRDs are
// established.
func installCRDs(ctx context.Context, l layout, st *clusterState) error {
	args := []string{"-f", filepath.Join(l.root, crdDir)}
	for _, f := range openReportsCRDs {
		args = append(args, "-f", filepath.Join(l.root, f))
	}
	if err := kubectl(ctx, l, st, append([]string{"apply", "--server-side", "--force-conflicts"}, args...)...); err != nil {
		return err
	}
	return kubectl(ctx, l, st, append([]string{"wait", "--for=condition=Established", "--timeout=60s"}, args...)...)
}

// installIgnoreLabelGuard applies config/ignore-label: the
// ValidatingAdmissionPolicy that lets only system:masters (the group of the
// admin kubeconfig make up writes) set, change or remove prodready.io/ignore
// on a Namespace. The API server enforces it, also while the operator is
// down.
func installIgnoreLabelGuard(ctx context.Context, l layout, st *clusterState) error {
	return kubectl(ctx, l, st, "apply", "--server-side", "--force-conflicts", "-k", filepath.Join(l.root, ignoreLabelDir))
}

// createNamespace creates the operator's namespace, labeled like
// config/manager so that prodready never reviews its own objects.
func createNamespace(ctx context.Context, cs kubernetes.Interface) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		Name:   operatorNamespace,
		Labels: map[string]string{"prodready.io/ignore": "true", "app.kubernetes.io/managed-by": "localcluster"},
	}}
	_, err := cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}

// webhookConfiguration renders config/webhook with kubectl kustomize, as a
// deployment would (the controller-gen webhooks with the namespaceSelector
// of config/webhook/namespace_selector.yaml), and points every webhook at
// https://127.0.0.1:<port><path>, trusting the webhook CA.
func webhookConfiguration(ctx context.Context, l layout, kubectlBin string, port int, caPEM []byte) (*admissionregistrationv1.ValidatingWebhookConfiguration, error) {
	cmd := exec.CommandContext(ctx, kubectlBin, "kustomize", webhookDir)
	cmd.Dir = l.root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	data, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("kubectl kustomize %s: %w: %s", webhookDir, err, strings.TrimSpace(stderr.String()))
	}
	var webhooks []admissionregistrationv1.ValidatingWebhook
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	for {
		var doc admissionregistrationv1.ValidatingWebhookConfiguration
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("parsing the rendering of %s: %w", webhookDir, err)
		}
		if doc.Kind == "ValidatingWebhookConfiguration" {
			webhooks = append(webhooks, doc.Webhooks...)
		}
	}
	if len(webhooks) == 0 {
		return nil, fmt.Errorf("%s renders no validating webhooks; run 'make manifests'", webhookDir)
	}
	for i := range webhooks {
		w := &webhooks[i]
		if w.ClientConfig.Service == nil || w.ClientConfig.Service.Path == nil {
			return nil, fmt.Errorf("%s: webhook %s has no clientConfig.service.path", webhookDir, w.Name)
		}
		if w.NamespaceSelector == nil || len(w.NamespaceSelector.MatchExpressions) == 0 {
			return nil, fmt.Errorf("%s: webhook %s has no namespaceSelector; config/webhook/namespace_selector.yaml must give it one", webhookDir, w.Name)
		}
		url := fmt.Sprintf("https://127.0.0.1:%d%s", port, *w.ClientConfig.Service.Path)
		w.ClientConfig = admissionregistrationv1.WebhookClientConfig{URL: &url, CABundle: caPEM}
	}
	return &admissionregistrationv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{
			Name:   webhookConfigName,
			Labels: map[string]string{"app.kubernetes.io/name": "prodready", "app.kubernetes.io/managed-by": "localcluster"},
		},
		Webhooks: webhooks,
	}, nil
}

// registerWebhooks creates or replaces the ValidatingWebhookConfiguration.
func registerWebhooks(ctx context.Context, cs kubernetes.Interface, vwc *admissionregistrationv1.ValidatingWebhookConfiguration) error {
	api := cs.AdmissionregistrationV1().ValidatingWebhookConfigurations()
	_, err := api.Create(ctx, vwc, metav1.CreateOptions{})
	if !apierrors.IsAlreadyExists(err) {
		return err
	}
	existing, err := api.Get(ctx, vwc.Name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	vwc.ResourceVersion = existing.ResourceVersion
	_, err = api.Update(ctx, vwc, metav1.UpdateOptions{})
	return err
}
