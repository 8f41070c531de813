package ledger

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

func TestPlanLedger(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	deleted := metav1.NewTime(now)
	created := func(sec int) metav1.Time { return metav1.NewTime(now.Add(time.Duration(sec) * time.Second)) }
	tx := func(name string, sec int, kind iamv1alpha1.TransactionType, amount string) iamv1alpha1.BalanceTransaction {
		return iamv1alpha1.BalanceTransaction{
			ObjectMeta: metav1.ObjectMeta{Name: name, UID: types.UID(name), CreationTimestamp: created(sec)},
			Spec:       iamv1alpha1.BalanceTransactionSpec{User: "alice", Type: kind, Amount: amount, Currency: "USD"},
		}
	}
	applied := func(t iamv1alpha1.BalanceTransaction, seq int64) iamv1alpha1.BalanceTransaction {
		t.Status.Phase, t.Status.Sequence = iamv1alpha1.TransactionApplied, seq
		t.Finalizers = []string{iamv1alpha1.TransactionFinalizer}
		return t
	}
	deleting := func(t iamv1alpha1.BalanceTransaction) iamv1alpha1.BalanceTransaction {
		t.DeletionTimestamp = &deleted
		return t
	}
	user := func(b *iamv1alpha1.BalanceStatus) *iamv1alpha1.User {
		return &iamv1alpha1.User{ObjectMeta: metav1.ObjectMeta{Name: "alice", UID: "alice-uid"}, Status: iamv1alpha1.UserStatus{Balance: b}}
	}
	// A ledger with two refills applied: 10.00 (seq 1) and 2.50 (seq 2).
	two := &iamv1alpha1.BalanceStatus{Amount: "12.50", Currency: "USD", Count: 2, LatestSequence: 2, LatestTransaction: "b", LatestUID: "b", LastSequence: 2}
	a := applied(tx("a", 1, iamv1alpha1.TransactionRefill, "10.00"), 1)
	b := applied(tx("b", 2, iamv1alpha1.TransactionRefill, "2.50"), 2)

	tests := []struct {
		name        string
		user        *iamv1alpha1.User
		txs         []iamv1alpha1.BalanceTransaction
		want        ledgerStepKind
		wantTx      string
		wantBalance string
		wantLatest  string
		wantReason  string
	}{
		{name: "an unopened ledger with nothing pending writes nothing", user: user(nil), want: stepIdle},
		{name: "a first transaction opens the ledger from zero", user: user(nil),
			txs:  []iamv1alpha1.BalanceTransaction{tx("c", 3, iamv1alpha1.TransactionRefill, "0.50")},
			want: stepApply, wantTx: "c", wantBalance: "0.50", wantLatest: "c"},
		{name: "nothing to do", user: user(two), txs: []iamv1alpha1.BalanceTransaction{a, b}, want: stepIdle},
		{name: "the oldest pending goes first", user: user(two),
			txs:  []iamv1alpha1.BalanceTransaction{a, b, tx("d", 4, iamv1alpha1.TransactionRefill, "1.00"), tx("c", 3, iamv1alpha1.TransactionRefill, "0.50")},
			want: stepApply, wantTx: "c", wantBalance: "13.00", wantLatest: "c"},
		{name: "same second: by name", user: user(two),
			txs:  []iamv1alpha1.BalanceTransaction{a, b, tx("y", 3, iamv1alpha1.TransactionRefill, "1.00"), tx("x", 3, iamv1alpha1.TransactionRefill, "1.00")},
			want: stepApply, wantTx: "x"},
		{name: "a committed apply is finished before anything else", user: user(&iamv1alpha1.BalanceStatus{Amount: "12.50", Currency: "USD", Count: 2, LatestSequence: 2, LatestUID: "b", LastSequence: 2}),
			txs:  []iamv1alpha1.BalanceTransaction{a, tx("b", 2, iamv1alpha1.TransactionRefill, "2.50"), tx("c", 3, iamv1alpha1.TransactionRefill, "1.00")},
			want: stepMarkApplied, wantTx: "b"},
		{name: "a charge within the balance applies", user: user(two),
			txs:  []iamv1alpha1.BalanceTransaction{a, b, tx("c", 3, iamv1alpha1.TransactionCharge, "12.50")},
			want: stepApply, wantBalance: "0.00"},
		{name: "a charge beyond the balance is rejected", user: user(two),
			txs:  []iamv1alpha1.BalanceTransaction{a, b, tx("c", 3, iamv1alpha1.TransactionCharge, "12.51")},
			want: stepReject, wantReason: iamv1alpha1.ReasonInsufficientFunds},
		{name: "another currency is rejected", user: user(two),
			txs:  []iamv1alpha1.BalanceTransaction{a, b, withCurrency(tx("c", 3, iamv1alpha1.TransactionRefill, "1.00"), "EUR")},
			want: stepReject, wantReason: iamv1alpha1.ReasonCurrencyMismatch},
		{name: "a reused idempotency key is rejected", user: user(two),
			txs:  []iamv1alpha1.BalanceTransaction{withKey(a, "k"), b, withKey(tx("c", 3, iamv1alpha1.TransactionRefill, "1.00"), "k")},
			want: stepReject, wantReason: iamv1alpha1.ReasonDuplicateKey},
		{name: "overflow is rejected, not wrapped", user: user(&iamv1alpha1.BalanceStatus{Amount: "92233720368547758.00", Currency: "USD"}),
			txs:  []iamv1alpha1.BalanceTransaction{tx("c", 3, iamv1alpha1.TransactionRefill, "1.00")},
			want: stepReject, wantReason: iamv1alpha1.ReasonOverflow},
		{name: "cancelling the latest reverts it and the previous becomes latest", user: user(two),
			txs:  []iamv1alpha1.BalanceTransaction{a, deleting(b)},
			want: stepCancel, wantTx: "b", wantBalance: "10.00", wantLatest: "a"},
		{name: "cancelling a charge gives the money back", user: user(&iamv1alpha1.BalanceStatus{Amount: "7.50", Currency: "USD", Count: 2, LatestSequence: 2, LatestUID: "b", LastSequence: 2}),
			txs:  []iamv1alpha1.BalanceTransaction{a, deleting(applied(tx("b", 2, iamv1alpha1.TransactionCharge, "2.50"), 2))},
			want: stepCancel, wantBalance: "10.00", wantLatest: "a"},
		{name: "all deleted at once (an account going away): the latest goes first, the previous is next", user: user(two),
			txs:  []iamv1alpha1.BalanceTransaction{deleting(a), deleting(b)},
			want: stepCancel, wantTx: "b", wantBalance: "10.00", wantLatest: "a"},
		{name: "all deleted at once: after the latest is released, the previous is cancelled",
			user: user(&iamv1alpha1.BalanceStatus{Amount: "10.00", Currency: "USD", Count: 1, LatestSequence: 1, LatestTransaction: "a", LatestUID: "a", LastSequence: 2, CancelledUID: "b"}),
			txs:  []iamv1alpha1.BalanceTransaction{deleting(a)},
			want: stepCancel, wantTx: "a", wantBalance: "0.00"},
		{name: "a committed cancel releases the transaction", user: user(&iamv1alpha1.BalanceStatus{Amount: "10.00", Currency: "USD", Count: 1, LatestSequence: 1, LatestUID: "a", LastSequence: 2, CancelledUID: "b"}),
			txs:  []iamv1alpha1.BalanceTransaction{a, deleting(b)},
			want: stepRelease, wantTx: "b"},
		{name: "an older applied transaction being deleted waits", user: user(two),
			txs:  []iamv1alpha1.BalanceTransaction{deleting(a), b},
			want: stepIdle},
		{name: "a pending transaction being deleted is released", user: user(two),
			txs:  []iamv1alpha1.BalanceTransaction{a, b, deleting(withFinalizer(tx("c", 3, iamv1alpha1.TransactionRefill, "1.00")))},
			want: stepRelease, wantTx: "c"},
		{name: "a deleted user takes its transactions", user: deletingUser(user(two), &deleted),
			txs:  []iamv1alpha1.BalanceTransaction{a, b},
			want: stepDiscard, wantTx: "a"},
		{name: "no user yet: wait", user: nil,
			txs:  []iamv1alpha1.BalanceTransaction{tx("c", -10, iamv1alpha1.TransactionRefill, "1.00")},
			want: stepWait, wantReason: iamv1alpha1.ReasonWaitingForUser},
		{name: "no user after the grace: rejected", user: nil,
			txs:  []iamv1alpha1.BalanceTransaction{tx("c", -120, iamv1alpha1.TransactionRefill, "1.00")},
			want: stepReject, wantReason: iamv1alpha1.ReasonUserNotFound},
		{name: "a user gone without notice: its adopted transactions go too", user: nil,
			txs:  []iamv1alpha1.BalanceTransaction{ownedBy(a, "alice")},
			want: stepDiscard, wantTx: "a"},
		// A cancel of the latest admitted (and recorded on the user) whose
		// deletion the ledger does not see yet: nothing new moves the
		// balance until it is carried out.
		{name: "an admitted cancel holds a new transaction back", user: user(cancelRequested(two, "b", now.Add(-time.Second))),
			txs:  []iamv1alpha1.BalanceTransaction{a, b, tx("c", 3, iamv1alpha1.TransactionRefill, "5.00")},
			want: stepHold},
		{name: "an admitted cancel holds a charge back too: the balance is about to shrink", user: user(cancelRequested(two, "b", now.Add(-time.Second))),
			txs:  []iamv1alpha1.BalanceTransaction{a, b, tx("c", 3, iamv1alpha1.TransactionCharge, "12.00")},
			want: stepHold},
		{name: "an admitted cancel whose deletion is seen is carried out before the newer transaction", user: user(cancelRequested(two, "b", now.Add(-time.Second))),
			txs:  []iamv1alpha1.BalanceTransaction{a, deleting(b), tx("c", 3, iamv1alpha1.TransactionRefill, "5.00")},
			want: stepCancel, wantTx: "b", wantBalance: "10.00", wantLatest: "a"},
		{name: "the deletion of the latest is carried out first even unrecorded", user: user(two),
			txs:  []iamv1alpha1.BalanceTransaction{a, deleting(b), tx("c", 3, iamv1alpha1.TransactionRefill, "5.00")},
			want: stepCancel, wantTx: "b", wantBalance: "10.00", wantLatest: "a"},
		{name: "after the cancel, the newer transaction applies on the walked-back balance",
			user: user(&iamv1alpha1.BalanceStatus{Amount: "10.00", Currency: "USD", Count: 1, LatestSequence: 1, LatestTransaction: "a", LatestUID: "a", LastSequence: 2, CancelledUID: "b"}),
			txs:  []iamv1alpha1.BalanceTransaction{a, tx("c", 3, iamv1alpha1.TransactionRefill, "5.00")},
			want: stepApply, wantTx: "c", wantBalance: "15.00", wantLatest: "c"},
		{name: "a cancel never stored holds nothing once the window is over", user: user(cancelRequested(two, "b", now.Add(-cancelRequestWindow))),
			txs:  []iamv1alpha1.BalanceTransaction{a, b, tx("c", 3, iamv1alpha1.TransactionRefill, "5.00")},
			want: stepApply, wantTx: "c", wantBalance: "17.50", wantLatest: "c"},
		{name: "a request for a transaction that is no longer the latest holds nothing", user: user(cancelRequested(two, "a", now.Add(-time.Second))),
			txs:  []iamv1alpha1.BalanceTransaction{a, b, tx("c", 3, iamv1alpha1.TransactionRefill, "5.00")},
			want: stepApply, wantTx: "c"},
		{name: "an admitted cancel does not hold a committed apply from being finished",
			user: user(cancelRequested(&iamv1alpha1.BalanceStatus{Amount: "12.50", Currency: "USD", Count: 2, LatestSequence: 2, LatestTransaction: "b", LatestUID: "b", LastSequence: 2}, "b", now)),
			txs:  []iamv1alpha1.BalanceTransaction{a, tx("b", 2, iamv1alpha1.TransactionRefill, "2.50"), tx("c", 3, iamv1alpha1.TransactionRefill, "1.00")},
			want: stepMarkApplied, wantTx: "b"},
		{name: "an admitted cancel of a committed transaction not yet marked applied is carried out",
			user: user(cancelRequested(&iamv1alpha1.BalanceStatus{Amount: "12.50", Currency: "USD", Count: 2, LatestSequence: 2, LatestTransaction: "b", LatestUID: "b", LastSequence: 2}, "b", now)),
			txs:  []iamv1alpha1.BalanceTransaction{a, deleting(withFinalizer(tx("b", 2, iamv1alpha1.TransactionRefill, "2.50"))), tx("c", 3, iamv1alpha1.TransactionRefill, "1.00")},
			want: stepCancel, wantTx: "b", wantBalance: "10.00", wantLatest: "a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := planLedger(ledgerInputs{now: now, user: tt.user, transactions: tt.txs, defaultCurrency: "USD", userGrace: time.Minute})
			if got.kind != tt.want {
				t.Fatalf("step = %d, want %d (%s)", got.kind, tt.want, got.message)
			}
			if tt.wantTx != "" && (got.tx == nil || got.tx.Name != tt.wantTx) {
				t.Errorf("transaction = %v, want %s", got.tx, tt.wantTx)
			}
			if tt.wantBalance != "" && got.balance.Amount != tt.wantBalance {
				t.Errorf("balance = %s, want %s", got.balance.Amount, tt.wantBalance)
			}
			if tt.wantLatest != "" && got.balance.LatestTransaction != tt.wantLatest {
				t.Errorf("latest = %s, want %s", got.balance.LatestTransaction, tt.wantLatest)
			}
			if tt.wantReason != "" && got.reason != tt.wantReason {
				t.Errorf("reason = %s, want %s", got.reason, tt.wantReason)
			}
		})
	}
}

