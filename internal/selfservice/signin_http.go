package selfservice

import (
	"errors"
	"html/template"
	"net/http"
	"strconv"
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
		pg.Message, pg.Failed = p.message, true
		werr = writePage(w, p.status, pg)
	} else {
		werr = writeProblemJSON(w, p)
	}
	logWriteError(log, werr)
}

// Titles of pages shown in more than one place.
const (
	titleLogIn           = "Log in"
	titleEnroll          = "Set up two-factor authentication"
	titlePasswordNotSet  = "Password not set"
	titleTwoFactorNotSet = "Two-factor not enabled"
)

func loginPage(message string) page {
	return page{Title: titleLogIn, Message: message, Form: &form{
		Action: "sessions",
		Fields: append(accountAndEmail(),
			field{Name: fieldPassword, Label: "Password", Type: fieldPassword, Autocomplete: "current-password", Required: true},
			field{Name: fieldCode, Label: "Authenticator code (if you use two-factor)", Type: inputText, Autocomplete: autocompleteOneTimeCode},
		),
		Hint:   "Lost your authenticator? Enter a recovery code as the code.",
		Submit: titleLogIn,
	}, Links: []link{{Href: "password-resets", Text: "Forgot your password?"}}}
}

// serveSessions answers /v1/sessions: GET shows the login page, POST logs in.
func (s *Server) serveSessions(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		logWriteError(logger(r), writePage(w, http.StatusOK, loginPage("")))
	case http.MethodPost:
		s.login(w, r)
	default:
		methodNotAllowed(w, http.MethodGet, http.MethodHead, http.MethodPost)
	}
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	log := logger(r)
	html := isFormPost(r)
	var req loginRequest
	if p := decodeBody(w, r, &req); p != nil {
		fail(w, log, html, p, loginPage(""))
		return
	}
	if html && len(req.Code) > 6 {
		// The page has one field for both kinds of code.
		req.RecoveryCode, req.Code = req.Code, ""
	}
	if req.Account == "" || req.Email == "" || req.Password == "" {
		fail(w, log, html, badRequest("Give the account, the email and the password."), loginPage(""))
		return
	}
	if !s.Limits.allow(r, s.Clock.Now()) {
		recordLogin(errTooManyRequests)
		fail(w, log, html, errTooManyRequests, loginPage(""))
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
			log.Info("Login needs two-factor enrolment first")
			logWriteError(log, writePage(w, p.status, page{Title: titleEnroll, Message: p.message,
				Links: []link{{Href: "totp/enroll", Text: "Set up an authenticator app"}}}))
			return
		}
		fail(w, log, html, err, loginPage(""))
		return
	}
	log.Info("Logged in", "recoveryCodeUsed", result.usedRec)
	if html {
		setSessionCookie(w, r, result.token, result.expiry)
		err = writePage(w, http.StatusOK, page{Title: "Logged in", Message: "You are logged in.", Links: []link{
			{Href: "totp/enroll", Text: titleEnroll},
		}, Form: &form{Action: "sessions/current", Submit: "Log out"}})
	} else {
		err = writeJSON(w, http.StatusCreated, sessionBody{
			Token: result.token, ExpiryTime: result.expiry.UTC(), Namespace: result.target.Namespace, User: result.target.Name,
		})
	}
	logWriteError(log, err)
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
	a, err := s.authenticateSession(r.Context(), r, true)
	if err != nil {
		fail(w, log, html, err, loginPage(""))
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
		fail(w, log, html, err, page{Title: "Not logged out"})
		return
	}
	log.Info("Logged out")
	if a.session.Actor != nil {
		s.recordImpersonationEnd(logr.NewContext(r.Context(), log), a, history.EndLoggedOut)
	}
	if html {
		clearSessionCookie(w, r)
		logWriteError(log, writePage(w, http.StatusOK, loginPage("You are logged out.")))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func resetRequestPage() page {
	return page{Title: "Reset your password", Form: &form{
		Action: "password-resets",
		Fields: accountAndEmail(),
		Submit: "Send me a link",
	}}
}

// resetAccepted is the same answer to every reset request.
const resetAccepted = "If the account and email belong to a user who can log in, a link to choose a new password is on its way."

// servePasswordResets answers /v1/password-resets: GET shows the page,
// POST asks for an email and is always answered 202.
func (s *Server) servePasswordResets(w http.ResponseWriter, r *http.Request) {
	log := logger(r)
	html := isFormPost(r)
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		logWriteError(log, writePage(w, http.StatusOK, resetRequestPage()))
		return
	case http.MethodPost:
	default:
		methodNotAllowed(w, http.MethodGet, http.MethodHead, http.MethodPost)
		return
	}
	var req resetRequest
	if p := decodeBody(w, r, &req); p != nil {
		fail(w, log, html, p, resetRequestPage())
		return
	}
	if req.Account == "" || req.Email == "" {
		fail(w, log, html, badRequest("Give the account and the email."), resetRequestPage())
		return
	}
	if !s.Limits.allow(r, s.Clock.Now()) {
		fail(w, log, html, errTooManyRequests, resetRequestPage())
		return
	}
	var err error
	if html {
		err = writePage(w, http.StatusAccepted, page{Title: "Check your email", Message: resetAccepted})
	} else {
		err = writeJSON(w, http.StatusAccepted, statusBody{Status: "Accepted"})
	}
	logWriteError(log, err)
	// The answer leaves now, not when the handler returns, and the work is
	// done after it, so that the answer takes as long whoever the request
	// names.
	if err == nil {
		logWriteError(log, http.NewResponseController(w).Flush())
	}
	s.requestResetLater(r.Context(), log, req)
}

