package selfservice

import (
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tenantry-io/tenantry/internal/credentials"
)

// TokenHashField is the cache field index on credential Secrets: every hash
// that accepts the invitation, data[credentials.KeyInvitationTokenHash] and
// the earlier attempts' hashes kept beside it. Accepting an invitation looks
// the Secret up by it, so the request carries nothing but the token, and
// whichever copy of a retried email the person opens finds the Secret.
const TokenHashField = "tenantry.invitationTokenHash"

// IndexTokenHash is the IndexerFunc to register with
// mgr.GetFieldIndexer().IndexField(ctx, &corev1.Secret{}, TokenHashField, IndexTokenHash).
// It returns nil for Secrets that name no user and account in their labels
// or have no token hash, so a Secret the operator does not own can never be
// found by a token. The manager caches Secrets of the credentials namespace
// only, so a Secret elsewhere is never indexed either.
func IndexTokenHash(obj client.Object) []string {
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
