//go:build chaos

package chaos

import (
	"fmt"
	"sort"

	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/ledger"
)

// ledgerFigures are the run's balance movements, for the report.
type ledgerFigures struct {
	applied, rejected int
}

// checkLedgers holds every ledger to what the workload did: exactly the
// transactions created and not cancelled exist; each user's balance is its
// applied refills minus its applied charges, to the cent; sequences are
// unique and follow creation order; every balanceAfter chains from the one
// before; only charges are ever rejected, and only for want of funds.
func checkLedgers(st state, w *workload) (ledgerFigures, []string) {
	var fig ledgerFigures
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	exists := map[client.ObjectKey]bool{}
	byUser := map[client.ObjectKey][]iamv1alpha1.BalanceTransaction{}
	for _, tx := range st.txs {
		key := client.ObjectKeyFromObject(&tx)
		exists[key] = true
		i, ok := w.txByName[key]
		if !ok {
			bad("transaction %s exists but the workload never created it", key)
			continue
		}
		rec := w.txs[i]
		if rec.cancelled {
			bad("transaction %s was cancelled (deleted) but still exists", key)
		}
		if want := (ledger.Amount{Minor: rec.minor, Currency: currency}).String(); tx.Spec.Amount != want {
			bad("transaction %s: amount %s, created as %s", key, tx.Spec.Amount, want)
		}
		userKey := client.ObjectKey{Namespace: tx.Namespace, Name: tx.Spec.User}
		byUser[userKey] = append(byUser[userKey], tx)
		switch tx.Status.Phase {
		case iamv1alpha1.TransactionApplied:
			fig.applied++
		case iamv1alpha1.TransactionRejected:
			fig.rejected++
			ready := meta.FindStatusCondition(tx.Status.Conditions, iamv1alpha1.ReadyCondition)
			if tx.Spec.Type != iamv1alpha1.TransactionCharge || ready == nil || ready.Reason != iamv1alpha1.ReasonInsufficientFunds {
				bad("transaction %s (%s) rejected: %s", key, tx.Spec.Type, conditionText(ready))
			}
		}
	}
	for _, rec := range w.txs {
		if !rec.cancelled && !exists[rec.key] {
			bad("transaction %s was created, never cancelled, and is gone", rec.key)
		}
	}
	for _, u := range st.users {
		key := client.ObjectKeyFromObject(&u)
		problems = append(problems, checkUserLedger(key, u.Status.Balance, byUser[key])...)
	}
	return fig, problems
}

// checkUserLedger replays one user's applied transactions in sequence
// order and compares every step with what the ledger recorded.
func checkUserLedger(user client.ObjectKey, balance *iamv1alpha1.BalanceStatus, txs []iamv1alpha1.BalanceTransaction) []string {
	var problems []string
	bad := func(format string, args ...any) {
		problems = append(problems, fmt.Sprintf("user %s: ", user)+fmt.Sprintf(format, args...))
	}
	var applied []iamv1alpha1.BalanceTransaction
	for _, tx := range txs {
		if tx.Status.Phase == iamv1alpha1.TransactionApplied {
			applied = append(applied, tx)
		}
	}
	if balance == nil {
		if len(applied) > 0 {
			bad("no balance, %d applied transactions", len(applied))
		}
		return problems
	}

	// Creation order is the ledger's order: creationTimestamp, then name.
	sort.SliceStable(applied, func(i, j int) bool {
		a, b := applied[i].CreationTimestamp, applied[j].CreationTimestamp
		if !a.Equal(&b) {
			return a.Before(&b)
		}
		return applied[i].Name < applied[j].Name
	})
	var running, last int64
	for _, tx := range applied {
		if tx.Status.Sequence <= last {
			bad("transaction %s has sequence %d after sequence %d: not unique or not in creation order", tx.Name, tx.Status.Sequence, last)
		}
		last = tx.Status.Sequence
		amount, err := ledger.Parse(tx.Spec.Amount, currency)
		if err != nil {
			bad("transaction %s: %v", tx.Name, err)
			continue
		}
		if tx.Spec.Type == iamv1alpha1.TransactionCharge {
			running -= amount.Minor
		} else {
			running += amount.Minor
		}
		if running < 0 {
			bad("the balance went below zero at %s", tx.Name)
		}
		if after := (ledger.Amount{Minor: running, Currency: currency}).String(); tx.Status.BalanceAfter != after {
			bad("transaction %s (seq %d): balanceAfter %s, the applied transactions before it add up to %s",
				tx.Name, tx.Status.Sequence, tx.Status.BalanceAfter, after)
		}
	}
	got, err := ledger.Parse(balance.Amount, currency)
	switch {
	case err != nil:
		bad("balance %q: %v", balance.Amount, err)
	case got.Minor != running:
		bad("balance %s, applied refills minus applied charges are %s", balance.Amount, ledger.Amount{Minor: running, Currency: currency})
	}
	if balance.Count != int64(len(applied)) {
		bad("balance counts %d transactions, %d are applied", balance.Count, len(applied))
	}
	if len(applied) > 0 && balance.LatestSequence != last {
		bad("latest sequence %d, the last applied transaction has %d", balance.LatestSequence, last)
	}
	if balance.LastSequence < last {
		bad("last sequence %d is below the sequence %d given", balance.LastSequence, last)
	}
	return problems
}
