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
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	prodreadyv1alpha1 "github.com/prodready/prodready/api/v1alpha1"
)

// Rule IDs of the operational rules: rollout safety, spreading, graceful
// shutdown, pinned images and scheduling priority.
const (
	RuleRolloutMaxUnavailable  = "rollout.maxUnavailable"
	RuleRolloutRevisionHistory = "rollout.revisionHistory"
	RuleSpreadNodes            = "spread.nodes"
	RuleSpreadZones            = "spread.zones"
	RuleShutdownGracePeriod    = "shutdown.gracePeriod"
	RuleShutdownPreStop        = "shutdown.preStop"
	RuleImagePinned            = "image.pinned"
	RulePriorityClass          = "priority.class"
)

// Defaults of the operational rules' policy fields, applied when a policy
// reaches the engine without the CRD's defaulting (tests, the CLI).
const (
	defaultMinRevisionHistory = 1
	defaultZoneKey            = "topology.kubernetes.io/zone"
	defaultMutableTag         = "latest"
)

// operationalRules is the compiled form of the rollout, spread, shutdown,
// images and priority rules.
type operationalRules struct {
	rollout            bool
	maxUnavailable     *intstr.IntOrString // nil: R-1
	minRevisionHistory int32

	spreadNodes, spreadZones prodreadyv1alpha1.SpreadRequirement
	zoneKey                  string

	minShutdownSeconds int64 // 0: rule off
	preStopRequired    bool

	imagesPinned  bool
	requireDigest bool
	mutableTags   []string

	priority       bool
	minPriority    *int32
	allowedClasses []string
}

func (p *Policy) compileOperationalRules(r *prodreadyv1alpha1.Rules, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	o := &p.ops
	if ro := r.Rollout; ro != nil {
		rp := path.Child("rollout")
		o.rollout = true
		if mu := ro.MaxUnavailable; mu != nil {
			if n, err := intstr.GetScaledValueFromIntOrPercent(mu, 100, false); err != nil || n < 0 {
				errs = append(errs, field.Invalid(rp.Child("maxUnavailable"), mu.String(), "must be a non-negative integer or a percentage such as 25%"))
			}
			v := *mu
			o.maxUnavailable = &v
		}
		o.minRevisionHistory = defaultMinRevisionHistory
		if m := ro.MinRevisionHistory; m != nil {
			if *m < 0 {
				errs = append(errs, field.Invalid(rp.Child("minRevisionHistory"), *m, "must not be negative"))
			}
			o.minRevisionHistory = *m
		}
	}
	if s := r.Spread; s != nil {
		sp := path.Child("spread")
		var err *field.Error
		if o.spreadNodes, err = spreadRequirement(s.Nodes, sp.Child("nodes")); err != nil {
			errs = append(errs, err)
		}
		if o.spreadZones, err = spreadRequirement(s.Zones, sp.Child("zones")); err != nil {
			errs = append(errs, err)
		}
		o.zoneKey = s.ZoneKey
		if o.zoneKey == "" {
			o.zoneKey = defaultZoneKey
		}
		for _, msg := range validation.IsQualifiedName(o.zoneKey) {
			errs = append(errs, field.Invalid(sp.Child("zoneKey"), o.zoneKey, msg))
		}
	}
	if sh := r.Shutdown; sh != nil {
		shp := path.Child("shutdown")
		if m := sh.MinimumSeconds; m != nil {
			if *m < 1 {
				errs = append(errs, field.Invalid(shp.Child("minimumSeconds"), *m, "must be at least 1"))
			}
			o.minShutdownSeconds = *m
		}
		var err *field.Error
		if o.preStopRequired, err = required(sh.PreStop, shp.Child("preStop")); err != nil {
			errs = append(errs, err)
		}
	}
	if im := r.Images; im != nil {
		o.imagesPinned = im.Pinned || im.RequireDigest
		o.requireDigest = im.RequireDigest
		o.mutableTags = im.MutableTags
		if o.mutableTags == nil {
			o.mutableTags = []string{defaultMutableTag}
		}
	}
	if pr := r.Priority; pr != nil {
		if pr.Minimum == nil && len(pr.AllowedClasses) == 0 {
			errs = append(errs, field.Required(path.Child("priority"), "set minimum, allowedClasses or both"))
		}
		o.priority = true
		o.minPriority = pr.Minimum
		o.allowedClasses = pr.AllowedClasses
	}
	return errs
}

func spreadRequirement(r prodreadyv1alpha1.SpreadRequirement, path *field.Path) (prodreadyv1alpha1.SpreadRequirement, *field.Error) {
	switch r {
	case "", prodreadyv1alpha1.SpreadPreferred, prodreadyv1alpha1.SpreadRequired:
		return r, nil
	}
	return "", field.NotSupported(path, r, []prodreadyv1alpha1.SpreadRequirement{prodreadyv1alpha1.SpreadPreferred, prodreadyv1alpha1.SpreadRequired})
}

// operationalChecks appends the enabled operational rules, in a fixed order.
func (o *operationalRules) operationalChecks(cs []check) []check {
	if o.rollout {
		cs = append(cs, checkMaxUnavailable, checkRevisionHistory)
	}
	if o.spreadNodes != "" {
		cs = append(cs, checkSpreadNodes)
	}
	if o.spreadZones != "" {
		cs = append(cs, checkSpreadZones)
	}
	if o.minShutdownSeconds > 0 {
		cs = append(cs, checkGracePeriod)
	}
	if o.preStopRequired {
		cs = append(cs, checkPreStop)
	}
	if o.imagesPinned {
		cs = append(cs, checkImagePinned)
	}
	if o.priority {
		cs = append(cs, checkPriorityClass)
	}
	return cs
}

// needsReplicas reports whether an operational rule reads the effective
// replica count, and so HorizontalPodAutoscalers.
func (o *operationalRules) needsReplicas() bool {
	return o.rollout || o.spreadNodes != "" || o.spreadZones != ""
}

// UsesServices reports whether the outcome can depend on the Services of the
// Deployment's namespace (rule shutdown.preStop).
func (p *Policy) UsesServices() bool { return p.ops.preStopRequired }

// UsesNodes reports whether the outcome can depend on the Nodes' labels
// (rule spread.zones).
func (p *Policy) UsesNodes() bool { return p.ops.spreadZones != "" }

// ZoneKey is the Node label naming a zone that rule spread.zones reads, or
// "" when the rule is off.
func (p *Policy) ZoneKey() string {
	if p.ops.spreadZones == "" {
		return ""
	}
	return p.ops.zoneKey
}

// UsesPriorityClasses reports whether the outcome can depend on the
// cluster's PriorityClasses (rule priority.class).
func (p *Policy) UsesPriorityClasses() bool { return p.ops.priority }
