package selfservice

import (
	"net/http"
	"time"
)

// actorSessionCookie keeps the actor's own session while the browser acts
// as another user ("log in as" from the console), to come back to.
const actorSessionCookie = "tenantry_actor_session"

// legacyCookiePath is where earlier releases scoped the session cookie. A
// browser may still hold such a cookie beside the new one; both would reach
// /v1/ as two different sessions, so a login and a logout clear it.
const legacyCookiePath = "/v1/"

// setSessionCookie gives the pages' session to the browser: never to a
// script (HttpOnly), never with a request from another site (SameSite
// Strict), and, when the page came over https, never over plain http
// (Secure). Whether the page came over https is the connection's own
// say: the server trusts no forwarding header, anyone can set one. Its
// path is "/", so that the console (/console/) gets it too.
func setSessionCookie(w http.ResponseWriter, r *http.Request, token string, expiry time.Time) {
	http.SetCookie(w, sessionCookieFor(r, sessionCookie, "/", token, expiry, 0))
}

// clearSessionCookie removes the session cookie at logout, with the same
// flags as the cookie it replaces.
func clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, sessionCookieFor(r, sessionCookie, "/", "", time.Time{}, -1))
}

// clearLegacySessionCookie removes a session cookie of an earlier release
// when the browser sent a session cookie: which path it has cannot be told
// from the request.
func clearLegacySessionCookie(w http.ResponseWriter, r *http.Request) {
	if len(r.CookiesNamed(sessionCookie)) > 0 {
		http.SetCookie(w, sessionCookieFor(r, sessionCookie, legacyCookiePath, "", time.Time{}, -1))
	}
}

// setActorCookie keeps the actor's session aside during a "log in as".
func setActorCookie(w http.ResponseWriter, r *http.Request, token string, expiry time.Time) {
	http.SetCookie(w, sessionCookieFor(r, actorSessionCookie, "/", token, expiry, 0))
}

// clearActorCookie forgets the actor's session cookie.
func clearActorCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, sessionCookieFor(r, actorSessionCookie, "/", "", time.Time{}, -1))
}

// actorCookieValue is the actor's session kept aside, "" without one.
func actorCookieValue(r *http.Request) string {
	c, err := r.Cookie(actorSessionCookie)
	if err != nil {
		return ""
	}
	return c.Value
}

func sessionCookieFor(r *http.Request, name, path, token string, expiry time.Time, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: name, Value: token, Path: path, Expires: expiry, MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil,
	}
}
