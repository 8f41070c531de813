package console

import (
	"context"
	"net/http"
	"time"
)

// Sessions is all the console takes from the self-service API: who is
// signed in, a short-lived cluster token for them, and "log in as". The
// self-service server implements it (selfservice.Server); the console never
// reads a credential Secret, never holds a password and never uses the
// manager's identity.
type Sessions interface {
	// Person is the signed-in person of the request's session cookie, or
	// an error with HTTPStatus 401 when there is none (or it ended).
	Person(r *http.Request) (*Person, error)
	// ClusterToken mints an ID token of Tenantry's issuer for the request's
	// session, the same as POST /v1/tokens: the console sends it to the
	// API server as the person (with the actor of a "log in as").
	ClusterToken(r *http.Request) (token string, expiry time.Time, err error)
	// CSRFToken is the value the console's forms carry in their hidden
	// field "csrf" for the request's session; it is derived from the
	// session and changes with it.
	CSRFToken(r *http.Request) (string, error)
	// StartLogInAs starts a "log in as" session of the named user of the
	// person's account (events, UserChange record, as POST
	// /v1/sessions/impersonate) and switches the browser to it, keeping
	// the actor's own session to come back to.
	StartLogInAs(w http.ResponseWriter, r *http.Request, user string) error
	// EndLogInAs ends the "log in as" session of the request and switches
	// the browser back to the actor's own session.
	EndLogInAs(w http.ResponseWriter, r *http.Request) error
	// TrustProbeToken is a token of the issuer for no user of any account,
	// so that the console can ask the API server whether it trusts the
	// issuer (a SelfSubjectReview) before anyone signs in.
	TrustProbeToken(ctx context.Context) (string, error)
}

// Person is who a console page acts as.
type Person struct {
	Namespace string
	User      string
	Email     string
	FullName  string
	// Expiry is when the session ends.
	Expiry time.Time
	// TwoFactor says whether the person signs in with a second factor.
	TwoFactor bool
	// Actor is who acts as the person in a "log in as" session; nil
	// otherwise.
	Actor *Actor
}

// Actor is the person behind a "log in as" session.
type Actor struct {
	User  string
	Email string
}

// SessionError is an error of Sessions that the console can show: its
// HTTPStatus, a machine-readable Reason (the self-service API's reasons)
// and, as Error, a sentence for a person.
type SessionError interface {
	error
	HTTPStatus() int
	Reason() string
}
