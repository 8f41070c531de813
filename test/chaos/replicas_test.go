//go:build chaos

package chaos

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/smtpcatcher"
)

var (
	flagReplicas    = flag.Int("replicas", 3, "manager replicas of the high-availability run")
	flagLeaderKills = flag.Int("leader-kills", 4, "times the high-availability run SIGKILLs the leader")
)

// The high-availability run's lease: short, so that the run sees several
// failovers in a minute, and long enough that a leader on a busy 2-core
// machine keeps renewing (a leader that misses its renew deadline exits,
// which the run counts as a failure).
var haLease = leaseTimes{duration: 6 * time.Second, renewDeadline: 4 * time.Second, retryPeriod: time.Second}

// reconcileAllowance is "one reconcile" of the failover bound: the new
// leader starts its controllers on a warm cache, and its first pass over a
// new user comes after the initial pass over every object of the run.
const reconcileAllowance = 5 * time.Second

// scrapeSlack covers polling the replicas' metrics for the new leader.
const scrapeSlack = time.Second

// failover is one SIGKILL of the leader, measured from the kill.
type failover struct {
	from, to int
	// elected is when another replica said it holds the lease.
	elected time.Duration
	// reconciled is when a user created right after the kill got its
	// first status from the new leader.
	reconciled time.Duration
	err        error
}

// TestLeaderKilledAgainAndAgain runs the manager as replicas with leader
// election on, SIGKILLs the leader again and again while the workload of
// TestKillsAndOutages runs and people accept invitations and log in
// through every replica, and checks that nobody noticed: the invariants of
// the single-manager run, no failed self-service request, and every
// failover within the lease time plus one reconcile.
func TestLeaderKilledAgainAndAgain(t *testing.T) {
	seed := *flagSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	sz := sizes{users: *flagUsers, transactions: *flagTransactions, kills: *flagLeaderKills, accounts: *flagAccounts}
	t.Logf("seed %d (replay with -seed=%d): %d replicas, %d users in %d accounts, %d transactions, %d leader kills; lease %s, renew deadline %s, retry period %s",
		seed, seed, *flagReplicas, sz.users, sz.accounts, sz.transactions, sz.kills, haLease.duration, haLease.renewDeadline, haLease.retryPeriod)
	steps := plan(seed, sz)
	ctx := context.Background()

	smtp, err := smtpcatcher.Start("127.0.0.1:0", smtpcatcher.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = smtp.Close() })
	f := newFleet(t, smtp, *flagReplicas, haLease)
	t.Cleanup(func() {
		if t.Failed() {
			if log, err := f.logText(); err == nil {
				t.Logf("--- replicas' log (last 200 lines) ---\n%s", tail(log, 200))
			}
		}
	})
	if err := f.startAll(ctx); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.waitLeader(ctx, startTimeout); err != nil {
		t.Fatal(err)
	}

	accounts := createAccounts(t, sz.accounts)
	// Failover probes live in an account of their own, out of the checks.
	probes := createAccounts(t, 1)[0]
	urls := make([]string, 0, len(f.replicas))
	for _, r := range f.replicas {
		urls = append(urls, "http://"+r.selfServiceAddr)
	}
	people := startSignInClient(ctx, urls, accounts, smtp)
	t.Cleanup(func() { people.stop() })

	var failovers []failover
	var measuring chan failover
	killLeader := func() error {
		// The previous failover is over before the next kill: there is a
		// leader to kill.
		if measuring != nil {
			failovers = append(failovers, <-measuring)
		}
		leader, _, err := f.waitLeader(ctx, startTimeout)
		if err != nil {
			return err
		}
		measuring = make(chan failover, 1)
		go func(result chan<- failover) { result <- f.failover(ctx, leader, probes, len(failovers)) }(measuring)
		return nil
	}
	w := newWorkload(ctx, accounts, killLeader, smtp)
	began := time.Now()
	if err := w.run(steps); err != nil {
		t.Fatalf("workload: %v", err)
	}
	if measuring != nil {
		failovers = append(failovers, <-measuring)
	}
	t.Logf("workload done in %s: %d leader kills, %d cancels (%d refused as no longer the latest, %d found nothing to cancel)",
		time.Since(began).Round(time.Second), w.tally.kills, w.tally.cancels, w.tally.cancelsRefused, w.tally.nothingToCancel)

	if _, err := waitSettled(ctx, accounts, len(w.users), *flagSettle); err != nil {
		t.Fatal(err)
	}
	// The people accept what is still waiting, then stop.
	waitAccepted(t, ctx, accounts)
	seen := people.stop()
	st, err := waitSettled(ctx, accounts, len(w.users), *flagSettle)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("settled %s after the workload began", time.Since(began).Round(time.Second))

	checkFailovers(t, failovers, sz.kills)
	t.Logf("people: %d invitations accepted, %d logins; retried answers %v", seen.accepts, seen.logins, seen.retried)
	report(t, "self-service requests", seen.failed)
	report(t, "acceptances", notVerified(st, people.accepted))
	if seen.accepts == 0 || seen.logins == 0 {
		t.Errorf("the people accepted %d invitations and logged in %d times: the run proves nothing of the self-service API", seen.accepts, seen.logins)
	}
	report(t, "replicas", f.exitedOnItsOwn())

	ledgerFig, problems := checkLedgers(st, w)
	report(t, "ledger", problems)
	mailFig, problems := checkMail(ctx, st, smtp)
	report(t, "invitations", problems)
	t.Logf("ledger: %d transactions created, %d applied, %d rejected for want of funds, %d cancelled",
		len(w.txs), ledgerFig.applied, ledgerFig.rejected, w.tally.cancels)
	t.Logf("mail: %d messages, %d distinct invitations for %d users, %d duplicate copies, %d lost",
		mailFig.messages, mailFig.invitations, len(st.users), mailFig.duplicateCopies, mailFig.lost)
	checkLogHasNoSecrets(t, f, mailFig.tokens)
}

