package team

import (
	"context"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/index"
	"github.com/tenantry-io/tenantry/internal/rbac"
)

// membershipMatters lets through the user events that change what a team
// binds: a user appearing or going, becoming active or not, or changing
// the email it is bound as.
var membershipMatters = predicate.Funcs{
	UpdateFunc: func(e event.UpdateEvent) bool {
		oldUser, okOld := e.ObjectOld.(*iamv1alpha1.User)
		newUser, okNew := e.ObjectNew.(*iamv1alpha1.User)
		return !okOld || !okNew || rbac.UserActive(oldUser) != rbac.UserActive(newUser) || oldUser.Spec.Email != newUser.Spec.Email
	},
}

func (r *Reconciler) teamsOfUser(ctx context.Context, obj client.Object) []ctrl.Request {
	return teamsIndexedBy(ctx, r.Client, index.TeamMemberField, obj.GetName(), client.InNamespace(obj.GetNamespace()))
}

func (r *Reconciler) teamsOfRole(ctx context.Context, obj client.Object) []ctrl.Request {
	return teamsIndexedBy(ctx, r.Client, index.TeamRoleField, obj.GetName())
}

// teamsIndexedBy lists, from the cache, the teams whose index field holds
// value, as requests to reconcile them.
func teamsIndexedBy(ctx context.Context, c client.Reader, field, value string, opts ...client.ListOption) []ctrl.Request {
	teams := &iamv1alpha1.TeamList{}
	if err := c.List(ctx, teams, append(opts, client.MatchingFields{field: value}, client.UnsafeDisableDeepCopy)...); err != nil {
		return nil
	}
	requests := make([]ctrl.Request, 0, len(teams.Items))
	for i := range teams.Items {
		requests = append(requests, ctrl.Request{NamespacedName: client.ObjectKeyFromObject(&teams.Items[i])})
	}
	return requests
}
