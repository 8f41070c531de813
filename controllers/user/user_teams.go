package user

import (
	"context"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/index"
	"github.com/tenantry-io/tenantry/internal/reconcile"
)

// leaveTeams takes a user being deleted out of every team that lists it,
// so that a new user of the same name later joins none of them by
// accident. A soft-deleted user stays a member: it is bound to nothing
// while it is not active, and a restore gives it its teams back.
func (r *Reconciler) leaveTeams(ctx context.Context, user *iamv1alpha1.User) error {
	teams := &iamv1alpha1.TeamList{}
	if err := r.List(ctx, teams, client.InNamespace(user.Namespace), client.MatchingFields{index.TeamMemberField: user.Name}); err != nil {
		return fmt.Errorf("list the teams of user %s: %w", user.Name, err)
	}
	for i := range teams.Items {
		team := &teams.Items[i]
		if !slices.Contains(team.Spec.Members, user.Name) {
			continue // the cache's index was behind
		}
		p := client.MergeFromWithOptions(team.DeepCopy(), client.MergeFromWithOptimisticLock{})
		team.Spec.Members = slices.DeleteFunc(team.Spec.Members, func(m string) bool { return m == user.Name })
		if err := r.Patch(ctx, team, p); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("take user %s out of team %s: %w", user.Name, team.Name, err)
		}
		reconcile.RecordEvent(r.Recorder, team, user, corev1.EventTypeNormal, "MemberLeft", "LeaveTeam",
			"user %s was deleted and left the team", user.Name)
	}
	return nil
}

// +kubebuilder:rbac:groups=iam.tenantry.io,resources=teams,verbs=get;list;watch;patch
