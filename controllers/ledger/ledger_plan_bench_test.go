package ledger

import (
	"fmt"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// BenchmarkPlanLedger measures one ledger decision for a user with a long
// history: every pass reads and orders all of the user's transactions.
func BenchmarkPlanLedger(b *testing.B) {
	for _, n := range []int{10, 1000, 10000} {
		b.Run(fmt.Sprintf("applied=%d", n), func(b *testing.B) {
			start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			txs := make([]iamv1alpha1.BalanceTransaction, 0, n+1)
			for i := range n + 1 {
				tx := iamv1alpha1.BalanceTransaction{
					ObjectMeta: metav1.ObjectMeta{
						Name: fmt.Sprintf("refill-%05d", i), UID: types.UID(fmt.Sprint(i)),
						CreationTimestamp: metav1.NewTime(start.Add(time.Duration(i) * time.Second)),
					},
					Spec: iamv1alpha1.BalanceTransactionSpec{User: "alice", Type: iamv1alpha1.TransactionRefill, Amount: "1.00", Currency: "USD"},
				}
				if i < n {
					tx.Status.Phase, tx.Status.Sequence = iamv1alpha1.TransactionApplied, int64(i+1)
				}
				txs = append(txs, tx)
			}
			last := txs[n-1]
			user := &iamv1alpha1.User{Status: iamv1alpha1.UserStatus{Balance: &iamv1alpha1.BalanceStatus{
				Amount: fmt.Sprintf("%d.00", n), Currency: "USD", Count: int64(n),
				LatestSequence: int64(n), LatestTransaction: last.Name, LatestUID: last.UID, LastSequence: int64(n),
			}}}
			in := ledgerInputs{now: start, user: user, transactions: txs, defaultCurrency: "USD", userGrace: time.Minute}
			if step := planLedger(in); step.kind != stepApply || step.tx.Name != txs[n].Name {
				b.Fatalf("want the pending transaction applied, got step %d", step.kind)
			}
			for b.Loop() {
				planLedger(in)
			}
		})
	}
}
