package index

import (
	"slices"

	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

func newTeam() client.Object { return &iamv1alpha1.Team{} }

// Field indexes of Teams: by member, so that a user's coming, going and
// change of phase reach exactly its teams; by role, for a role's.
const (
	TeamMemberField = "spec.members"
	TeamRoleField   = "spec.role"
)

// TeamMembers is the index function of TeamMemberField.
func TeamMembers(obj client.Object) []string {
	team, ok := obj.(*iamv1alpha1.Team)
	if !ok {
		return nil
	}
	return slices.Clone(team.Spec.Members)
}

// TeamRole is the index function of TeamRoleField.
func TeamRole(obj client.Object) []string {
	team, ok := obj.(*iamv1alpha1.Team)
	if !ok || team.Spec.Role == "" {
		return nil
	}
	return []string{team.Spec.Role}
}
