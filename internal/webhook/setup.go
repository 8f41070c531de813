package webhook

import (
	ctrl "sigs.k8s.io/controller-runtime"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// SetupWithManager registers the User, BalanceTransaction and Role webhooks
// on the manager's webhook server, which serves them from then on.
func SetupWithManager(mgr ctrl.Manager, users *UserWebhook, transactions *BalanceTransactionValidator, roles *RoleWarner) error {
	if transactions.Writer == nil {
		// Admitting a cancel without recording it would let the ledger
		// apply a newer transaction over it.
		transactions.Writer = mgr.GetClient()
	}
	if err := ctrl.NewWebhookManagedBy(mgr, &iamv1alpha1.User{}).
		WithDefaulter(users).
		WithValidator(users).
		Complete(); err != nil {
		return err
	}
	if err := ctrl.NewWebhookManagedBy(mgr, &iamv1alpha1.BalanceTransaction{}).
		WithDefaulter(&TransactionAdopter{Reader: transactions.Reader, Scheme: mgr.GetScheme()}).
		WithValidator(transactions).
		Complete(); err != nil {
		return err
	}
	return ctrl.NewWebhookManagedBy(mgr, &iamv1alpha1.Role{}).
		WithValidator(roles).
		Complete()
}
