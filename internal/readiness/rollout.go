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

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// The API server's RollingUpdate defaults, used when a field is unset (an
// object that did not pass through defaulting, such as a file the CLI reads).
var defaultRollingUpdateValue = intstr.FromString("25%")

const defaultRevisionHistoryLimit = 10

// rollingMaxUnavailable resolves a rolling update's maxSurge (rounding up)
// and maxUnavailable (rounding down) against replicas exactly as the
// Deployment controller does (deploymentutil.ResolveFenceposts), including
// "both zero means maxUnavailable 1", and returns the resolved
// maxUnavailable. ok is false when a value cannot be resolved (the API
// server rejects such a Deployment).
func rollingMaxUnavailable(ru *appsv1.RollingUpdateDeployment, replicas int32) (unavailable int, ok bool) {
	ms, mu := &defaultRollingUpdateValue, &defaultRollingUpdateValue
	if ru != nil {
		if ru.MaxSurge != nil {
			ms = ru.MaxSurge
		}
		if ru.MaxUnavailable != nil {
			mu = ru.MaxUnavailable
		}
	}
	surge, err := intstr.GetScaledValueFromIntOrPercent(ms, int(replicas), true)
	if err != nil {
		return 0, false
	}
	unavailable, err = intstr.GetScaledValueFromIntOrPercent(mu, int(replicas), false)
	if err != nil {
		return 0, false
	}
	if surge == 0 && unavailable == 0 {
		unavailable = 1
	}
	return unavailable, true
}

// allowedUnavailable resolves the policy's maxUnavailable against replicas
// (rounding down, as for the Deployment's own value); unset means
// replicas-1.
func (o *operationalRules) allowedUnavailable(replicas int32) int {
	if o.maxUnavailable == nil {
		return int(replicas) - 1
	}
	n, err := intstr.GetScaledValueFromIntOrPercent(o.maxUnavailable, int(replicas), false)
	if err != nil {
		return 0 // Compile rejects such values
	}
	return n
}

func checkMaxUnavailable(e *evaluation) {
	replicas := e.effectiveReplicas()
	if replicas <= 1 {
		return // one replica may need Recreate (a ReadWriteOnce volume)
	}
	allowed := e.policy.ops.allowedUnavailable(replicas)
	st := &e.d.Spec.Strategy
	if st.Type == appsv1.RecreateDeploymentStrategyType {
		e.add(RuleRolloutMaxUnavailable, "", "spec.strategy.type", fmt.Sprintf(
			"uses the Recreate strategy, which stops all %d replicas before starting new ones; use type RollingUpdate with maxUnavailable of at most %d",
			replicas, allowed), Observation{"strategy", string(appsv1.RecreateDeploymentStrategyType)}, Observation{"replicas", itoa(replicas)})
		return
	}
	unavailable, ok := rollingMaxUnavailable(st.RollingUpdate, replicas)
	if !ok {
		e.add(RuleRolloutMaxUnavailable, "", "spec.strategy.rollingUpdate", fmt.Sprintf(
			"spec.strategy.rollingUpdate cannot be resolved against %d replicas; set maxUnavailable and maxSurge to integers or percentages such as 25%%", replicas),
			Observation{"replicas", itoa(replicas)})
		return
	}
	if unavailable > allowed {
		e.add(RuleRolloutMaxUnavailable, "", "spec.strategy.rollingUpdate.maxUnavailable", fmt.Sprintf(
			"a rollout may take %d of %d replicas down at once, more than the %d allowed; lower spec.strategy.rollingUpdate.maxUnavailable to %d (and raise maxSurge to keep rollouts fast)",
			unavailable, replicas, allowed, allowed), Observation{"maxUnavailable", itoa(int64(unavailable))}, Observation{"replicas", itoa(replicas)})
	}
}

func checkRevisionHistory(e *evaluation) {
	limit := int32(defaultRevisionHistoryLimit)
	if e.d.Spec.RevisionHistoryLimit != nil {
		limit = *e.d.Spec.RevisionHistoryLimit
	}
	if want := e.policy.ops.minRevisionHistory; limit < want {
		e.add(RuleRolloutRevisionHistory, "", "spec.revisionHistoryLimit", fmt.Sprintf(
			"keeps %d old ReplicaSet(s), below the minimum of %d, so kubectl rollout undo has too little to go back to; set spec.revisionHistoryLimit to at least %d",
			limit, want, want), Observation{"revisionHistoryLimit", itoa(limit)})
	}
}
