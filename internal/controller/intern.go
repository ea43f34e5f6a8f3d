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

package controller

import (
	"maps"
	"slices"
	"strings"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// The informer cache holds one decoded Deployment per Deployment, and most
// of its bytes are small maps that many Deployments hold with equal content:
// a container's resource requests and limits (a Go map of one to eight
// entries occupies a whole group of eight slots, ~600 bytes for a
// ResourceList), the pod template's annotations, and the template's labels,
// which usually equal the selector's matchLabels. An interner makes equal
// maps one shared map. The cached objects are read-only (readers that skip
// the deep copy only read), so sharing is safe.
//
// The tables are bounded: a map with more than internMaxEntries entries or
// a key longer than internMaxKey bytes is kept as it is, and a table that
// reaches internMaxTable entries starts over (maps already shared stay
// shared; the table only stops pinning them), so hostile, all-distinct
// values cost at most one bounded table.
const (
	internMaxEntries = 8
	internMaxKey     = 1024
	internMaxTable   = 4096
)

type interner struct {
	mu        sync.Mutex
	resources map[string]corev1.ResourceList
	strings   map[string]map[string]string
}

func newInterner() *interner {
	return &interner{resources: map[string]corev1.ResourceList{}, strings: map[string]map[string]string{}}
}

// deployment replaces, in a trimmed Deployment the caller owns, the
// containers' resource lists and the template's annotations by shared equal
// maps, and the template's labels by the selector's matchLabels when equal.
func (in *interner) deployment(d *appsv1.Deployment) *appsv1.Deployment {
	t := &d.Spec.Template
	if sel := d.Spec.Selector; sel != nil && t.Labels != nil && maps.Equal(sel.MatchLabels, t.Labels) {
		t.Labels = sel.MatchLabels
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	t.Annotations = in.stringMap(t.Annotations)
	for _, cs := range [][]corev1.Container{t.Spec.InitContainers, t.Spec.Containers} {
		for i := range cs {
			r := &cs[i].Resources
			r.Requests = in.resourceList(r.Requests)
			r.Limits = in.resourceList(r.Limits)
		}
	}
	return d
}

func (in *interner) stringMap(m map[string]string) map[string]string {
	if len(m) == 0 || len(m) > internMaxEntries {
		return m
	}
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(m)) {
		b.WriteString(k)
		b.WriteByte(0)
		b.WriteString(m[k])
		b.WriteByte(0)
		if b.Len() > internMaxKey {
			return m
		}
	}
	return intern(in.strings, b.String(), m)
}

// resourceList keys a list by each quantity's canonical form and format,
// so lists that read the same through every Quantity accessor share.
func (in *interner) resourceList(l corev1.ResourceList) corev1.ResourceList {
	if len(l) == 0 || len(l) > internMaxEntries {
		return l
	}
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(l)) {
		q := l[k]
		b.WriteString(string(k))
		b.WriteByte(0)
		b.WriteString(q.String())
		b.WriteByte(0)
		b.WriteString(string(q.Format))
		b.WriteByte(0)
		if b.Len() > internMaxKey {
			return l
		}
	}
	return intern(in.resources, b.String(), l)
}

func intern[M any](table map[string]M, key string, m M) M {
	if shared, ok := table[key]; ok {
		return shared
	}
	if len(table) >= internMaxTable {
		clear(table)
	}
	table[key] = m
	return m
}
