package selfservice

import (
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/credentials"
)

// TokenHashField is the cache field index on credential Secrets: the value of
// data[credentials.KeyInvitationTokenHash]. Accepting an invitation looks the
// Secret up by it, so the request carries nothing but the token.
const TokenHashField = "tenantry.invitationTokenHash"

// IndexTokenHash is the IndexerFunc to register with
// mgr.GetFieldIndexer().IndexField(ctx, &corev1.Secret{}, TokenHashField, IndexTokenHash).
// It returns nil for Secrets without the user label or without a token hash,
// so a Secret the operator does not own can never be found by a token.
func IndexTokenHash(obj client.Object) []string {
	secret, ok := obj.(*corev1.Secret)
	if !ok {
		return nil
	}
	if secret.Labels[iamv1alpha1.UserLabel] == "" {
		return nil
	}
	hash := secret.Data[credentials.KeyInvitationTokenHash]
	if len(hash) == 0 {
		return nil
	}
	return []string{string(hash)}
}
