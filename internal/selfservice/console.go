package selfservice

import (
	"context"
	"net/http"
	"net/url"
	"path"
	"strings"
)

// Console is the account console the server mounts at /console/
// (internal/console). Available says whether it can serve now, and why
// not: it is off where the API server does not trust Tenantry's issuer.
type Console interface {
	http.Handler
	Available(ctx context.Context) (ok bool, why string)
}

// consoleAvailable asks the console whether it can serve; false without
// one, with no reason to tell.
func (s *Server) consoleAvailable(ctx context.Context) (bool, string) {
	if s.Console == nil {
		return false, ""
	}
	return s.Console.Available(ctx)
}

// maxNextLength bounds the page a login returns to.
const maxNextLength = 2048

// safeNext is the console page a login from the pages returns to: next
// when it is a path of the console on this server, else "". A next that
// could lead anywhere else (a scheme, a host, "//", a backslash some
// browsers read as a slash, a control character, a ".." that climbs out
// of /console/) is ignored, so that a link to the login page cannot send
// a person to another site once they signed in.
func safeNext(next string) string {
	if next == "" || len(next) > maxNextLength || !strings.HasPrefix(next, pathConsole) ||
		strings.Contains(next, "//") || strings.ContainsRune(next, '\\') {
		return ""
	}
	for _, c := range next {
		if c < 0x20 || c == 0x7f {
			return ""
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return ""
	}
	// The path as the browser will read it: decoded, its dots resolved.
	if clean := path.Clean(u.Path); clean+"/" != pathConsole && !strings.HasPrefix(clean, pathConsole) {
		return ""
	}
	return next
}

// consoleLanding is where a login from the pages goes when the console is
// on: the console page it came from, else the console's home.
func consoleLanding(next string) string {
	if n := safeNext(next); n != "" {
		return n
	}
	return pathConsole
}

// serveConsoleRedirect sends /console to /console/.
func serveConsoleRedirect(w http.ResponseWriter, r *http.Request) {
	target := pathConsole
	if r.URL.RawQuery != "" {
		target += "?" + r.URL.RawQuery
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}
