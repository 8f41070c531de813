package selfservice

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/go-logr/logr"

	"github.com/tenantry-io/tenantry/internal/credentials"
	"github.com/tenantry-io/tenantry/internal/history"
)

// sessionBody is the JSON of a new session.
type sessionBody struct {
	Token      string    `json:"token"`
	ExpiryTime time.Time `json:"expiryTime"`
	Namespace  string    `json:"namespace"`
	User       string    `json:"user"`
}

// currentSessionBody describes the session of a request.
type currentSessionBody struct {
	Namespace  string    `json:"namespace"`
	User       string    `json:"user"`
	Email      string    `json:"email"`
	FullName   string    `json:"fullName"`
	ExpiryTime time.Time `json:"expiryTime"`
	EnrollOnly bool      `json:"enrollOnly,omitempty"`
	TwoFactor  bool      `json:"twoFactor"`
	// Actor is who acts as the user in a "log in as" session.
	Actor *actorBody `json:"actor,omitempty"`
}

// statusBody is a success without content of its own.
type statusBody struct {
	Status string `json:"status"`
}

// recoveryCodesBody answers a confirmed enrolment.
type recoveryCodesBody struct {
	Status        string   `json:"status"`
	RecoveryCodes []string `json:"recoveryCodes"`
}

// fail answers a problem as a page (form posts) or JSON, and logs it
// without any secret: problems never hold one, other errors are logged as
// internal errors and answered with errInternal.
func fail(w http.ResponseWriter, log logr.Logger, html bool, err error, pg page) {
	var p *problem
	if !errors.As(err, &p) {
		log.Error(err, "Request failed")
		p = errInternal
	} else {
		log.V(1).Info("Request refused", "reason", p.reason)
	}
	// The answers a client should retry say when; see
	// docs/operations/high-availability.md.
	if p.status == http.StatusTooManyRequests || p.status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	var werr error
	if html {
		pg.showProblem(p)
		werr = writePage(w, p.status, pg)
	} else {
		werr = writeProblemJSON(w, p)
	}
	logWriteError(log, werr)
}

// Titles of pages shown in more than one place.
const (
	titleLogIn           = "Log in"
	titleLoggedIn        = "Logged in"
	titleEnroll          = "Set up two-factor authentication"
	titleReplaceApp      = "Replace your authenticator app"
	titlePasswordNotSet  = "Password not set"
	titleTwoFactorNotSet = "Two-factor not enabled"
	textOpenConsole      = "Open the account console"
)

// loginValues are what the login page shows again after a failure, or
// takes from a link: never the password.
type loginValues struct {
	Account, Email, Next string
}

// loginValuesOf reads them from a form post, or from the query of a link.
func loginValuesOf(v url.Values) loginValues {
	return loginValues{Account: v.Get(fieldAccount), Email: v.Get(fieldEmail), Next: v.Get(fieldNext)}
}

// loginPage is the login form, with the csrf cookie set when the browser
// has none. When the console is off, it says why.
func (s *Server) loginPage(w http.ResponseWriter, r *http.Request, v loginValues) page {
	hidden := []field{csrfHidden(formCSRF(w, r))}
	if next := safeNext(v.Next); next != "" {
		hidden = append(hidden, field{Name: fieldNext, Value: next})
	}
	pg := page{Title: titleLogIn, Form: &form{
		Action: pathLogIn, Hidden: hidden,
		Fields: append(accountAndEmail(v.Account, v.Email),
			field{Name: fieldPassword, Label: "Password", Type: fieldPassword, Autocomplete: "current-password", Required: true},
			field{Name: fieldCode, Label: "Authenticator code (if you use two-factor)", Type: inputText, Autocomplete: autocompleteOneTimeCode,
				Hint: "Lost your authenticator? Enter a recovery code as the code."},
		),
		Submit: titleLogIn,
	}, Links: []link{{Href: pageURL(pathResets, v.Account, v.Email), Text: "Forgot your password?"}}}
	if ok, why := s.consoleAvailable(r.Context()); s.Console != nil && !ok {
		pg.Info = consoleOff(why)
	}
	return pg
}

// consoleOff says that the console is off, and why.
func consoleOff(why string) string {
	if why == "" {
		return "The account console is not available right now."
	}
	return "The account console is not available: " + why
}

// signInAgain is the login page to show with a failure of a form post;
// JSON answers need none.
func (s *Server) signInAgain(w http.ResponseWriter, r *http.Request, html bool, v loginValues) page {
	if !html {
		return page{}
	}
	return s.loginPage(w, r, v)
}

