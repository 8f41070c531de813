package selfservice

import (
	"context"
	"errors"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tenantry-io/tenantry/internal/credentials"
	"github.com/tenantry-io/tenantry/internal/index"
)

// staleSecrets answers Secret lists from a snapshot, as an informer that has
// not seen the latest writes would; everything else goes to the real client.
type staleSecrets struct {
	client.Client
	snapshot *corev1.SecretList
}

func (c *staleSecrets) List(ctx context.Context, list client.ObjectList, opts ...client.ListOption) error {
	if secrets, ok := list.(*corev1.SecretList); ok {
		c.snapshot.DeepCopyInto(secrets)
		return nil
	}
	return c.Client.List(ctx, list, opts...)
}

// snapshotSecrets is what the cache answers now for the invitation's token.
func snapshotSecrets(t *testing.T, inv *invitation) *corev1.SecretList {
	t.Helper()
	var secrets corev1.SecretList
	hash := credentials.HashToken(inv.token)
	if err := cached.List(context.Background(), &secrets, client.MatchingFields{index.SecretTokenHashField: hash}); err != nil {
		t.Fatalf("list cached Secrets: %v", err)
	}
	if len(secrets.Items) != 1 {
		t.Fatalf("the cache holds %d Secrets for the token, want 1", len(secrets.Items))
	}
	return &secrets
}

// conflictingPatches fails every patch with a Conflict, as if someone always
// wrote the object first.
type conflictingPatches struct {
	client.Client
	mu      sync.Mutex
	patches int
}

func (c *conflictingPatches) Patch(_ context.Context, obj client.Object, _ client.Patch, _ ...client.PatchOption) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.patches++
	return apierrors.NewConflict(schema.GroupResource{Resource: "secrets"}, obj.GetName(), errors.New("the object has been modified"))
}

// staleSecret answers Gets of one Secret with an old copy, as a cache that
// has not seen the latest writes would.
type staleSecret struct {
	client.Client
	secret *corev1.Secret
}

func (c *staleSecret) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	if s, ok := obj.(*corev1.Secret); ok && key == client.ObjectKeyFromObject(c.secret) {
		c.secret.DeepCopyInto(s)
		return nil
	}
	return c.Client.Get(ctx, key, obj, opts...)
}
