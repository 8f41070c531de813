package controllers

import (
	"fmt"
	"time"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// Deleting a transaction does not change its User, so on its own a cancel
// could not stop a balance write planned before it: the ledger would apply a
// newer transaction on top and the one being cancelled would no longer be
// the latest, and so could never be cancelled. Admission therefore records
// every cancel it lets through in status.balance.cancelRequest, with a write
// guarded by the user's resourceVersion, before the deletion is stored.
// Every balance write is guarded by that resourceVersion too, so the two are
// ordered: either the balance moved first and admission, reading again,
// refuses the cancel (the transaction is no longer the latest), or the
// request was recorded first and the balance write planned without it
// conflicts. Every pass that reads the request holds new transactions back
// until the cancel is done; the cancel's own balance write clears it.

// cancelRequestWindow is how long an admitted cancel holds the ledger back
// while its deletion is not stored yet. The API server stores an admitted
// deletion within the request that carried it, which it ends after a minute
// at most (--request-timeout); past this window the deletion was refused by
// a later admission step or failed, and will not come.
const cancelRequestWindow = 90 * time.Second

// planHold says whether new transactions must wait for an admitted cancel of
// the latest transaction, and for how long at most. It is asked only once
// the latest transaction showed no deletion: one that did is cancelled
// first.
func planHold(now time.Time, balance iamv1alpha1.BalanceStatus) (ledgerStep, bool) {
	req := balance.CancelRequest
	if req == nil || req.UID == "" || req.UID != balance.LatestUID {
		return ledgerStep{}, false
	}
	left := req.AdmittedTime.Add(cancelRequestWindow).Sub(now)
	if left <= 0 {
		return ledgerStep{}, false
	}
	return ledgerStep{kind: stepHold, after: left,
		message: fmt.Sprintf("the cancel of transaction %s was admitted; it is carried out before anything new is applied", req.Transaction)}, true
}
