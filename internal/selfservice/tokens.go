package selfservice

import (
	"context"
	"errors"
	"net/http"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tenantry-io/tenantry/internal/credentials"
	"github.com/tenantry-io/tenantry/internal/issuer"
	"github.com/tenantry-io/tenantry/internal/rbac"
)

// tokenBody is the JSON of a new ID token.
type tokenBody struct {
	Token      string     `json:"token"`
	ExpiryTime time.Time  `json:"expiryTime"`
	Namespace  string     `json:"namespace"`
	User       string     `json:"user"`
	Actor      *actorBody `json:"actor,omitempty"`
}

// actorBody names who acts as the user in a "log in as" session.
type actorBody struct {
	User  string `json:"user"`
	Email string `json:"email"`
}

// serveDiscovery answers the OpenID Connect discovery document.
func (s *Server) serveDiscovery(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		methodNotAllowed(w, http.MethodGet, http.MethodHead)
		return
	}
	logWriteError(logger(r), writeJSON(w, http.StatusOK, s.Tokens.Discovery()))
}

// serveJWKS answers the public signing keys.
func (s *Server) serveJWKS(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		methodNotAllowed(w, http.MethodGet, http.MethodHead)
		return
	}
	logWriteError(logger(r), writeJSON(w, http.StatusOK, s.Tokens.JWKS()))
}

// serveTokens answers POST /v1/tokens: an ID token the API server accepts,
// for the user of the request's session.
func (s *Server) serveTokens(w http.ResponseWriter, r *http.Request) {
	log := logger(r)
	if r.Method != http.MethodPost {
		methodNotAllowed(w, http.MethodPost)
		return
	}
	a, err := s.lookupSession(r.Context(), r, false)
	if err != nil {
		fail(w, log, false, err, page{})
		return
	}
	log = log.WithValues("namespace", a.user.Namespace, "user", a.user.Name)
	body, err := s.issueToken(r.Context(), a)
	if err != nil {
		fail(w, log, false, err, page{})
		return
	}
	if body.Actor != nil {
		log = log.WithValues("actor", body.Actor.User)
	}
	log.Info("Cluster token issued", "expiryTime", body.ExpiryTime)
	logWriteError(log, writeJSON(w, http.StatusCreated, body))
}

// issueToken signs a token for an authenticated session. Only a user who
// may log in now gets one: a lock counts here although it does not end
// sessions, and a "log in as" session gets one only while its actor may
// still act as the user.
func (s *Server) issueToken(ctx context.Context, a *authenticated) (tokenBody, error) {
	if lockout := credentials.ReadLockout(a.secret); lockout.Locked(s.Clock.Now()) {
		return tokenBody{}, userLocked(lockout.Until)
	}
	sub := issuer.Subject{UID: string(a.user.UID), Email: a.user.Spec.Email, NotAfter: a.session.Expiry}
	body := tokenBody{Namespace: a.user.Namespace, User: a.user.Name}
	if actor := a.session.Actor; actor != nil {
		if err := s.checkActorStillMay(ctx, a, actor); err != nil {
			return tokenBody{}, err
		}
		sub.Actor = &issuer.Actor{Subject: actor.UID, Email: actor.Email}
		body.Actor = &actorBody{User: actor.User, Email: actor.Email}
	}
	token, expiry, err := s.Tokens.Sign(sub)
	if errors.Is(err, issuer.ErrNoKeys) {
		return tokenBody{}, errKeysNotReady
	}
	if err != nil {
		return tokenBody{}, err
	}
	body.Token, body.ExpiryTime = token, expiry
	return body, nil
}

// checkActorStillMay ends the use of a "log in as" session whose actor was
// disabled, demoted or deleted, or whose target became someone nobody may
// act as, since it started.
func (s *Server) checkActorStillMay(ctx context.Context, a *authenticated, actor *credentials.SessionActor) error {
	user, err := s.getUser(ctx, client.ObjectKey{Namespace: a.user.Namespace, Name: actor.User})
	if err != nil {
		return err
	}
	if user == nil || string(user.UID) != actor.UID {
		return errActorGone
	}
	actorMember, err := rbac.ReadMember(ctx, s.Client, user)
	if err != nil {
		return err
	}
	target, err := rbac.ReadMember(ctx, s.Client, a.user)
	if err != nil {
		return err
	}
	if !rbac.MayActAs(actorMember, target) {
		return errActorGone
	}
	return nil
}
