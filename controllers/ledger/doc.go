// Package ledger holds the ledger controller: it applies each user's
// BalanceTransactions to the user's balance in order, exactly once, and
// cancels them when they are deleted. Its rules are pure (ledger_plan.go,
// ledger_cancel.go): which transaction comes next and what the balance is
// after it. The arithmetic is internal/ledger's.
//
// It writes User.status.balance (the User controller only opens it at zero)
// and the BalanceTransaction's status: phase, sequence, balanceAfter,
// appliedTime, conditions and observedGeneration.
package ledger
