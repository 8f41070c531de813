package ledger

import (
	"errors"
	"fmt"
	"sort"
	"time"

	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	amounts "github.com/tenantry-io/tenantry/internal/ledger"
)

// ledgerStepKind is one thing the ledger does. A step changes the balance
// at most once, so every balance change is its own resourceVersion-guarded
// write.
type ledgerStepKind int

const (
	stepIdle ledgerStepKind = iota
	// stepMarkApplied finishes an apply whose balance write is committed.
	stepMarkApplied
	// stepApply commits a transaction to the balance.
	stepApply
	// stepReject refuses a transaction; the balance does not move.
	stepReject
	// stepWait keeps a transaction pending and looks again later.
	stepWait
	// stepCancel takes the latest applied transaction off the balance.
	stepCancel
	// stepRelease lets a deleted transaction go: its finalizer comes off.
	stepRelease
	// stepDiscard deletes the transactions of a user that is gone.
	stepDiscard
	// stepHold applies nothing new until an admitted cancel is carried out
	// (see ledger_cancel.go).
	stepHold
)

// ledgerInputs are everything a ledger decision depends on.
type ledgerInputs struct {
	now time.Time
	// user is read from the API server, not the cache; nil when absent.
	user            *iamv1alpha1.User
	transactions    []iamv1alpha1.BalanceTransaction
	defaultCurrency string
	// userGrace is how long a transaction waits for a user that does not
	// exist yet: GitOps tools apply in any order.
	userGrace time.Duration
}

type ledgerStep struct {
	kind    ledgerStepKind
	tx      *iamv1alpha1.BalanceTransaction
	balance iamv1alpha1.BalanceStatus // the new balance, for steps that move it
	reason  string
	message string
	after   time.Duration // stepWait
}

// planLedger decides the next step of one user's ledger. It is pure, so every
// rule of "never applied twice, never skipped, never reordered" is a table
// test. The order of the checks matters: a half-finished step is always
// finished before a new one starts.
func planLedger(in ledgerInputs) ledgerStep {
	txs := sortedTransactions(in.transactions)
	user := in.user
	if user == nil || !user.DeletionTimestamp.IsZero() {
		return planWithoutUser(in, txs)
	}
	balance := ptr.Deref(user.Status.Balance, iamv1alpha1.BalanceStatus{})
	currency := amounts.UserCurrency(user, in.defaultCurrency)
	if balance.Currency == "" {
		// Not opened yet. The User controller opens a new user's ledger at
		// zero in its first status write; a transaction that comes before
		// that opens it with its own balance write. Either way opening a
		// ledger costs no write of its own.
		balance.Amount = amounts.Amount{Currency: currency}.String()
		balance.Currency = currency
	}

	for i := range txs {
		tx := &txs[i]
		switch {
		case tx.UID == balance.LatestUID && tx.DeletionTimestamp.IsZero() && tx.Status.Phase != iamv1alpha1.TransactionApplied:
			return ledgerStep{kind: stepMarkApplied, tx: tx, balance: balance}
		case !tx.DeletionTimestamp.IsZero() && tx.UID == balance.CancelledUID:
			return ledgerStep{kind: stepRelease, tx: tx}
		}
	}
	for i := range txs {
		tx := &txs[i]
		if tx.DeletionTimestamp.IsZero() {
			continue
		}
		switch {
		case tx.UID == balance.LatestUID:
			return planCancel(tx, balance, txs)
		case tx.Status.Phase != iamv1alpha1.TransactionApplied && controllerutil.ContainsFinalizer(tx, iamv1alpha1.TransactionFinalizer):
			return ledgerStep{kind: stepRelease, tx: tx}
		}
		// An older applied transaction being deleted (admission refuses
		// that, but it may have been off) waits until it is the latest.
	}
	for i := range txs {
		tx := &txs[i]
		if tx.DeletionTimestamp.IsZero() && isPending(tx) {
			if hold, ok := planHold(in.now, balance); ok {
				return hold
			}
			return planApply(tx, balance, txs)
		}
	}
	return ledgerStep{kind: stepIdle}
}

// planWithoutUser handles transactions whose user is absent or leaving.
func planWithoutUser(in ledgerInputs, txs []iamv1alpha1.BalanceTransaction) ledgerStep {
	for i := range txs {
		tx := &txs[i]
		ownedByGoneUser := isOwnedByUser(tx, in.user)
		if (in.user != nil || ownedByGoneUser) && (tx.DeletionTimestamp.IsZero() || controllerutil.ContainsFinalizer(tx, iamv1alpha1.TransactionFinalizer)) {
			// The user's deletion takes its transactions with it, without
			// reverting anything: there is no balance left to revert.
			return ledgerStep{kind: stepDiscard, tx: tx}
		}
		if in.user == nil && isPending(tx) && tx.DeletionTimestamp.IsZero() {
			waited := in.now.Sub(tx.CreationTimestamp.Time)
			msg := fmt.Sprintf("user %s does not exist in namespace %s", tx.Spec.User, tx.Namespace)
			if waited < in.userGrace {
				return ledgerStep{kind: stepWait, tx: tx, reason: iamv1alpha1.ReasonWaitingForUser,
					message: msg + "; waiting for it to be created", after: in.userGrace - waited}
			}
			return ledgerStep{kind: stepReject, tx: tx, reason: iamv1alpha1.ReasonUserNotFound, message: msg}
		}
	}
	return ledgerStep{kind: stepIdle}
}

