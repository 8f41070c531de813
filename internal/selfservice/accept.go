package selfservice

import (
	"context"
	"errors"
	"net/http"

	"github.com/go-logr/logr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/credentials"
)

// serveAccept answers /v1/invitations/accept: GET shows the form, POST
// accepts.
func (s *Server) serveAccept(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		s.showAcceptForm(w, r)
	case http.MethodPost:
		s.accept(w, r)
	default:
		methodNotAllowed(w, http.MethodGet, http.MethodHead, http.MethodPost)
	}
}

// maxInvitationTokenLength bounds what is looked up as an invitation token:
// far more than the 43 characters Tenantry's tokens have.
const maxInvitationTokenLength = 256

// lookupInvitation says, without writing anything, whether an invitation
// link can still be accepted, and whose it is: the user, unless the link
// names nobody it may tell of (unknown, replaced, the user gone).
func (s *Server) lookupInvitation(ctx context.Context, token string) (*iamv1alpha1.User, error) {
	if len(token) > maxInvitationTokenLength || !isTokenText(token) {
		return nil, errTokenInvalid
	}
	tokenHash := credentials.HashToken(token)
	found, err := s.findSecret(ctx, tokenHash)
	if err != nil {
		return nil, err
	}
	// Past the cache: an invitation accepted a moment ago must not show a
	// form again.
	secret, err := s.rereadSecret(ctx, client.ObjectKeyFromObject(found))
	if err != nil {
		return nil, err
	}
	linkProblem := checkInvitation(secret, tokenHash, s.Clock.Now())
	if linkProblem == errTokenInvalid {
		return nil, linkProblem
	}
	user, err := s.getUser(ctx, ownerKey(secret))
	if err != nil {
		return nil, err
	}
	userProblem := checkUser(user, secret)
	switch {
	case userProblem == errTokenInvalid:
		return nil, userProblem
	case linkProblem != nil:
		return user, linkProblem
	case userProblem != nil:
		return user, userProblem
	}
	return user, nil
}

// invitationFacts name what accepting joins: the account and the email.
func invitationFacts(user *iamv1alpha1.User) []fact {
	if user == nil {
		return nil
	}
	return append(userFacts(user.Namespace, user.Spec.Email), fact{Name: "Name", Value: user.Spec.FullName})
}

// showAcceptForm shows the password form for the token in the link, once
// the invitation is known to be open: a used, replaced, expired or unknown
// link says so, and what to do instead, rather than a form that can only
// fail. The lookup only reads: mail clients and link scanners fetch links
// before the person clicks, so GET must never consume the token.
func (s *Server) showAcceptForm(w http.ResponseWriter, r *http.Request) {
	log := logger(r)
	token := r.URL.Query().Get("token")
	if token == "" {
		err := writePage(w, http.StatusBadRequest, page{
			Title:   "Invitation link incomplete",
			Message: "This link has no invitation token. Open the link from your invitation email again, or copy all of it into the address bar.",
			Failed:  true,
			Links:   []link{logInLink("", "")},
		})
		logWriteError(log, err)
		return
	}
	user, err := s.lookupInvitation(r.Context(), token)
	var p *problem
	switch {
	case errors.As(err, &p):
		log.V(1).Info("Invitation link not usable", "reason", p.reason)
		logWriteError(log, writePage(w, p.status, deadInvitationPage(p, user)))
		return
	case err != nil:
		fail(w, log, true, err, page{Title: "Invitation not checked", Links: []link{{Href: r.URL.RequestURI(), Text: "Try again"}}})
		return
	}
	logWriteError(log, writePage(w, http.StatusOK, page{
		Title: "Join " + user.Namespace,
		Lead:  "You are invited to this account. Choose a password to finish joining; you log in with the account and email below.",
		Facts: invitationFacts(user),
		Form:  tokenForm(pathAccept, token),
	}))
}

// deadInvitationPage tells that an invitation link cannot be accepted, and
// the way forward: log in when it was accepted, else ask for a new one.
func deadInvitationPage(p *problem, user *iamv1alpha1.User) page {
	pg := page{Title: "Invitation not usable", Message: p.message, Failed: true, Facts: invitationFacts(user)}
	switch p.reason {
	case ReasonTokenUsed:
		pg.Title = "Invitation already accepted"
		var account, email string
		if user != nil {
			account, email = user.Namespace, user.Spec.Email
		}
		pg.Actions = []link{logInLink(account, email),
			{Href: pageURL(pathResets, account, email), Text: "Forgot your password?"}}
	case ReasonTokenExpired:
		pg.Title = "Invitation expired"
		pg.Lead = "Ask your account administrator for a new invitation: its email has a new link."
		pg.Links = []link{logInLink("", "")}
	default:
		pg.Lead = "A newer invitation replaces the links of older ones: use the link of the latest email, or ask your account administrator for a new invitation."
		pg.Links = []link{logInLink("", "")}
	}
	return pg
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

	key, err := s.acceptInvitation(r.Context(), req.Token, req.Password)
	if key.Name != "" {
		log = log.WithValues("namespace", key.Namespace, "user", key.Name)
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
	if !html {
		logWriteError(log, writeJSON(w, http.StatusOK, acceptedBody{Status: "Accepted", Namespace: key.Namespace, User: key.Name}))
		return
	}
	pg := page{Title: "Password set", Message: "Your password is set, you can now log in.",
		Actions: []link{logInLink(key.Namespace, "")}}
	if user, err := s.getUser(r.Context(), key); err == nil && user != nil {
		pg.Facts = invitationFacts(user)
		pg.Actions = []link{logInLink(user.Namespace, user.Spec.Email)}
	}
	logWriteError(log, writePage(w, http.StatusOK, pg))
}

// problemPage shows a problem, with the form again when trying again with the
// same link can succeed, and a way forward when it cannot.
func problemPage(p *problem, token string) page {
	retry := false
	switch p.reason {
	case ReasonPasswordTooWeak, ReasonPasswordMismatch, ReasonInternalError:
		retry = true
	case ReasonBadRequest:
		retry = token != ""
	}
	if !retry {
		pg := deadInvitationPage(p, nil)
		if p.reason == ReasonBadRequest {
			pg.Title = "Invitation not accepted"
			pg.Lead = "Open the link from your invitation email again."
		}
		return pg
	}
	pg := page{Title: "Invitation not accepted"}
	pg.Form = tokenForm(pathAccept, token)
	pg.showProblem(p)
	return pg
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
