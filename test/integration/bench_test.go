package integration

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/conditions"
)

// The benchmarks measure the operator end to end against the real control
// plane: b.N objects are created at once, as a GitOps sync or a portal
// import would, and the clock stops when the last one is done. ns/op is
// the time per object. Each runs a bare client doing the least work the
// same job needs in the same run (bench_baseline_test.go) and reports the
// operator's time as a multiple of it (x-bare), and both sides' API writes
// per object (writes/op, bare-writes/op). `make bench` runs them at the
// sizes docs/developer/benchmarks.md quotes; BENCHTIME=1000x sets another size.

// BenchmarkUsersInvited: a burst of new users in one account, each to
// InvitationDelivered with its email on the wire and its ledger open.
func BenchmarkUsersInvited(b *testing.B) {
	bare := bareInvitations(b, startSMTP(b), b.N, bareJob{})
	smtp := startSMTP(b)
	manager := startManager(b, testOptions(b, smtp))
	ns := newNamespace(b)
	invited := trackDone(b, &iamv1alpha1.UserList{}, ns, userSettled)

	waitForQuietControlPlane(b)
	writes, passes, cpu := apiWrites(b), reconcileCount(b), cpuSeconds(b)
	b.ResetTimer()
	began := time.Now()
	createAll(b, b.N, func(i int) client.Object {
		user := newUser(ns, fmt.Sprintf("user-%05d", i), fmt.Sprintf("user-%05d@bench.example", i))
		invited.createdNow(user.Name)
		return user
	})
	invited.wait(b, "users invited", b.N)
	b.StopTimer()
	reportCPU(b, cpu, "cpu-ms/op")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "users/s")
	b.ReportMetric(float64(invited.latency(0.99).Milliseconds()), "p99-ms")
	// Every user holds the role manager: a last tenth as fast as the first
	// means a new user's cost does not grow with the role's holders.
	if first, last := invited.tenths(began); first > 0 {
		b.ReportMetric(last/first, "last/first-tenth")
	}
	// Reconciles of a user, each a read of the cache and a pass of the
	// sub-reconcilers, cost the manager's CPU though not the API server's.
	b.ReportMetric((reconcileCount(b)-passes)/float64(b.N), "passes/op")
	reportWrites(b, writes)
	b.ReportMetric(statusBytes(b, ns, "user-00000"), "status-bytes")
	bare.report(b, b.Elapsed())
	NewWithT(b).Expect(smtp.Messages()).To(HaveLen(b.N), "one email per user")
	manager.stop(b)
	discardAccount(b, ns)
}

// userSettled tells a new user that needs nothing more until it is
// accepted: its invitation went out and its ledger is open.
func userSettled(obj client.Object) bool {
	u := obj.(*iamv1alpha1.User)
	return conditions.IsTrue(u, iamv1alpha1.InvitationDeliveredCondition) && u.Status.Balance != nil
}

// txPerUser is how many transactions each user of the transaction
// benchmark gets: 10,000 transactions go to 100 users.
const txPerUser = 100

// BenchmarkTransactionsApplied: a burst of refills spread over the users
// of one account (a hundred each), each applied in order with its own
// guarded write of the balance. p99-ms is the time from a transaction's
// creation to its Applied status, as a client waiting for it sees it.
func BenchmarkTransactionsApplied(b *testing.B) {
	users := (b.N + txPerUser - 1) / txPerUser
	smtp := startSMTP(b)
	opts := testOptions(b, smtp)
	bare, bareWrites := bareTransactions(b, opts, b.N, users)
	manager := startManager(b, opts)
	ns := newNamespace(b)
	opened := trackDone(b, &iamv1alpha1.UserList{}, ns, userSettled)
	createAll(b, users, func(i int) client.Object { return newUser(ns, txUser(i), txUser(i)+"@bench.example") })
	opened.wait(b, "users settled", users)
	applied := trackDone(b, &iamv1alpha1.BalanceTransactionList{}, ns, transactionApplied)

	writes := apiWrites(b)
	b.ResetTimer()
	createAll(b, b.N, func(i int) client.Object {
		tx := newTransaction(ns, fmt.Sprintf("refill-%05d", i), txUser(i%users), iamv1alpha1.TransactionRefill, "0.01")
		applied.createdNow(tx.Name)
		return tx
	})
	applied.wait(b, "transactions applied", b.N)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tx/s")
	b.ReportMetric(float64(applied.latency(0.99).Milliseconds()), "p99-ms")
	reportWrites(b, writes)
	reportAgainstBare(b, b.Elapsed(), bare, bareWrites)
	expectBalances(b, ns, b.N, users)
	manager.stop(b)
	discardAccount(b, ns)
}

func transactionApplied(obj client.Object) bool {
	return obj.(*iamv1alpha1.BalanceTransaction).Status.Phase == iamv1alpha1.TransactionApplied
}

