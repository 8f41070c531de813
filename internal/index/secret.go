package index

import (
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tenantry-io/tenantry/internal/credentials"
)

// SecretTokenHashField indexes credential Secrets by every hash that
// accepts the invitation: data[credentials.KeyInvitationTokenHash] and the
// earlier attempts' hashes kept beside it. Accepting an invitation looks
// the Secret up by it, so the request carries nothing but the token, and
// whichever copy of a retried email the person opens finds the Secret.
const SecretTokenHashField = "tenantry.invitationTokenHash"

// SecretTokenHashes is the index function of SecretTokenHashField. It
// returns nil for Secrets that name no user and account in their labels or
// have no token hash, so a Secret the operator does not own can never be
// found by a token. The manager caches Secrets of the credentials namespace
// only, so a Secret elsewhere is never indexed either.
func SecretTokenHashes(obj client.Object) []string {
	secret, ok := obj.(*corev1.Secret)
	if !ok {
		return nil
	}
	if _, ok := credentials.SecretOwner(secret); !ok {
		return nil
	}
	hashes := credentials.ReadInvitation(secret).TokenHashes()
	if len(hashes) == 0 {
		return nil
	}
	return hashes
}
