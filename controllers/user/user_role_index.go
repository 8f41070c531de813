package user

import (
	"context"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/index"
)

// holdersOf maps a Role to the users that name it.
func (r *Reconciler) holdersOf(ctx context.Context, obj client.Object) []ctrl.Request {
	return r.usersIndexedBy(ctx, index.UserRoleField, obj.GetName())
}

// usersIndexedBy lists, from the cache, the users whose index field holds
// value, as requests to reconcile them.
func (r *Reconciler) usersIndexedBy(ctx context.Context, field, value string) []ctrl.Request {
	users := &iamv1alpha1.UserList{}
	if err := r.List(ctx, users, client.MatchingFields{field: value}, client.UnsafeDisableDeepCopy); err != nil {
		return nil
	}
	requests := make([]ctrl.Request, 0, len(users.Items))
	for i := range users.Items {
		requests = append(requests, ctrl.Request{NamespacedName: client.ObjectKeyFromObject(&users.Items[i])})
	}
	return requests
}
