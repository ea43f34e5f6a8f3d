//go:build tools

// Package tools pins the Kubernetes control-plane commands that hack/envtest.sh
// builds from the Go module proxy. This module is separate from the operator's
// so the operator never depends on k8s.io/kubernetes.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
