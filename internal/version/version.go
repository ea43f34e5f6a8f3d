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

// Package version reports the version and commit a binary was built from.
package version

import "runtime/debug"

// Set with -ldflags "-X github.com/prodready/prodready/internal/version.version=v1.2.3
// -X github.com/prodready/prodready/internal/version.commit=abc123"; when
// unset they come from the Go build information (`go install ...@v1.2.3`
// records the module version, a build in a git checkout the commit).
var (
	version = ""
	commit  = ""
)

// Info is what `prodready version` prints.
type Info struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
}

// Get returns the version and commit, "(devel)" and "unknown" when the
// build recorded neither.
func Get() Info {
	info := Info{Version: version, Commit: commit}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if info.Version == "" && bi.Main.Version != "" {
			info.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && info.Commit == "" {
				info.Commit = s.Value
			}
		}
	}
	if info.Version == "" {
		info.Version = "(devel)"
	}
	if info.Commit == "" {
		info.Commit = "unknown"
	}
	return info
}
