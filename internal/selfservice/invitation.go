package selfservice

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/credentials"
	"github.com/tenantry-io/tenantry/internal/index"
)

// maxAcceptAttempts bounds the rounds of "check, write, conflict, re-read".
// Only the person and the User controller write a credential Secret, so a
// third conflict in a row means something is wrong rather than busy.
const maxAcceptAttempts = 3

// errAmbiguousToken is returned when two Secrets carry the same token hash.
// With 256-bit tokens that only happens when a Secret was copied (a restore
// into another namespace, say); refusing is the only safe answer, and a 5xx
// makes the operator's monitoring notice.
var errAmbiguousToken = errors.New("token hash matches more than one credential Secret")

// acceptInvitation sets the password of the user invited with token and
// marks the invitation accepted. The error is a *problem the person can act
// on, or another error for the server's log. The user is returned whenever a
// Secret matched the token, even with an error, so the log can say whose
// invitation it was.
//
// The token is single-use even when the cache is stale: the write carries the
// resourceVersion of what was checked, and after a conflict the checks run
// again on a fresh read from the API server.
func (s *Server) acceptInvitation(ctx context.Context, token, password string) (types.NamespacedName, error) {
	tokenHash := credentials.HashToken(token)
	secret, err := s.findSecret(ctx, tokenHash)
	if err != nil {
		return types.NamespacedName{}, err
	}
	user := ownerKey(secret)

	var passwordHash []byte
	for attempt := 1; ; attempt++ {
		if err := s.checkAcceptance(ctx, secret, tokenHash, password); err != nil {
			return user, err
		}
		// bcrypt is the slow part; a retry after a conflict reuses the hash.
		if passwordHash == nil {
			if passwordHash, err = credentials.HashPassword(password); err != nil {
				return user, fmt.Errorf("hash password: %w", err)
			}
		}

		err = s.recordAcceptance(ctx, secret, passwordHash)
		switch {
		case err == nil:
			return user, nil
		case apierrors.IsNotFound(err):
			return user, errTokenInvalid
		case !apierrors.IsConflict(err) || attempt == maxAcceptAttempts:
			return user, fmt.Errorf("record accepted invitation in Secret %s/%s (attempt %d): %w",
				secret.Namespace, secret.Name, attempt, err)
		}

		if secret, err = s.rereadSecret(ctx, client.ObjectKeyFromObject(secret)); err != nil {
			return user, err
		}
	}
}

// ownerKey names the User a credential Secret belongs to, by its labels:
// the Secret lives in the operator's namespace, not the account's.
func ownerKey(secret *corev1.Secret) types.NamespacedName {
	owner, _ := credentials.SecretOwner(secret)
	return owner
}

// cacheCatchUp bounds how long an unknown token waits for the cache. The
// operator records a token in the credential Secret before it sends the
// email, but its own cache learns of that write through a watch: on a busy
// manager, a client that accepts the moment the email arrives (a portal, a
// script) can be faster than the watch. Waiting a little for an unknown
// token costs a real person nothing; the rate limits bound what it costs
// the server.
const (
	cacheCatchUp     = 2 * time.Second
	cacheCatchUpPoll = 50 * time.Millisecond
)

// findSecret looks the credential Secret up by the hash of its token, in the
// cache's index, in the credentials namespace, giving the cache cacheCatchUp
// to see a token that was just written.
func (s *Server) findSecret(ctx context.Context, tokenHash string) (*corev1.Secret, error) {
	var secrets corev1.SecretList
	lookup := func(ctx context.Context) (bool, error) {
		if err := s.Client.List(ctx, &secrets, client.InNamespace(s.CredentialsNamespace), client.MatchingFields{index.SecretTokenHashField: tokenHash}); err != nil {
			return false, fmt.Errorf("list credential Secrets by token hash: %w", err)
		}
		return len(secrets.Items) > 0, nil
	}
	err := wait.PollUntilContextTimeout(ctx, cacheCatchUpPoll, cacheCatchUp, true, lookup)
	if err != nil && !wait.Interrupted(err) {
		return nil, err
	}
	switch len(secrets.Items) {
	case 0:
		return nil, errTokenInvalid
	case 1:
		return &secrets.Items[0], nil
	default:
		names := make([]string, 0, len(secrets.Items))
		for i := range secrets.Items {
			names = append(names, secrets.Items[i].Namespace+"/"+secrets.Items[i].Name)
		}
		return nil, fmt.Errorf("%w: %s", errAmbiguousToken, strings.Join(names, ", "))
	}
}

// rereadSecret reads a credential Secret from the API server, past the cache,
// which a conflict just proved stale, or which may lag a write made a
// moment ago.
func (s *Server) rereadSecret(ctx context.Context, key client.ObjectKey) (*corev1.Secret, error) {
	var secret corev1.Secret
	if err := s.APIReader.Get(ctx, key, &secret); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, errTokenInvalid
		}
		return nil, fmt.Errorf("re-read credential Secret %s: %w", key, err)
	}
	return &secret, nil
}

// checkAcceptance runs every check that does not write, in the order that
// tells the person the most useful thing first: a dead link before a weak
// password.
func (s *Server) checkAcceptance(ctx context.Context, secret *corev1.Secret, tokenHash, password string) error {
	if p := checkInvitation(secret, tokenHash, s.Clock.Now()); p != nil {
		return p
	}
	user, err := s.getUser(ctx, ownerKey(secret))
	if err != nil {
		return err
	}
	if p := checkUser(user, secret); p != nil {
		return p
	}
	if err := credentials.CheckPasswordStrength(password); err != nil {
		return passwordTooWeak(err)
	}
	return nil
}

// getUser reads a User from the cache, nil when it does not exist. The cache
// may lag behind an administrator disabling the user by a moment; that is
// acceptable here because setting a password grants nothing by itself, and
// logging in checks the state again.
func (s *Server) getUser(ctx context.Context, key types.NamespacedName) (*iamv1alpha1.User, error) {
	var user iamv1alpha1.User
	if err := s.Client.Get(ctx, key, &user); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("get user %s: %w", key, err)
	}
	return &user, nil
}

// recordAcceptance writes the password hash and the acceptance time. It is a
// merge patch guarded by the resourceVersion of the Secret that was checked:
// as safe as an Update, and it cannot drop what the cache does not hold
// (managedFields, say). The token hash stays, so the same link used again
// answers "already used" instead of "unknown".
func (s *Server) recordAcceptance(ctx context.Context, secret *corev1.Secret, passwordHash []byte) error {
	stamp := []byte(s.Clock.Now().UTC().Format(time.RFC3339))
	accepted := secret.DeepCopy()
	if accepted.Data == nil {
		accepted.Data = map[string][]byte{}
	}
	accepted.Data[credentials.KeyPasswordHash] = passwordHash
	accepted.Data[credentials.KeyPasswordSetTime] = stamp
	accepted.Data[credentials.KeyInvitationAcceptedTime] = stamp
	return s.Client.Patch(ctx, accepted, client.MergeFromWithOptions(secret, client.MergeFromWithOptimisticLock{}))
}
