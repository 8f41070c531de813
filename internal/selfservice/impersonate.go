package selfservice

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/credentials"
	"github.com/tenantry-io/tenantry/internal/history"
	"github.com/tenantry-io/tenantry/internal/issuer"
	"github.com/tenantry-io/tenantry/internal/metrics"
	"github.com/tenantry-io/tenantry/internal/rbac"
)

// DefaultImpersonationTTL is how long a "log in as" session lasts unless
// --impersonation-ttl says otherwise: long enough to look at what the user
// sees, short enough that a forgotten one ends by itself.
const DefaultImpersonationTTL = 15 * time.Minute

// Reasons of the events "log in as" records on the target User.
const (
	EventImpersonationStarted = "ImpersonationStarted"
	EventImpersonationEnded   = history.EventImpersonationEnded
)

type impersonateRequest struct {
	User string `json:"user"`
}

// impersonationBody answers a started "log in as": a session of the target
// (Token, for the self-service API) and an ID token for the cluster, both
// carrying the actor.
type impersonationBody struct {
	Token             string    `json:"token"`
	ExpiryTime        time.Time `json:"expiryTime"`
	Namespace         string    `json:"namespace"`
	User              string    `json:"user"`
	Actor             actorBody `json:"actor"`
	IDToken           string    `json:"idToken"`
	IDTokenExpiryTime time.Time `json:"idTokenExpiryTime"`
}

// serveImpersonate answers POST /v1/sessions/impersonate: a user manager,
// with their own session, starts a session as another user of the account.
func (s *Server) serveImpersonate(w http.ResponseWriter, r *http.Request) {
	log := logger(r)
	if r.Method != http.MethodPost {
		methodNotAllowed(w, http.MethodPost)
		return
	}
	var req impersonateRequest
	if p := decodeBody(w, r, &req); p != nil {
		fail(w, log, false, p, page{})
		return
	}
	if req.User == "" {
		fail(w, log, false, badRequest("Name the user to act as in the field user."), page{})
		return
	}
	a, err := s.lookupSession(r.Context(), r, false)
	if err != nil {
		fail(w, log, false, err, page{})
		return
	}
	log = log.WithValues("namespace", a.user.Namespace, "actor", a.user.Name, "user", req.User)
	body, err := s.startImpersonation(r.Context(), log, a, req.User)
	if err != nil {
		fail(w, log, false, err, page{})
		return
	}
	logWriteError(log, writeJSON(w, http.StatusCreated, body.impersonationBody))
}

// startImpersonation starts a "log in as" session of the named user for
// the actor's session, and says so: in the log, the metrics and an event
// on the user. The API and the console start one the same way.
func (s *Server) startImpersonation(ctx context.Context, log logr.Logger, a *authenticated, name string) (impersonation, error) {
	body, err := s.impersonate(ctx, a, name)
	if err != nil {
		return impersonation{}, err
	}
	log.Info("Impersonation started", "expiryTime", body.ExpiryTime)
	metrics.RecordImpersonation()
	s.event(body.target, a.user, EventImpersonationStarted, "%s (%s) acts as this user until %s",
		a.user.Name, a.user.Spec.Email, body.ExpiryTime.Format(time.RFC3339))
	return body, nil
}

type impersonation struct {
	impersonationBody
	target *iamv1alpha1.User
}

