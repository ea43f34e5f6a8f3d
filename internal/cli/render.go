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
	"fmt"

	"github.com/prodready/prodready/internal/manifest"
	"github.com/prodready/prodready/internal/render"
)

// renderSource renders a kustomization or a chart into manifests.
func renderSource(src manifest.Source, namespace string, o *renderOptions) ([]manifest.File, error) {
	switch src.Kind {
	case manifest.SourceKustomization:
		return render.Kustomize(src.Path)
	case manifest.SourceChart:
		return render.Helm(src.Path, render.HelmOptions{
			ValueFiles: o.values, Set: o.set, ReleaseName: o.releaseName, Namespace: namespace,
		})
	}
	return nil, fmt.Errorf("%s: cannot render", src.Path)
}
