package selfservice

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/go-logr/logr"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/tenantry-io/tenantry/internal/console"
	"github.com/tenantry-io/tenantry/internal/credentials"
	"github.com/tenantry-io/tenantry/internal/history"
	"github.com/tenantry-io/tenantry/internal/issuer"
)

// The Server is the console's only way to sessions (console.Sessions), and
// its problems are errors the console can show (console.SessionError).
var (
	_ console.Sessions     = (*Server)(nil)
	_ console.SessionError = (*problem)(nil)
)

// HTTPStatus is the status a problem answers with.
func (p *problem) HTTPStatus() int { return p.status }

// Reason is the problem's machine-readable reason.
func (p *problem) Reason() string { return p.reason }

// Reasons of the console's own session problems.
const (
	ReasonIssuerOff = "IssuerOff"
	ReasonNotActing = "NotActingAsUser"
)

var (
	errIssuerOff = &problem{status: http.StatusServiceUnavailable, reason: ReasonIssuerOff,
		message: "Tenantry's token issuer is off on this server, so nothing can be done in the cluster as a signed-in person."}
	errNotActing = &problem{status: http.StatusConflict, reason: ReasonNotActing,
		message: "You are not acting as another user: there is nothing to disconnect."}
)

// Trust probe subject: no user of any account has this UID, and the email's
// domain cannot exist (.invalid, RFC 2606).
const (
	trustProbeUID   = "tenantry-console-trust-probe"
	trustProbeEmail = "trust-probe@console.tenantry.invalid"
	trustProbeTTL   = time.Minute
)

// sessionError is what the console gets of an error: a problem as it is,
// any other error logged here and answered as an internal error, so that a
// detail of the server's internals never reaches a page.
func sessionError(ctx context.Context, err error, what string) error {
	var p *problem
	if errors.As(err, &p) {
		return p
	}
	ctrl.LoggerFrom(ctx).WithName("selfservice").Error(err, what)
	return errInternal
}

// Person is the signed-in person of the request's session; a session that
// may only enrol two-factor is none. An ended session, "log in as" ones
// included, is 401.
func (s *Server) Person(r *http.Request) (*console.Person, error) {
	a, err := s.authenticateSession(r.Context(), r, false)
	if errors.Is(err, errActorGone) {
		err = errSessionInvalid
	}
	if err != nil {
		return nil, sessionError(r.Context(), err, "Reading the console's session failed")
	}
	person := &console.Person{
		Namespace: a.user.Namespace, User: a.user.Name, Email: a.user.Spec.Email, FullName: a.user.Spec.FullName,
		Expiry: a.session.Expiry, TwoFactor: credentials.TwoFactorEnabled(a.secret),
	}
	if actor := a.session.Actor; actor != nil {
		person.Actor = &console.Actor{User: actor.User, Email: actor.Email}
	}
	return person, nil
}

// ClusterToken mints an ID token for the request's session, as POST
// /v1/tokens does, with the same checks.
func (s *Server) ClusterToken(r *http.Request) (string, time.Time, error) {
	ctx := r.Context()
	if s.Tokens == nil {
		return "", time.Time{}, errIssuerOff
	}
	a, err := s.lookupSession(ctx, r, false)
	if err != nil {
		return "", time.Time{}, sessionError(ctx, err, "Reading the console's session failed")
	}
	body, err := s.issueToken(ctx, a)
	if err != nil {
		return "", time.Time{}, sessionError(ctx, err, "Issuing a cluster token for the console failed")
	}
	// A page of the console asks for one per request: not news for the log.
	ctrl.LoggerFrom(ctx).WithName("selfservice").V(1).Info("Cluster token issued for the console",
		"namespace", a.user.Namespace, "user", a.user.Name, "expiryTime", body.ExpiryTime)
	return body.Token, body.ExpiryTime, nil
}

// CSRFToken is the csrf field of the console's forms for the request's
// session: the same value the self-service pages' session forms carry.
func (s *Server) CSRFToken(r *http.Request) (string, error) {
	token, p := sessionCredential(r)
	if p != nil {
		return "", p
	}
	if token == "" {
		return "", errSessionInvalid
	}
	return sessionCSRFToken(token), nil
}

