package controllers

import (
	"context"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// UserRoleField indexes users by the role they name, so that a role's
// appearance or disappearance reaches exactly its holders.
const UserRoleField = "spec.role"

// IndexUserRole is the index function of UserRoleField; register it once
// on the manager's field indexer.
func IndexUserRole(obj client.Object) []string {
	user, ok := obj.(*iamv1alpha1.User)
	if !ok || user.Spec.Role == "" {
		return nil
	}
	return []string{user.Spec.Role}
}

// holdersOf maps a Role to the users that name it.
func (r *UserReconciler) holdersOf(ctx context.Context, obj client.Object) []reconcile.Request {
	return r.usersIndexedBy(ctx, UserRoleField, obj.GetName())
}

// usersIndexedBy lists, from the cache, the users whose index field holds
// value, as requests to reconcile them.
func (r *UserReconciler) usersIndexedBy(ctx context.Context, field, value string) []reconcile.Request {
	users := &iamv1alpha1.UserList{}
	if err := r.List(ctx, users, client.MatchingFields{field: value}, client.UnsafeDisableDeepCopy); err != nil {
		return nil
	}
	requests := make([]reconcile.Request, 0, len(users.Items))
	for i := range users.Items {
		requests = append(requests, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&users.Items[i])})
	}
	return requests
}