// failover SIGKILLs the leader, creates a probe user at once, starts a new
// process in the dead replica's place (as a Deployment does) and measures
// until another replica leads and has reconciled the probe.
func (f *fleet) failover(ctx context.Context, leader *replica, probes string, n int) failover {
	fo := failover{from: leader.id}
	killed := time.Now()
	if fo.err = f.kill(leader); fo.err != nil {
		return fo
	}
	probe := &iamv1alpha1.User{
		ObjectMeta: metav1.ObjectMeta{Namespace: probes, Name: fmt.Sprintf("probe-%02d", n)},
		Spec:       iamv1alpha1.UserSpec{FullName: "Failover Probe", Email: fmt.Sprintf("probe-%02d@%s.chaos.example", n, probes)},
	}
	if fo.err = retryWrites(ctx, func() error { return admin.Create(ctx, probe.DeepCopy()) }); fo.err != nil {
		return fo
	}
	if fo.err = f.start(leader); fo.err != nil {
		return fo
	}
	bound := f.lease.failoverTime() + reconcileAllowance + time.Minute
	next, elected, err := f.waitLeader(ctx, bound)
	if err != nil {
		fo.err = err
		return fo
	}
	fo.to, fo.elected = next.id, elected.Sub(killed)
	fo.err = wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, bound, true, func(ctx context.Context) (bool, error) {
		live := &iamv1alpha1.User{}
		if err := admin.Get(ctx, client.ObjectKeyFromObject(probe), live); err != nil {
			return false, nil
		}
		return live.Status.Phase != "", nil
	})
	fo.reconciled = time.Since(killed)
	return fo
}

// checkFailovers holds every failover to its bound: the lease runs out, a
// replica takes it, and its first reconcile follows.
func checkFailovers(t *testing.T, failovers []failover, kills int) {
	t.Helper()
	if len(failovers) != kills {
		t.Errorf("%d failovers measured, %d leader kills planned", len(failovers), kills)
	}
	electBound := haLease.failoverTime() + scrapeSlack
	reconcileBound := haLease.failoverTime() + reconcileAllowance
	elected, reconciled := make([]time.Duration, 0, len(failovers)), make([]time.Duration, 0, len(failovers))
	for i, fo := range failovers {
		switch {
		case fo.err != nil:
			t.Errorf("failover %d (replica %d killed): %v", i+1, fo.from, fo.err)
			continue
		case fo.elected > electBound:
			t.Errorf("failover %d: replica %d led %s after replica %d was killed; the lease allows %s", i+1, fo.to, fo.elected.Round(time.Millisecond), fo.from, electBound)
		case fo.reconciled > reconcileBound:
			t.Errorf("failover %d: the first reconcile came %s after the kill; the bound is %s (lease, retry and one reconcile)", i+1, fo.reconciled.Round(time.Millisecond), reconcileBound)
		}
		elected, reconciled = append(elected, fo.elected), append(reconciled, fo.reconciled)
		t.Logf("failover %d: replica %d killed, replica %d led after %s, reconciled a new user after %s", i+1, fo.from, fo.to,
			fo.elected.Round(time.Millisecond), fo.reconciled.Round(time.Millisecond))
	}
	if len(elected) > 0 {
		slices.Sort(elected)
		slices.Sort(reconciled)
		t.Logf("failover: elected after %s (median) to %s (max), reconciled after %s to %s; bounds %s and %s",
			elected[len(elected)/2].Round(time.Millisecond), elected[len(elected)-1].Round(time.Millisecond),
			reconciled[len(reconciled)/2].Round(time.Millisecond), reconciled[len(reconciled)-1].Round(time.Millisecond),
			electBound, reconcileBound)
	}
}

// waitAccepted waits while the people accept every invitation still
// waiting.
func waitAccepted(t *testing.T, ctx context.Context, accounts []string) {
	t.Helper()
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		st, err := readState(ctx, accounts)
		if err != nil {
			return false, err
		}
		for _, u := range st.users {
			if !u.Status.EmailVerified {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		t.Errorf("not every invitation was accepted: %v", err)
	}
}
