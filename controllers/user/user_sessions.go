package user

import (
	"context"
	"crypto/subtle"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/credentials"
	"github.com/tenantry-io/tenantry/internal/history"
	"github.com/tenantry-io/tenantry/internal/rbac"
)

// reconcileSessions ends the person's sessions when the right behind them
// ends: the user is disabled or deleted softly, or an administrator asked
// for a password or two-factor reset. They are removed from the credential
// Secret, not hidden behind a state check, so enabling the user again
// brings none back. It also sweeps the "log in as" sessions kept in the
// Secret: each ends at its expiry or when its actor may no longer act as
// the user, and each end is recorded once (see history.FileLogInAsEnd).
// The self-service API checks the same on every use, and records what it
// finds first; this sweep makes sure a session nobody uses again is
// recorded too, at its expiry at the latest.
func (r *Reconciler) reconcileSessions(ctx context.Context, s *userScope) (ctrl.Result, error) {
	if s.secret == nil || s.secretUnsaved {
		return ctrl.Result{}, nil
	}
	if why := sessionsEndCause(s.user); why != "" {
		return ctrl.Result{}, r.endSessions(ctx, s, why)
	}
	return r.sweepImpersonations(ctx, s)
}

// sessionsEndCause says why every session of the user must end now, or ""
// when none must. An annotation counts while its value is not yet
// acknowledged in status: the step that answers it acknowledges it in the
// same pass, so the sessions end once per value.
func sessionsEndCause(user *iamv1alpha1.User) string {
	switch user.Spec.State {
	case iamv1alpha1.UserStateDisabled:
		return "the user was disabled"
	case iamv1alpha1.UserStateDeleted:
		return "the user was deleted"
	}
	if req := user.Annotations[iamv1alpha1.ResetTwoFactorAnnotation]; req != "" && req != user.Status.TwoFactorResetRequest {
		return "an administrator reset two-factor"
	}
	if req := user.Annotations[iamv1alpha1.ResetPasswordAnnotation]; req != "" &&
		(user.Status.PasswordReset == nil || req != user.Status.PasswordReset.Request) {
		return "an administrator reset the password"
	}
	return ""
}

// endSessions removes every session from the credential Secret, says so in
// an event when the person had any, and records the end of each "log in
// as" session among them. A Secret without sessions costs no write.
func (r *Reconciler) endSessions(ctx context.Context, s *userScope, why string) error {
	if len(credentials.ReadSessions(s.secret)) == 0 {
		return nil
	}
	secret := s.secret.DeepCopy()
	ended := credentials.EndSessions(secret, func(credentials.Session) bool { return true }, s.now)
	if err := r.writeSecret(ctx, s, secret); err != nil {
		return fmt.Errorf("end the sessions of user %s: %w", s.user.Name, err)
	}
	own := 0
	for _, session := range ended {
		if session.Actor == nil {
			own++
		}
	}
	if own > 0 {
		r.event(s.user, corev1.EventTypeNormal, "SessionsEnded", "EndSessions",
			fmt.Sprintf("the person's sessions ended (%d): %s", own, why))
	}
	return r.recordImpersonationEnds(ctx, s, ended, func(session credentials.Session) string {
		return endedWhy(session, history.EndTargetOut+": "+why)
	})
}

