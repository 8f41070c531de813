package rbac

import (
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// clusterRolePrefix sets the operator's ClusterRoles apart from the
// cluster's own and from the operator's RBAC, which kustomize prefixes
// with "tenantry-".
const clusterRolePrefix = "tenantry:role:"

// clusterRoleKind is the kind every rendered binding refers to.
const clusterRoleKind = "ClusterRole"

// ClusterRoleName is the name of the ClusterRole rendered from a Role.
func ClusterRoleName(roleName string) string {
	return clusterRolePrefix + roleName
}

// manageUsersRule is what manageUsers adds: the authority over the users of
// the account, their balance transactions and their teams. Reading them is
// left to the role's own rules. A team's role is granted by the operator,
// so a user manager can make a team an owner; it could make each member an
// owner anyway. Nobody but the operator writes the change history.
var manageUsersRule = rbacv1.PolicyRule{
	APIGroups: []string{iamv1alpha1.GroupVersion.Group},
	Resources: []string{"users", "balancetransactions", "teams"},
	Verbs:     []string{"get", "list", "watch", "create", "update", "patch", "delete"},
}

// ClusterRole renders a Role as the ClusterRole its holders are bound to,
// owned by the Role so that the garbage collector removes it with the Role.
// It is a ClusterRole only so that one object serves every account: it is
// always bound with a RoleBinding, which confines it to one namespace.
func ClusterRole(role *iamv1alpha1.Role) *rbacv1.ClusterRole {
	rules := make([]rbacv1.PolicyRule, 0, len(role.Spec.Rules)+1)
	for _, rule := range role.Spec.Rules {
		rules = append(rules, *rule.DeepCopy())
	}
	if role.Spec.ManageUsers {
		rules = append(rules, *manageUsersRule.DeepCopy())
	}
	return &rbacv1.ClusterRole{
		TypeMeta: metav1.TypeMeta{APIVersion: rbacv1.SchemeGroupVersion.String(), Kind: clusterRoleKind},
		ObjectMeta: metav1.ObjectMeta{
			Name: ClusterRoleName(role.Name),
			Labels: map[string]string{
				iamv1alpha1.RoleLabel:      role.Name,
				iamv1alpha1.ManagedByLabel: iamv1alpha1.ManagedBy,
			},
			OwnerReferences: []metav1.OwnerReference{
				*metav1.NewControllerRef(role, iamv1alpha1.GroupVersion.WithKind("Role")),
			},
		},
		Rules: rules,
	}
}

// ClusterRoleCurrent says whether an existing ClusterRole already grants
// what want grants, carries its labels and is controlled by the same Role,
// so that an unchanged role costs no write.
func ClusterRoleCurrent(have, want *rbacv1.ClusterRole) bool {
	return equality.Semantic.DeepEqual(have.Rules, want.Rules) &&
		hasLabels(have.Labels, want.Labels) &&
		sameController(have.OwnerReferences, want.OwnerReferences)
}

func hasLabels(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

func sameController(have, want []metav1.OwnerReference) bool {
	h, w := controllerOf(have), controllerOf(want)
	return h != nil && w != nil && h.UID == w.UID
}

func controllerOf(refs []metav1.OwnerReference) *metav1.OwnerReference {
	for i := range refs {
		if refs[i].Controller != nil && *refs[i].Controller {
			return &refs[i]
		}
	}
	return nil
}
