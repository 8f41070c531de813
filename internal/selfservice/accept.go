package selfservice

import (
	"errors"
	"net/http"

	"github.com/go-logr/logr"
	ctrl "sigs.k8s.io/controller-runtime"
)

// serveAccept answers /v1/invitations/accept: GET shows the form, POST
// accepts.
func (s *Server) serveAccept(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		showAcceptForm(w, r)
	case http.MethodPost:
		s.accept(w, r)
	default:
		methodNotAllowed(w, http.MethodGet, http.MethodHead, http.MethodPost)
	}
}

// showAcceptForm shows the password form for the token in the link. It does
// not look the token up: mail clients and link scanners fetch links before
// the person clicks, so GET must neither consume the token nor tell a scanner
// whether it is valid. The person learns that when they post the form.
func showAcceptForm(w http.ResponseWriter, r *http.Request) {
	log := logger(r)
	token := r.URL.Query().Get("token")
	if token == "" {
		err := writePage(w, http.StatusBadRequest, page{
			Title:   "Invitation link incomplete",
			Message: "This link has no invitation token. Open the link from your invitation email again, or copy all of it into the address bar.",
			Failed:  true,
		})
		logWriteError(log, err)
		return
	}
	err := writePage(w, http.StatusOK, page{
		Title:   "Set your password",
		Message: "Choose a password to finish joining your account.",
		Form:    tokenForm("accept", token),
	})
	logWriteError(log, err)
}

// accept sets the password and marks the invitation accepted. A form post
// gets an HTML page, anything else JSON; the status codes are the same.
func (s *Server) accept(w http.ResponseWriter, r *http.Request) {
	log := logger(r)
	html := isFormPost(r)

	req, p := parseAcceptRequest(w, r)
	if p != nil {
		log.V(1).Info("Invitation not accepted", "reason", p.reason)
		answerProblem(w, log, html, p, req.Token)
		return
	}

	user, err := s.acceptInvitation(r.Context(), req.Token, req.Password)
	if user.Name != "" {
		log = log.WithValues("namespace", user.Namespace, "user", user.Name)
	}
	if err != nil {
		if !errors.As(err, &p) {
			log.Error(err, "Accepting an invitation failed")
			p = errInternal
		} else {
			log.V(1).Info("Invitation not accepted", "reason", p.reason)
		}
		answerProblem(w, log, html, p, req.Token)
		return
	}

	log.Info("Invitation accepted")
	if html {
		err = writePage(w, http.StatusOK, page{
			Title:   "Password set",
			Message: "Your password is set, you can now log in.",
		})
	} else {
		err = writeJSON(w, http.StatusOK, acceptedBody{Status: "Accepted", Namespace: user.Namespace, User: user.Name})
	}
	logWriteError(log, err)
}

func answerProblem(w http.ResponseWriter, log logr.Logger, html bool, p *problem, token string) {
	var err error
	if html {
		err = writePage(w, p.status, problemPage(p, token))
	} else {
		err = writeProblemJSON(w, p)
	}
	logWriteError(log, err)
}

// logger is the request's logger. Its values name the request, never its
// body: the body holds the token and the password.
func logger(r *http.Request) logr.Logger {
	return ctrl.LoggerFrom(r.Context()).WithName("selfservice").WithValues("method", r.Method, "path", r.URL.Path)
}

// logWriteError logs a failure to answer; usually the client went away.
func logWriteError(log logr.Logger, err error) {
	if err != nil {
		log.V(1).Info("Could not write the answer", "err", err)
	}
}
