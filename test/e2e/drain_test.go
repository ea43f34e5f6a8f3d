//go:build e2e

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

package e2e

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// router stands in for the webhook Service: it sends each review to a
// replica whose /readyz passed at the last poll, as the endpoints controller
// keeps only ready pods (and, in a pod, the preStop sleep covers the time it
// takes to notice a terminating one).
type router struct {
	mu    sync.Mutex
	ready map[int]bool // webhook port -> ready
}

func (r *router) poll(stop <-chan struct{}, eps []endpoints) {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		for _, ep := range eps {
			ok := httpStatus("http://"+ep.probeAddr+"/readyz") == http.StatusOK
			r.mu.Lock()
			r.ready[ep.webhookPort] = ok
			r.mu.Unlock()
		}
		select {
		case <-stop:
			return
		case <-t.C:
		}
	}
}

func (r *router) pick() (int, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var ports []int
	for p, ok := range r.ready {
		if ok {
			ports = append(ports, p)
		}
	}
	if len(ports) == 0 {
		return 0, false
	}
	return ports[rand.IntN(len(ports))], true //nolint:gosec // load spreading, not security
}

var _ = Describe("Draining", Ordered, Serial, func() {
	BeforeAll(func() {
		if local == nil {
			Skip("the drain spec needs the processes of 'make up'")
		}
	})

	It("loses no review while both replicas are restarted under admission load", func() {
		ns := newNamespace("e2e-drain")
		Expect(apply(policyYAML(ns, "strict", "Enforce")).err).NotTo(HaveOccurred())
		Eventually(func() error { return apply(deploymentYAML(ns, "probe", true), "--dry-run=server").err }).
			WithTimeout(timeout).WithPolling(interval).Should(HaveOccurred(), "the webhook enforces")

		primary := managerEndpoints(readCluster().ManagerArgs)
		second, cmd, exited := startSecondManagerProcess(primary)
		DeferCleanup(func() {
			select {
			case <-exited:
			default:
				_ = cmd.Process.Signal(syscall.SIGKILL)
				<-exited
			}
		})
		rt := &router{ready: map[int]bool{}}
		stopPoll := make(chan struct{})
		go rt.poll(stopPoll, []endpoints{primary, second})
		defer close(stopPoll)

		// Bounded loopback load: 4 workers, one review each every 50 ms at
		// most, until told to stop (at most 3 minutes).
		var sent, failed, wrong, unrouted atomic.Int64
		var failures sync.Map
		stopLoad := make(chan struct{})
		var wg sync.WaitGroup
		good, bad := deploymentYAML(ns, "web", false), deploymentYAML(ns, "web", true)
		deadline := time.Now().Add(3 * time.Minute)
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer GinkgoRecover()
				defer wg.Done()
				for i := 0; ; i++ {
					select {
					case <-stopLoad:
						return
					case <-time.After(50 * time.Millisecond):
					}
					if time.Now().After(deadline) {
						return
					}
					port, ok := rt.pick()
					if !ok {
						unrouted.Add(1)
						continue
					}
					wantDenied := (i+w)%2 == 0
					obj := good
					if wantDenied {
						obj = bad
					}
					sent.Add(1)
					denied, msg, err := review(port, ns, obj)
					switch {
					case err != nil:
						failed.Add(1)
						failures.Store(fmt.Sprintf("port %d: %v", port, err), true)
					case denied != wantDenied:
						wrong.Add(1)
						failures.Store(fmt.Sprintf("port %d: denied=%v want %v: %s", port, denied, wantDenied, msg), true)
					}
				}
			}()
		}
		waitSent := func(n int64) {
			GinkgoHelper()
			target := sent.Load() + n
			Eventually(sent.Load).WithTimeout(timeout).WithPolling(50 * time.Millisecond).Should(BeNumerically(">=", target))
		}

		waitSent(40)
		By("restarting the make-up operator (SIGTERM, then a new process)")
		restart("manager")
		Eventually(func() int { return httpStatus("http://" + primary.probeAddr + "/readyz") }).
			WithTimeout(timeout).WithPolling(interval).Should(Equal(http.StatusOK))
		waitSent(40)

		By("terminating the second operator with SIGTERM")
		Expect(cmd.Process.Signal(syscall.SIGTERM)).To(Succeed())
		Eventually(exited).WithTimeout(timeout).Should(BeClosed())
		waitSent(40)

		close(stopLoad)
		wg.Wait()
		var list []string
		failures.Range(func(k, _ any) bool { list = append(list, k.(string)); return true })
		GinkgoWriter.Printf("drain: %d reviews sent, %d failed or timed out, %d wrong verdicts, %d waits for a ready replica\n",
			sent.Load(), failed.Load(), wrong.Load(), unrouted.Load())
		Expect(sent.Load()).To(BeNumerically(">=", 120))
		Expect(list).To(BeEmpty(), "failed or wrong reviews")
		Expect(failed.Load()).To(BeZero())
		Expect(wrong.Load()).To(BeZero())
	})
})
