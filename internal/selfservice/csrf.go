package selfservice

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/tenantry-io/tenantry/internal/credentials"
)

// Every HTML form carries a hidden field "csrf" that another site cannot
// know, so that a page elsewhere cannot make a signed-in browser post it:
//
//   - forms of a session (enrol, confirm, log out, the console's) carry a
//     token derived from the session (sessionCSRFToken);
//   - forms without a session (log in, ask for a reset) carry a random
//     value that is also in the cookie tenantry_csrf, and must match it
//     (a double-submit cookie: another site can neither read nor set it);
//   - forms with a token from an email (accept, reset confirm) are
//     protected by that token, which another site does not have either.
//
// Before any of those, a form post whose Origin is another site's, or that
// the browser marks as cross-site (Sec-Fetch-Site), is refused outright.
// None of this applies to the JSON API: a browser sends no JSON to another
// origin without its consent (CORS), and a bearer token is not ambient.
const (
	csrfField  = "csrf"
	csrfCookie = "tenantry_csrf"
	// csrfLabel is what the session's token is derived for.
	csrfLabel = "tenantry-csrf-v1"
)

// Reasons of the refused form posts.
const (
	ReasonCrossSiteRequest = "CrossSiteRequest"
	ReasonFormExpired      = "FormExpired"
)

var (
	errCrossSite = &problem{status: http.StatusForbidden, reason: ReasonCrossSiteRequest,
		message: "This form was sent from another site, so nothing was done. Open the page on this site and send the form from there."}
	errFormExpired = &problem{status: http.StatusForbidden, reason: ReasonFormExpired,
		message: "This form has expired or did not come from this site's page, so nothing was done. It is shown again: send it once more."}
)

// sessionCSRFToken is the csrf field of the forms of a session: an HMAC
// keyed by the hash of the session's token, so that it is the same for
// every page of the session, changes with the session, and tells nothing
// of the token.
func sessionCSRFToken(sessionToken string) string {
	return csrfForSession(credentials.HashToken(sessionToken))
}

// csrfForSession is sessionCSRFToken from the hash of the session's token.
func csrfForSession(tokenHash string) string {
	mac := hmac.New(sha256.New, []byte(tokenHash))
	mac.Write([]byte(csrfLabel))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// checkSessionCSRF checks the csrf field of a form post that a session
// cookie authenticates. A request with an Authorization header, or without
// a session at all, has no ambient credential for another site to ride on:
// the session check that follows answers it.
func checkSessionCSRF(r *http.Request) *problem {
	if len(r.Header.Values("Authorization")) > 0 {
		return nil
	}
	token, p := sessionCredential(r)
	if p != nil || token == "" {
		return nil
	}
	if !equalSecret(r.PostForm.Get(csrfField), sessionCSRFToken(token)) {
		return errFormExpired
	}
	return nil
}

// formCSRF is the csrf field of a form without a session: the value of the
// tenantry_csrf cookie, set now when the browser has none. The cookie lives
// as long as the browser's session, for this site only.
func formCSRF(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) == csrfValueLength && isTokenText(c.Value) {
		return c.Value
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand never fails (Go 1.24)
	value := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: value, Path: "/",
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	return value
}

// csrfValueLength is the length of a tenantry_csrf value: 32 random bytes
// in unpadded base64.
const csrfValueLength = 43

// checkFormCSRF checks the csrf field of a form without a session against
// the tenantry_csrf cookie.
func checkFormCSRF(r *http.Request) *problem {
	c, err := r.Cookie(csrfCookie)
	if err != nil || c.Value == "" || !equalSecret(r.PostForm.Get(csrfField), c.Value) {
		return errFormExpired
	}
	return nil
}

func equalSecret(got, want string) bool {
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// csrfHidden is the hidden field that carries a csrf value.
func csrfHidden(value string) field { return field{Name: csrfField, Value: value} }

// isFormContentType reports whether a body is of a kind an HTML form on
// any site can send without the server's consent.
func isFormContentType(r *http.Request) bool {
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return false
	}
	switch mediaType {
	case contentTypeForm, "multipart/form-data", "text/plain":
		return true
	}
	return false
}

// refuseCrossSiteForms refuses, before any route sees it, a form post that
// comes from another site: the browser says so in Sec-Fetch-Site, or its
// Origin names another host. Only the host is compared, not the scheme: a
// proxy that ends TLS in front of the server makes the page's https
// origin reach it over http.
func refuseCrossSiteForms(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isSafeMethod(r.Method) || !isFormContentType(r) || sameSite(r) {
			next.ServeHTTP(w, r)
			return
		}
		logger(r).V(1).Info("Cross-site form post refused", "origin", r.Header.Get("Origin"), "secFetchSite", r.Header.Get("Sec-Fetch-Site"))
		logWriteError(logger(r), writePage(w, errCrossSite.status, page{Title: "Form refused", Message: errCrossSite.message, Failed: true,
			Links: []link{{Href: pathLogIn, Text: "Go to the log in page"}}}))
	})
}

func isSafeMethod(method string) bool {
	return method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
}

// sameSite reports whether nothing in a request says it came from another
// site. A request without either header (an older browser, a script) is
// left to the csrf field.
func sameSite(r *http.Request) bool {
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	if origin == "null" {
		// A browser hides the origin behind "null" for a sandboxed frame or
		// a redirect, and under a strict referrer policy; its own word that
		// the request came from this origin (which no script can forge)
		// tells the last apart.
		return r.Header.Get("Sec-Fetch-Site") == "same-origin"
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false // garbage
	}
	return strings.EqualFold(u.Host, r.Host)
}

// bufferForm reads a form post's body once, so that the csrf check can read
// its field and the route still decodes the body as before. A body that
// fails to read fails again, the same way, when the route reads it.
func bufferForm(r *http.Request) {
	raw, err := io.ReadAll(r.Body)
	var rest io.Reader = bytes.NewReader(raw)
	if err != nil {
		rest = io.MultiReader(rest, errReader{err})
	} else if form, perr := url.ParseQuery(string(raw)); perr == nil {
		r.PostForm = form
	}
	r.Body = io.NopCloser(rest)
	if r.PostForm == nil {
		r.PostForm = url.Values{}
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
