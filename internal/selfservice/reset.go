package selfservice

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/credentials"
)

// resetRequest asks for a password reset email.
type resetRequest struct {
	Account string `json:"account"`
	Email   string `json:"email"`
}

// resetConfirmRequest sets a new password with the token of the email.
type resetConfirmRequest struct {
	Token    string `json:"token"`
	Password string `json:"password"`
	Confirm  string `json:"confirm,omitempty"`
}

// Bounds of the work behind password reset requests, done after the answer.
const (
	// maxResetsRunning is how many requests are looked up and recorded at
	// once: the rest of the manager keeps its share of the API server.
	maxResetsRunning = 4
	// maxResetsWaiting bounds the requests running or waiting. One beyond
	// it is dropped and logged; its answer is the same 202 as any other's,
	// and the rate limits keep a person from getting there.
	maxResetsWaiting = 256
	// resetWorkTimeout bounds the work of one request, which no client
	// waits on any more.
	resetWorkTimeout = 30 * time.Second
	// resetWorkDelay is how long the work waits before it starts: long
	// enough for the answer to have left, so that the work of a request
	// that names a user does not take the CPU its own answer needs, which
	// on a busy server would make that answer slower than a stranger's.
	resetWorkDelay = 100 * time.Millisecond
)

// resetWork runs password reset requests after they were answered.
type resetWork struct {
	once    sync.Once
	waiting chan struct{}
	running chan struct{}
	// done counts the requests not finished yet.
	done sync.WaitGroup
}

// requestResetLater records a password reset request after the answer has
// left, in the background, with a context of its own: the answer is then
// the same, and as quick, whether or not the request names a user, which
// timing would otherwise tell. ctx gives only its values (the logger).
func (s *Server) requestResetLater(ctx context.Context, log logr.Logger, req resetRequest) {
	q := &s.resets
	q.once.Do(func() {
		q.waiting = make(chan struct{}, maxResetsWaiting)
		q.running = make(chan struct{}, maxResetsRunning)
	})
	select {
	case q.waiting <- struct{}{}:
	default:
		log.Info("Too many password reset requests waiting; one is dropped")
		return
	}
	q.done.Add(1)
	go func() {
		defer q.done.Done()
		defer func() { <-q.waiting }()
		time.Sleep(resetWorkDelay)
		q.running <- struct{}{}
		defer func() { <-q.running }()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), resetWorkTimeout)
		defer cancel()
		key, err := s.requestReset(ctx, req)
		switch {
		case err != nil:
			// Logged, never told: the answer does not depend on the user.
			log.Error(err, "Recording a password reset request failed")
		case key.Name != "":
			log.V(1).Info("Password reset requested", "namespace", key.Namespace, "user", key.Name)
		}
	}()
}

// requestReset records a password reset request in the user's Secret when
// the account and email name a user who may log in; the User controller
// sends the email, once per request, with the invitation's delivery rules.
// Whether anything was recorded is never told: the answer is always the
// same, so it cannot be used to find out who has an account.
//
// A request made while an earlier one is still unanswered is the same
// request: someone pressing the button five times gets one email.
func (s *Server) requestReset(ctx context.Context, req resetRequest) (types.NamespacedName, error) {
	if len(validation.IsDNS1123Label(req.Account)) > 0 {
		return types.NamespacedName{}, nil // no account has such a name
	}
	target, err := s.findLoginTarget(ctx, req.Account, req.Email)
	if err != nil || target == nil {
		return types.NamespacedName{}, err
	}
	user := target.user
	key := client.ObjectKeyFromObject(user)
	if user.Spec.State.KeepsOut() || !user.Status.EmailVerified {
		return key, nil
	}
	answered := ""
	if user.Status.PasswordReset != nil {
		answered = user.Status.PasswordReset.SelfServiceRequest
	}
	err = s.updateSecret(ctx, target.secret, func(secret *corev1.Secret) error {
		reset := credentials.ReadPasswordReset(secret)
		if reset.Request != "" && reset.Request != answered {
			return nil // still waiting for the controller to answer it
		}
		reset.Request = fmt.Sprintf("%d-%s", s.Clock.Now().Unix(), rand.String(8))
		credentials.WritePasswordReset(secret, reset)
		return nil
	})
	if errors.Is(err, errGone) {
		err = nil
	}
	return key, err
}

