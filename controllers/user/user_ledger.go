package user

import (
	"context"

	ctrl "sigs.k8s.io/controller-runtime"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/ledger"
)

// openLedger opens a new user's ledger at zero in the user's currency, in
// the status write the pass makes anyway, so `kubectl get users` shows a
// balance from the start and the currency is settled (admission keeps it
// from changing once the ledger is open) without a write of its own. Only
// an absent balance is set: every later change of it is the
// LedgerReconciler's, and the status patch is guarded by the resourceVersion,
// so a balance the ledger wrote meanwhile turns this pass into a conflict,
// never into an overwrite.
func (r *Reconciler) openLedger(_ context.Context, s *userScope) (ctrl.Result, error) {
	user := s.user
	if user.Status.Balance != nil {
		return ctrl.Result{}, nil
	}
	currency := ledger.UserCurrency(user, r.DefaultCurrency)
	if currency == "" {
		return ctrl.Result{}, nil // no default configured: the first transaction opens it
	}
	user.Status.Balance = &iamv1alpha1.BalanceStatus{Amount: ledger.Amount{Currency: currency}.String(), Currency: currency}
	return ctrl.Result{}, nil
}
