package selfservice

import (
	"net/http"
	"time"
)

// setSessionCookie gives the pages' session to the browser: never to a
// script (HttpOnly), never with a request from another site (SameSite
// Strict), and, when the page came over https, never over plain http
// (Secure). Whether the page came over https is the connection's own
// say: the server trusts no forwarding header, anyone can set one.
func setSessionCookie(w http.ResponseWriter, r *http.Request, token string, expiry time.Time) {
	http.SetCookie(w, sessionCookieFor(r, token, expiry, 0))
}

// clearSessionCookie removes the session cookie at logout, with the same
// flags as the cookie it replaces.
func clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, sessionCookieFor(r, "", time.Time{}, -1))
}

func sessionCookieFor(r *http.Request, token string, expiry time.Time, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: sessionCookie, Value: token, Path: "/v1/", Expires: expiry, MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil,
	}
}
