package selfservice

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// TestSessionCookieFlags logs in and out through the pages, over https and
// over plain http: the cookie that carries the session and the one that
// clears it are never for scripts nor for other sites, and are Secure
// whenever the page came over https.
func TestSessionCookieFlags(t *testing.T) {
	m := newMember(t)
	s := signInServer(newFakeClock())
	https := startHTTPS(t, s)
	plain := httptest.NewServer(s.Handler())
	t.Cleanup(plain.Close)

	for _, tt := range []struct {
		name   string
		url    string
		client *http.Client
		secure bool
	}{
		{"https", https.URL, https.Client(), true},
		{"http", plain.URL, plain.Client(), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			form := url.Values{"account": {m.account()}, "email": {m.user.Spec.Email}, "password": {strongPassword}, csrfField: {testCSRF}}
			req, err := http.NewRequest(http.MethodPost, tt.url+"/v1/sessions", strings.NewReader(form.Encode()))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", contentTypeForm)
			req.AddCookie(csrfCookieOf())
			res, err := tt.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			page := readBody(t, res)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("log in: %d %s", res.StatusCode, page)
			}
			session := onlySessionCookie(t, res)
			expectCookieFlags(t, "the session cookie", session, tt.secure)
			if session.Value == "" || session.MaxAge < 0 {
				t.Errorf("the session cookie holds no session: %+v", session)
			}

			logout := url.Values{csrfField: {sessionCSRFToken(session.Value)}}
			req, err = http.NewRequest(http.MethodPost, tt.url+"/v1/sessions/current", strings.NewReader(logout.Encode()))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", contentTypeForm)
			req.AddCookie(&http.Cookie{Name: sessionCookie, Value: session.Value})
			res, err = tt.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			page = readBody(t, res)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("log out: %d %s", res.StatusCode, page)
			}
			cleared := cookieNamed(res, sessionCookie)
			if cleared == nil {
				t.Fatalf("the logout sets no session cookie: %+v", res.Cookies())
			}
			expectCookieFlags(t, "the cookie that clears the session", cleared, tt.secure)
			if cleared.Value != "" || cleared.MaxAge >= 0 {
				t.Errorf("the logout does not clear the cookie: %+v", cleared)
			}
			// A cookie of an earlier release, at /v1/, is cleared too.
			var legacy bool
			for _, c := range res.Cookies() {
				if c.Name == sessionCookie && c.Path == legacyCookiePath && c.MaxAge < 0 && c.HttpOnly && c.Secure == tt.secure {
					legacy = true
				}
			}
			if !legacy {
				t.Errorf("the logout does not clear a session cookie at %s: %+v", legacyCookiePath, res.Cookies())
			}
		})
	}
}

func onlySessionCookie(t *testing.T, res *http.Response) *http.Cookie {
	t.Helper()
	cookies := res.Cookies()
	if len(cookies) != 1 || cookies[0].Name != sessionCookie {
		t.Fatalf("cookies = %+v, want the session cookie alone", cookies)
	}
	return cookies[0]
}

func expectCookieFlags(t *testing.T, what string, c *http.Cookie, secure bool) {
	t.Helper()
	if !c.HttpOnly {
		t.Errorf("%s is not HttpOnly: %s", what, c)
	}
	if c.SameSite != http.SameSiteStrictMode {
		t.Errorf("%s is not SameSite=Strict: %s", what, c)
	}
	if c.Secure != secure {
		t.Errorf("%s: Secure = %v, want %v: %s", what, c.Secure, secure, c)
	}
	// The console, at /console/, gets the session too.
	if c.Path != "/" {
		t.Errorf("%s: Path = %q, want /", what, c.Path)
	}
}
