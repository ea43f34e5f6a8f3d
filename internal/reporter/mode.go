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

// Package reporter is the controller that publishes prodready's results as
// OpenReports Reports: one per Deployment that any policy selects, built by
// internal/reports, written by the leader only, with server-side apply and
// only when the content changed. It never caches full Report objects: a
// metadata-only cache of the reports labeled
// app.kubernetes.io/managed-by=prodready says which exist and, through their
// content hash annotation, whether they are current.
package reporter

import (
	"fmt"
	"strings"
)

// Mode is the value of --reports.
type Mode string

const (
	// ModeAuto writes reports when the openreports.io CRDs are served, logs
	// once and waits when they are not, and starts writing when they appear.
	ModeAuto Mode = "auto"
	// ModeOpenReports writes reports and logs an error until the CRDs are
	// served.
	ModeOpenReports Mode = "openreports"
	// ModeNone writes no reports.
	ModeNone Mode = "none"
)

// Modes lists the valid modes.
var Modes = []Mode{ModeAuto, ModeOpenReports, ModeNone}

// ParseMode parses a --reports value.
func ParseMode(s string) (Mode, error) {
	for _, m := range Modes {
		if strings.EqualFold(s, string(m)) {
			return m, nil
		}
	}
	return "", fmt.Errorf("--reports=%q: must be one of auto, openreports or none", s)
}

// String implements flag.Value.
func (m *Mode) String() string { return string(*m) }

// Set implements flag.Value.
func (m *Mode) Set(s string) error {
	v, err := ParseMode(s)
	if err != nil {
		return err
	}
	*m = v
	return nil
}