// serveResetConfirm answers /v1/password-resets/confirm: GET shows the form
// for the token of the link without looking it up (link scanners fetch
// links too), POST sets the password.
func (s *Server) serveResetConfirm(w http.ResponseWriter, r *http.Request) {
	log := logger(r)
	html := isFormPost(r)
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		token := r.URL.Query().Get("token")
		if token == "" {
			logWriteError(log, writePage(w, http.StatusBadRequest, page{Title: "Reset link incomplete", Failed: true,
				Message: "This link has no token. Open the link from your email again, or copy all of it into the address bar."}))
			return
		}
		logWriteError(log, writePage(w, http.StatusOK, page{Title: "Choose a new password",
			Message: "Setting a new password logs you out everywhere.", Form: tokenForm("confirm", token)}))
		return
	case http.MethodPost:
	default:
		methodNotAllowed(w, http.MethodGet, http.MethodHead, http.MethodPost)
		return
	}
	var req resetConfirmRequest
	if p := decodeBody(w, r, &req); p != nil {
		fail(w, log, html, p, page{Title: titlePasswordNotSet})
		return
	}
	retry := page{Title: titlePasswordNotSet, Form: tokenForm("confirm", req.Token)}
	switch {
	case req.Token == "":
		fail(w, log, html, badRequest("The request has no token. Open the link from your email again."), page{Title: titlePasswordNotSet})
		return
	case req.Password == "":
		fail(w, log, html, badRequest("The request has no password. Choose a password."), retry)
		return
	case html && req.Confirm != req.Password:
		fail(w, log, html, errPasswordMismatch, retry)
		return
	}
	if !s.Limits.allow(r, s.Clock.Now()) {
		fail(w, log, html, errTooManyRequests, retry)
		return
	}
	key, err := s.confirmReset(r.Context(), req.Token, req.Password)
	if key.Name != "" {
		log = log.WithValues("namespace", key.Namespace, "user", key.Name)
	}
	if err != nil {
		var p *problem
		if errors.As(err, &p) && p.status != http.StatusUnprocessableEntity && p.status != http.StatusTooManyRequests {
			retry.Form = nil // a dead link: the form cannot help
		}
		fail(w, log, html, err, retry)
		return
	}
	log.Info("Password reset")
	if html {
		err = writePage(w, http.StatusOK, page{Title: "Password set", Message: "Your new password is set and every old session has ended. You can now log in.",
			Links: []link{{Href: "../sessions", Text: "Log in"}}})
	} else {
		err = writeJSON(w, http.StatusOK, statusBody{Status: "PasswordReset"})
	}
	logWriteError(log, err)
}

func enrollStartPage() page {
	return page{Title: titleEnroll,
		Message: "You will scan a QR code with an authenticator app, then type the code it shows.",
		Form: &form{Action: "enroll", Fields: []field{
			{Name: fieldPassword, Label: "Current password (if two-factor is on)", Type: fieldPassword, Autocomplete: "current-password"},
			{Name: fieldCode, Label: "Current code (if two-factor is on)", Type: inputText, Autocomplete: autocompleteOneTimeCode},
		}, Hint: "Replacing an authenticator you already use needs your password and a code from it (or a recovery code).",
			Submit: "Start"}}
}

