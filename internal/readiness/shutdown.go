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
	"math"
	"path"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// defaultTerminationGracePeriod is the API server's default.
const defaultTerminationGracePeriod = 30

func checkGracePeriod(e *evaluation) {
	grace := int64(defaultTerminationGracePeriod)
	if g := e.d.Spec.Template.Spec.TerminationGracePeriodSeconds; g != nil {
		grace = *g
	}
	want := e.policy.ops.minShutdownSeconds
	e.forEachContainer(func(w workloadContainer) {
		sleep := preStopSleep(w.c)
		left := grace - sleep
		if left >= want {
			return
		}
		if sleep > 0 {
			e.add(RuleShutdownGracePeriod, w.c.Name, w.path("lifecycle.preStop"), fmt.Sprintf(
				"container %q has %ds between SIGTERM and SIGKILL (terminationGracePeriodSeconds %d minus a %ds preStop sleep), below the minimum of %ds; "+
					"raise spec.template.spec.terminationGracePeriodSeconds to at least %d or shorten the preStop sleep",
				w.c.Name, max(left, 0), grace, sleep, want, satAdd(sleep, want)),
				Observation{"terminationGracePeriodSeconds", itoa(grace)}, Observation{"preStopSleepSeconds", itoa(sleep)})
			return
		}
		e.add(RuleShutdownGracePeriod, w.c.Name, "spec.template.spec.terminationGracePeriodSeconds", fmt.Sprintf(
			"container %q has %ds between SIGTERM and SIGKILL, below the minimum of %ds; set spec.template.spec.terminationGracePeriodSeconds to at least %d",
			w.c.Name, max(grace, 0), want, want), Observation{"terminationGracePeriodSeconds", itoa(grace)})
	})
}

func satAdd(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// preStopSleep returns how many seconds a container's preStop handler
// sleeps: the sleep action's seconds, or N from an exec command "sleep N"
// or a shell script (sh -c / bash -c) that starts with "sleep N". Any other
// handler counts as 0.
func preStopSleep(c *corev1.Container) int64 {
	if c.Lifecycle == nil || c.Lifecycle.PreStop == nil {
		return 0
	}
	h := c.Lifecycle.PreStop
	if h.Sleep != nil {
		return max(h.Sleep.Seconds, 0)
	}
	if h.Exec == nil {
		return 0
	}
	cmd := h.Exec.Command
	switch {
	case len(cmd) >= 2 && path.Base(cmd[0]) == "sleep":
		return sleepSeconds(cmd[1])
	case len(cmd) >= 3 && isShell(cmd[0]) && cmd[1] == "-c":
		return scriptSleep(cmd[2])
	}
	return 0
}

func isShell(p string) bool {
	switch path.Base(p) {
	case "sh", "bash", "ash", "dash", "zsh":
		return true
	}
	return false
}

// scriptSleep returns N when a shell script's first command is "sleep N"
// (ended by the end of the script, a newline, ";" or "&&"), else 0. It does
// not allocate.
func scriptSleep(script string) int64 {
	rest := strings.TrimLeft(script, " \t\n")
	cmd, rest := nextWord(rest)
	if path.Base(cmd) != "sleep" {
		return 0
	}
	arg, rest := nextWord(rest)
	if a, _, ok := strings.Cut(arg, ";"); ok {
		return sleepSeconds(a)
	}
	if a, _, ok := strings.Cut(arg, "&&"); ok {
		return sleepSeconds(a)
	}
	rest = strings.TrimLeft(rest, " \t")
	if rest != "" && rest[0] != '\n' && rest[0] != ';' && !strings.HasPrefix(rest, "&&") {
		return 0 // "sleep 5 10" or "sleep 5 | x": not one plain sleep
	}
	return sleepSeconds(arg)
}

// nextWord splits off the first word of s after spaces and tabs; a newline
// ends the word and is left in the rest.
func nextWord(s string) (word, rest string) {
	s = strings.TrimLeft(s, " \t")
	end := strings.IndexAny(s, " \t\n")
	if end < 0 {
		return s, ""
	}
	return s[:end], s[end:]
}

// sleepSeconds parses a sleep(1) argument: whole or fractional seconds with
// an optional s or m suffix, rounded down. Anything else counts as 0.
func sleepSeconds(s string) int64 {
	if n, ok := smallUint(s); ok {
		return n // the common case, without float parsing
	}
	mult := 1.0
	switch {
	case strings.HasSuffix(s, "s"):
		s = s[:len(s)-1]
	case strings.HasSuffix(s, "m"):
		s, mult = s[:len(s)-1], 60
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v <= 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	v *= mult
	if v >= math.MaxInt32 {
		return math.MaxInt32
	}
	return int64(v)
}

// smallUint parses 1 to 9 decimal digits.
func smallUint(s string) (int64, bool) {
	if len(s) == 0 || len(s) > 9 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

func checkPreStop(e *evaluation) {
	if len(e.in.Services) == 0 {
		return
	}
	e.forEachContainer(func(w workloadContainer) {
		if (w.c.Lifecycle != nil && w.c.Lifecycle.PreStop != nil) || len(w.c.Ports) == 0 {
			return
		}
		svc := e.servingService(w.c)
		if svc == "" {
			return
		}
		e.add(RuleShutdownPreStop, w.c.Name, w.path("lifecycle.preStop"), fmt.Sprintf(
			"container %q serves Service %q but has no preStop handler, so it may get SIGTERM while still receiving traffic; "+
				"add %s with the sleep action (e.g. sleep: {seconds: 5}), which needs no shell in the image",
			w.c.Name, svc, w.path("lifecycle.preStop")), Observation{"service", svc})
	})
}

// servingService returns the name of a Service of the Deployment's namespace
// that selects the pod template's labels and targets a port the container
// declares (by targetPort name, or number and protocol), or "". A Service
// without a selector has manually managed endpoints and targets no pod.
func (e *evaluation) servingService(c *corev1.Container) string {
	lbls := e.d.Spec.Template.Labels
	for i := range e.in.Services {
		s := &e.in.Services[i]
		if s.Namespace != e.d.Namespace || len(s.Spec.Selector) == 0 || !targetsPort(s, c) {
			continue
		}
		match := true
		for k, v := range s.Spec.Selector {
			if got, ok := lbls[k]; !ok || got != v {
				match = false
				break
			}
		}
		if match {
			return s.Name
		}
	}
	return ""
}

// targetsPort reports whether one of the Service's ports targets a port the
// container declares.
func targetsPort(s *corev1.Service, c *corev1.Container) bool {
	for i := range s.Spec.Ports {
		sp := &s.Spec.Ports[i]
		target := sp.TargetPort
		if target.Type == intstr.Int && target.IntVal == 0 {
			target = intstr.FromInt32(sp.Port) // unset targetPort means port
		}
		for j := range c.Ports {
			cp := &c.Ports[j]
			if !sameProtocol(sp.Protocol, cp.Protocol) {
				continue
			}
			if (target.Type == intstr.String && target.StrVal != "" && target.StrVal == cp.Name) ||
				(target.Type == intstr.Int && target.IntVal == cp.ContainerPort) {
				return true
			}
		}
	}
	return false
}

func sameProtocol(a, b corev1.Protocol) bool {
	if a == "" {
		a = corev1.ProtocolTCP
	}
	if b == "" {
		b = corev1.ProtocolTCP
	}
	return a == b
}
