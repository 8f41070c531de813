package rbac

import (
	"fmt"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// roleBindingPrefix sets the operator's RoleBindings apart from the ones
// people make in the account.
const roleBindingPrefix = "tenantry:user:"

// RoleBindingName is the name of a user's RoleBinding in its namespace. It
// does not carry the role: a role change replaces the binding under the
// same name, so a user never holds two.
func RoleBindingName(userName string) string {
	return roleBindingPrefix + userName
}

// Identity says how the cluster's authenticator names the person behind a
// User, so that the binding's subject is the name requests arrive with.
type Identity struct {
	// Kind is the subject kind: User or Group.
	Kind string
	// Prefix goes before the email, as the API server's
	// --oidc-username-prefix puts it before the claim.
	Prefix string
}

// DefaultIdentityKind binds the email as a User (without a prefix), which
// is what an API server started with --oidc-username-claim=email and
// --oidc-username-prefix=- presents.
const DefaultIdentityKind = rbacv1.UserKind

// OrDefault is id, or the default identity (DefaultIdentityKind, no
// prefix) when id is the zero value, so that a reconciler built without
// one still binds the person as the API server names them.
func (id Identity) OrDefault() Identity {
	if id.Kind == "" {
		return Identity{Kind: DefaultIdentityKind}
	}
	return id
}

// Validate rejects a kind RBAC would not match for a person.
func (id Identity) Validate() error {
	if id.Kind != rbacv1.UserKind && id.Kind != rbacv1.GroupKind {
		return fmt.Errorf("identity kind %q: want %s or %s", id.Kind, rbacv1.UserKind, rbacv1.GroupKind)
	}
	return nil
}

// Subject is the RBAC subject of the person with this email.
func (id Identity) Subject(email string) rbacv1.Subject {
	return rbacv1.Subject{Kind: id.Kind, APIGroup: rbacv1.GroupName, Name: id.Prefix + email}
}

// RoleBinding binds a user's identity to its role's ClusterRole inside the
// user's namespace, owned by the User so that it goes with it.
func RoleBinding(user *iamv1alpha1.User, id Identity) *rbacv1.RoleBinding {
	return &rbacv1.RoleBinding{
		TypeMeta: metav1.TypeMeta{APIVersion: rbacv1.SchemeGroupVersion.String(), Kind: "RoleBinding"},
		ObjectMeta: metav1.ObjectMeta{
			Name:      RoleBindingName(user.Name),
			Namespace: user.Namespace,
			Labels: map[string]string{
				iamv1alpha1.UserLabel:      user.Name,
				iamv1alpha1.RoleLabel:      user.Spec.Role,
				iamv1alpha1.ManagedByLabel: iamv1alpha1.ManagedBy,
			},
			OwnerReferences: []metav1.OwnerReference{
				*metav1.NewControllerRef(user, iamv1alpha1.GroupVersion.WithKind("User")),
			},
		},
		RoleRef: rbacv1.RoleRef{
			APIGroup: rbacv1.GroupName,
			Kind:     clusterRoleKind,
			Name:     ClusterRoleName(user.Spec.Role),
		},
		Subjects: []rbacv1.Subject{id.Subject(user.Spec.Email)},
	}
}

// RoleBindingCurrent says whether an existing binding already grants what
// want grants to the same person, so that an unchanged user costs no write.
// A different roleRef cannot be fixed in place (it is immutable): the
// caller replaces the binding.
func RoleBindingCurrent(have, want *rbacv1.RoleBinding) bool {
	return have.RoleRef == want.RoleRef &&
		equality.Semantic.DeepEqual(have.Subjects, want.Subjects) &&
		hasLabels(have.Labels, want.Labels) &&
		sameController(have.OwnerReferences, want.OwnerReferences)
}
