//go:build tools

// Package tools pins the promtool command that hack/tool.sh builds from the Go
// module proxy to check and unit-test the alerting rules in config/prometheus.
// This module is separate from the operator's so the operator never depends on
// the Prometheus server.
package tools

import (
	_ "github.com/prometheus/prometheus/cmd/promtool"
)
