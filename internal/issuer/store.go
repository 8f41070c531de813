package issuer

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// maxWriteAttempts bounds the rounds of "plan, write, conflict, re-read".
// Each conflict means another replica wrote the plan first; after it the
// plan usually needs no write at all.
const maxWriteAttempts = 5

// ErrNoKeys means no key has been read yet (the manager just started, or
// the Secret cannot be read): nothing can be signed.
var ErrNoKeys = errors.New("the signing keys are not loaded yet")

// Store keeps the signing keys in a Secret every replica reads and writes.
// Each replica re-reads it on a timer, applies the schedule, and writes only
// when the schedule changes the keys, guarded by the resourceVersion it
// read: whoever rotates first wins, the others see the conflict, re-read
// and find nothing left to do.
type Store struct {
	// Writer creates and updates the Secret.
	Writer client.Writer
	// Reader reads the Secret past the cache, which holds only credential
	// Secrets; it is one small read per refresh.
	Reader client.Reader
	// Secret names the Secret, in the manager's namespace.
	Secret types.NamespacedName
	Policy Policy
	// Clock tells the time; tests move it.
	Clock clock.PassiveClock

	mu   sync.RWMutex
	keys []Key
}

// RefreshInterval is how often a replica re-reads the keys: often enough
// that a key another replica made is known well before it signs.
func (s *Store) RefreshInterval() time.Duration {
	return min(max(s.Policy.PublishDelay/3, 100*time.Millisecond), time.Minute)
}

// NeedLeaderElection is false: every replica serves the JWKS and signs.
func (s *Store) NeedLeaderElection() bool { return false }

// Start refreshes the keys at once and then on every tick until ctx ends.
// A failed refresh keeps the keys last read and is tried again at the next
// tick: tokens keep being signed through a short API server outage.
func (s *Store) Start(ctx context.Context) error {
	log := ctrl.LoggerFrom(ctx).WithName("signing-keys").WithValues("secret", s.Secret.String())
	ticker := time.NewTicker(s.RefreshInterval())
	defer ticker.Stop()
	for {
		if err := s.Refresh(ctx); err != nil && ctx.Err() == nil {
			log.Error(err, "Refreshing the signing keys failed; keeping the keys last read")
		}
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
	}
}

// Refresh reads the Secret, applies the schedule, writes what changed, and
// remembers the result.
func (s *Store) Refresh(ctx context.Context) error {
	for attempt := 1; ; attempt++ {
		keys, err := s.refreshOnce(ctx)
		switch {
		case err == nil:
			s.mu.Lock()
			s.keys = keys
			s.mu.Unlock()
			return nil
		case (apierrors.IsConflict(err) || apierrors.IsAlreadyExists(err)) && attempt < maxWriteAttempts:
			// Another replica wrote first: read what it wrote.
			continue
		default:
			return fmt.Errorf("signing keys in Secret %s: %w", s.Secret, err)
		}
	}
}

func (s *Store) refreshOnce(ctx context.Context) ([]Key, error) {
	secret := &corev1.Secret{}
	err := s.Reader.Get(ctx, s.Secret, secret)
	exists := err == nil
	switch {
	case apierrors.IsNotFound(err):
		secret = s.newSecret()
	case err != nil:
		return nil, err
	}
	// A Secret that does not decode is left alone: overwriting it would
	// invalidate every token signed with the keys it holds.
	keys, err := decodeKeys(secret.Data[keysDataKey])
	if err != nil {
		return nil, err
	}
	kept, needNew, active := planKeys(keys, s.Clock.Now(), s.Policy)
	if needNew {
		key, err := newKey(active)
		if err != nil {
			return nil, err
		}
		kept = append(kept, key)
	}
	if exists && !needNew && len(kept) == len(keys) {
		return kept, nil
	}
	if secret.Data == nil {
		secret.Data = map[string][]byte{}
	}
	secret.Data[keysDataKey] = encodeKeys(kept)
	if exists {
		err = s.Writer.Update(ctx, secret)
	} else {
		err = s.Writer.Create(ctx, secret)
	}
	return kept, err
}

func (s *Store) newSecret() *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: s.Secret.Namespace, Name: s.Secret.Name,
			Labels: map[string]string{iamv1alpha1.ManagedByLabel: iamv1alpha1.ManagedBy},
		},
		Type: corev1.SecretTypeOpaque,
	}
}

// Keys returns the keys last read, in order of activation.
func (s *Store) Keys() []Key {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.keys
}
