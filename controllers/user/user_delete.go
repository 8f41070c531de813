package user

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/credentials"
)

// reconcileDelete removes what the user owned and then lets the user go.
// Something already gone counts as removed, so deletion never hangs on it.
func (r *Reconciler) reconcileDelete(ctx context.Context, s *userScope) (ctrl.Result, error) {
	user := s.user
	if !controllerutil.ContainsFinalizer(user, iamv1alpha1.UserFinalizer) {
		return ctrl.Result{}, nil
	}
	// The history first: what was admitted is filed whatever the cleanup
	// meets.
	if _, err := r.fileChanges(ctx, s); err != nil {
		return ctrl.Result{}, err
	}
	if err := r.fileDeletion(ctx, s); err != nil {
		return ctrl.Result{}, err
	}
	// Access goes next: a person being deleted should not keep it while
	// the rest is cleaned up. Teams are not touched: their specs belong to
	// whoever wrote them, and the team controller leaves a member who is
	// no user out of the team's binding and says so in the team's status.
	if err := r.deleteRoleBinding(ctx, user, "the user is being deleted"); err != nil {
		return ctrl.Result{}, err
	}
	if err := r.deleteCredentials(ctx, user); err != nil {
		return ctrl.Result{}, err
	}
	// Services go last and may take time: their own finalizers run (a
	// mailbox operator archiving mail). The user waits for all of them.
	gone, result, err := r.removeAllServices(ctx, s)
	if err != nil || !gone {
		return result, err
	}
	// Removed last, by the deferred patch, after the status says Deleting.
	controllerutil.RemoveFinalizer(user, iamv1alpha1.UserFinalizer)
	return ctrl.Result{}, nil
}

// deleteCredentials deletes the user's credential Secret. It lives in the
// operator's namespace, where no owner reference can point at the User, so
// nothing else would: a deleted person's password hash must not outlive
// them.
func (r *Reconciler) deleteCredentials(ctx context.Context, user *iamv1alpha1.User) error {
	secret := &corev1.Secret{}
	key := credentials.SecretKey(r.CredentialsNamespace, user.Namespace, user.Name)
	if err := r.Get(ctx, key, secret); err != nil {
		return client.IgnoreNotFound(err)
	}
	if !credentials.IsSecretOf(secret, user) {
		return nil // not ours: leave it alone
	}
	err := r.Delete(ctx, secret, client.Preconditions{UID: &secret.UID})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete credential secret of user %s: %w", user.Name, err)
	}
	r.event(user, corev1.EventTypeNormal, "CredentialsRemoved", "Delete", "deleted credential secret "+secret.Name)
	return nil
}