// sweepImpersonations removes the "log in as" sessions that have ended,
// records their end, and asks to come back when the next one expires.
func (r *Reconciler) sweepImpersonations(ctx context.Context, s *userScope) (ctrl.Result, error) {
	ends := map[string]string{}
	var next time.Time
	for _, session := range credentials.ReadSessions(s.secret) {
		if session.Actor == nil {
			continue
		}
		why, err := r.impersonationEnd(ctx, s, session)
		if err != nil {
			return ctrl.Result{}, err
		}
		if why != "" {
			ends[session.TokenHash] = why
		} else if next.IsZero() || session.Expiry.Before(next) {
			next = session.Expiry
		}
	}
	var result ctrl.Result
	if !next.IsZero() {
		result.RequeueAfter = next.Sub(s.now)
	}
	if len(ends) == 0 {
		return result, nil
	}
	secret := s.secret.DeepCopy()
	ended := credentials.EndSessions(secret, func(session credentials.Session) bool {
		_, ok := ends[session.TokenHash]
		return ok
	}, s.now)
	if err := r.writeSecret(ctx, s, secret); err != nil {
		return ctrl.Result{}, fmt.Errorf("remove ended impersonation sessions of user %s: %w", s.user.Name, err)
	}
	return result, r.recordImpersonationEnds(ctx, s, ended, func(session credentials.Session) string {
		return ends[session.TokenHash]
	})
}

// impersonationEnd says why a "log in as" session has ended, or "" while
// it may go on: the same rules the self-service API applies on every use.
func (r *Reconciler) impersonationEnd(ctx context.Context, s *userScope, session credentials.Session) (string, error) {
	if session.Expired(s.now) {
		return endedWhy(session, history.EndExpired), nil
	}
	actor := &iamv1alpha1.User{}
	err := r.Get(ctx, client.ObjectKey{Namespace: s.user.Namespace, Name: session.Actor.User}, actor)
	switch {
	case apierrors.IsNotFound(err):
		return history.EndActorRight, nil
	case err != nil:
		return "", fmt.Errorf("get user %s acting as %s: %w", session.Actor.User, s.user.Name, err)
	case string(actor.UID) != session.Actor.UID:
		return history.EndActorRight, nil
	}
	actorMember, err := rbac.ReadMember(ctx, r.Client, actor)
	if err != nil {
		return "", err
	}
	target, err := rbac.ReadMember(ctx, r.Client, s.user)
	if err != nil {
		return "", err
	}
	if !rbac.MayActAs(actorMember, target) {
		return history.EndActorRight, nil
	}
	live, err := r.actorSessionLive(ctx, s, session.Actor)
	if err != nil || live {
		return "", err
	}
	return history.EndActorSession, nil
}

// actorSessionLive reports whether the actor's session that started a "log
// in as" session is still in the actor's credential Secret, as the cache
// has it: a logout the cache has not seen yet is found on the next pass.
func (r *Reconciler) actorSessionLive(ctx context.Context, s *userScope, actor *credentials.SessionActor) (bool, error) {
	if actor.SessionHash == "" {
		return false, nil
	}
	secret := &corev1.Secret{}
	key := credentials.SecretKey(r.CredentialsNamespace, s.user.Namespace, actor.User)
	if err := r.Get(ctx, key, secret); err != nil {
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		return false, fmt.Errorf("get credential secret of user %s: %w", actor.User, err)
	}
	for _, session := range credentials.ReadSessions(secret) {
		if session.Actor != nil || session.Expired(s.now) {
			continue
		}
		if subtle.ConstantTimeCompare([]byte(credentials.ActorSessionHash(session.TokenHash)), []byte(actor.SessionHash)) == 1 {
			return true, nil
		}
	}
	return false, nil
}

// recordImpersonationEnds files the end of each "log in as" session among
// ended, with the reason why gives it.
func (r *Reconciler) recordImpersonationEnds(ctx context.Context, s *userScope, ended []credentials.Session, why func(credentials.Session) string) error {
	for _, session := range ended {
		actor := session.Actor
		if actor == nil {
			continue
		}
		err := history.FileLogInAsEnd(ctx, r.Client, r.Recorder, s.user, history.LogInAsEnd{
			SessionHash: session.TokenHash, ActorUser: actor.User, ActorUID: actor.UID, ActorEmail: actor.Email,
			Why: why(session), Time: s.now,
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// endedWhy is the reason a session was marked with when it was ended by a
// writer that could not record it, else fallback.
func endedWhy(session credentials.Session, fallback string) string {
	if session.Ended != "" {
		return session.Ended
	}
	return fallback
}
