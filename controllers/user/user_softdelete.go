package user

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// +kubebuilder:rbac:groups=iam.tenantry.io,resources=users,verbs=delete

// reconcileSoftDelete keeps the timeline of a soft delete (spec.state
// Deleted): when it began, when the user is purged, and the purge itself,
// a real deletion that takes the finalizer path like any other. The rest of
// a soft delete follows from the state in the other steps: the RoleBinding
// goes (it binds Active users only), no email is sent, services are
// suspended or removed as their class says, and the self-service API knows
// the user no more, and its sessions end (reconcileSessions), so that a
// restore does not bring them back. Setting the state back restores the
// user with its balance, history and teams.
func (r *Reconciler) reconcileSoftDelete(ctx context.Context, s *userScope) (ctrl.Result, error) {
	user := s.user
	if user.Spec.State != iamv1alpha1.UserStateDeleted {
		if user.Status.DeletedTime != nil {
			user.Status.DeletedTime, user.Status.PurgeTime = nil, nil
			s.announce(restoredFromSoftDelete, corev1.EventTypeNormal, "Restored", "Restore",
				fmt.Sprintf("restored with spec.state %s; its balance, history and teams are as they were", user.Spec.State))
		}
		return ctrl.Result{}, nil
	}
	if user.Status.DeletedTime == nil {
		user.Status.DeletedTime = &metav1.Time{Time: s.now.UTC().Truncate(time.Second)}
	}
	purge := user.Status.DeletedTime.Add(r.DeletionRetention)
	if user.Status.PurgeTime == nil || !user.Status.PurgeTime.Equal(&metav1.Time{Time: purge}) {
		user.Status.PurgeTime = &metav1.Time{Time: purge}
		s.announce(softDeleteBegun, corev1.EventTypeNormal, "SoftDeleted", "SoftDelete", fmt.Sprintf(
			"deleted softly: no access, no sign-in; restore with spec.state Active before %s, when it is deleted for real",
			purge.Format(time.RFC3339)))
	}
	if s.now.Before(purge) {
		return ctrl.Result{RequeueAfter: purge.Sub(s.now)}, nil
	}
	// The deletion goes through admission like anyone's, which records it
	// (as Purged, see fileDeletion) with the manager as the requester.
	uid := user.UID
	if err := r.Delete(ctx, user, client.Preconditions{UID: &uid}); err != nil && !apierrors.IsNotFound(err) {
		return ctrl.Result{}, fmt.Errorf("purge user %s after its retention: %w", user.Name, err)
	}
	r.event(user, corev1.EventTypeNormal, "Purged", "Purge", fmt.Sprintf(
		"deleted for real: it was deleted softly on %s and not restored within %s",
		user.Status.DeletedTime.UTC().Format(time.RFC3339), r.DeletionRetention))
	return ctrl.Result{}, nil
}

// softDeletedMessage is a soft-deleted user's Ready message.
func softDeletedMessage(user *iamv1alpha1.User) string {
	if user.Status.PurgeTime == nil {
		return "spec.state is Deleted: the user is deleted softly and can be restored"
	}
	return fmt.Sprintf("spec.state is Deleted: restore it (spec.state Active) before %s, when it is deleted for real",
		user.Status.PurgeTime.UTC().Format(time.RFC3339))
}
