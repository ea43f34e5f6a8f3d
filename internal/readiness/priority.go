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

	schedulingv1 "k8s.io/api/scheduling/v1"
)

const priorityPath = "spec.template.spec.priorityClassName"

// checkPriorityClass resolves the pods' priority as the Priority admission
// plugin does: the named PriorityClass, else the globalDefault one (the
// lowest value if several claim it), else 0.
func checkPriorityClass(e *evaluation) {
	o := &e.policy.ops
	name := e.d.Spec.Template.Spec.PriorityClassName
	var class *schedulingv1.PriorityClass
	if name != "" {
		class = findPriorityClass(e.in.PriorityClasses, name)
		if class == nil {
			e.add(RulePriorityClass, "", priorityPath, fmt.Sprintf(
				"priorityClassName %q names no PriorityClass, so the ReplicaSet can create no pods; create the PriorityClass or use an existing one%s",
				name, allowedHint(o.allowedClasses)), Observation{"priorityClassName", truncated(name)})
			return
		}
	} else {
		class = globalDefault(e.in.PriorityClasses)
	}
	resolved, value := "", int32(0)
	if class != nil {
		resolved, value = class.Name, class.Value
	}
	if len(o.allowedClasses) > 0 && !slices.Contains(o.allowedClasses, resolved) {
		what := fmt.Sprintf("uses PriorityClass %q", resolved)
		if name == "" {
			what = "sets no priorityClassName"
			if resolved != "" {
				what += fmt.Sprintf(" and so gets the global default %q", resolved)
			}
		}
		e.add(RulePriorityClass, "", priorityPath, fmt.Sprintf("%s, which is not allowed; set %s to one of %s",
			what, priorityPath, quoteList(o.allowedClasses)), Observation{"priorityClassName", truncated(resolved)})
		return
	}
	if o.minPriority != nil && value < *o.minPriority {
		what := fmt.Sprintf("PriorityClass %q has priority %d", resolved, value)
		if class == nil {
			what = "no priorityClassName and no global default PriorityClass give priority 0"
		} else if name == "" {
			what = fmt.Sprintf("the global default PriorityClass %q has priority %d", resolved, value)
		}
		e.add(RulePriorityClass, "", priorityPath, fmt.Sprintf(
			"%s, below the minimum of %d, so these pods lose scheduling and preemption fights; set %s to a PriorityClass with a value of at least %d",
			what, *o.minPriority, priorityPath, *o.minPriority),
			Observation{"priorityClassName", truncated(resolved)}, Observation{"priority", itoa(value)})
	}
}

func findPriorityClass(pcs []schedulingv1.PriorityClass, name string) *schedulingv1.PriorityClass {
	for i := range pcs {
		if pcs[i].Name == name {
			return &pcs[i]
		}
	}
	return nil
}

func globalDefault(pcs []schedulingv1.PriorityClass) *schedulingv1.PriorityClass {
	var best *schedulingv1.PriorityClass
	for i := range pcs {
		pc := &pcs[i]
		if pc.GlobalDefault && (best == nil || pc.Value < best.Value) {
			best = pc
		}
	}
	return best
}

func allowedHint(allowed []string) string {
	if len(allowed) == 0 {
		return ""
	}
	return " (allowed: " + quoteList(allowed) + ")"
}
