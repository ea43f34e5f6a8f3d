//go:build tools

// Package tools pins the helm command that hack/tool.sh builds from the Go
// module proxy for the chart tests (helm lint, helm template). This module is
// separate from the operator's so the operator never depends on the Helm SDK.
package tools

import (
	_ "helm.sh/helm/v4/cmd/helm"
)
