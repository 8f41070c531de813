package webhook

import (
	ctrl "sigs.k8s.io/controller-runtime"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// SetupWithManager registers the User webhooks on the manager's webhook
// server, which serves them from then on.
func SetupWithManager(mgr ctrl.Manager, w *UserWebhook) error {
	return ctrl.NewWebhookManagedBy(mgr, &iamv1alpha1.User{}).
		WithDefaulter(w).
		WithValidator(w).
		Complete()
}