func TestPlanApplyNumbersSequencesWithoutReuse(t *testing.T) {
	// After a cancel, lastSequence stays, so the next transaction gets a new
	// number rather than the cancelled one's.
	balance := iamv1alpha1.BalanceStatus{Amount: "10.00", Currency: "USD", Count: 1, LatestSequence: 1, LatestUID: "a", LastSequence: 2}
	next := iamv1alpha1.BalanceTransaction{
		ObjectMeta: metav1.ObjectMeta{Name: "c", UID: "c"},
		Spec:       iamv1alpha1.BalanceTransactionSpec{Type: iamv1alpha1.TransactionRefill, Amount: "1", Currency: "USD"},
	}
	got := planApply(&next, balance, nil)
	if got.balance.LatestSequence != 3 || got.balance.LastSequence != 3 || got.balance.Count != 2 || got.balance.Amount != "11.00" {
		t.Errorf("balance after apply = %+v", got.balance)
	}
}

func withCurrency(t iamv1alpha1.BalanceTransaction, c string) iamv1alpha1.BalanceTransaction {
	t.Spec.Currency = c
	return t
}

func withKey(t iamv1alpha1.BalanceTransaction, k string) iamv1alpha1.BalanceTransaction {
	t.Spec.IdempotencyKey = k
	return t
}

func withFinalizer(t iamv1alpha1.BalanceTransaction) iamv1alpha1.BalanceTransaction {
	t.Finalizers = []string{iamv1alpha1.TransactionFinalizer}
	return t
}

func ownedBy(t iamv1alpha1.BalanceTransaction, user string) iamv1alpha1.BalanceTransaction {
	t.OwnerReferences = []metav1.OwnerReference{{Kind: "User", Name: user, UID: "old-uid", APIVersion: iamv1alpha1.GroupVersion.String()}}
	return t
}

func deletingUser(u *iamv1alpha1.User, at *metav1.Time) *iamv1alpha1.User {
	u.DeletionTimestamp = at
	return u
}
