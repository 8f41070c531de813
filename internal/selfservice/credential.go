package selfservice

import (
	"net/http"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/tenantry-io/tenantry/internal/credentials"
)

// maxScopedTokenLength is the longest scoped token Tenantry issues: two DNS
// labels and the random part, each after a "_".
const maxScopedTokenLength = validation.DNS1123LabelMaxLength + 1 + validation.DNS1123LabelMaxLength + 1 + 43

func sessionMalformed(message string) *problem {
	return &problem{status: http.StatusBadRequest, reason: ReasonSessionMalformed, message: message}
}

var (
	errAuthScheme = sessionMalformed(`Send the session as "Authorization: Bearer <token>".`)
	errAuthEmpty  = sessionMalformed("The Authorization header holds no token.")
	errAuthTwice  = sessionMalformed("Send one Authorization header, not several.")
	errTwoCookies = sessionMalformed("The request carries two different session cookies. Log in again.")
	errTwoTokens  = sessionMalformed("The request carries one session in the Authorization header and another in the cookie: send one.")
	errTokenShape = sessionMalformed("The session token is not well-formed: send it exactly as the log-in answered it.")
)

// sessionCredential is the session token of the request: the bearer token,
// else the cookie of the HTML pages. It is "" without any, and a problem when
// what the request carries cannot be a session Tenantry gave: such a token is
// refused here, so that no name from it ever reaches the API server. None of
// the answers quotes what was sent.
func sessionCredential(r *http.Request) (string, *problem) {
	var bearer string
	switch values := r.Header.Values("Authorization"); len(values) {
	case 0:
	case 1:
		scheme, token, _ := strings.Cut(values[0], " ")
		if !strings.EqualFold(scheme, "Bearer") {
			return "", errAuthScheme
		}
		if bearer = strings.Trim(token, " \t"); bearer == "" {
			return "", errAuthEmpty
		}
	default:
		return "", errAuthTwice
	}
	// A cookie cleared at logout comes back empty until the browser drops it.
	var cookie string
	for _, c := range r.CookiesNamed(sessionCookie) {
		switch {
		case c.Value == "":
		case cookie != "" && c.Value != cookie:
			return "", errTwoCookies
		default:
			cookie = c.Value
		}
	}
	// Which of two different sessions is meant cannot be guessed, and
	// guessing would let a planted cookie ride along with a real header.
	if bearer != "" && cookie != "" && bearer != cookie {
		return "", errTwoTokens
	}
	token := bearer
	if token == "" {
		token = cookie
	}
	if token == "" {
		return "", nil
	}
	if _, _, ok := parseScopedToken(token); !ok {
		return "", errTokenShape
	}
	return token, nil
}

// parseScopedToken returns the account and user a session or reset token
// names, only when the token has the shape Tenantry gives it: at most as long
// as any, only URL-safe base64 characters, and account and user names that
// are DNS labels, as namespaces and User names are. Anything else never
// becomes a key to look up: a name with "/" or ".." would become a different
// path of the API server, and the API client refuses such a name with an
// error that is not "not found".
func parseScopedToken(token string) (namespace, userName string, ok bool) {
	if len(token) > maxScopedTokenLength || !isTokenText(token) {
		return "", "", false
	}
	namespace, userName, ok = credentials.ParseScopedToken(token)
	if !ok || len(validation.IsDNS1123Label(namespace)) > 0 || len(validation.IsDNS1123Label(userName)) > 0 {
		return "", "", false
	}
	return namespace, userName, true
}

// isTokenText reports whether s holds only the characters of URL-safe
// base64, which every token Tenantry issues is written in: no NUL, no
// control character, nothing outside ASCII.
func isTokenText(s string) bool {
	for i := range len(s) {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}
