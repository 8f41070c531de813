package index

import (
	"slices"
	"strings"

	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

func newUser() client.Object { return &iamv1alpha1.User{} }

// UserRoleField indexes users by the role they name, so that a role's
// appearance or disappearance reaches exactly its holders.
const UserRoleField = "spec.role"

// UserRole is the index function of UserRoleField.
func UserRole(obj client.Object) []string {
	user, ok := obj.(*iamv1alpha1.User)
	if !ok || user.Spec.Role == "" {
		return nil
	}
	return []string{user.Spec.Role}
}

// UserServiceClassField indexes users by the service classes they are
// assigned or still hold objects of, so a class's change reaches exactly
// its users.
const UserServiceClassField = "tenantry.serviceClasses"

// UserServiceClasses is the index function of UserServiceClassField.
func UserServiceClasses(obj client.Object) []string {
	user, ok := obj.(*iamv1alpha1.User)
	if !ok {
		return nil
	}
	var classes []string
	for _, a := range user.Spec.Services {
		classes = append(classes, a.ServiceClass)
	}
	for _, st := range user.Status.Services {
		classes = append(classes, st.ServiceClass)
	}
	slices.Sort(classes)
	return slices.Compact(classes)
}

// UserEmailField indexes users by email, in lower case as mail systems
// compare them, to find the same person in other accounts.
const UserEmailField = "spec.email.lower"

// UserEmail is the index function of UserEmailField.
func UserEmail(obj client.Object) []string {
	user, ok := obj.(*iamv1alpha1.User)
	if !ok || user.Spec.Email == "" {
		return nil
	}
	return []string{strings.ToLower(user.Spec.Email)}
}