// planApply checks the oldest pending transaction and applies or rejects it.
func planApply(tx *iamv1alpha1.BalanceTransaction, balance iamv1alpha1.BalanceStatus, txs []iamv1alpha1.BalanceTransaction) ledgerStep {
	reject := func(reason, format string, args ...any) ledgerStep {
		return ledgerStep{kind: stepReject, tx: tx, reason: reason, message: fmt.Sprintf(format, args...)}
	}
	if tx.Spec.Currency != balance.Currency {
		return reject(iamv1alpha1.ReasonCurrencyMismatch, "the transaction is in %s but the ledger of user %s is in %s",
			tx.Spec.Currency, tx.Spec.User, balance.Currency)
	}
	if key := tx.Spec.IdempotencyKey; key != "" {
		for i := range txs {
			other := &txs[i]
			if other.UID != tx.UID && other.Spec.IdempotencyKey == key && (other.Status.Phase == iamv1alpha1.TransactionApplied || other.UID == balance.LatestUID) {
				return reject(iamv1alpha1.ReasonDuplicateKey, "idempotency key %q was already used by transaction %s", key, other.Name)
			}
		}
	}
	amount, err := amounts.Parse(tx.Spec.Amount, tx.Spec.Currency)
	if err != nil {
		return reject(iamv1alpha1.ReasonInvalidAmount, "%v", err)
	}
	current, err := amounts.Parse(balance.Amount, balance.Currency)
	if err != nil {
		return reject(iamv1alpha1.ReasonInvalidAmount, "the balance %q cannot be read: %v", balance.Amount, err)
	}
	var after int64
	switch tx.Spec.Type {
	case iamv1alpha1.TransactionCharge:
		after, err = amounts.Sub(current.Minor, amount.Minor)
		if err == nil && after < 0 {
			return reject(iamv1alpha1.ReasonInsufficientFunds, "a charge of %s %s is more than the balance of %s %s",
				tx.Spec.Amount, tx.Spec.Currency, balance.Amount, balance.Currency)
		}
	default:
		after, err = amounts.Add(current.Minor, amount.Minor)
	}
	if errors.Is(err, amounts.ErrOverflow) {
		return reject(iamv1alpha1.ReasonOverflow, "the balance would leave the range the ledger can hold")
	}

	next := balance
	next.Amount = amounts.Amount{Minor: after, Currency: balance.Currency}.String()
	next.Count++
	next.LastSequence++
	next.LatestSequence = next.LastSequence
	next.LatestTransaction = tx.Name
	next.LatestUID = tx.UID
	// A cancel request still standing here was never carried out (see
	// planHold); with a new latest it could not be anyway.
	next.CancelRequest = nil
	return ledgerStep{kind: stepApply, tx: tx, balance: next}
}

// planCancel takes the latest transaction off the balance; the one applied
// before it becomes the latest.
func planCancel(tx *iamv1alpha1.BalanceTransaction, balance iamv1alpha1.BalanceStatus, txs []iamv1alpha1.BalanceTransaction) ledgerStep {
	amount, err := amounts.Parse(tx.Spec.Amount, balance.Currency)
	if err != nil {
		return ledgerStep{kind: stepIdle}
	}
	current, err := amounts.Parse(balance.Amount, balance.Currency)
	if err != nil {
		return ledgerStep{kind: stepIdle}
	}
	var after int64
	if tx.Spec.Type == iamv1alpha1.TransactionCharge {
		after, err = amounts.Add(current.Minor, amount.Minor)
	} else {
		after, err = amounts.Sub(current.Minor, amount.Minor)
	}
	if err != nil {
		return ledgerStep{kind: stepIdle}
	}
	next := balance
	next.Amount = amounts.Amount{Minor: after, Currency: balance.Currency}.String()
	next.Count--
	next.CancelledUID = tx.UID
	next.CancelRequest = nil
	next.LatestSequence, next.LatestTransaction, next.LatestUID = 0, "", ""
	// The one before becomes the latest even when it is being deleted too
	// (a whole account going away): it is then cancelled in turn.
	for i := range txs {
		prev := &txs[i]
		if prev.UID != tx.UID && prev.Status.Phase == iamv1alpha1.TransactionApplied &&
			prev.Status.Sequence > next.LatestSequence && prev.Status.Sequence < balance.LatestSequence {
			next.LatestSequence, next.LatestTransaction, next.LatestUID = prev.Status.Sequence, prev.Name, prev.UID
		}
	}
	return ledgerStep{kind: stepCancel, tx: tx, balance: next}
}

// sortedTransactions orders transactions by creation: the API server stamps
// whole seconds, so ties are broken by name, which is stable and visible.
func sortedTransactions(in []iamv1alpha1.BalanceTransaction) []iamv1alpha1.BalanceTransaction {
	txs := append([]iamv1alpha1.BalanceTransaction(nil), in...)
	sort.SliceStable(txs, func(i, j int) bool {
		a, b := txs[i].CreationTimestamp, txs[j].CreationTimestamp
		if !a.Equal(&b) {
			return a.Before(&b)
		}
		return txs[i].Name < txs[j].Name
	})
	return txs
}

func isPending(tx *iamv1alpha1.BalanceTransaction) bool {
	return tx.Status.Phase == "" || tx.Status.Phase == iamv1alpha1.TransactionPending
}

// isOwnedByUser reports whether the ledger adopted tx for a User of its
// spec.user name; with user set, for that very User.
func isOwnedByUser(tx *iamv1alpha1.BalanceTransaction, user *iamv1alpha1.User) bool {
	for _, ref := range tx.OwnerReferences {
		if ref.Kind == "User" && ref.Name == tx.Spec.User && (user == nil || ref.UID == user.UID) {
			return true
		}
	}
	return false
}
