package selfservice

import (
	"errors"
	"net/http"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// resetRequestPage is the form that asks for a reset link; it carries the
// csrf cookie's value.
func resetRequestPage(w http.ResponseWriter, r *http.Request, account, email string) page {
	return page{Title: "Reset your password",
		Lead: "Give your account and email: if they belong to a user, a link to choose a new password is sent to that email.",
		Form: &form{
			Action: pathResets,
			Hidden: []field{csrfHidden(formCSRF(w, r))},
			Fields: accountAndEmail(account, email),
			Submit: "Send me a link",
		},
		Links: []link{{Href: pageURL(pathLogIn, account, email), Text: "Back to log in"}}}
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
		q := r.URL.Query()
		logWriteError(log, writePage(w, http.StatusOK, resetRequestPage(w, r, q.Get(fieldAccount), q.Get(fieldEmail))))
		return
	case http.MethodPost:
	default:
		methodNotAllowed(w, http.MethodGet, http.MethodHead, http.MethodPost)
		return
	}
	again := func() page {
		if !html {
			return page{}
		}
		return resetRequestPage(w, r, r.PostForm.Get(fieldAccount), r.PostForm.Get(fieldEmail))
	}
	if html {
		if p := checkFormCSRF(r); p != nil {
			fail(w, log, html, p, again())
			return
		}
	}
	var req resetRequest
	if p := decodeBody(w, r, &req); p != nil {
		fail(w, log, html, p, again())
		return
	}
	if req.Account == "" || req.Email == "" {
		fail(w, log, html, badRequest("Give the account and the email."), again())
		return
	}
	if !s.Limits.allow(r, s.Clock.Now()) {
		fail(w, log, html, errTooManyRequests, again())
		return
	}
	var err error
	if html {
		err = writePage(w, http.StatusAccepted, page{Title: "Check your email", Message: resetAccepted,
			Lead:  "The link works once and for a limited time. Nothing arrived? Check your spam folder, or ask again in a few minutes.",
			Links: []link{{Href: pageURL(pathLogIn, req.Account, req.Email), Text: "Back to log in"}}})
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

// resetFacts name the user a reset link is for.
func resetFacts(user *iamv1alpha1.User) []fact {
	if user == nil {
		return nil
	}
	return userFacts(user.Namespace, user.Spec.Email)
}

// deadResetLinkPage tells that a reset link cannot set a password any
// more, and what to do instead.
func deadResetLinkPage(p *problem, user *iamv1alpha1.User) page {
	var account, email string
	if user != nil {
		account, email = user.Namespace, user.Spec.Email
	}
	pg := page{Title: "Reset link not usable", Message: p.message, Failed: true, Facts: resetFacts(user),
		Actions: []link{newResetLink(account, email)},
		Links:   []link{logInLink(account, email)}}
	if p.reason == ReasonUserDisabled {
		pg.Actions = nil
	}
	return pg
}

// showResetConfirm shows the form for the token of a reset link, once it
// is known to be usable: a dead link says so instead of offering a form
// that can only fail. Looking the link up reads and never writes: mail
// scanners fetch links too, and the token stays usable.
func (s *Server) showResetConfirm(w http.ResponseWriter, r *http.Request) {
	log := logger(r)
	token := r.URL.Query().Get("token")
	if token == "" {
		logWriteError(log, writePage(w, http.StatusBadRequest, page{Title: "Reset link incomplete", Failed: true,
			Message: "This link has no token. Open the link from your email again, or copy all of it into the address bar.",
			Actions: []link{newResetLink("", "")}}))
		return
	}
	user, err := s.lookupReset(r.Context(), token)
	var p *problem
	switch {
	case errors.As(err, &p):
		log.V(1).Info("Reset link not usable", "reason", p.reason)
		logWriteError(log, writePage(w, p.status, deadResetLinkPage(p, user)))
		return
	case err != nil:
		fail(w, log, true, err, page{Title: "Reset link not checked", Links: []link{{Href: r.URL.RequestURI(), Text: "Try again"}}})
		return
	}
	logWriteError(log, writePage(w, http.StatusOK, page{Title: "Choose a new password",
		Lead:  "Setting a new password logs you out everywhere.",
		Facts: resetFacts(user), Form: tokenForm(pathResetConfirm, token)}))
}

// serveResetConfirm answers /v1/password-resets/confirm: GET shows the form
// for the token of the link, POST sets the password.
func (s *Server) serveResetConfirm(w http.ResponseWriter, r *http.Request) {
	log := logger(r)
	html := isFormPost(r)
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		s.showResetConfirm(w, r)
		return
	case http.MethodPost:
	default:
		methodNotAllowed(w, http.MethodGet, http.MethodHead, http.MethodPost)
		return
	}
	var req resetConfirmRequest
	if p := decodeBody(w, r, &req); p != nil {
		fail(w, log, html, p, page{Title: titlePasswordNotSet, Links: []link{newResetLink("", "")}})
		return
	}
	retry := page{Title: titlePasswordNotSet, Form: tokenForm(pathResetConfirm, req.Token)}
	switch {
	case req.Token == "":
		fail(w, log, html, badRequest("The request has no token. Open the link from your email again."),
			page{Title: titlePasswordNotSet, Links: []link{newResetLink("", "")}})
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
			// A dead link: the form cannot help, another link can.
			retry.Form = nil
			retry.Actions = []link{newResetLink(key.Namespace, "")}
			retry.Links = []link{logInLink(key.Namespace, "")}
		}
		fail(w, log, html, err, retry)
		return
	}
	log.Info("Password reset")
	if !html {
		logWriteError(log, writeJSON(w, http.StatusOK, statusBody{Status: "PasswordReset"}))
		return
	}
	var email string
	if user, err := s.getUser(r.Context(), key); err == nil && user != nil {
		email = user.Spec.Email
	}
	logWriteError(log, writePage(w, http.StatusOK, page{Title: "Password set",
		Message: "Your new password is set and every old session has ended. You can now log in.",
		Actions: []link{logInLink(key.Namespace, email)}}))
}