func txUser(i int) string { return fmt.Sprintf("payer-%03d", i) }

// expectBalances checks that every transaction moved its user's balance
// exactly once.
func expectBalances(b *testing.B, ns string, txs, users int) {
	b.Helper()
	list := &iamv1alpha1.UserList{}
	g := NewWithT(b)
	g.Expect(k8s.List(context.Background(), list, client.InNamespace(ns))).To(Succeed())
	var count int64
	for _, u := range list.Items {
		count += u.Status.Balance.Count
	}
	g.Expect(count).To(BeEquivalentTo(txs), "transactions applied over %d users", users)
}

// txPerRestartUser is how many applied transactions each user has in the
// restart benchmark: 10,000 users come with 100,000 transactions.
const txPerRestartUser = 10

// BenchmarkRestartAtScale: a manager starting over b.N settled users with
// ten applied transactions each. It reports the time until every user has
// been reconciled (ns/op is per user) and, within it, the time until the
// cache had synced (sync-s; the rest is the users' reconciles), the writes
// that cost (which must be none: a restart or a resync finds nothing to
// do), and the manager's heap per cached object (users, their Secrets and
// transactions). The bare client's figure is the time to read the same
// objects from the API server, which any cache must do.
func BenchmarkRestartAtScale(b *testing.B) {
	smtp := startSMTP(b)
	opts := testOptions(b, smtp)
	first := startManager(b, opts)
	ns := newNamespace(b)
	settled := trackDone(b, &iamv1alpha1.UserList{}, ns, func(obj client.Object) bool {
		u := obj.(*iamv1alpha1.User)
		return userSettled(u) && u.Status.Balance.Count == txPerRestartUser
	})
	applied := trackDone(b, &iamv1alpha1.BalanceTransactionList{}, ns, transactionApplied)
	name := func(i int) string { return fmt.Sprintf("user-%05d", i) }
	createAll(b, b.N, func(i int) client.Object { return newUser(ns, name(i), name(i)+"@bench.example") })
	createAll(b, b.N*txPerRestartUser, func(i int) client.Object {
		return newTransaction(ns, fmt.Sprintf("refill-%06d", i), name(i%b.N), iamv1alpha1.TransactionRefill, "0.01")
	})
	// Transactions first: a user is settled only once its last one is
	// applied, and the wait allows time in proportion to what it counts.
	applied.wait(b, "transactions applied", b.N*txPerRestartUser)
	settled.wait(b, "users settled", b.N)
	// A role is recounted a second after its holders change; stopped
	// before that, the first manager would leave the restart a true
	// write to make.
	waitFor(b, "the manager role counted", func(g Gomega) {
		role := &iamv1alpha1.Role{}
		g.Expect(k8s.Get(context.Background(), client.ObjectKey{Name: "manager"}, role)).To(Succeed())
		holders := &iamv1alpha1.UserList{}
		g.Expect(k8s.List(context.Background(), holders)).To(Succeed())
		n := 0
		for i := range holders.Items {
			if holders.Items[i].Spec.Role == "manager" && holders.Items[i].Spec.State != iamv1alpha1.UserStateDeleted {
				n++
			}
		}
		g.Expect(role.Status.Users).To(BeEquivalentTo(n))
	})
	first.stop(b)

	bare, objects := bareRead(b, ns)
	before := heapInUse()
	writes, reconciles := apiWrites(b), reconcileCount(b)
	b.ResetTimer()
	second := startManager(b, opts) // returns once its cache has synced
	synced := b.Elapsed()
	waitFor(b, "every user reconciled", func(g Gomega) {
		g.Expect(reconcileCount(b) - reconciles).To(BeNumerically(">=", b.N))
	})
	b.StopTimer()
	heap := heapInUse() - before
	restartWrites := apiWrites(b) - writes
	b.ReportMetric(restartWrites/float64(b.N), "writes/op")
	b.ReportMetric(b.Elapsed().Seconds(), "settle-s")
	b.ReportMetric(synced.Seconds(), "sync-s")
	b.ReportMetric(b.Elapsed().Seconds()/bare.Seconds(), "x-bare")
	b.ReportMetric(float64(heap)/float64(objects), "heap-B/object")
	if restartWrites > 0 {
		b.Errorf("a restart over settled users wrote %v times; it must write nothing", restartWrites)
	}
	second.stop(b)
	discardAccount(b, ns)
}

// heapInUse is the process's live heap after a collection.
func heapInUse() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapInuse)
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
			failed := false
			for i := range next {
				if failed {
					continue // drain, so the sender never blocks
				}
				if err := do(i); err != nil {
					errs <- err
					failed = true
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
	NewWithT(b).Eventually(check).WithTimeout(limit).WithPolling(250*time.Millisecond).Should(Succeed(), what)
}
