package selfservice

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// wellFormedToken is a session token of the shape Tenantry issues, for a
// user that does not exist.
const wellFormedToken = "acme_alice_n4bQgHbqY1l7zK3cJ9xW0pLm2vR8sT5uE6aD1fG7hIk"

// randomPart is the random part of wellFormedToken.
const randomPart = "n4bQgHbqY1l7zK3cJ9xW0pLm2vR8sT5uE6aD1fG7hIk"

// malformedTokens are session tokens no log-in gives, each a way for a
// client to reach the lookup with a name the API server cannot take.
var malformedTokens = []struct{ name, token string }{
	{"path-like account", "../kube-system_alice_" + randomPart},
	{"account with a slash", "acme/secrets_alice_" + randomPart},
	{"account of a dot", "._alice_" + randomPart},
	{"user of two dots", "acme_.._" + randomPart},
	{"account with a percent", "acme%2F_alice_" + randomPart},
	{"account longer than a DNS label", strings.Repeat("a", 64) + "_alice_" + randomPart},
	{"user longer than a DNS label", "acme_" + strings.Repeat("b", 64) + "_" + randomPart},
	{"oversized token", strings.Repeat("a", 4000) + "_alice_" + randomPart},
	{"upper case account", "Acme_alice_" + randomPart},
	{"account starting with a hyphen", "-acme_alice_" + randomPart},
	{"account with a dot", "acme.example_alice_" + randomPart},
	{"too many parts", "acme_alice_extra_" + randomPart},
	{"empty account", "_alice_" + randomPart},
	{"empty user", "acme__" + randomPart},
	{"no random part", "acme_alice_"},
	{"random part too short", "acme_alice_" + randomPart[1:]},
	{"random part not base64url", "acme_alice_" + randomPart[:42] + "+"},
	{"random part with padding", "acme_alice_" + randomPart[:42] + "="},
	{"non-UTF-8", "acme_al\xffce_" + randomPart},
	{"non-ASCII letter", "acmé_alice_" + randomPart},
	{"NUL", "acme_al\x00ce_" + randomPart},
	{"control character", "acme_alice\x01_" + randomPart},
	{"only separators", "___"},
}

// TestParseScopedToken: a token is split into an account and a user only
// when both are DNS labels and the rest is the random part Tenantry writes.
func TestParseScopedToken(t *testing.T) {
	namespace, user, ok := parseScopedToken(wellFormedToken)
	if !ok || namespace != "acme" || user != "alice" {
		t.Errorf("parseScopedToken(well-formed) = %q, %q, %v; want acme, alice, true", namespace, user, ok)
	}
	longest := strings.Repeat("a", 63) + "_" + strings.Repeat("b", 63) + "_" + randomPart
	if _, _, ok := parseScopedToken(longest); !ok {
		t.Error("a token of two 63-character labels is refused")
	}
	for _, tt := range malformedTokens {
		t.Run(tt.name, func(t *testing.T) {
			if namespace, user, ok := parseScopedToken(tt.token); ok {
				t.Errorf("parsed as account %q, user %q", namespace, user)
			}
		})
	}
}

