package ledger

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// cancelRequested returns a copy of b with a cancel of uid admitted at.
func cancelRequested(b *iamv1alpha1.BalanceStatus, uid string, at time.Time) *iamv1alpha1.BalanceStatus {
	out := b.DeepCopy()
	out.CancelRequest = &iamv1alpha1.CancelRequest{UID: types.UID(uid), Transaction: uid, AdmittedTime: metav1.NewTime(at)}
	return out
}

func TestPlanHold(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	latest := iamv1alpha1.BalanceStatus{Amount: "12.50", Currency: "USD", Count: 2, LatestSequence: 2, LatestTransaction: "b", LatestUID: "b", LastSequence: 2}
	tests := []struct {
		name      string
		balance   iamv1alpha1.BalanceStatus
		wantHold  bool
		wantAfter time.Duration
	}{
		{"no request", latest, false, 0},
		{"a request for the latest holds for the rest of the window", *cancelRequested(&latest, "b", now.Add(-10*time.Second)), true, cancelRequestWindow - 10*time.Second},
		{"a request admitted just now holds for the whole window", *cancelRequested(&latest, "b", now), true, cancelRequestWindow},
		{"a request past the window holds nothing", *cancelRequested(&latest, "b", now.Add(-cancelRequestWindow-time.Second)), false, 0},
		{"a request for another transaction holds nothing", *cancelRequested(&latest, "a", now), false, 0},
		{"a request without a latest holds nothing", *cancelRequested(&iamv1alpha1.BalanceStatus{Amount: "0.00", Currency: "USD"}, "", now), false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			step, hold := planHold(now, tt.balance)
			if hold != tt.wantHold {
				t.Fatalf("hold = %v, want %v", hold, tt.wantHold)
			}
			if hold && (step.kind != stepHold || step.after != tt.wantAfter) {
				t.Errorf("step = %d after %s, want a hold of %s", step.kind, step.after, tt.wantAfter)
			}
		})
	}
}

// The balance writes that end a cancel request's life clear it, so that a
// request never outlives the latest transaction it was about.
func TestBalanceWritesClearTheCancelRequest(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	two := &iamv1alpha1.BalanceStatus{Amount: "12.50", Currency: "USD", Count: 2, LatestSequence: 2, LatestTransaction: "b", LatestUID: "b", LastSequence: 2}
	tx := func(name string, sec int, seq int64, phase iamv1alpha1.TransactionPhase) iamv1alpha1.BalanceTransaction {
		return iamv1alpha1.BalanceTransaction{
			ObjectMeta: metav1.ObjectMeta{Name: name, UID: types.UID(name), CreationTimestamp: metav1.NewTime(now.Add(time.Duration(sec) * time.Second))},
			Spec:       iamv1alpha1.BalanceTransactionSpec{User: "alice", Type: iamv1alpha1.TransactionRefill, Amount: "1.00", Currency: "USD"},
			Status:     iamv1alpha1.BalanceTransactionStatus{Phase: phase, Sequence: seq},
		}
	}
	deleted := metav1.NewTime(now)
	b := tx("b", 2, 2, iamv1alpha1.TransactionApplied)
	b.DeletionTimestamp = &deleted
	b.Finalizers = []string{iamv1alpha1.TransactionFinalizer}
	user := func(balance *iamv1alpha1.BalanceStatus) *iamv1alpha1.User {
		return &iamv1alpha1.User{ObjectMeta: metav1.ObjectMeta{Name: "alice"}, Status: iamv1alpha1.UserStatus{Balance: balance}}
	}

	cancel := planLedger(ledgerInputs{now: now, user: user(cancelRequested(two, "b", now)), defaultCurrency: "USD",
		transactions: []iamv1alpha1.BalanceTransaction{tx("a", 1, 1, iamv1alpha1.TransactionApplied), b}})
	if cancel.kind != stepCancel || cancel.balance.CancelRequest != nil {
		t.Errorf("cancel: step %d, request %+v; want a cancel that clears the request", cancel.kind, cancel.balance.CancelRequest)
	}
	stale := planLedger(ledgerInputs{now: now, user: user(cancelRequested(two, "b", now.Add(-cancelRequestWindow))), defaultCurrency: "USD",
		transactions: []iamv1alpha1.BalanceTransaction{tx("a", 1, 1, iamv1alpha1.TransactionApplied), tx("b", 2, 2, iamv1alpha1.TransactionApplied), tx("c", 3, 0, "")}})
	if stale.kind != stepApply || stale.balance.CancelRequest != nil {
		t.Errorf("apply past a stale request: step %d, request %+v; want an apply that clears it", stale.kind, stale.balance.CancelRequest)
	}
}
