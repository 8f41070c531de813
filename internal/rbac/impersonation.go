package rbac

import (
	"strings"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/conditions"
)

// "Log in as" is granted by no RBAC object: the self-service API decides
// with MayActAs and signs a token of the target naming the actor. Granting
// the Kubernetes impersonate verb instead would need the manager to create
// ClusterRoleBindings and to pass the escalation check for impersonate,
// and whoever holds either can act as any user the cluster knows.

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