// TestSessionCredential: what the request carries is one session, none,
// or a problem that quotes nothing of it.
func TestSessionCredential(t *testing.T) {
	other := "acme_bob_" + randomPart
	tests := []struct {
		name    string
		headers []string
		cookies []string
		want    string
		problem *problem
	}{
		{name: "none"},
		{name: "bearer", headers: []string{"Bearer " + wellFormedToken}, want: wellFormedToken},
		{name: "bearer of any case and spacing", headers: []string{"bearer   " + wellFormedToken + " "}, want: wellFormedToken},
		{name: "cookie", cookies: []string{wellFormedToken}, want: wellFormedToken},
		{name: "cookie and header alike", headers: []string{"Bearer " + wellFormedToken}, cookies: []string{wellFormedToken}, want: wellFormedToken},
		{name: "cleared cookie and header", headers: []string{"Bearer " + wellFormedToken}, cookies: []string{""}, want: wellFormedToken},
		{name: "two equal cookies", cookies: []string{wellFormedToken, wellFormedToken}, want: wellFormedToken},
		{name: "cookie and header differ", headers: []string{"Bearer " + wellFormedToken}, cookies: []string{other}, problem: errTwoTokens},
		{name: "two different cookies", cookies: []string{wellFormedToken, other}, problem: errTwoCookies},
		{name: "two Authorization headers", headers: []string{"Bearer " + wellFormedToken, "Bearer " + wellFormedToken}, problem: errAuthTwice},
		{name: "basic scheme", headers: []string{"Basic YWxpY2U6cGFzc3dvcmQ="}, problem: errAuthScheme},
		{name: "basic scheme beside a cookie", headers: []string{"Basic YWxpY2U6cGFzc3dvcmQ="}, cookies: []string{wellFormedToken}, problem: errAuthScheme},
		{name: "token without scheme", headers: []string{wellFormedToken}, problem: errAuthScheme},
		{name: "bearer without token", headers: []string{"Bearer"}, problem: errAuthEmpty},
		{name: "bearer of blanks", headers: []string{"Bearer  \t "}, problem: errAuthEmpty},
		{name: "empty header", headers: []string{""}, problem: errAuthScheme},
		{name: "malformed bearer", headers: []string{"Bearer ../x_alice_" + randomPart}, problem: errTokenShape},
		{name: "malformed cookie", cookies: []string{"ACME_alice_" + randomPart}, problem: errTokenShape},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/v1/sessions/current", nil)
			for _, h := range tt.headers {
				r.Header.Add("Authorization", h)
			}
			for _, c := range tt.cookies {
				r.Header.Add("Cookie", sessionCookie+"="+c)
			}
			got, p := sessionCredential(r)
			if p != tt.problem {
				t.Fatalf("problem = %v, want %v", p, tt.problem)
			}
			if got != tt.want {
				t.Errorf("token = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestMalformedSessionsOverHTTPS sends every malformed token, as a bearer
// token and as the cookie, to every route that takes a session: each gets
// 400 SessionMalformed in JSON, never a 500, and nothing of the token comes
// back or reaches a log.
func TestMalformedSessionsOverHTTPS(t *testing.T) {
	srv := startHTTPS(t, tokenServer(t, newFakeClock(), true))
	routes := []struct{ method, path, body string }{
		{http.MethodGet, "/v1/sessions/current", ""},
		{http.MethodDelete, "/v1/sessions/current", ""},
		{http.MethodPost, "/v1/totp/enroll", ""},
		{http.MethodPost, "/v1/totp/confirm", `{"code":"123456"}`},
		{http.MethodPost, "/v1/tokens", ""},
		{http.MethodPost, "/v1/sessions/impersonate", `{"user":"bob"}`},
		{http.MethodDelete, "/v1/totp", `{"password":"x","code":"123456"}`},
		{http.MethodPost, "/v1/totp/recovery-codes", `{"password":"x","code":"123456"}`},
	}
	for _, tt := range malformedTokens {
		for _, via := range []string{"header", "cookie"} {
			if via == "header" && strings.ContainsAny(tt.token, "\x00\x01") {
				continue // no HTTP client sends these in a header, and no server takes them
			}
			if via == "cookie" && !isCookieText(tt.token) {
				continue // a cookie value of these is dropped before the handler, as none at all
			}
			for _, route := range routes {
				a := srv.do(t, route.method, route.path, contentTypeJSON, route.body, func(r *http.Request) {
					if via == "header" {
						r.Header.Set("Authorization", "Bearer "+tt.token)
					} else {
						r.Header.Set("Cookie", sessionCookie+"="+tt.token)
					}
				})
				name := tt.name + " as " + via + ": " + route.method + " " + route.path
				if a.status != http.StatusBadRequest {
					t.Errorf("%s: status %d, want 400; body %s", name, a.status, a.body)
					continue
				}
				if p := a.problem(t); p.Reason != ReasonSessionMalformed {
					t.Errorf("%s: reason %q, want %s", name, p.Reason, ReasonSessionMalformed)
				}
				if strings.Contains(a.body, randomPart[:20]) {
					t.Errorf("%s: the answer quotes the token: %s", name, a.body)
				}
			}
		}
	}
	if strings.Contains(srv.logs.String(), randomPart[:20]) {
		t.Errorf("the logs contain a token:\n%s", srv.logs)
	}

	// A token of the right shape that names nobody is a session that does
	// not exist: 401, as a missing one.
	for _, route := range routes {
		a := srv.do(t, route.method, route.path, contentTypeJSON, route.body, func(r *http.Request) {
			r.Header.Set("Authorization", "Bearer "+wellFormedToken)
		})
		if p := a.problem(t); a.status != http.StatusUnauthorized || p.Reason != ReasonSessionInvalid {
			t.Errorf("%s %s with an unknown session: %d %s, want 401 %s", route.method, route.path, a.status, p.Reason, ReasonSessionInvalid)
		}
	}
}

// isCookieText reports whether a browser could hold s as a cookie value.
func isCookieText(s string) bool {
	for i := range len(s) {
		if c := s[i]; c <= ' ' || c >= 0x7f || c == '"' || c == ';' || c == '\\' || c == ',' {
			return false
		}
	}
	return true
}

// TestMalformedResetToken: a reset link whose token cannot be one Tenantry
// wrote is not valid, and nothing is looked up with it.
func TestMalformedResetToken(t *testing.T) {
	s := signInServer(newFakeClock())
	for _, tt := range malformedTokens {
		t.Run(tt.name, func(t *testing.T) {
			expectProblem(t, confirmReset(s, tt.token, newPassword), http.StatusNotFound, ReasonTokenInvalid)
		})
	}
}
