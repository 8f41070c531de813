package selfservice

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"time"

	corev1 "k8s.io/api/core/v1"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/tenantry-io/tenantry/internal/credentials"
	"github.com/tenantry-io/tenantry/internal/history"
)

// ReasonImpersonationCannotChangeCredentials refuses a "log in as" session
// what only the person may do: change their password or second factor.
const ReasonImpersonationCannotChangeCredentials = "ImpersonationCannotChangeCredentials"

// errImpersonationCannotChangeCredentials answers a "log in as" session
// that tries to change the user's credentials: the actor helps the person,
// it does not take the account over.
var errImpersonationCannotChangeCredentials = &problem{status: http.StatusForbidden,
	reason:  ReasonImpersonationCannotChangeCredentials,
	message: "You are acting as this user: only the user may change their password, authenticator or recovery codes."}

// endPasswordReset is why a password reset ends "log in as" sessions.
const endPasswordReset = "the user's password was reset"

// refuseActor refuses a credential change to a "log in as" session.
func refuseActor(a *authenticated) error {
	if a.session.Actor != nil {
		return errImpersonationCannotChangeCredentials
	}
	return nil
}

// impersonationEnd says why a "log in as" session has ended, or "" while
// it may go on: its own expiry, the actor's right to act as the user (the
// rule that let it start, rbac.MayActAs, asked again), and the actor's own
// session that started it, read past the cache so that a logout a moment
// ago counts.
func (s *Server) impersonationEnd(ctx context.Context, a *authenticated, now time.Time) (string, error) {
	if a.session.Expired(now) {
		if a.session.Ended != "" {
			return a.session.Ended, nil
		}
		return history.EndExpired, nil
	}
	switch err := s.checkActorStillMay(ctx, a, a.session.Actor); {
	case errors.Is(err, errActorGone):
		return history.EndActorRight, nil
	case err != nil:
		return "", err
	}
	live, err := s.actorSessionLive(ctx, a.user.Namespace, a.session.Actor, now)
	if err != nil {
		return "", err
	}
	if !live {
		return history.EndActorSession, nil
	}
	return "", nil
}

// actorSessionLive reports whether the actor's session that started a "log
// in as" session is still in the actor's credential Secret.
func (s *Server) actorSessionLive(ctx context.Context, namespace string, actor *credentials.SessionActor, now time.Time) (bool, error) {
	if actor.SessionHash == "" {
		return false, nil
	}
	secret, err := s.readCredentials(ctx, namespace, actor.User)
	if err != nil || secret == nil {
		return false, err
	}
	for _, session := range credentials.ReadSessions(secret) {
		if session.Actor != nil || session.Expired(now) {
			continue
		}
		if subtle.ConstantTimeCompare([]byte(credentials.ActorSessionHash(session.TokenHash)), []byte(actor.SessionHash)) == 1 {
			return true, nil
		}
	}
	return false, nil
}

// endImpersonation removes a "log in as" session that has ended from the
// user's Secret and records why. The session is refused whatever happens
// here; a failure only leaves the removal and the record to the User
// controller's sweep at the session's expiry.
func (s *Server) endImpersonation(ctx context.Context, a *authenticated, why string) {
	log := ctrl.LoggerFrom(ctx)
	err := s.updateSecret(ctx, a.secret, func(secret *corev1.Secret) error {
		credentials.EndSessions(secret, func(session credentials.Session) bool { return session.TokenHash == a.tokenHash }, s.Clock.Now())
		return nil
	})
	if err != nil && !errors.Is(err, errGone) {
		log.Error(err, "Removing an ended impersonation session failed", "namespace", a.user.Namespace, "user", a.user.Name)
	}
	s.recordImpersonationEnd(ctx, a, why)
}

// recordImpersonationEnd records that a "log in as" session ended, once
// (see history.FileLogInAsEnd).
func (s *Server) recordImpersonationEnd(ctx context.Context, a *authenticated, why string) {
	actor := a.session.Actor
	log := ctrl.LoggerFrom(ctx).WithValues("namespace", a.user.Namespace, "user", a.user.Name, "actor", actor.User)
	err := history.FileLogInAsEnd(ctx, s.Client, s.Recorder, a.user, history.LogInAsEnd{
		SessionHash: a.tokenHash, ActorUser: actor.User, ActorUID: actor.UID, ActorEmail: actor.Email,
		Why: why, Time: s.Clock.Now(),
	})
	if err != nil {
		log.Error(err, "Recording the end of an impersonation failed")
		return
	}
	log.Info("Impersonation ended", "why", why)
}
