package console

import (
	"strings"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// confirms says whether what a person typed to confirm a deletion names
// the user: its name exactly, or its email in any case, spaces around
// either forgiven. Anything else (empty, another user's name, a prefix)
// does not.
func confirms(u *iamv1alpha1.User, typed string) bool {
	typed = strings.TrimSpace(typed)
	if typed == "" {
		return false
	}
	return typed == u.Name || (u.Spec.Email != "" && strings.EqualFold(typed, u.Spec.Email))
}
