package user

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/conditions"
)

// userPhase is the one place that decides a user's phase. It reads only the
// object: deletion, the desired state and the conditions the sub-reconcilers
// set. The order of the cases is the precedence of the phases:
//
//   - Deleting, Deleted (a soft delete), Disabled and Invited say what a
//     person must do or undo, and a user in any of them has no access
//     whatever its role.
//   - Locked comes next: the person cannot log in until the lock ends or an
//     administrator lifts it, which is what they and the portal need to know.
//   - Revoked comes next: an accepted, enabled user whose role is gone has
//     no access, and that is the news, however much else is catching up.
//   - Updating is an Active user whose owned objects are catching up.
func userPhase(user *iamv1alpha1.User) iamv1alpha1.UserPhase {
	switch {
	case !user.DeletionTimestamp.IsZero():
		return iamv1alpha1.UserPhaseDeleting
	case user.Spec.State == iamv1alpha1.UserStateDeleted:
		return iamv1alpha1.UserPhaseDeleted
	case user.Spec.State == iamv1alpha1.UserStateDisabled:
		return iamv1alpha1.UserPhaseDisabled
	case !conditions.IsTrue(user, iamv1alpha1.EmailVerifiedCondition):
		return iamv1alpha1.UserPhaseInvited
	case conditions.IsTrue(user, iamv1alpha1.LockedCondition):
		return iamv1alpha1.UserPhaseLocked
	case roleRevoked(user):
		return iamv1alpha1.UserPhaseRevoked
	case conditions.IsTrue(user, iamv1alpha1.ReconcilingCondition):
		return iamv1alpha1.UserPhaseUpdating
	default:
		return iamv1alpha1.UserPhaseActive
	}
}

// roleRevoked is true when the user's role does not exist.
func roleRevoked(user *iamv1alpha1.User) bool {
	c := conditions.Get(user, iamv1alpha1.RoleBoundCondition)
	return c != nil && c.Status == metav1.ConditionFalse && c.Reason == iamv1alpha1.ReasonRoleNotFound
}

// readyCondition summarises a phase for `kubectl wait --for=condition=Ready`.
// Only an Active user is Ready; every other phase says why not.
func readyCondition(phase iamv1alpha1.UserPhase, user *iamv1alpha1.User) metav1.Condition {
	cond := metav1.Condition{Type: iamv1alpha1.ReadyCondition, Status: metav1.ConditionFalse}
	switch phase {
	case iamv1alpha1.UserPhaseActive:
		cond.Status, cond.Reason, cond.Message = metav1.ConditionTrue, iamv1alpha1.ReasonActive, "the user is active"
	case iamv1alpha1.UserPhaseDeleting:
		cond.Reason, cond.Message = iamv1alpha1.ReasonDeleting, "removing what the user owns"
		if services := conditions.Get(user, iamv1alpha1.ServicesReadyCondition); services != nil && services.Status == metav1.ConditionFalse {
			cond.Message += ": " + services.Message
		}
	case iamv1alpha1.UserPhaseDeleted:
		cond.Reason, cond.Message = iamv1alpha1.ReasonSoftDeleted, softDeletedMessage(user)
	case iamv1alpha1.UserPhaseDisabled:
		cond.Reason, cond.Message = iamv1alpha1.ReasonDisabled, "spec.state is Disabled: the user cannot log in"
	case iamv1alpha1.UserPhaseLocked:
		cond.Reason, cond.Message = iamv1alpha1.ReasonLocked, conditions.Message(user, iamv1alpha1.LockedCondition)
	case iamv1alpha1.UserPhaseRevoked:
		cond.Reason, cond.Message = iamv1alpha1.ReasonRoleNotFound, conditions.Message(user, iamv1alpha1.RoleBoundCondition)
	case iamv1alpha1.UserPhaseUpdating:
		cond.Reason, cond.Message = iamv1alpha1.ReasonProgressing, conditions.Message(user, iamv1alpha1.ReconcilingCondition)
	default:
		cond.Reason, cond.Message = iamv1alpha1.ReasonInvitationPending, invitationPendingMessage(user)
	}
	// A stuck removal needs an administrator whatever the phase; Deleting
	// already names it through ServicesReady.
	if stuck := stuckRemoval(user.Status.Services); stuck != "" && phase != iamv1alpha1.UserPhaseDeleting {
		cond.Message += "; " + stuck
	}
	return cond
}

// invitationPendingMessage tells an Invited user's story in one sentence,
// preferring the delivery problem when there is one.
func invitationPendingMessage(user *iamv1alpha1.User) string {
	delivered := conditions.Get(user, iamv1alpha1.InvitationDeliveredCondition)
	if delivered != nil && delivered.Status != metav1.ConditionTrue {
		return delivered.Message
	}
	return "waiting for the person to accept the invitation"
}