// pageURL is the address of a page with the account and the email to fill
// its form with.
func pageURL(path, account, email string) string {
	q := url.Values{}
	if account != "" {
		q.Set(fieldAccount, account)
	}
	if email != "" {
		q.Set(fieldEmail, email)
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// signedIn is what the page of a signed-in person shows.
type signedIn struct {
	account, email string
	twoFactor      bool
	// acting says that someone acts as the person ("log in as"): only the
	// person changes their second factor.
	acting    bool
	tokenHash string
}

func signedInOf(a *authenticated) signedIn {
	return signedIn{account: a.user.Namespace, email: a.user.Spec.Email, twoFactor: credentials.TwoFactorEnabled(a.secret),
		acting: a.session.Actor != nil, tokenHash: a.tokenHash}
}

// signedInPage is the page of a signed-in person: who, where to go, log out.
func (s *Server) signedInPage(ctx context.Context, who signedIn, message string) page {
	pg := page{Title: titleLoggedIn, Message: message, SignedIn: who.email,
		Facts:  userFacts(who.account, who.email),
		LogOut: logOutForm(who.tokenHash)}
	if ok, why := s.consoleAvailable(ctx); ok {
		pg.Actions = []link{{Href: pathConsole, Text: textOpenConsole}}
	} else if s.Console != nil {
		pg.Info = consoleOff(why)
	}
	switch {
	case who.acting:
	case who.twoFactor:
		pg.Links = []link{{Href: pathEnroll, Text: titleReplaceApp}}
	default:
		pg.Links = []link{{Href: pathEnroll, Text: titleEnroll}}
	}
	return pg
}

func logOutForm(tokenHash string) *form {
	return &form{Action: pathCurrent, Hidden: []field{csrfHidden(csrfForSession(tokenHash))}, Submit: "Log out", Secondary: true}
}

// serveSessions answers /v1/sessions: GET shows the login page, POST logs in.
func (s *Server) serveSessions(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		s.showLogIn(w, r)
	case http.MethodPost:
		s.login(w, r)
	default:
		methodNotAllowed(w, http.MethodGet, http.MethodHead, http.MethodPost)
	}
}

// showLogIn shows the login form; to a person signed in already, what they
// can do (or, with a console page to go back to, that page).
func (s *Server) showLogIn(w http.ResponseWriter, r *http.Request) {
	log := logger(r)
	v := loginValuesOf(r.URL.Query())
	if token, p := sessionCredential(r); p == nil && token != "" {
		if a, err := s.authenticateSession(r.Context(), r, false); err == nil {
			if ok, _ := s.consoleAvailable(r.Context()); ok && safeNext(v.Next) != "" {
				http.Redirect(w, r, safeNext(v.Next), http.StatusSeeOther)
				return
			}
			logWriteError(log, writePage(w, http.StatusOK, s.signedInPage(r.Context(), signedInOf(a), "")))
			return
		}
	}
	logWriteError(log, writePage(w, http.StatusOK, s.loginPage(w, r, v)))
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	log := logger(r)
	html := isFormPost(r)
	var values loginValues
	if html {
		values = loginValuesOf(r.PostForm)
		if p := checkFormCSRF(r); p != nil {
			fail(w, log, html, p, s.loginPage(w, r, values))
			return
		}
	}
	var req loginRequest
	if p := decodeBody(w, r, &req); p != nil {
		fail(w, log, html, p, s.signInAgain(w, r, html, values))
		return
	}
	if html && len(req.Code) > 6 {
		// The page has one field for both kinds of code.
		req.RecoveryCode, req.Code = req.Code, ""
	}
	if req.Account == "" || req.Email == "" || req.Password == "" {
		fail(w, log, html, badRequest("Give the account, the email and the password."), s.signInAgain(w, r, html, values))
		return
	}
	if !s.Limits.allow(r, s.Clock.Now()) {
		recordLogin(errTooManyRequests)
		fail(w, log, html, errTooManyRequests, s.signInAgain(w, r, html, values))
		return
	}
	result, err := s.authenticate(r.Context(), req)
	recordLogin(err)
	if result.target.Name != "" {
		log = log.WithValues("namespace", result.target.Namespace, "user", result.target.Name)
	}
	if err != nil {
		var p *problem
		if html && errors.As(err, &p) && p.reason == ReasonTwoFactorEnrollmentRequired {
			setSessionCookie(w, r, p.enrollmentToken, *p.expiryTime)
			clearLegacySessionCookie(w, r)
			log.Info("Login needs two-factor enrolment first")
			logWriteError(log, writePage(w, p.status, page{Title: titleEnroll, Message: p.message, Failed: true,
				Lead:    "Your account requires a second factor: set up an authenticator app now, then log in with its code.",
				Actions: []link{{Href: pathEnroll, Text: "Set up an authenticator app"}}}))
			return
		}
		fail(w, log, html, err, s.signInAgain(w, r, html, values))
		return
	}
	log.Info("Logged in", "recoveryCodeUsed", result.usedRec)
	if !html {
		logWriteError(log, writeJSON(w, http.StatusCreated, sessionBody{
			Token: result.token, ExpiryTime: result.expiry.UTC(), Namespace: result.target.Namespace, User: result.target.Name,
		}))
		return
	}
	setSessionCookie(w, r, result.token, result.expiry)
	clearLegacySessionCookie(w, r)
	if ok, _ := s.consoleAvailable(r.Context()); ok {
		http.Redirect(w, r, consoleLanding(values.Next), http.StatusSeeOther)
		return
	}
	who := signedIn{account: result.target.Namespace, email: result.email, twoFactor: result.twoFactor,
		tokenHash: credentials.HashToken(result.token)}
	logWriteError(log, writePage(w, http.StatusOK, s.signedInPage(r.Context(), who, "You are logged in.")))
}

// serveCurrentSession answers /v1/sessions/current: GET describes the
// session, DELETE (or a form POST from the pages) ends it.
func (s *Server) serveCurrentSession(w http.ResponseWriter, r *http.Request) {
	log := logger(r)
	html := isFormPost(r)
	switch r.Method {
	case http.MethodGet, http.MethodDelete, http.MethodPost:
	default:
		methodNotAllowed(w, http.MethodGet, http.MethodDelete, http.MethodPost)
		return
	}
	if html {
		if p := checkSessionCSRF(r); p != nil {
			fail(w, log, html, p, page{Title: "Not logged out", Links: []link{{Href: pathLogIn, Text: "Back to your session"}}})
			return
		}
	}
	a, err := s.authenticateSession(r.Context(), r, true)
	if err != nil {
		fail(w, log, html, err, s.signInAgain(w, r, html, loginValues{}))
		return
	}
	log = log.WithValues("namespace", a.user.Namespace, "user", a.user.Name)
	if r.Method == http.MethodGet {
		logWriteError(log, writeJSON(w, http.StatusOK, currentSessionBody{
			Namespace: a.user.Namespace, User: a.user.Name, Email: a.user.Spec.Email, FullName: a.user.Spec.FullName,
			ExpiryTime: a.session.Expiry.UTC(), EnrollOnly: a.session.EnrollOnly,
			TwoFactor: credentials.TwoFactorEnabled(a.secret), Actor: sessionActor(a.session),
		}))
		return
	}
	if err := s.endSession(r.Context(), a); err != nil {
		fail(w, log, html, err, page{Title: "Not logged out", Links: []link{{Href: pathLogIn, Text: "Back to your session"}}})
		return
	}
	log.Info("Logged out")
	if a.session.Actor != nil {
		s.recordImpersonationEnd(logr.NewContext(r.Context(), log), a, history.EndLoggedOut)
	}
	if html {
		clearSessionCookie(w, r)
		clearLegacySessionCookie(w, r)
		if actorToken := actorCookieValue(r); actorToken != "" {
			s.endActorSession(logr.NewContext(r.Context(), log), a, actorToken)
			clearActorCookie(w, r)
		}
		pg := s.loginPage(w, r, loginValues{})
		pg.Message = "You are logged out."
		logWriteError(log, writePage(w, http.StatusOK, pg))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// endActorSession ends the actor's own session kept aside in the browser
// when the person logs out while acting for someone: logging out of the
// browser logs out of both, instead of leaving a session no cookie holds
// any more valid until it expires. Only the session that started this
// "log in as" is ended; a failure is logged, the logout stands.
func (s *Server) endActorSession(ctx context.Context, acting *authenticated, actorToken string) {
	if acting.session.Actor == nil {
		return
	}
	actor, err := s.lookupToken(ctx, actorToken, false)
	if err != nil || actor.session.Actor != nil ||
		acting.session.Actor.SessionHash != credentials.ActorSessionHash(actor.tokenHash) {
		return
	}
	if err := s.endSession(ctx, actor); err != nil {
		logr.FromContextOrDiscard(ctx).Error(err, "Ending the actor's own session at logout failed")
	}
}

func sessionActor(session credentials.Session) *actorBody {
	if session.Actor == nil {
		return nil
	}
	return &actorBody{User: session.Actor.User, Email: session.Actor.Email}
}
