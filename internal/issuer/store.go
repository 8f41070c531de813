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

// Store keeps the signing keys in a Secret. Every replica runs a Store: it
// re-reads the Secret on a timer and signs with, and publishes, what it
// read. Only the leader runs the Rotator, which applies the schedule and
// writes the Secret when the schedule changes the keys; its writes are
// guarded by the resourceVersion it read, so that even two leaders for a
// moment (one about to step down) cannot both rotate: the second sees the
// conflict, re-reads and finds nothing left to do.
type Store struct {
	// Writer creates and updates the Secret (the Rotator's writes).
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
// that a key the leader made is known well before it signs.
func (s *Store) RefreshInterval() time.Duration {
	return min(max(s.Policy.PublishDelay/3, 100*time.Millisecond), time.Minute)
}

// Start reads the keys at once and then on every tick until ctx ends,
// writing nothing. A failed read keeps the keys last read and is tried
// again at the next tick: tokens keep being signed through a short API
// server outage. Until the leader has made the first key (a fresh
// installation), a replica has none and token requests get 503.
func (s *Store) Start(ctx context.Context) error {
	log := ctrl.LoggerFrom(ctx).WithName("signing-keys").WithValues("secret", s.Secret.String())
	return everyTick(ctx, s.RefreshInterval(), func() {
		if err := s.Load(ctx); err != nil && ctx.Err() == nil && !apierrors.IsNotFound(err) {
			log.Error(err, "Reading the signing keys failed; keeping the keys last read")
		}
	})
}

// Load reads the Secret and remembers its keys as they are.
func (s *Store) Load(ctx context.Context) error {
	secret := &corev1.Secret{}
	if err := s.Reader.Get(ctx, s.Secret, secret); err != nil {
		return fmt.Errorf("signing keys in Secret %s: %w", s.Secret, err)
	}
	keys, err := decodeKeys(secret.Data[keysDataKey])
	if err != nil {
		return fmt.Errorf("signing keys in Secret %s: %w", s.Secret, err)
	}
	s.remember(keys)
	return nil
}

// Rotator applies the key schedule: it makes the first key, publishes the
// next one ahead of its use and drops a key once every token it signed has
// expired. It runs only on the leader (a new leader takes over the
// schedule where the Secret says it is); it writes through its Store, so
// the leader signs with what it just wrote.
type Rotator struct {
	Store *Store
}

// Start refreshes the keys at once and then on every tick until ctx ends.
func (r *Rotator) Start(ctx context.Context) error {
	log := ctrl.LoggerFrom(ctx).WithName("signing-key-rotation").WithValues("secret", r.Store.Secret.String())
	return everyTick(ctx, r.Store.RefreshInterval(), func() {
		if err := r.Store.Refresh(ctx); err != nil && ctx.Err() == nil {
			log.Error(err, "Rotating the signing keys failed; trying again at the next tick")
		}
	})
}

// everyTick runs do at once and then every interval until ctx ends.
func everyTick(ctx context.Context, interval time.Duration, do func()) error {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		do()
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
	}
}

// Refresh reads the Secret, applies the schedule, writes what changed, and
// remembers the result: the Rotator's one step.
func (s *Store) Refresh(ctx context.Context) error {
	for attempt := 1; ; attempt++ {
		keys, err := s.refreshOnce(ctx)
		switch {
		case err == nil:
			s.remember(keys)
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

func (s *Store) remember(keys []Key) {
	s.mu.Lock()
	s.keys = keys
	s.mu.Unlock()
}

// Keys returns the keys last read, in order of activation.
func (s *Store) Keys() []Key {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.keys
}
