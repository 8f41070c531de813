package ledger

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/history"
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

// withLiveCancelTarget puts the API server's copy of the transaction whose
// cancel admission recorded in place of the cache's. The cache may not show
// the deletion yet; the API server tells whether it is stored, so that the
// ledger cancels as soon as it is and stops holding back once it is clear
// that it never will be.
func (r *Reconciler) withLiveCancelTarget(ctx context.Context, user *iamv1alpha1.User, txs []iamv1alpha1.BalanceTransaction) ([]iamv1alpha1.BalanceTransaction, error) {
	if user == nil || user.Status.Balance == nil {
		return txs, nil
	}
	balance := user.Status.Balance
	if req := balance.CancelRequest; req == nil || req.UID != balance.LatestUID || balance.LatestTransaction == "" {
		return txs, nil
	}
	live := &iamv1alpha1.BalanceTransaction{}
	err := r.APIReader.Get(ctx, client.ObjectKey{Namespace: user.Namespace, Name: balance.LatestTransaction}, live)
	switch {
	case apierrors.IsNotFound(err):
		return txs, nil
	case err != nil:
		return nil, fmt.Errorf("read transaction %s being cancelled: %w", balance.LatestTransaction, err)
	case live.UID != balance.LatestUID:
		return txs, nil
	}
	out := make([]iamv1alpha1.BalanceTransaction, 0, len(txs)+1)
	for i := range txs {
		if txs[i].UID != live.UID {
			out = append(out, txs[i])
		}
	}
	return append(out, *live), nil
}

// fileCancel files an admitted cancel in the user's history, with the
// requester admission recorded, before the balance write that carries it
// out: the deletion is stored, so the cancel will be carried out, and
// filing first means no crash can lose its record. A retried pass files
// the same record (it is named after the transaction). A cancel admission
// did not record (a whole account going away) is not filed.
func (r *Reconciler) fileCancel(ctx context.Context, user *iamv1alpha1.User, tx *iamv1alpha1.BalanceTransaction, after iamv1alpha1.BalanceStatus) error {
	req := ptr.Deref(user.Status.Balance, iamv1alpha1.BalanceStatus{}).CancelRequest
	if req == nil || req.UID != tx.UID || req.Requester == nil {
		return nil
	}
	e := history.Entry{
		Time: metav1.NewMicroTime(r.Clock.Now()), Action: iamv1alpha1.ChangeTransactionCancelled, Requester: *req.Requester,
		Summary: fmt.Sprintf("cancelled %s %s %s %s: balance %s %s", tx.Name, tx.Spec.Type, tx.Spec.Amount, tx.Spec.Currency,
			after.Amount, after.Currency),
	}
	record := history.Record(user, history.OutOfSequenceName(user, "cancel", string(tx.UID)), e)
	if err := r.Create(ctx, record); client.IgnoreAlreadyExists(err) != nil {
		return fmt.Errorf("file the cancel of %s in the history of user %s: %w", tx.Name, user.Name, err)
	}
	return nil
}
