package selfservice

import (
	"bytes"
	"context"
	"fmt"
	"maps"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// maxUpdateAttempts bounds the rounds of "decide, write, conflict, re-read"
// of updateSecret. Every conflict means another writer succeeded, so twenty
// people guessing at once settle in at most twenty rounds.
const maxUpdateAttempts = 32

// updateSecret applies change to a credential Secret and writes the result,
// guarded by the resourceVersion of the copy change decided on. After a
// conflict it reads the Secret again from the API server and runs change
// again on that, so every decision (count a failure, lock, use a code) is
// taken on the Secret as it is, never on an older copy. change edits the
// Secret in place and returns the answer for the person (nil or, usually, a
// *problem); the answer is returned once what change did is written, and
// nothing is written when it changed nothing.
func (s *Server) updateSecret(ctx context.Context, secret *corev1.Secret, change func(*corev1.Secret) error) error {
	key := client.ObjectKeyFromObject(secret)
	for attempt := 1; ; attempt++ {
		updated := secret.DeepCopy()
		outcome := change(updated)
		if sameData(secret.Data, updated.Data) {
			return outcome
		}
		err := s.Client.Patch(ctx, updated, client.MergeFromWithOptions(secret, client.MergeFromWithOptimisticLock{}))
		switch {
		case err == nil:
			return outcome
		case apierrors.IsNotFound(err):
			return errGone
		case !apierrors.IsConflict(err) || attempt == maxUpdateAttempts:
			return fmt.Errorf("write credential Secret %s (attempt %d): %w", key, attempt, err)
		}
		fresh := &corev1.Secret{}
		if err := s.APIReader.Get(ctx, key, fresh); err != nil {
			if apierrors.IsNotFound(err) {
				return errGone
			}
			return fmt.Errorf("re-read credential Secret %s after a conflict: %w", key, err)
		}
		secret = fresh
	}
}

func sameData(a, b map[string][]byte) bool {
	return maps.EqualFunc(a, b, bytes.Equal)
}
