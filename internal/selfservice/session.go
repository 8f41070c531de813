package selfservice

import (
	"context"
	"crypto/subtle"
	"fmt"
	"net/http"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/credentials"
	"github.com/tenantry-io/tenantry/internal/history"
)

// sessionCookie carries the session of the HTML pages. API clients send
// the token as "Authorization: Bearer <token>" instead.
const sessionCookie = "tenantry_session"

// authenticated is a request's valid session with its user and Secret.
type authenticated struct {
	user      *iamv1alpha1.User
	secret    *corev1.Secret
	tokenHash string
	session   credentials.Session
}

// stillValid reports whether the session is still in a fresh copy of the
// Secret: a logout or a password reset in between ends it.
func (a *authenticated) stillValid(secret *corev1.Secret, now time.Time) bool {
	_, ok := findSession(secret, a.tokenHash, now)
	return ok
}

// authenticateSession finds the request's session. enrollOnly says whether
// a session that may only enrol two-factor is enough. A disabled user's
// session is as invalid as a missing one.
func (s *Server) authenticateSession(ctx context.Context, r *http.Request, enrollOK bool) (*authenticated, error) {
	a, err := s.lookupSession(ctx, r, enrollOK)
	if err == errUserDisabled {
		return nil, errSessionInvalid
	}
	return a, err
}

// lookupSession is authenticateSession that tells a disabled user so,
// for the answers where that is more useful than "log in first". A "log in
// as" session is checked on every use: it ends at its own expiry, with the
// actor's session, and when the actor may no longer act as the user; the
// use that finds it ended removes it and records the end.
func (s *Server) lookupSession(ctx context.Context, r *http.Request, enrollOK bool) (*authenticated, error) {
	token, p := sessionCredential(r)
	if p != nil {
		return nil, p
	}
	return s.lookupToken(ctx, token, enrollOK)
}

// lookupToken is lookupSession for a session token from elsewhere than the
// request's credential: the actor's session kept aside during a "log in as".
func (s *Server) lookupToken(ctx context.Context, token string, enrollOK bool) (*authenticated, error) {
	namespace, userName, ok := parseScopedToken(token)
	if !ok {
		return nil, errSessionInvalid
	}
	hash := credentials.HashToken(token)
	now := s.Clock.Now()
	// Read past the cache: a session ended by a logout or a password reset
	// a moment ago must not work for as long as the cache lags.
	secret, err := s.readCredentials(ctx, namespace, userName)
	if err != nil {
		return nil, err
	}
	if secret == nil {
		return nil, errSessionInvalid
	}
	session, found := findAnySession(secret, hash)
	if !found || (session.Expired(now) && session.Actor == nil) {
		return nil, errSessionInvalid
	}
	if session.EnrollOnly && !enrollOK {
		return nil, errSessionInvalid
	}
	user, err := s.getUser(ctx, client.ObjectKey{Namespace: namespace, Name: userName})
	if err != nil {
		return nil, err
	}
	switch p := checkUser(user, secret); {
	case p == errUserDisabled:
		return nil, p
	case p != nil:
		return nil, errSessionInvalid
	}
	a := &authenticated{user: user, secret: secret, tokenHash: hash, session: session}
	if session.Actor == nil {
		return a, nil
	}
	why, err := s.impersonationEnd(ctx, a, now)
	if err != nil {
		return nil, err
	}
	if why == "" {
		return a, nil
	}
	s.endImpersonation(ctx, a, why)
	if why != history.EndActorRight && why != history.EndActorSession {
		return nil, errSessionInvalid
	}
	return nil, errActorGone
}

// readCredentials reads a user's credential Secret from the API server;
// nil when there is none.
func (s *Server) readCredentials(ctx context.Context, namespace, userName string) (*corev1.Secret, error) {
	key := credentials.SecretKey(s.CredentialsNamespace, namespace, userName)
	secret := &corev1.Secret{}
	if err := s.APIReader.Get(ctx, key, secret); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("get credential Secret %s: %w", key, err)
	}
	return secret, nil
}

// findSession finds a live session by the hash of its token.
func findSession(secret *corev1.Secret, hash string, now time.Time) (credentials.Session, bool) {
	session, found := findAnySession(secret, hash)
	return session, found && !session.Expired(now)
}

// findAnySession finds a session by the hash of its token, expired or not.
func findAnySession(secret *corev1.Secret, hash string) (credentials.Session, bool) {
	if secret.Labels[iamv1alpha1.UserLabel] == "" {
		return credentials.Session{}, false
	}
	for _, session := range credentials.ReadSessions(secret) {
		if subtle.ConstantTimeCompare([]byte(session.TokenHash), []byte(hash)) == 1 {
			return session, true
		}
	}
	return credentials.Session{}, false
}

// endSession removes one session from the Secret: a logout.
func (s *Server) endSession(ctx context.Context, a *authenticated) error {
	err := s.updateSecret(ctx, a.secret, func(secret *corev1.Secret) error {
		sessions := credentials.ReadSessions(secret)
		kept := sessions[:0]
		for _, session := range sessions {
			if session.TokenHash != a.tokenHash {
				kept = append(kept, session)
			}
		}
		credentials.WriteSessions(secret, kept, s.Clock.Now())
		return nil
	})
	if err == errGone {
		return nil
	}
	return err
}
