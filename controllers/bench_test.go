package controllers_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// The benchmarks measure the operator end to end against the real control
// plane: b.N objects are created at once, as a GitOps sync or a portal
// import would, and the clock stops when the last one is done. ns/op is
// the time per object; the extra metric is the throughput. `make bench`
// runs them; BENCHTIME=1000x sets the size.

// BenchmarkUsersInvited: a burst of new users in one account, each to
// InvitationDelivered with its email on the wire and its ledger open,
// against a bare client inviting as many first (x-bare).
func BenchmarkUsersInvited(b *testing.B) {
	bare, bareWrites := bareInvitations(b, startSMTP(b), b.N)
	smtp := startSMTP(b)
	startManager(b, testOptions(b, smtp))
	ns := newNamespace(b)

	writes := apiWrites(b)
	b.ResetTimer()
	createAll(b, b.N, func(i int) client.Object {
		return newUser(ns, fmt.Sprintf("user-%05d", i), fmt.Sprintf("user-%05d@bench.example", i))
	})
	waitFor(b, "users invited", func(g Gomega) { g.Expect(settledUsers(g, ns)).To(Equal(b.N)) })
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "users/s")
	reportWrites(b, writes)
	reportAgainstBare(b, b.Elapsed(), bare, bareWrites)
	NewWithT(b).Expect(smtp.Messages()).To(HaveLen(b.N), "one email per user")
}

// BenchmarkRestartOverSettledUsers: a manager starting over b.N users that
// need nothing reconciles every one of them and writes nothing, which is
// also what a periodic resync costs.
func BenchmarkRestartOverSettledUsers(b *testing.B) {
	smtp := startSMTP(b)
	opts := testOptions(b, smtp)
	first := startManager(b, opts)
	ns := newNamespace(b)
	createAll(b, b.N, func(i int) client.Object {
		return newUser(ns, fmt.Sprintf("user-%05d", i), fmt.Sprintf("user-%05d@bench.example", i))
	})
	waitFor(b, "users settled", func(g Gomega) { g.Expect(settledUsers(g, ns)).To(Equal(b.N)) })
	first.stop(b)
	all := &iamv1alpha1.UserList{}
	NewWithT(b).Expect(k8s.List(context.Background(), all)).To(Succeed())

	writes, reconciles := apiWrites(b), reconcileCount(b)
	b.ResetTimer()
	startManager(b, opts)
	waitFor(b, "every user reconciled", func(g Gomega) {
		g.Expect(reconcileCount(b) - reconciles).To(BeNumerically(">=", len(all.Items)))
	})
	b.StopTimer()
	b.ReportMetric((apiWrites(b)-writes)/float64(b.N), "writes/op")
}

// settledUsers counts the users of the account whose invitation went out
// and whose ledger is open: all a new user needs until it is accepted.
func settledUsers(g Gomega, ns string) int {
	users := &iamv1alpha1.UserList{}
	g.Expect(k8s.List(context.Background(), users, client.InNamespace(ns))).To(Succeed())
	settled := 0
	for i := range users.Items {
		u := &users.Items[i]
		if condition(u, iamv1alpha1.InvitationDeliveredCondition).Status == metav1.ConditionTrue && u.Status.Balance != nil {
			settled++
		}
	}
	return settled
}

// BenchmarkLedgerBurst: a burst of refills for one user, each applied in
// order with its own guarded write of the balance.
func BenchmarkLedgerBurst(b *testing.B) {
	ns, userKey := ledgerAccount(b)

	writes := apiWrites(b)
	b.ResetTimer()
	createAll(b, b.N, func(i int) client.Object {
		return newTransaction(ns, fmt.Sprintf("refill-%05d", i), userKey.Name, iamv1alpha1.TransactionRefill, "0.01")
	})
	want := fmt.Sprintf("%d.%02d", b.N/100, b.N%100)
	waitFor(b, "transactions applied", func(g Gomega) {
		user := &iamv1alpha1.User{}
		g.Expect(k8s.Get(context.Background(), userKey, user)).To(Succeed())
		g.Expect(user.Status.Balance).NotTo(BeNil())
		g.Expect(user.Status.Balance.Count).To(BeEquivalentTo(b.N))
		g.Expect(user.Status.Balance.Amount).To(Equal(want))
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tx/s")
	reportWrites(b, writes)
}

// reportWrites reports the operator's API writes per object: all writes
// since before, less the benchmark's own creates. Writes are what the API
// server and etcd pay for, so fewer is faster at scale.
func reportWrites(b *testing.B, before float64) {
	b.Helper()
	b.ReportMetric((apiWrites(b)-before-float64(b.N))/float64(b.N), "writes/op")
}

// createAll creates n objects from a few goroutines, as a client with a
// connection pool would.
func createAll(tb testing.TB, n int, object func(i int) client.Object) {
	tb.Helper()
	inParallel(tb, "create", n, 16, func(i int) error { return k8s.Create(context.Background(), object(i)) })
}

// inParallel runs do(0) … do(n-1) on a number of workers and fails the
// test with the first error.
func inParallel(tb testing.TB, what string, n, workers int, do func(i int) error) {
	tb.Helper()
	next := make(chan int)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				if err := do(i); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	for err := range errs {
		tb.Fatalf("%s: %v", what, err)
	}
}

// waitFor polls until check passes, allowing time in proportion to the
// size of the run.
func waitFor(b *testing.B, what string, check func(g Gomega)) {
	b.Helper()
	limit := time.Minute + time.Duration(b.N)*100*time.Millisecond
	NewWithT(b).Eventually(check).WithTimeout(limit).WithPolling(100*time.Millisecond).Should(Succeed(), what)
}
