package console

import (
	"cmp"
	"slices"
	"time"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// userTransactions are the user's transactions, oldest first, as the
// kubectl plugin orders them: those the ledger numbered by sequence, then
// the rest by creation.
func userTransactions(all []iamv1alpha1.BalanceTransaction, user string) []iamv1alpha1.BalanceTransaction {
	var txs []iamv1alpha1.BalanceTransaction
	for _, tx := range all {
		if tx.Spec.User == user {
			txs = append(txs, tx)
		}
	}
	slices.SortStableFunc(txs, func(a, b iamv1alpha1.BalanceTransaction) int {
		as, bs := a.Status.Sequence, b.Status.Sequence
		if (as == 0) != (bs == 0) {
			if as != 0 {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(as, bs), a.CreationTimestamp.Compare(b.CreationTimestamp.Time))
	})
	return txs
}

// cancellable is the name of the one transaction that can be cancelled
// now, or "": the user's latest applied one, as a ledger allows, so that
// the balance is walked back one step at a time. The balance names it when
// the ledger has recorded one; otherwise it is the last applied one by
// sequence, as the kubectl plugin picks it. While a cancel is under way
// (admitted, or the transaction being deleted) nothing is cancellable: the
// one before becomes so once the ledger has taken it off the balance.
func cancellable(balance *iamv1alpha1.BalanceStatus, oldestFirst []iamv1alpha1.BalanceTransaction) string {
	if balance != nil && balance.CancelRequest != nil {
		return ""
	}
	var latest *iamv1alpha1.BalanceTransaction
	for i := range oldestFirst {
		tx := &oldestFirst[i]
		if balance != nil && balance.LatestUID != "" {
			if tx.UID == balance.LatestUID {
				latest = tx
			}
			continue
		}
		if tx.Status.Phase == iamv1alpha1.TransactionApplied {
			latest = tx
		}
	}
	if latest == nil || !latest.DeletionTimestamp.IsZero() {
		return ""
	}
	return latest.Name
}

// transactionView is one line of the user's transaction history.
type transactionView struct {
	Name        string
	UID         string
	Type        string
	Amount      string
	Currency    string
	Description string
	Status      badge
	Sequence    int64
	// BalanceAfter is the balance right after it, once applied.
	BalanceAfter string
	// Why is a rejected transaction's reason, in the ledger's words.
	Why     string
	By      string
	Created string
	// CreatedTitle is the exact time.
	CreatedTitle string
	Cancellable  bool
}

// transactionViews are the user's transactions, newest first, the
// cancellable one marked.
func transactionViews(oldestFirst []iamv1alpha1.BalanceTransaction, cancel string) []transactionView {
	views := make([]transactionView, 0, len(oldestFirst))
	for i := len(oldestFirst) - 1; i >= 0; i-- {
		tx := &oldestFirst[i]
		v := transactionView{
			Name: tx.Name, UID: string(tx.UID), Type: string(tx.Spec.Type), Amount: tx.Spec.Amount, Currency: tx.Spec.Currency,
			Description: tx.Spec.Description, Sequence: tx.Status.Sequence, BalanceAfter: tx.Status.BalanceAfter,
			By:      orDash(tx.Annotations[iamv1alpha1.RequesterAnnotation]),
			Created: tx.CreationTimestamp.UTC().Format("2006-01-02 15:04"), CreatedTitle: tx.CreationTimestamp.UTC().Format(time.RFC3339),
			Cancellable: tx.Name == cancel && cancel != "",
		}
		v.Status = transactionBadge(tx)
		if tx.Status.Phase == iamv1alpha1.TransactionRejected {
			v.Why = conditionMessage(tx.Status.Conditions, iamv1alpha1.ReadyCondition)
		}
		views = append(views, v)
	}
	return views
}

// transactionBadge is where a transaction stands, in a word and a colour.
func transactionBadge(tx *iamv1alpha1.BalanceTransaction) badge {
	switch {
	case !tx.DeletionTimestamp.IsZero():
		return badge{Text: "Being cancelled", Class: badgeWarning}
	case tx.Status.Phase == iamv1alpha1.TransactionApplied:
		return badge{Text: "Applied", Class: badgeSuccess}
	case tx.Status.Phase == iamv1alpha1.TransactionRejected:
		return badge{Text: "Rejected", Class: badgeDanger}
	default:
		return badge{Text: "Pending", Class: badgeInfo}
	}
}

// ledgerCurrency is the currency the user's transactions must be in, as
// the kubectl plugin reads it; "" before the operator has set one.
func ledgerCurrency(u *iamv1alpha1.User) string {
	if u.Status.Balance != nil && u.Status.Balance.Currency != "" {
		return u.Status.Balance.Currency
	}
	return u.Spec.Currency
}
