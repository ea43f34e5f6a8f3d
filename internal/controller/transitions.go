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
	"sync"

	"k8s.io/apimachinery/pkg/types"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
	"github.com/prodready/prodready/internal/gather"
)

// transitions remembers, per policy, which Deployments were non-compliant at
// the last evaluation, so that Events are emitted on transitions only.
//
// After a restart the memory is seeded from the policy's status: the
// Deployments listed in status.violations were non-compliant. When the list
// was capped, the state of the other Deployments is unknown, and the first
// evaluation emits no Event for them rather than repeating old news.
type transitions struct {
	mu    sync.Mutex
	state map[gather.PolicyKey]*policyTransitions
}

type policyTransitions struct {
	nonCompliant map[types.NamespacedName]struct{}
	// partial is true until the first evaluation when the seed was capped.
	partial bool
}

// change is one Deployment's transition.
type change struct {
	deployment types.NamespacedName
	// rules is set when the Deployment became non-compliant, nil when it
	// recovered.
	rules []string
}

func newTransitions() *transitions {
	return &transitions{state: map[gather.PolicyKey]*policyTransitions{}}
}

// update records an evaluation and returns the Deployments whose compliance
// changed. status is the policy's status before this evaluation.
func (t *transitions) update(key gather.PolicyKey, status *prodreadyv1alpha1.PolicyStatus, o *outcome) []change {
	t.mu.Lock()
	defer t.mu.Unlock()
	pt, ok := t.state[key]
	if !ok {
		pt = seed(status)
		t.state[key] = pt
	}
	var out []change
	for d, rules := range o.nonCompliant {
		if _, was := pt.nonCompliant[d]; was {
			continue
		}
		pt.nonCompliant[d] = struct{}{}
		if !pt.partial {
			out = append(out, change{deployment: d, rules: rules})
		}
	}
	for d := range pt.nonCompliant {
		if _, still := o.nonCompliant[d]; still {
			continue
		}
		delete(pt.nonCompliant, d)
		if _, ok := o.compliant[d]; ok {
			out = append(out, change{deployment: d})
		}
	}
	pt.partial = false
	return out
}

func seed(status *prodreadyv1alpha1.PolicyStatus) *policyTransitions {
	pt := &policyTransitions{nonCompliant: map[types.NamespacedName]struct{}{}}
	for _, v := range status.Violations {
		pt.nonCompliant[types.NamespacedName{Namespace: v.Namespace, Name: v.Deployment}] = struct{}{}
	}
	pt.partial = int(status.Summary.Violations) > len(status.Violations)
	return pt
}

// forget drops a deleted policy.
func (t *transitions) forget(key gather.PolicyKey) {
	t.mu.Lock()
	delete(t.state, key)
	t.mu.Unlock()
}
