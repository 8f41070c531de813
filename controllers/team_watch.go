package controllers

import (
	"context"
	"slices"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/rbac"
)

// Field indexes of Teams: by member, so that a user's coming, going and
// change of phase reach exactly its teams; by role, for a role's.
const (
	TeamMemberField = "spec.members"
	TeamRoleField   = "spec.role"
)

// IndexTeamMembers is the index function of TeamMemberField.
func IndexTeamMembers(obj client.Object) []string {
	team, ok := obj.(*iamv1alpha1.Team)
	if !ok {
		return nil
	}
	return slices.Clone(team.Spec.Members)
}

// IndexTeamRole is the index function of TeamRoleField.
func IndexTeamRole(obj client.Object) []string {
	team, ok := obj.(*iamv1alpha1.Team)
	if !ok || team.Spec.Role == "" {
		return nil
	}
	return []string{team.Spec.Role}
}

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

func (r *TeamReconciler) teamsOfUser(ctx context.Context, obj client.Object) []reconcile.Request {
	return teamsIndexedBy(ctx, r.Client, TeamMemberField, obj.GetName(), client.InNamespace(obj.GetNamespace()))
}

func (r *TeamReconciler) teamsOfRole(ctx context.Context, obj client.Object) []reconcile.Request {
	return teamsIndexedBy(ctx, r.Client, TeamRoleField, obj.GetName())
}

// teamsIndexedBy lists, from the cache, the teams whose index field holds
// value, as requests to reconcile them.
func teamsIndexedBy(ctx context.Context, c client.Reader, field, value string, opts ...client.ListOption) []reconcile.Request {
	teams := &iamv1alpha1.TeamList{}
	if err := c.List(ctx, teams, append(opts, client.MatchingFields{field: value}, client.UnsafeDisableDeepCopy)...); err != nil {
		return nil
	}
	requests := make([]reconcile.Request, 0, len(teams.Items))
	for i := range teams.Items {
		requests = append(requests, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&teams.Items[i])})
	}
	return requests
}
