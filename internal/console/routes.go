package console

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"
)

// The console's addresses. Every page is a URL one can bookmark: its
// state (sort, filter, view) is in the query.
const (
	pathHome       = "/console/"
	pathUsers      = "/console/users"
	pathUserEvents = "/console/users/events"
	// pathLogin is the self-service server's sign-in page; next brings the
	// person back to the page they asked for.
	pathLogin = "/v1/sessions"
)

// maxFormBytes bounds a form post: the largest form (a profile) is a few
// KiB.
const maxFormBytes = 64 << 10

// routes are the console's pages. The profile and the actions register
// theirs in profileRoutes and actionRoutes.
func (c *Console) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /console/{$}", c.page(c.serveHome))
	mux.Handle("GET "+pathUsers, c.page(c.serveUsers))
	mux.Handle("GET "+pathUserEvents, c.page(c.serveUserEvents))
	c.profileRoutes(mux)
	c.actionRoutes(mux)
	mux.Handle("/console/", c.page(func(w http.ResponseWriter, r *http.Request, v *visit) {
		c.renderError(w, r, v, http.StatusNotFound, "Page not found", "There is no page at this address.")
	}))
	return mux
}

// visit is one request of a signed-in person: who they are, the client
// that acts as them, and the csrf value of their forms.
type visit struct {
	console *Console
	person  *Person
	csrf    string
	// client acts as the person, with a token valid until tokenExpiry.
	client      client.WithWatch
	tokenExpiry time.Time
	perms       *Permissions
}

// handlerFunc serves a console page for a signed-in person.
type handlerFunc func(w http.ResponseWriter, r *http.Request, v *visit)

// page wraps a handler with what every page needs, in order: the console
// is on, a person is signed in (else to the sign-in page and back), a form
// post comes from this site with the session's csrf value, and a client
// acts as the person.
func (c *Console) page(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ok, why := c.Available(r.Context()); !ok {
			c.renderOff(w, r, why)
			return
		}
		person, err := c.sessions.Person(r)
		if err != nil {
			c.sessionFailed(w, r, nil, err)
			return
		}
		v := &visit{console: c, person: person}
		if v.csrf, err = c.sessions.CSRFToken(r); err != nil {
			c.sessionFailed(w, r, v, err)
			return
		}
		if r.Method == http.MethodPost {
			if why := c.refuseForm(w, r, v.csrf); why != "" {
				c.renderError(w, r, v, http.StatusForbidden, "This form cannot be accepted", why)
				return
			}
		}
		token, expiry, err := c.sessions.ClusterToken(r)
		if err != nil {
			c.sessionFailed(w, r, v, err)
			return
		}
		if v.client, err = c.clientFor(token); err != nil {
			c.renderError(w, r, v, http.StatusInternalServerError, "Something went wrong", "The console could not reach the cluster's API server.")
			return
		}
		v.tokenExpiry = expiry
		h(w, r, v)
	})
}

// sessionFailed answers a request whose session Sessions could not use:
// without one (401), the sign-in page with a way back; otherwise the
// session's own words.
func (c *Console) sessionFailed(w http.ResponseWriter, r *http.Request, v *visit, err error) {
	var se SessionError
	if errors.As(err, &se) && se.HTTPStatus() == http.StatusUnauthorized {
		http.Redirect(w, r, loginURL(r), http.StatusSeeOther)
		return
	}
	if errors.As(err, &se) && se.HTTPStatus() < http.StatusInternalServerError {
		c.renderError(w, r, v, se.HTTPStatus(), "This cannot be done", se.Error())
		return
	}
	c.log.Error(err, "Read the console's session")
	c.renderError(w, r, v, http.StatusInternalServerError, "Something went wrong", "Your session could not be read. Try again in a moment.")
}

// loginURL is the sign-in page, with the page to come back to: the one
// asked for, or for a form post (which cannot be repeated by a GET) home.
func loginURL(r *http.Request) string {
	next := pathHome
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		next = r.URL.RequestURI()
	}
	return pathLogin + "?" + url.Values{"next": {next}}.Encode()
}

// refuseForm says why a form post cannot be accepted, or "" when it can:
// it must come from this site (Origin and Sec-Fetch-Site, when the browser
// sends them) and carry the session's csrf value.
func (c *Console) refuseForm(w http.ResponseWriter, r *http.Request, csrf string) string {
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		return "The form was sent from another site."
	}
	if origin := r.Header.Get("Origin"); origin != "" {
		u, err := url.Parse(origin)
		if err != nil || u.Host != r.Host {
			return "The form was sent from another site."
		}
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		return "The form could not be read."
	}
	sent := r.PostForm.Get("csrf")
	if sent == "" || subtle.ConstantTimeCompare([]byte(sent), []byte(csrf)) != 1 {
		return "The form is out of date or was not sent from this page. Go back, reload the page and try again."
	}
	return ""
}
