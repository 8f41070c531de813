package webhook

import (
	"fmt"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// activeOwner says whether a user counts towards the account's owners: it
// holds the owner role, is not disabled, not deleted softly and not being
// deleted. Whether
// the person has accepted the invitation yet does not matter: admission
// decides on what was asked for (the spec), not on what the operator has
// observed so far, and an invited owner is an owner on the way.
func activeOwner(user *iamv1alpha1.User, ownerRole string) bool {
	return user.Spec.Role == ownerRole &&
		user.Spec.State != iamv1alpha1.UserStateDisabled &&
		user.Spec.State != iamv1alpha1.UserStateDeleted &&
		user.DeletionTimestamp.IsZero()
}

// lastOwnerViolation is the last-owner rule: an account keeps at least one
// active owner. It returns why the change from old to next breaks the rule,
// or "" when it does not; next is nil for a deletion. others are the
// account's users as the API server holds them now; gone says which of them
// are owners whose removal was admitted but may not be stored yet.
func lastOwnerViolation(old, next *iamv1alpha1.User, others []iamv1alpha1.User, gone func(*iamv1alpha1.User) bool, ownerRole string) string {
	if !removesOwner(old, next, ownerRole) {
		return ""
	}
	for i := range others {
		if others[i].Name != old.Name && activeOwner(&others[i], ownerRole) && !gone(&others[i]) {
			return ""
		}
	}
	var change string
	switch {
	case next == nil:
		change = "deleted"
	case next.Spec.State == iamv1alpha1.UserStateDisabled:
		change = "disabled"
	case next.Spec.State == iamv1alpha1.UserStateDeleted:
		change = "deleted softly"
	default:
		change = fmt.Sprintf("given the role %q", next.Spec.Role)
	}
	return fmt.Sprintf("last-owner rule: an account keeps at least one active owner; %s is the last active %s of account %s and cannot be %s; make another user %s first",
		old.Name, ownerRole, old.Namespace, change, ownerRole)
}

// removesOwner says whether the change from old to next (nil: deletion)
// takes an active owner away.
func removesOwner(old, next *iamv1alpha1.User, ownerRole string) bool {
	return activeOwner(old, ownerRole) && (next == nil || !activeOwner(next, ownerRole))
}

// defaultRole is the role a user without one gets: the first user of an
// account becomes its owner, everyone after a member with the default role.
func defaultRole(user *iamv1alpha1.User, others []iamv1alpha1.User, firstUserRole, laterUserRole string) string {
	for i := range others {
		if others[i].Name != user.Name {
			return laterUserRole
		}
	}
	return firstUserRole
}