func enrollConfirmForm() *form {
	return &form{Action: "confirm", Fields: []field{
		{Name: fieldCode, Label: "Code from the app", Type: inputText, Autocomplete: autocompleteOneTimeCode, Required: true},
	}, Submit: "Confirm"}
}

// serveEnroll answers /v1/totp/enroll: GET shows the page, POST starts an
// enrolment. The answer holds the new secret: it is shown to the person
// once and never logged.
func (s *Server) serveEnroll(w http.ResponseWriter, r *http.Request) {
	log := logger(r)
	html := isFormPost(r)
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		logWriteError(log, writePage(w, http.StatusOK, enrollStartPage()))
		return
	case http.MethodPost:
	default:
		methodNotAllowed(w, http.MethodGet, http.MethodHead, http.MethodPost)
		return
	}
	req, p := decodeStepUp(w, r)
	if p != nil {
		fail(w, log, html, p, enrollStartPage())
		return
	}
	a, err := s.authenticateSession(r.Context(), r, true)
	if err != nil {
		fail(w, log, html, err, loginPage(""))
		return
	}
	log = log.WithValues("namespace", a.user.Namespace, "user", a.user.Name)
	up, err := s.checkStepUpPassword(r.Context(), a, req)
	if err != nil {
		fail(w, log, html, err, enrollStartPage())
		return
	}
	e, err := s.startEnrollment(r.Context(), a, up)
	up.recordLockout(err)
	if err != nil {
		fail(w, log, html, err, enrollStartPage())
		return
	}
	log.Info("Two-factor enrolment started")
	if html {
		err = writePage(w, http.StatusOK, page{Title: "Scan the QR code", Message: "Scan it with your authenticator app, then type the code the app shows.",
			Image: template.URL("data:image/png;base64," + e.QRCodePNG), Secret: e.Secret, Form: enrollConfirmForm()})
	} else {
		err = writeJSON(w, http.StatusOK, e)
	}
	logWriteError(log, err)
}

// serveEnrollConfirm answers /v1/totp/confirm: a first code enables
// two-factor and returns the recovery codes, shown this once.
func (s *Server) serveEnrollConfirm(w http.ResponseWriter, r *http.Request) {
	log := logger(r)
	html := isFormPost(r)
	if r.Method != http.MethodPost {
		methodNotAllowed(w, http.MethodPost)
		return
	}
	var req struct {
		Code string `json:"code"`
	}
	if p := decodeBody(w, r, &req); p != nil {
		fail(w, log, html, p, page{Title: titleTwoFactorNotSet, Form: enrollConfirmForm()})
		return
	}
	if !s.Limits.allow(r, s.Clock.Now()) {
		fail(w, log, html, errTooManyRequests, page{Title: titleTwoFactorNotSet, Form: enrollConfirmForm()})
		return
	}
	a, err := s.authenticateSession(r.Context(), r, true)
	if err != nil {
		fail(w, log, html, err, loginPage(""))
		return
	}
	log = log.WithValues("namespace", a.user.Namespace, "user", a.user.Name)
	codes, err := s.confirmEnrollment(r.Context(), a, req.Code)
	if err != nil {
		fail(w, log, html, err, page{Title: titleTwoFactorNotSet, Form: enrollConfirmForm()})
		return
	}
	log.Info("Two-factor enabled", "recoveryCodes", strconv.Itoa(len(codes)))
	if html {
		err = writePage(w, http.StatusOK, page{Title: "Two-factor is on",
			Message: "Keep these recovery codes somewhere safe: each works once, when you do not have your app. They are not shown again.",
			Codes:   codes, Links: []link{{Href: "../sessions", Text: "Log in"}}})
	} else {
		err = writeJSON(w, http.StatusOK, recoveryCodesBody{Status: "TwoFactorEnabled", RecoveryCodes: codes})
	}
	logWriteError(log, err)
}

func sessionActor(session credentials.Session) *actorBody {
	if session.Actor == nil {
		return nil
	}
	return &actorBody{User: session.Actor.User, Email: session.Actor.Email}
}
