package user

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/conditions"
	"github.com/tenantry-io/tenantry/internal/rbac"
	"github.com/tenantry-io/tenantry/internal/reconcile"
)

// reconcileRoleBinding gives an Active user exactly one RoleBinding, to its
// role's ClusterRole, and every other user none. A user whose role does not
// exist is revoked until the role appears.
func (r *Reconciler) reconcileRoleBinding(ctx context.Context, s *userScope) (ctrl.Result, error) {
	user := s.user
	exists, err := rbac.RoleExists(ctx, r.Client, user.Spec.Role)
	if err != nil {
		return ctrl.Result{}, err
	}
	switch {
	case !exists:
		conditions.MarkFalse(user, iamv1alpha1.RoleBoundCondition, iamv1alpha1.ReasonRoleNotFound, fmt.Sprintf(
			"role %q does not exist: the user has no access until it does", user.Spec.Role))
		return ctrl.Result{}, r.deleteRoleBinding(ctx, user, "its role does not exist")
	case !conditions.IsTrue(user, iamv1alpha1.EmailVerifiedCondition):
		conditions.MarkFalse(user, iamv1alpha1.RoleBoundCondition, iamv1alpha1.ReasonNotActive,
			"no access until the person accepts the invitation")
		return ctrl.Result{}, r.deleteRoleBinding(ctx, user, "the user is not active")
	case user.Spec.State != iamv1alpha1.UserStateActive:
		conditions.MarkFalse(user, iamv1alpha1.RoleBoundCondition, iamv1alpha1.ReasonNotActive,
			"no access while spec.state is "+string(user.Spec.State))
		return ctrl.Result{}, r.deleteRoleBinding(ctx, user, "the user is disabled")
	}
	want := rbac.RoleBinding(user, r.Identity.OrDefault())
	taken, err := r.ensureRoleBinding(ctx, user, want)
	if v := rbac.BindingRefused(user.Spec.Role, err); v != nil {
		conditions.MarkFalse(user, iamv1alpha1.RoleBoundCondition, v.Reason, v.Message)
		return ctrl.Result{RequeueAfter: rbac.RoleNotGrantedRequeue}, nil
	}
	if err != nil || taken {
		if taken {
			msg := fmt.Sprintf("role binding %s exists and was not made by Tenantry; delete or rename it", want.Name)
			conditions.MarkFalse(user, iamv1alpha1.RoleBoundCondition, iamv1alpha1.ReasonRoleBindingTaken, msg)
			s.stalled = &reconcile.Verdict{Reason: iamv1alpha1.ReasonRoleBindingTaken, Message: msg}
		}
		return ctrl.Result{}, err
	}
	subject := want.Subjects[0]
	conditions.MarkTrue(user, iamv1alpha1.RoleBoundCondition, iamv1alpha1.ReasonRoleBound, fmt.Sprintf(
		"role %s is bound to %s %s in this account", user.Spec.Role, subject.Kind, subject.Name))
	return ctrl.Result{}, nil
}

// ensureRoleBinding creates or corrects the binding. It reports taken when
// a binding of that name is not Tenantry's: replacing it could strip
// someone else's grants.
func (r *Reconciler) ensureRoleBinding(ctx context.Context, user *iamv1alpha1.User, want *rbacv1.RoleBinding) (taken bool, err error) {
	have := &rbacv1.RoleBinding{}
	err = r.Get(ctx, client.ObjectKeyFromObject(want), have)
	if apierrors.IsNotFound(err) {
		if err = r.Create(ctx, want); err == nil {
			r.event(user, corev1.EventTypeNormal, "RoleBound", "BindRole",
				fmt.Sprintf("bound role %s to %s", user.Spec.Role, want.Subjects[0].Name))
			return false, nil
		}
		if !apierrors.IsAlreadyExists(err) {
			return false, fmt.Errorf("create role binding of user %s: %w", user.Name, err)
		}
		// The cache holds only labelled bindings and may be behind; ask the
		// API server what is there.
		err = r.APIReader.Get(ctx, client.ObjectKeyFromObject(want), have)
	}
	switch {
	case err != nil:
		return false, fmt.Errorf("get role binding of user %s: %w", user.Name, err)
	case !ownBinding(have, user):
		return true, nil
	case rbac.RoleBindingCurrent(have, want):
		return false, nil
	case have.RoleRef != want.RoleRef:
		// roleRef is immutable, so a role change replaces the binding. The
		// new one follows at once; the person is without access only for
		// the moment between the two requests.
		if err := r.Delete(ctx, have, client.Preconditions{UID: &have.UID}); err != nil && !apierrors.IsNotFound(err) {
			return false, fmt.Errorf("replace role binding of user %s: %w", user.Name, err)
		}
		if err := r.Create(ctx, want); err != nil {
			return false, fmt.Errorf("replace role binding of user %s: %w", user.Name, err)
		}
		r.event(user, corev1.EventTypeNormal, "RoleChanged", "BindRole",
			fmt.Sprintf("role binding now grants role %s (was %s)", user.Spec.Role, have.Labels[iamv1alpha1.RoleLabel]))
		return false, nil
	}
	have.Subjects = want.Subjects
	for k, v := range want.Labels {
		have.Labels[k] = v
	}
	have.OwnerReferences = want.OwnerReferences
	if err := r.Update(ctx, have); err != nil {
		return false, fmt.Errorf("update role binding of user %s: %w", user.Name, err)
	}
	return false, nil
}

// deleteRoleBinding removes the user's binding, if it has one. NotFound is
// success; someone else's binding of that name is left alone.
func (r *Reconciler) deleteRoleBinding(ctx context.Context, user *iamv1alpha1.User, why string) error {
	binding := &rbacv1.RoleBinding{}
	key := client.ObjectKey{Namespace: user.Namespace, Name: rbac.RoleBindingName(user.Name)}
	if err := r.Get(ctx, key, binding); err != nil {
		return client.IgnoreNotFound(err)
	}
	if !ownBinding(binding, user) {
		return nil
	}
	err := r.Delete(ctx, binding, client.Preconditions{UID: &binding.UID})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete role binding of user %s: %w", user.Name, err)
	}
	r.event(user, corev1.EventTypeNormal, "RoleUnbound", "UnbindRole",
		fmt.Sprintf("removed role binding %s: %s", binding.Name, why))
	return nil
}

// ownBinding tells the user's binding from anyone else's of the same name:
// it is controlled by the user, or labelled for a user of this name (one
// an earlier user of the same name left behind).
func ownBinding(binding *rbacv1.RoleBinding, user *iamv1alpha1.User) bool {
	return metav1.IsControlledBy(binding, user) ||
		(binding.Labels[iamv1alpha1.UserLabel] == user.Name && binding.Labels[iamv1alpha1.ManagedByLabel] == iamv1alpha1.ManagedBy)
}