// confirmReset sets a new password with a reset token, uses the token up,
// ends every session and clears any lockout, all in one guarded write.
func (s *Server) confirmReset(ctx context.Context, token, password string) (types.NamespacedName, error) {
	namespace, userName, ok := parseScopedToken(token)
	if !ok {
		return types.NamespacedName{}, errResetTokenInvalid
	}
	key := types.NamespacedName{Namespace: namespace, Name: userName}
	tokenHash := credentials.HashToken(token)
	secret, err := s.readResetSecret(ctx, key, tokenHash)
	if err != nil {
		return key, err
	}
	check := func(secret *corev1.Secret) error {
		if p := checkReset(secret, tokenHash, s.Clock.Now()); p != nil {
			return p
		}
		user, err := s.getUser(ctx, key)
		if err != nil {
			return err
		}
		if p := checkUser(user, secret); p != nil {
			return resetProblem(p)
		}
		return nil
	}
	if err := check(secret); err != nil {
		return key, resetProblem(err)
	}
	if err := credentials.CheckPasswordStrength(password); err != nil {
		return key, passwordTooWeak(err)
	}
	var hash []byte
	var hashErr error
	if !s.Hashes.do(ctx, func() { hash, hashErr = credentials.HashPassword(password) }) {
		return key, errServerBusy
	}
	if hashErr != nil {
		return key, hashErr
	}
	err = s.updateSecret(ctx, secret, func(secret *corev1.Secret) error {
		if err := check(secret); err != nil {
			return err
		}
		now := s.Clock.Now()
		secret.Data[credentials.KeyPasswordHash] = hash
		secret.Data[credentials.KeyPasswordSetTime] = []byte(now.UTC().Format(time.RFC3339))
		reset := credentials.ReadPasswordReset(secret)
		reset.UsedTime = now
		credentials.WritePasswordReset(secret, reset)
		credentials.RevokeSessions(secret, endPasswordReset, now)
		credentials.WriteLockout(secret, credentials.Lockout{})
		return nil
	})
	if errors.Is(err, errGone) {
		return key, errResetTokenInvalid
	}
	return key, resetProblem(err)
}

// readResetSecret reads the credential Secret a reset token names: from the
// cache, or past it when the cache does not hold the token yet.
func (s *Server) readResetSecret(ctx context.Context, key types.NamespacedName, tokenHash string) (*corev1.Secret, error) {
	secretKey := credentials.SecretKey(s.CredentialsNamespace, key.Namespace, key.Name)
	secret := &corev1.Secret{}
	if err := s.Client.Get(ctx, secretKey, secret); err != nil && !apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("get credential Secret %s: %w", secretKey, err)
	}
	if credentials.ReadPasswordReset(secret).TokenHash != tokenHash {
		// The email may have left moments before the cache saw its token.
		if err := s.APIReader.Get(ctx, secretKey, secret); err != nil {
			if apierrors.IsNotFound(err) {
				return nil, errResetTokenInvalid
			}
			return nil, fmt.Errorf("get credential Secret %s: %w", secretKey, err)
		}
	}
	return secret, nil
}

// lookupReset says, without writing anything, whether a reset link can
// still set a password, and whose it is: the user, unless the link names
// nobody it may tell of. It reads the Secret from the API server, not the
// cache, which may not yet have seen the link used a moment ago: a page
// view is rare enough to afford the read, and must not offer a dead form.
func (s *Server) lookupReset(ctx context.Context, token string) (*iamv1alpha1.User, error) {
	namespace, userName, ok := parseScopedToken(token)
	if !ok {
		return nil, errResetTokenInvalid
	}
	key := types.NamespacedName{Namespace: namespace, Name: userName}
	tokenHash := credentials.HashToken(token)
	// Past the cache: a link used a moment ago must not show a form again.
	secret, err := s.rereadSecret(ctx, credentials.SecretKey(s.CredentialsNamespace, key.Namespace, key.Name))
	if errors.Is(err, errTokenInvalid) {
		return nil, errResetTokenInvalid
	}
	if err != nil {
		return nil, err
	}
	linkProblem := checkReset(secret, tokenHash, s.Clock.Now())
	if linkProblem == errResetTokenInvalid {
		return nil, linkProblem
	}
	user, err := s.getUser(ctx, key)
	if err != nil {
		return nil, err
	}
	userProblem := checkUser(user, secret)
	switch {
	case userProblem == errTokenInvalid:
		return nil, errResetTokenInvalid
	case linkProblem != nil:
		return user, linkProblem
	case userProblem != nil:
		return user, resetProblem(userProblem)
	}
	return user, nil
}

// resetProblem words the invitation's token problems for a reset link.
func resetProblem(err error) error {
	if err == nil {
		return nil
	}
	switch err {
	case errTokenInvalid:
		return errResetTokenInvalid
	case errTokenUsed:
		return errResetTokenUsed
	case errTokenExpired:
		return errResetTokenExpired
	}
	return err
}

// checkReset says whether the reset token in a credential Secret can still
// be used with the token whose hash is tokenHash.
func checkReset(secret *corev1.Secret, tokenHash string, now time.Time) *problem {
	if secret.Labels[iamv1alpha1.UserLabel] == "" {
		return errResetTokenInvalid
	}
	reset := credentials.ReadPasswordReset(secret)
	if reset.TokenHash == "" || subtle.ConstantTimeCompare([]byte(reset.TokenHash), []byte(tokenHash)) != 1 {
		return errResetTokenInvalid
	}
	if !reset.UsedTime.IsZero() {
		return errResetTokenUsed
	}
	// A missing expiry reads as zero and so as expired.
	if !now.Before(reset.Expiry) {
		return errResetTokenExpired
	}
	return nil
}
