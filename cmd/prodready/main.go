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

// Command prodready checks Deployments against production-readiness
// policies in CI, on manifests, charts and live clusters. Installed or linked
// as kubectl-prodready it is the kubectl plugin `kubectl prodready`.
package main

import (
	"os"

	"golang.org/x/term"

	"github.com/prodready/prodready/internal/cli"
)

func main() {
	os.Exit(cli.Run(os.Args[0], os.Args[1:], cli.IO{
		In:         os.Stdin,
		Out:        os.Stdout,
		Err:        os.Stderr,
		IsTerminal: func() bool { return term.IsTerminal(int(os.Stdout.Fd())) },
	}))
}
