package rbac

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/reconcile"
)

// What a Role's holders (users and teams, each binding it in their own
// namespace) share about the Role they bind.

// RoleNotGrantedRequeue is how often a user or team whose binding the API
// server refused tries again: the Role's status flipping to Ready wakes
// neither, since a role's status changes would wake all its holders.
const RoleNotGrantedRequeue = 30 * time.Second

// BindingRefused tells the API server's refusal to bind a role whose
// ClusterRole the manager may not grant (beyond the grant ceiling, or not
// rendered at all because of it) from any other error. Such a binding is
// not the holder's fault: it waits for its Role, whose status says why.
func BindingRefused(role string, err error) *reconcile.Verdict {
	if !apierrors.IsForbidden(err) {
		return nil
	}
	// The account's namespace being deleted refuses every new object with
	// a 403 too: that is its end, not the role's fault.
	if apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
		return &reconcile.Verdict{Reason: iamv1alpha1.ReasonNamespaceTerminating,
			Message: "the account's namespace is being deleted: no role binding is made there any more"}
	}
	return &reconcile.Verdict{Reason: iamv1alpha1.ReasonRoleNotGranted, Message: fmt.Sprintf(
		"the operator may not grant role %s (its cluster role goes beyond the grant ceiling or does not exist yet): "+
			"`kubectl get roles.iam.tenantry.io %s` says why", role, role)}
}

// RoleComesOrGoes lets through the Role events that change whether it
// exists for its holders: creation, deletion and the start of a deletion.
func RoleComesOrGoes() predicate.Predicate {
	return predicate.Funcs{
		UpdateFunc: func(e event.UpdateEvent) bool {
			return e.ObjectOld.GetDeletionTimestamp().IsZero() != e.ObjectNew.GetDeletionTimestamp().IsZero()
		},
	}
}
