//go:build chaos

package chaos

import (
	"math/rand/v2"
	"reflect"
	"testing"
)

// stepKind is one thing the workload does.
type stepKind int

const (
	stepCreateUser stepKind = iota
	stepCreateTransaction
	// stepCancel deletes the user's latest applied transaction, as
	// `kubectl delete balancetransaction <latest>` does.
	stepCancel
	// stepKill SIGKILLs the manager and starts a new one.
	stepKill
	stepSMTPDown
	stepSMTPUp
)

func (k stepKind) String() string {
	return [...]string{"create-user", "create-transaction", "cancel", "kill", "smtp-down", "smtp-up"}[k]
}

// step is one entry of the schedule. Users and transactions are numbered
// in the order they are created, so their names sort in creation order.
type step struct {
	kind stepKind
	// user is the user created, charged or cancelled (stepCreateUser,
	// stepCreateTransaction, stepCancel).
	user int
	// tx is the transaction created (stepCreateTransaction).
	tx     int
	charge bool
	// minor is the amount in cents.
	minor int64
}

// sizes are the workload's dimensions, from the flags.
type sizes struct {
	users, transactions, kills, accounts, outages int
}

// cancelEvery is how often, among balance steps, a cancel comes instead of
// a new transaction (one in cancelEvery).
const cancelEvery = 8

// plan draws the workload from the seed: the same seed and sizes give the
// same schedule, so a failing run can be replayed with -seed. The timing
// of the steps against the manager's work is not replayed: that is what a
// kill test is about.
func plan(seed uint64, sz sizes) []step {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	var work []step
	created := 0
	// Every account's first user comes first, so each account has its
	// owner before its other users arrive.
	for ; created < min(sz.accounts, sz.users); created++ {
		work = append(work, step{kind: stepCreateUser, user: created})
	}
	txs := 0
	for created < sz.users || txs < sz.transactions {
		usersLeft, txsLeft := sz.users-created, sz.transactions-txs
		switch {
		case usersLeft > 0 && (created == 0 || rng.IntN(usersLeft+txsLeft) < usersLeft):
			work = append(work, step{kind: stepCreateUser, user: created})
			created++
		case rng.IntN(cancelEvery) == 0:
			work = append(work, step{kind: stepCancel, user: rng.IntN(created)})
		default:
			// Refills outnumber charges, so most charges find the money
			// and a few are rejected for want of it.
			charge := rng.IntN(5) < 2
			minor := int64(100 + rng.IntN(50_000))
			if charge {
				minor = int64(100 + rng.IntN(20_000))
			}
			work = append(work, step{kind: stepCreateTransaction, user: rng.IntN(created), tx: txs, charge: charge, minor: minor})
			txs++
		}
	}
	return disrupt(rng, work, sz)
}

// disrupt inserts the kills and the SMTP outages into the workload. Each
// outage has a kill inside it when there are kills enough: a kill while
// failed invitations wait to be retried is what used to lose them.
func disrupt(rng *rand.Rand, work []step, sz sizes) []step {
	at := map[int][]step{} // steps to insert before work[i]
	n := len(work)
	kills := sz.kills
	for range sz.outages {
		start := rng.IntN(n/2 + 1)
		end := min(n, start+n/4+1)
		at[start] = append(at[start], step{kind: stepSMTPDown})
		if kills > 0 {
			at[start+(end-start)/2] = append(at[start+(end-start)/2], step{kind: stepKill})
			kills--
		}
		at[end] = append(at[end], step{kind: stepSMTPUp})
	}
	for range kills {
		i := rng.IntN(n + 1)
		at[i] = append(at[i], step{kind: stepKill})
	}
	out := make([]step, 0, n+sz.kills+2*sz.outages)
	for i := 0; i <= n; i++ {
		out = append(out, at[i]...)
		if i < n {
			out = append(out, work[i])
		}
	}
	return out
}

func count(steps []step, kind stepKind) int {
	n := 0
	for _, s := range steps {
		if s.kind == kind {
			n++
		}
	}
	return n
}

func TestPlanIsReplayableAndComplete(t *testing.T) {
	sz := sizes{users: 30, transactions: 150, kills: 4, accounts: 3, outages: 1}
	a, b := plan(42, sz), plan(42, sz)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the same seed gave two schedules")
	}
	if reflect.DeepEqual(a, plan(43, sz)) {
		t.Error("two seeds gave the same schedule")
	}
	for kind, want := range map[stepKind]int{stepCreateUser: 30, stepCreateTransaction: 150, stepKill: 4, stepSMTPDown: 1, stepSMTPUp: 1} {
		if got := count(a, kind); got != want {
			t.Errorf("%d %s steps, want %d", got, kind, want)
		}
	}
	created := map[int]bool{}
	down := false
	killedWhileDown := false
	for i, s := range a {
		switch s.kind {
		case stepCreateUser:
			created[s.user] = true
		case stepCreateTransaction, stepCancel:
			if !created[s.user] {
				t.Fatalf("step %d (%s) names user %d before it is created", i, s.kind, s.user)
			}
		case stepSMTPDown:
			down = true
		case stepSMTPUp:
			down = false
		case stepKill:
			killedWhileDown = killedWhileDown || down
		}
	}
	if !killedWhileDown {
		t.Error("no kill during the SMTP outage")
	}
}
