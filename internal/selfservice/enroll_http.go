package selfservice

import (
	"html/template"
	"net/http"
	"strconv"

	"github.com/tenantry-io/tenantry/internal/credentials"
)

// requestCSRF is the csrf field of the session forms for the request's
// session, "" without one.
func requestCSRF(r *http.Request) string {
	token, p := sessionCredential(r)
	if p != nil || token == "" {
		return ""
	}
	return sessionCSRFToken(token)
}

// enrollStartPage starts an enrolment. stepUp asks for the password and a
// current code, which replacing an authenticator in use needs.
func enrollStartPage(csrf string, stepUp bool) page {
	f := &form{Action: pathEnroll, Hidden: []field{csrfHidden(csrf)}, Submit: "Start"}
	pg := page{Title: titleEnroll, Lead: "You will scan a QR code with an authenticator app, then type the code it shows.", Form: f,
		Links: []link{{Href: pathLogIn, Text: "Not now"}}}
	if stepUp {
		pg.Title = titleReplaceApp
		pg.Lead = "Two-factor is on. To move it to another app or device, confirm it is you: your password and a current code from the app you use now (or a recovery code)."
		f.Fields = []field{
			{Name: fieldPassword, Label: "Current password", Type: fieldPassword, Autocomplete: "current-password"},
			{Name: fieldCode, Label: "Current code", Type: inputText, Autocomplete: autocompleteOneTimeCode},
		}
		f.Submit = "Continue"
	}
	return pg
}

func enrollConfirmForm(csrf string) *form {
	return &form{Action: pathEnrollConfirm, Hidden: []field{csrfHidden(csrf)}, Fields: []field{
		{Name: fieldCode, Label: "Code from the app", Type: inputText, Autocomplete: autocompleteOneTimeCode, Required: true},
	}, Submit: "Confirm"}
}

// showEnroll shows the start of an enrolment to a signed-in person (a
// session that may only enrol will do), and the login page to anyone else.
func (s *Server) showEnroll(w http.ResponseWriter, r *http.Request) {
	log := logger(r)
	a, err := s.authenticateSession(r.Context(), r, true)
	if err != nil {
		pg := s.loginPage(w, r, loginValues{})
		pg.Info = "Log in first to set up two-factor authentication."
		logWriteError(log, writePage(w, http.StatusOK, pg))
		return
	}
	pg := enrollStartPage(csrfForSession(a.tokenHash), credentials.TwoFactorEnabled(a.secret))
	pg.SignedIn = a.user.Spec.Email
	logWriteError(log, writePage(w, http.StatusOK, pg))
}

// serveEnroll answers /v1/totp/enroll: GET shows the page, POST starts an
// enrolment. The answer holds the new secret: it is shown to the person
// once and never logged.
func (s *Server) serveEnroll(w http.ResponseWriter, r *http.Request) {
	log := logger(r)
	html := isFormPost(r)
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		s.showEnroll(w, r)
		return
	case http.MethodPost:
	default:
		methodNotAllowed(w, http.MethodGet, http.MethodHead, http.MethodPost)
		return
	}
	csrf := requestCSRF(r)
	if html {
		if p := checkSessionCSRF(r); p != nil {
			fail(w, log, html, p, enrollStartPage(csrf, true))
			return
		}
	}
	req, p := decodeStepUp(w, r)
	if p != nil {
		fail(w, log, html, p, enrollStartPage(csrf, true))
		return
	}
	a, err := s.authenticateSession(r.Context(), r, true)
	if err != nil {
		fail(w, log, html, err, s.signInAgain(w, r, html, loginValues{}))
		return
	}
	log = log.WithValues("namespace", a.user.Namespace, "user", a.user.Name)
	again := enrollStartPage(csrf, credentials.TwoFactorEnabled(a.secret))
	up, err := s.checkStepUpPassword(r.Context(), a, req)
	if err != nil {
		fail(w, log, html, err, again)
		return
	}
	e, err := s.startEnrollment(r.Context(), a, up)
	up.recordLockout(err)
	if err != nil {
		fail(w, log, html, err, again)
		return
	}
	log.Info("Two-factor enrolment started")
	if html {
		err = writePage(w, http.StatusOK, page{Title: "Scan the QR code", Lead: "Scan it with your authenticator app, then type the code the app shows.",
			Image: template.URL("data:image/png;base64," + e.QRCodePNG), Secret: e.Secret, Form: enrollConfirmForm(csrf),
			SignedIn: a.user.Spec.Email})
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
	csrf := requestCSRF(r)
	notSet := page{Title: titleTwoFactorNotSet, Form: enrollConfirmForm(csrf), Links: []link{{Href: pathEnroll, Text: "Start again"}}}
	if html {
		if p := checkSessionCSRF(r); p != nil {
			fail(w, log, html, p, notSet)
			return
		}
	}
	var req struct {
		Code string `json:"code"`
	}
	if p := decodeBody(w, r, &req); p != nil {
		fail(w, log, html, p, notSet)
		return
	}
	if !s.Limits.allow(r, s.Clock.Now()) {
		fail(w, log, html, errTooManyRequests, notSet)
		return
	}
	a, err := s.authenticateSession(r.Context(), r, true)
	if err != nil {
		fail(w, log, html, err, s.signInAgain(w, r, html, loginValues{}))
		return
	}
	log = log.WithValues("namespace", a.user.Namespace, "user", a.user.Name)
	codes, err := s.confirmEnrollment(r.Context(), a, req.Code)
	if err != nil {
		fail(w, log, html, err, notSet)
		return
	}
	log.Info("Two-factor enabled", "recoveryCodes", strconv.Itoa(len(codes)))
	if html {
		err = writePage(w, http.StatusOK, s.twoFactorOnPage(r, a, codes))
	} else {
		err = writeJSON(w, http.StatusOK, recoveryCodesBody{Status: "TwoFactorEnabled", RecoveryCodes: codes})
	}
	logWriteError(log, err)
}

// twoFactorOnPage shows the recovery codes once, and the way on: a session
// that could only enrol logs in again, with a code now; a full session
// goes on to the console or its own page. Setting up two-factor is not
// offered again.
func (s *Server) twoFactorOnPage(r *http.Request, a *authenticated, codes []string) page {
	pg := page{Title: "Two-factor is on",
		Message:  "Keep these recovery codes somewhere safe: each works once, when you do not have your app. They are not shown again.",
		Codes:    codes,
		SignedIn: a.user.Spec.Email}
	if a.session.EnrollOnly {
		pg.Actions = []link{{Href: pageURL(pathLogIn, a.user.Namespace, a.user.Spec.Email), Text: "Log in with your code"}}
		return pg
	}
	if ok, _ := s.consoleAvailable(r.Context()); ok {
		pg.Actions = []link{{Href: pathConsole, Text: textOpenConsole}}
	} else {
		pg.Actions = []link{{Href: pathLogIn, Text: "Continue"}}
	}
	return pg
}
