package console

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

func TestCancellable(t *testing.T) {
	t0 := time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC)
	tx := func(name string, seq int64, phase iamv1alpha1.TransactionPhase) iamv1alpha1.BalanceTransaction {
		x := iamv1alpha1.BalanceTransaction{Spec: iamv1alpha1.BalanceTransactionSpec{User: "alice"},
			Status: iamv1alpha1.BalanceTransactionStatus{Sequence: seq, Phase: phase}}
		x.Name, x.UID = name, types.UID(name+"-uid")
		x.CreationTimestamp = metav1.NewTime(t0.Add(time.Duration(seq) * time.Minute))
		return x
	}
	deleting := func(x iamv1alpha1.BalanceTransaction) iamv1alpha1.BalanceTransaction {
		x.DeletionTimestamp = &metav1.Time{Time: t0}
		return x
	}
	applied := iamv1alpha1.TransactionApplied
	three := []iamv1alpha1.BalanceTransaction{tx("a", 1, applied), tx("b", 2, applied), tx("c", 3, applied)}
	tests := []struct {
		name    string
		balance *iamv1alpha1.BalanceStatus
		txs     []iamv1alpha1.BalanceTransaction
		want    string
	}{
		{name: "no transactions", want: ""},
		{name: "the balance names the latest", balance: &iamv1alpha1.BalanceStatus{LatestUID: "c-uid"}, txs: three, want: "c"},
		{name: "once the latest is cancelled, the one before", balance: &iamv1alpha1.BalanceStatus{LatestUID: "b-uid"},
			txs: three[:2], want: "b"},
		{name: "while a cancel is under way, none", txs: three,
			balance: &iamv1alpha1.BalanceStatus{LatestUID: "c-uid", CancelRequest: &iamv1alpha1.CancelRequest{UID: "c-uid"}}},
		{name: "the latest being deleted: none until the ledger moves on",
			balance: &iamv1alpha1.BalanceStatus{LatestUID: "c-uid"}, txs: []iamv1alpha1.BalanceTransaction{three[0], three[1], deleting(three[2])}},
		{name: "no balance recorded: the last applied by sequence, as the plugin picks it",
			txs: []iamv1alpha1.BalanceTransaction{three[0], three[1], tx("p", 0, iamv1alpha1.TransactionPending)}, want: "b"},
		{name: "a pending one the balance already names is the latest",
			balance: &iamv1alpha1.BalanceStatus{LatestUID: "p-uid"}, txs: []iamv1alpha1.BalanceTransaction{three[0], tx("p", 0, "")}, want: "p"},
		{name: "rejected ones are never cancellable",
			txs: []iamv1alpha1.BalanceTransaction{tx("r", 0, iamv1alpha1.TransactionRejected)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cancellable(tt.balance, userTransactions(tt.txs, "alice")); got != tt.want {
				t.Errorf("cancellable = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestUserTransactionsOrder(t *testing.T) {
	t0 := time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC)
	mk := func(name, user string, seq int64, at time.Duration) iamv1alpha1.BalanceTransaction {
		x := iamv1alpha1.BalanceTransaction{Spec: iamv1alpha1.BalanceTransactionSpec{User: user}, Status: iamv1alpha1.BalanceTransactionStatus{Sequence: seq}}
		x.Name, x.CreationTimestamp = name, metav1.NewTime(t0.Add(at))
		return x
	}
	got := userTransactions([]iamv1alpha1.BalanceTransaction{
		mk("pending-late", "alice", 0, 5*time.Minute), mk("two", "alice", 2, time.Minute), mk("bobs", "bob", 1, 0),
		mk("pending-early", "alice", 0, 4*time.Minute), mk("one", "alice", 1, 2*time.Minute),
	}, "alice")
	names := make([]string, 0, len(got))
	for _, x := range got {
		names = append(names, x.Name)
	}
	want := []string{"one", "two", "pending-early", "pending-late"}
	if len(names) != len(want) {
		t.Fatalf("order %v, want %v", names, want)
	}
	for i := range want {
		if names[i] != want[i] {
			t.Fatalf("order %v, want %v", names, want)
		}
	}
	views := transactionViews(got, "two")
	if views[0].Name != "pending-late" || !views[2].Cancellable || views[3].Cancellable {
		t.Errorf("views newest first with two cancellable: %+v", views)
	}
}

func TestChangeViewsNewestFirst(t *testing.T) {
	t0 := time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC)
	mk := func(seq int64, at time.Duration, action iamv1alpha1.UserChangeAction, r iamv1alpha1.Requester) iamv1alpha1.UserChange {
		return iamv1alpha1.UserChange{Spec: iamv1alpha1.UserChangeSpec{Sequence: seq, Time: metav1.NewMicroTime(t0.Add(at)), Action: action, Requester: r}}
	}
	views := changeViews([]iamv1alpha1.UserChange{
		mk(1, 0, iamv1alpha1.ChangeCreated, iamv1alpha1.Requester{Username: "tenantry:olivia@acme.example"}),
		mk(3, time.Second, iamv1alpha1.ChangeRoleChanged, iamv1alpha1.Requester{Username: "tenantry:bob@acme.example", Actor: "olivia@acme.example"}),
		mk(2, time.Second, iamv1alpha1.ChangeDisabled, iamv1alpha1.Requester{}),
	})
	got := []string{views[0].What, views[1].What, views[2].What}
	want := []string{"Role changed", "Disabled", "Created"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("order %v, want %v", got, want)
		}
	}
	if views[0].By != "tenantry:bob@acme.example (acted for by olivia@acme.example)" || views[1].By != "—" {
		t.Errorf("by: %q, %q", views[0].By, views[1].By)
	}
}