// StartLogInAs starts a "log in as" session as POST
// /v1/sessions/impersonate does (the same checks, event, record and
// metric), then switches the browser to it, keeping the actor's own
// session in a second cookie to come back to.
func (s *Server) StartLogInAs(w http.ResponseWriter, r *http.Request, user string) error {
	ctx := r.Context()
	if s.Tokens == nil {
		return errIssuerOff
	}
	if user == "" {
		return badRequest("Name the user to act as.")
	}
	actorToken, p := sessionCredential(r)
	if p != nil {
		return p
	}
	a, err := s.lookupSession(ctx, r, false)
	if err != nil {
		return sessionError(ctx, err, "Reading the console's session failed")
	}
	log := consoleLogger(ctx).WithValues("namespace", a.user.Namespace, "actor", a.user.Name, "user", user)
	body, err := s.startImpersonation(ctx, log, a, user)
	if err != nil {
		return sessionError(ctx, err, "Starting a log in as failed")
	}
	setActorCookie(w, r, actorToken, a.session.Expiry)
	setSessionCookie(w, r, body.Token, body.ExpiryTime)
	return nil
}

// EndLogInAs ends the request's "log in as" session as a logout of it does,
// recording the end, and switches the browser back to the actor's own
// session. When that one has ended meanwhile, the browser keeps neither:
// 401, log in again.
func (s *Server) EndLogInAs(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	actorToken := actorCookieValue(r)
	if actorToken == "" {
		return errNotActing
	}
	a, err := s.lookupSession(ctx, r, false)
	var p *problem
	switch {
	case err == nil && a.session.Actor == nil:
		// The session is the person's own: only the cookie kept aside is
		// left of a "log in as" that ended some other way.
		clearActorCookie(w, r)
		return errNotActing
	case err == nil:
		log := consoleLogger(ctx).WithValues("namespace", a.user.Namespace, "user", a.user.Name, "actor", a.session.Actor.User)
		if err := s.endSession(ctx, a); err != nil {
			return sessionError(ctx, err, "Ending a log in as failed")
		}
		log.Info("Logged out")
		s.recordImpersonationEnd(logr.NewContext(ctx, log), a, history.EndLoggedOut)
	case !errors.As(err, &p):
		return sessionError(ctx, err, "Reading the console's session failed")
	}
	// A session that had ended already was removed, and its end recorded,
	// by the lookup that found it ended.
	actor, err := s.lookupToken(ctx, actorToken, false)
	if err == nil && (actor.session.Actor != nil ||
		(a != nil && a.session.Actor.SessionHash != credentials.ActorSessionHash(actor.tokenHash))) {
		err = errSessionInvalid // not the session that started this one
	}
	if err != nil {
		clearSessionCookie(w, r)
		clearActorCookie(w, r)
		if errors.As(err, &p) {
			return errSessionInvalid
		}
		return sessionError(ctx, err, "Reading the actor's session failed")
	}
	setSessionCookie(w, r, actorToken, actor.session.Expiry)
	clearActorCookie(w, r)
	return nil
}

// TrustProbeToken is a token of the issuer for no user at all, which the
// console shows the API server to learn whether it trusts the issuer. It
// lasts a minute; with no issuer, there is nothing to trust.
func (s *Server) TrustProbeToken(context.Context) (string, error) {
	if s.Tokens == nil {
		return "", errIssuerOff
	}
	token, _, err := s.Tokens.Sign(issuer.Subject{UID: trustProbeUID, Email: trustProbeEmail,
		NotAfter: s.Clock.Now().Add(trustProbeTTL)})
	if errors.Is(err, issuer.ErrNoKeys) {
		return "", errKeysNotReady
	}
	return token, err
}

func consoleLogger(ctx context.Context) logr.Logger {
	return ctrl.LoggerFrom(ctx).WithName("selfservice")
}
