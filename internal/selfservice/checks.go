package selfservice

import (
	"crypto/subtle"
	"time"

	corev1 "k8s.io/api/core/v1"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/credentials"
)

// checkInvitation says whether the invitation in a credential Secret can
// still be accepted with the token whose hash is tokenHash. It runs again on
// every fresh read of the Secret, because the Secret may have changed between
// the cached read that found it and the write: accepted by a parallel request,
// or given a new token by a re-invitation.
func checkInvitation(secret *corev1.Secret, tokenHash string, now time.Time) *problem {
	if secret.Labels[iamv1alpha1.UserLabel] == "" {
		return errTokenInvalid
	}
	inv := credentials.ReadInvitation(secret)
	if !matchesAny(inv.TokenHashes(), tokenHash) {
		return errTokenInvalid
	}
	if !inv.AcceptedTime.IsZero() {
		return errTokenUsed
	}
	// A missing or unreadable expiry reads as zero and so as expired: a token
	// that never expires is the one outcome to avoid.
	if !now.Before(inv.Expiry) {
		return errTokenExpired
	}
	return nil
}

// matchesAny reports whether tokenHash is one of the invitation's hashes:
// the current attempt's, or an earlier attempt's that may have been
// delivered. The hashes are not secret enough to need it, but a
// constant-time comparison costs nothing and ends the discussion.
func matchesAny(hashes []string, tokenHash string) bool {
	found := 0
	for _, h := range hashes {
		found |= subtle.ConstantTimeCompare([]byte(h), []byte(tokenHash))
	}
	return found == 1
}

// checkUser says whether the User that owns a credential Secret may accept an
// invitation. user is nil when the User does not exist.
func checkUser(user *iamv1alpha1.User, secret *corev1.Secret) *problem {
	// A soft-deleted user is gone for the person: no login, no session,
	// no link works, as if there were no such user.
	if user == nil || !user.DeletionTimestamp.IsZero() || user.Spec.State == iamv1alpha1.UserStateDeleted {
		return errTokenInvalid
	}
	// A User deleted and created again under the same name is another person;
	// the old Secret may outlive its owner (its finalizer was forced off).
	// The UID the Secret was made for tells the two apart.
	if uid := secret.Annotations[credentials.OwnerUIDAnnotation]; uid != "" && uid != string(user.UID) {
		return errTokenInvalid
	}
	if user.Spec.State == iamv1alpha1.UserStateDisabled {
		return errUserDisabled
	}
	return nil
}
