package rbac

import (
	"sort"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// teamBindingPrefix sets a team's RoleBinding apart from its members' own.
const teamBindingPrefix = "tenantry:team:"

// TeamRoleBindingName is the name of a team's RoleBinding in its namespace.
func TeamRoleBindingName(teamName string) string {
	return teamBindingPrefix + teamName
}

// TeamRoleBinding binds the team's role to the identities of its active
// members, one subject each, owned by the Team. Members are named one by
// one rather than as a group: RBAC then follows membership and phases the
// moment the binding changes, whatever authenticator signs people in, and
// no token has to carry the person's teams (a token minted before someone
// left would keep their access until it expired). The subjects are
// sorted, so an unchanged team renders the same binding.
func TeamRoleBinding(team *iamv1alpha1.Team, emails []string, id Identity) *rbacv1.RoleBinding {
	subjects := make([]rbacv1.Subject, 0, len(emails))
	seen := map[string]bool{}
	for _, email := range emails {
		s := id.Subject(email)
		if !seen[s.Name] {
			seen[s.Name] = true
			subjects = append(subjects, s)
		}
	}
	sort.Slice(subjects, func(i, j int) bool { return subjects[i].Name < subjects[j].Name })
	return &rbacv1.RoleBinding{
		TypeMeta: metav1.TypeMeta{APIVersion: rbacv1.SchemeGroupVersion.String(), Kind: "RoleBinding"},
		ObjectMeta: metav1.ObjectMeta{
			Name:      TeamRoleBindingName(team.Name),
			Namespace: team.Namespace,
			Labels: map[string]string{
				iamv1alpha1.TeamLabel:      team.Name,
				iamv1alpha1.RoleLabel:      team.Spec.Role,
				iamv1alpha1.ManagedByLabel: iamv1alpha1.ManagedBy,
			},
			OwnerReferences: []metav1.OwnerReference{
				*metav1.NewControllerRef(team, iamv1alpha1.GroupVersion.WithKind("Team")),
			},
		},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: clusterRoleKind, Name: ClusterRoleName(team.Spec.Role)},
		Subjects: subjects,
	}
}
