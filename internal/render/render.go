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

// Package render turns kustomizations and Helm charts into manifests in
// process, with the kustomize API and the Helm SDK: no kustomize or helm
// binary is needed.
package render

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	chartcommon "helm.sh/helm/v4/pkg/chart/common"
	chartutil "helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	chartv2util "helm.sh/helm/v4/pkg/chart/v2/util"
	"helm.sh/helm/v4/pkg/engine"
	"helm.sh/helm/v4/pkg/strvals"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/prodready/prodready/internal/manifest"
)

// Kustomize builds a kustomization directory as `kustomize build` does with
// its defaults: no plugins, no exec or Helm generators, files only from
// inside the kustomization root. The result is reported under the
// directory's name.
func Kustomize(dir string) ([]manifest.File, error) {
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	m, err := k.Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		return nil, fmt.Errorf("kustomize build %s: %w", dir, err)
	}
	data, err := m.AsYaml()
	if err != nil {
		return nil, fmt.Errorf("kustomize build %s: %w", dir, err)
	}
	return []manifest.File{{Name: dir, Data: data}}, nil
}

// HelmOptions are helm template's flags that prodready check offers.
type HelmOptions struct {
	// ValueFiles are merged in order, later files winning.
	ValueFiles []string
	// Set are key=value pairs applied after the files (helm --set syntax).
	Set []string
	// ReleaseName is .Release.Name; Namespace .Release.Namespace.
	ReleaseName, Namespace string
}

// Helm renders a chart directory or packaged chart (.tgz) as `helm template`
// does, without contacting a cluster. Each template is returned under its
// path inside the chart directory (e.g. chart/templates/deployment.yaml),
// so findings point at the template that produced them; lines are lines of
// the rendered template.
func Helm(path string, o HelmOptions) ([]manifest.File, error) {
	chrt, err := loader.Load(path)
	if err != nil {
		return nil, fmt.Errorf("loading chart %s: %w", path, err)
	}
	vals := map[string]any{}
	for _, f := range o.ValueFiles {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("reading values: %w", err)
		}
		m := map[string]any{}
		if err := yaml.Unmarshal(data, &m); err != nil {
			return nil, fmt.Errorf("parsing values file %s: %w", f, err)
		}
		vals = loader.MergeMaps(vals, m)
	}
	for _, s := range o.Set {
		if err := strvals.ParseInto(s, vals); err != nil {
			return nil, fmt.Errorf("--set %q: %w", s, err)
		}
	}
	if err := chartv2util.ProcessDependencies(chrt, vals); err != nil {
		return nil, fmt.Errorf("chart %s: dependencies: %w", path, err)
	}
	opts := chartcommon.ReleaseOptions{Name: o.ReleaseName, Namespace: o.Namespace, Revision: 1, IsInstall: true}
	rv, err := chartutil.ToRenderValuesWithSchemaValidation(chrt, vals, opts, nil, false)
	if err != nil {
		return nil, fmt.Errorf("chart %s: values: %w", path, err)
	}
	out, err := engine.Render(chrt, rv)
	if err != nil {
		return nil, fmt.Errorf("rendering chart %s: %w", path, err)
	}
	names := make([]string, 0, len(out))
	for name, text := range out {
		base := filepath.Base(name)
		if strings.TrimSpace(text) == "" || strings.HasPrefix(base, "_") || strings.EqualFold(base, "NOTES.txt") {
			continue
		}
		names = append(names, name)
	}
	slices.Sort(names)
	// Report under the chart directory: "<chart name>/templates/x.yaml"
	// becomes "<path>/templates/x.yaml" for a chart directory.
	prefix := chrt.Name() + "/"
	files := make([]manifest.File, 0, len(names))
	for _, name := range names {
		display := name
		if fi, err := os.Stat(path); err == nil && fi.IsDir() && strings.HasPrefix(name, prefix) {
			display = filepath.Join(path, strings.TrimPrefix(name, prefix))
		}
		files = append(files, manifest.File{Name: display, Data: []byte(out[name])})
	}
	return files, nil
}
