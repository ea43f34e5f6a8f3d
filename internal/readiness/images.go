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

package readiness

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/distribution/reference"
	corev1 "k8s.io/api/core/v1"
)

// checkImagePinned checks every container, init container and native
// sidecar: images run by init containers change under a rollback too.
func checkImagePinned(e *evaluation) {
	spec := &e.d.Spec.Template.Spec
	for i := range spec.InitContainers {
		checkImage(e, &spec.InitContainers[i], "initContainers", i)
	}
	for i := range spec.Containers {
		checkImage(e, &spec.Containers[i], "containers", i)
	}
}

func checkImage(e *evaluation, c *corev1.Container, field string, index int) {
	why := imageProblem(c.Image, e.policy.ops.requireDigest, e.policy.ops.mutableTags)
	if why == "" {
		return
	}
	p := "spec.template.spec." + field + "[" + strconv.Itoa(index) + "].image"
	e.add(RuleImagePinned, c.Name, p, fmt.Sprintf("container %q %s; %s", c.Name, why, imageFix(e.policy.ops.requireDigest, p)),
		Observation{"image", truncated(c.Image)})
}

func imageFix(requireDigest bool, p string) string {
	if requireDigest {
		return "pin " + p + " to a digest (name@sha256:...) so that a rollback runs exactly the old code"
	}
	return "set " + p + " to an immutable version tag or a digest (name@sha256:...) so that a rollback runs exactly the old code"
}

// imageProblem says what is wrong with an image reference, or "". The
// reference is parsed as the container runtime parses it, so the port in
// registry:5000/app is never taken for a tag.
func imageProblem(image string, requireDigest bool, mutableTags []string) string {
	if image == "" {
		return "has no image"
	}
	ref := parseImage(image)
	switch {
	case ref.err != "":
		return fmt.Sprintf("has image %s, which is not a valid image reference (%s)", quote(image), truncated(ref.err))
	case ref.digested:
		return ""
	case requireDigest:
		return fmt.Sprintf("has image %s without a digest", quote(image))
	case !ref.tagged:
		return fmt.Sprintf("has image %s without a tag, which means latest", quote(image))
	case slices.Contains(mutableTags, ref.tag):
		return fmt.Sprintf("has image %s with the mutable tag %s", quote(image), quote(ref.tag))
	}
	return ""
}

// parsedImage is what rule image.pinned needs from a parsed reference.
type parsedImage struct {
	err      string
	digested bool
	tagged   bool
	tag      string
}

// maxParsedImages bounds the parse cache, so that Deployments with ever new
// image references cannot grow it without limit; when full it starts over.
const maxParsedImages = 4096

var (
	parsedImagesMu sync.RWMutex
	parsedImages   = make(map[string]*parsedImage)
)

// parseImage parses an image reference with
// github.com/distribution/reference, the parser container runtimes use.
// Results are cached: parsing allocates, and a cluster runs few distinct
// images across many Deployments.
func parseImage(image string) *parsedImage {
	parsedImagesMu.RLock()
	p, ok := parsedImages[image]
	parsedImagesMu.RUnlock()
	if ok {
		return p
	}
	p = &parsedImage{}
	ref, err := reference.ParseNormalizedNamed(image)
	if err != nil {
		p.err = err.Error()
	} else {
		_, p.digested = ref.(reference.Digested)
		if t, ok := ref.(reference.Tagged); ok {
			p.tagged, p.tag = true, t.Tag()
		}
	}
	parsedImagesMu.Lock()
	if len(parsedImages) >= maxParsedImages {
		clear(parsedImages)
	}
	parsedImages[strings.Clone(image)] = p
	parsedImagesMu.Unlock()
	return p
}
