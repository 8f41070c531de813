package rbac

import (
	"context"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/index"
)

// ReadMember reads from the cache what deciding who may act as whom needs
// of a user: whether it is active, whether its role manages users, and
// whether another account knows the same email. It is the one read in this
// package of pure builders, shared so that starting a "log in as" and
// every token asked for during one decide alike.
func ReadMember(ctx context.Context, c client.Reader, user *iamv1alpha1.User) (Member, error) {
	m := Member{Email: user.Spec.Email, Active: UserActive(user)}
	role := &iamv1alpha1.Role{}
	err := c.Get(ctx, client.ObjectKey{Name: user.Spec.Role}, role)
	switch {
	case apierrors.IsNotFound(err):
		m.Active = false
	case err != nil:
		return m, fmt.Errorf("get role %s: %w", user.Spec.Role, err)
	default:
		m.Active = m.Active && role.DeletionTimestamp.IsZero()
		m.ManagesUsers = role.Spec.ManageUsers
	}
	same := &iamv1alpha1.UserList{}
	if err := c.List(ctx, same, client.MatchingFields{index.UserEmailField: strings.ToLower(user.Spec.Email)}); err != nil {
		return m, fmt.Errorf("list users with the email of %s/%s: %w", user.Namespace, user.Name, err)
	}
	for _, other := range same.Items {
		m.InOtherAccounts = m.InOtherAccounts || other.Namespace != user.Namespace
	}
	return m, nil
}
