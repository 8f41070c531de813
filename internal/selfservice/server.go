package selfservice

import (
	"net/http"
	"strings"
	"time"

	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tenantry-io/tenantry/internal/credentials"
	"github.com/tenantry-io/tenantry/internal/issuer"
	"github.com/tenantry-io/tenantry/internal/webui"
)

// Server answers the self-service API. Its zero value is not usable: Client
// and APIReader are required.
type Server struct {
	// Client is the manager's cached client: reads come from the informer
	// cache (and its token-hash index), writes go to the API server.
	Client client.Client
	// APIReader reads past the cache. It is used only after a write conflict
	// proved the cache stale.
	APIReader client.Reader
	// Clock tells the time; tests move it.
	Clock clock.PassiveClock
	// CredentialsNamespace is where the credential Secrets live (see
	// credentials.SecretKey).
	CredentialsNamespace string
	// Cipher seals and opens the TOTP secrets kept in them.
	Cipher *credentials.Cipher

	// Lockout locks a user after failed passwords or codes; the zero value
	// means DefaultLockoutPolicy.
	Lockout LockoutPolicy
	// SessionTTL is how long a session lasts; zero means DefaultSessionTTL.
	SessionTTL time.Duration
	// RequireTwoFactor makes every user enrol two-factor before a login
	// gets a session, as spec.requireTwoFactor does for one user.
	RequireTwoFactor bool
	// TOTPIssuer is the name authenticator apps show; empty means
	// DefaultTOTPIssuer.
	TOTPIssuer string
	// Hashes caps the password hashes computed at once; nil means no cap.
	Hashes *HashGate
	// Limits slow down guessing; nil means no limits.
	Limits *RateLimits

	// Tokens issues ID tokens the API server trusts; nil turns cluster
	// tokens, discovery and "log in as" off.
	Tokens *issuer.Issuer
	// ImpersonationTTL bounds a "log in as" session; zero means
	// DefaultImpersonationTTL.
	ImpersonationTTL time.Duration
	// Recorder records "log in as" on the target User; nil records nothing.
	Recorder events.EventRecorder

	// Console is the account console, served at /console/; nil turns it
	// off, and the pages then end where they did before it.
	Console Console

	// resets records password reset requests after their answer.
	resets resetWork
}

// Handler returns the routes of the self-service API:
//
//	GET  /healthz                          "ok"
//	GET  /v1/invitations/accept?token=...  the page to set a password
//	POST /v1/invitations/accept            accept the invitation (JSON or form)
//	GET  /v1/sessions                      the login page
//	POST /v1/sessions                      log in (JSON or form)
//	GET  /v1/sessions/current              the session's user
//	DELETE /v1/sessions/current            log out (POST from the pages)
//	GET  /v1/password-resets               the page to ask for a reset email
//	POST /v1/password-resets               ask for a reset email; always 202
//	GET  /v1/password-resets/confirm?token the page to set a new password
//	POST /v1/password-resets/confirm       set a new password with the token
//	GET  /v1/totp/enroll                   the page to enrol an authenticator
//	POST /v1/totp/enroll                   start an enrolment: key and QR code
//	POST /v1/totp/confirm                  confirm it with a first code
//	DELETE /v1/totp                        turn two-factor off (step-up)
//	POST /v1/totp/recovery-codes           new recovery codes (step-up)
//
// and, when Tokens is set:
//
//	GET  /.well-known/openid-configuration OpenID Connect discovery
//	GET  /v1/keys                          the public signing keys (JWKS)
//	POST /v1/tokens                        an ID token for the session's user
//	POST /v1/sessions/impersonate          a user manager acts as a user
//
// and for the pages:
//
//	GET  /                                 to the console, or the login page
//	GET  /assets/...                       stylesheets and images (internal/webui)
//	     /console/...                      the account console, when Console is set
func (s *Server) Handler() http.Handler {
	// The dummy hash takes as long as a login; make it before the first
	// login for an unknown user, which would otherwise take twice as long.
	go dummyPasswordHash()
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", serveHealthz)
	mux.HandleFunc("/v1/invitations/accept", s.serveAccept)
	mux.HandleFunc("/v1/sessions", s.serveSessions)
	mux.HandleFunc("/v1/sessions/current", s.serveCurrentSession)
	mux.HandleFunc("/v1/password-resets", s.servePasswordResets)
	mux.HandleFunc("/v1/password-resets/confirm", s.serveResetConfirm)
	mux.HandleFunc("/v1/totp/enroll", s.serveEnroll)
	mux.HandleFunc("/v1/totp/confirm", s.serveEnrollConfirm)
	mux.HandleFunc("/v1/totp", s.serveTwoFactor)
	mux.HandleFunc("/v1/totp/recovery-codes", s.serveRecoveryCodes)
	if s.Tokens != nil {
		mux.HandleFunc(issuer.DiscoveryPath, s.serveDiscovery)
		mux.HandleFunc(issuer.JWKSPath, s.serveJWKS)
		mux.HandleFunc("/v1/tokens", s.serveTokens)
		mux.HandleFunc("/v1/sessions/impersonate", s.serveImpersonate)
	}
	mux.HandleFunc("/", s.serveRoot)

	// The console and the assets take bodies and answers of their own;
	// everything else is the API and its pages.
	root := http.NewServeMux()
	root.Handle(webui.Prefix, webui.Handler())
	if s.Console != nil {
		root.Handle(pathConsole, s.Console)
		root.HandleFunc("/console", serveConsoleRedirect)
	}
	root.Handle("/", wellFormed(mux))
	return securityHeaders(refuseCrossSiteForms(root))
}

// serveRoot sends a browser at / to where a person starts: the console,
// or the login page without one. Any other unknown address is a JSON 404.
func (s *Server) serveRoot(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		target := pathLogIn
		if s.Console != nil {
			target = pathConsole
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
		return
	}
	_ = writeProblemJSON(w, errNotFound)
}

func serveHealthz(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		methodNotAllowed(w, http.MethodGet, http.MethodHead)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok"))
}

func methodNotAllowed(w http.ResponseWriter, allowed ...string) {
	allow := strings.Join(allowed, ", ")
	w.Header().Set("Allow", allow)
	_ = writeProblemJSON(w, &problem{status: http.StatusMethodNotAllowed, reason: ReasonMethodNotAllowed, message: "Use " + allow + " at this address."})
}
