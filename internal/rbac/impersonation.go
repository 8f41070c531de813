package rbac

import (
	"slices"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/conditions"
)

// impersonationPrefix names the ClusterRole and ClusterRoleBinding that let
// an account's user managers act as its other users.
const impersonationPrefix = "tenantry:impersonate:"

// ImpersonationName is the name of an account's impersonation ClusterRole
// and ClusterRoleBinding. Impersonation is granted by cluster-scoped RBAC
// only (users are not namespaced), hence one pair per account.
func ImpersonationName(account string) string {
	return impersonationPrefix + account
}

// Member is what deciding who may act as whom needs to know of a user.
type Member struct {
	Email string
	// Active says the user has access now: see UserActive.
	Active bool
	// ManagesUsers says the user's role has manageUsers.
	ManagesUsers bool
	// InOtherAccounts says a user of another account has the same email.
	// The cluster knows a person by email only, so acting as that identity
	// would act in the other account too: nobody may.
	InOtherAccounts bool
}

// UserActive says whether a user has access now: accepted, Active, not
// being deleted. The controller adds that its role exists.
func UserActive(user *iamv1alpha1.User) bool {
	return user.DeletionTimestamp.IsZero() &&
		user.Spec.State == iamv1alpha1.UserStateActive &&
		conditions.IsTrue(user, iamv1alpha1.EmailVerifiedCondition)
}

// MayActAs is the rule of "log in as": an active user manager may act as an
// active user of the same account who manages no users and is known to no
// other account. The caller has checked that both are of the same account.
func MayActAs(actor, target Member) bool {
	return actor.Active && actor.ManagesUsers &&
		target.Active && !target.ManagesUsers && !target.InOtherAccounts &&
		!strings.EqualFold(actor.Email, target.Email)
}

// impersonation splits an account's members into the identities that may
// act (its active user managers) and those they may act as.
func impersonation(members []Member, id Identity) (actors []rbacv1.Subject, targets []string) {
	managers := map[string]bool{}
	for _, m := range members {
		if m.ManagesUsers {
			managers[strings.ToLower(m.Email)] = true
		}
	}
	for _, m := range members {
		switch {
		case m.Active && m.ManagesUsers:
			actors = append(actors, id.Subject(m.Email))
		case m.Active && !m.InOtherAccounts && !managers[strings.ToLower(m.Email)]:
			targets = append(targets, id.Subject(m.Email).Name)
		}
	}
	slices.SortFunc(actors, func(a, b rbacv1.Subject) int { return strings.Compare(a.Name, b.Name) })
	actors = slices.CompactFunc(actors, func(a, b rbacv1.Subject) bool { return a.Name == b.Name })
	slices.Sort(targets)
	return actors, slices.Compact(targets)
}

// ImpersonationRBAC renders what lets an account's user managers
// impersonate exactly its other active users: a ClusterRole naming them
// and a ClusterRoleBinding to the managers. Both are nil when nobody may
// act or there is nobody to act as. That must delete them, never render an
// empty list: a rule without resourceNames would allow every user.
func ImpersonationRBAC(account string, members []Member, id Identity) (*rbacv1.ClusterRole, *rbacv1.ClusterRoleBinding) {
	actors, targets := impersonation(members, id)
	if len(actors) == 0 || len(targets) == 0 {
		return nil, nil
	}
	resource := "users"
	if id.Kind == rbacv1.GroupKind {
		resource = "groups"
	}
	meta := func() metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: ImpersonationName(account), Labels: ImpersonationLabels(account)}
	}
	role := &rbacv1.ClusterRole{
		TypeMeta:   metav1.TypeMeta{APIVersion: rbacv1.SchemeGroupVersion.String(), Kind: clusterRoleKind},
		ObjectMeta: meta(),
		Rules: []rbacv1.PolicyRule{{
			APIGroups: []string{""}, Resources: []string{resource}, Verbs: []string{"impersonate"}, ResourceNames: targets,
		}},
	}
	binding := &rbacv1.ClusterRoleBinding{
		TypeMeta:   metav1.TypeMeta{APIVersion: rbacv1.SchemeGroupVersion.String(), Kind: "ClusterRoleBinding"},
		ObjectMeta: meta(),
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: clusterRoleKind, Name: role.Name},
		Subjects:   actors,
	}
	return role, binding
}

// ImpersonationLabels mark an account's impersonation RBAC, so the manager
// caches it (and nothing else of the cluster's) and finds its account.
func ImpersonationLabels(account string) map[string]string {
	return map[string]string{iamv1alpha1.ManagedByLabel: iamv1alpha1.ManagedBy, iamv1alpha1.AccountLabel: account}
}

// ImpersonationRoleCurrent says whether an existing ClusterRole grants what
// want grants, with its labels.
func ImpersonationRoleCurrent(have, want *rbacv1.ClusterRole) bool {
	return equality.Semantic.DeepEqual(have.Rules, want.Rules) && hasLabels(have.Labels, want.Labels)
}

// ImpersonationBindingCurrent says whether an existing ClusterRoleBinding
// binds the same role to the same managers, with its labels.
func ImpersonationBindingCurrent(have, want *rbacv1.ClusterRoleBinding) bool {
	return have.RoleRef == want.RoleRef && equality.Semantic.DeepEqual(have.Subjects, want.Subjects) &&
		hasLabels(have.Labels, want.Labels)
}

// UserEmailField indexes users by email, in lower case as mail systems
// compare them, to find the same person in other accounts.
const UserEmailField = "spec.email.lower"

// IndexUserEmail is the index function of UserEmailField.
func IndexUserEmail(obj client.Object) []string {
	user, ok := obj.(*iamv1alpha1.User)
	if !ok || user.Spec.Email == "" {
		return nil
	}
	return []string{strings.ToLower(user.Spec.Email)}
}