// impersonate checks that the actor may act as the named user and starts
// the session in the target's credential Secret.
func (s *Server) impersonate(ctx context.Context, a *authenticated, name string) (impersonation, error) {
	target, secret, err := s.impersonationTarget(ctx, a, name)
	if err != nil {
		return impersonation{}, err
	}
	token, hash, err := credentials.NewScopedToken(target.Namespace, target.Name)
	if err != nil {
		return impersonation{}, err
	}
	now := s.Clock.Now()
	expiry := now.Add(s.impersonationTTL())
	if a.session.Expiry.Before(expiry) {
		// Acting as someone never outlasts the actor's own session.
		expiry = a.session.Expiry
	}
	actor := &credentials.SessionActor{User: a.user.Name, UID: string(a.user.UID), Email: a.user.Spec.Email,
		SessionHash: credentials.ActorSessionHash(a.tokenHash)}
	record, err := s.recordLogInAs(ctx, a, target, hash, expiry)
	if err != nil {
		return impersonation{}, err
	}
	err = s.updateSecret(ctx, secret, func(secret *corev1.Secret) error {
		appendSession(secret, credentials.Session{TokenHash: hash, Expiry: expiry, Actor: actor}, now)
		return nil
	})
	if err != nil {
		s.forgetLogInAs(ctx, record)
	}
	if errors.Is(err, errGone) {
		return impersonation{}, userNotFound(name)
	}
	if err != nil {
		return impersonation{}, err
	}
	idToken, idExpiry, err := s.Tokens.Sign(issuer.Subject{
		UID: string(target.UID), Email: target.Spec.Email, NotAfter: expiry,
		Actor: &issuer.Actor{Subject: actor.UID, Email: actor.Email},
	})
	if errors.Is(err, issuer.ErrNoKeys) {
		return impersonation{}, errKeysNotReady
	}
	if err != nil {
		return impersonation{}, err
	}
	return impersonation{target: target, impersonationBody: impersonationBody{
		Token: token, ExpiryTime: expiry.UTC(), Namespace: target.Namespace, User: target.Name,
		Actor: actorBody{User: actor.User, Email: actor.Email}, IDToken: idToken, IDTokenExpiryTime: idExpiry,
	}}, nil
}

// impersonationTarget finds the user to act as, and its credential Secret,
// once the rules allow it. The reasons are told: the actor manages the
// account's users and may see them all anyway.
func (s *Server) impersonationTarget(ctx context.Context, a *authenticated, name string) (*iamv1alpha1.User, *corev1.Secret, error) {
	if a.session.Actor != nil {
		return nil, nil, errNestedImpersonation
	}
	if lockout := credentials.ReadLockout(a.secret); lockout.Locked(s.Clock.Now()) {
		return nil, nil, userLocked(lockout.Until)
	}
	actor, err := rbac.ReadMember(ctx, s.Client, a.user)
	if err != nil {
		return nil, nil, err
	}
	if !actor.Active || !actor.ManagesUsers {
		return nil, nil, errNotAUserManager
	}
	user, err := s.getUser(ctx, client.ObjectKey{Namespace: a.user.Namespace, Name: name})
	if err != nil {
		return nil, nil, err
	}
	if user == nil || !user.DeletionTimestamp.IsZero() {
		return nil, nil, userNotFound(name)
	}
	target, err := rbac.ReadMember(ctx, s.Client, user)
	if err != nil {
		return nil, nil, err
	}
	switch {
	case user.Name == a.user.Name:
		return nil, nil, impersonationNotAllowed("You are this user already.")
	case target.ManagesUsers:
		return nil, nil, impersonationNotAllowed(name + " manages users: nobody may act as a user manager.")
	case target.InOtherAccounts:
		return nil, nil, impersonationNotAllowed(name + "'s email also names a user of another account, and acting as it would act there too.")
	case !rbac.MayActAs(actor, target):
		return nil, nil, impersonationNotAllowed(name + " is not active: only an active user can be acted as.")
	}
	secret := &corev1.Secret{}
	if err := s.Client.Get(ctx, credentials.SecretKey(s.CredentialsNamespace, user.Namespace, user.Name), secret); err != nil {
		if client.IgnoreNotFound(err) == nil {
			return nil, nil, impersonationNotAllowed(name + " is not active: only an active user can be acted as.")
		}
		return nil, nil, err
	}
	if checkUser(user, secret) != nil {
		return nil, nil, userNotFound(name)
	}
	return user, secret, nil
}

// event records an event on a User, related to another when not nil.
func (s *Server) event(user *iamv1alpha1.User, related *iamv1alpha1.User, reason, format string, args ...any) {
	if s.Recorder == nil {
		return
	}
	var rel runtime.Object
	if related != nil {
		rel = related
	}
	s.Recorder.Eventf(user, rel, corev1.EventTypeNormal, reason, "Impersonate", format, args...)
}

func (s *Server) impersonationTTL() time.Duration {
	if s.ImpersonationTTL <= 0 {
		return DefaultImpersonationTTL
	}
	return s.ImpersonationTTL
}
