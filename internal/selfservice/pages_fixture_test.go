package selfservice

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
)

// testCSRF is the tenantry_csrf cookie of the tests' browser: 43 characters
// of unpadded base64, as the server makes them.
const testCSRF = "dGVzdC1jc3JmLXZhbHVlLW9mLXRoZS1icm93c2VyLTE"

// csrfCookieOf is the browser's tenantry_csrf cookie.
func csrfCookieOf() *http.Cookie { return &http.Cookie{Name: csrfCookie, Value: testCSRF} }

// loginPost posts a form as the login page does: with the csrf cookie and
// the same value in the form.
func loginPost(form url.Values) *http.Request {
	form.Set(csrfField, testCSRF)
	r := formPost(pathLogIn, form)
	r.AddCookie(csrfCookieOf())
	return r
}

// sessionForm posts a form as the pages of a session do: with the session
// cookie and the session's csrf token.
func sessionForm(path, session string, form url.Values) *http.Request {
	if form == nil {
		form = url.Values{}
	}
	form.Set(csrfField, sessionCSRFToken(session))
	r := formPost(path, form)
	r.AddCookie(&http.Cookie{Name: sessionCookie, Value: session})
	return r
}

// formPost is a form post with nothing else.
func formPost(path string, form url.Values) *http.Request {
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", contentTypeForm)
	return r
}

// sessionCookieOf is the browser's session cookie holding token.
func sessionCookieOf(token string) *http.Cookie {
	return &http.Cookie{Name: sessionCookie, Value: token}
}

// cookieNamed finds the cookie an answer sets under a name at path "/".
func cookieNamed(res *http.Response, name string) *http.Cookie {
	for _, c := range res.Cookies() {
		if c.Name == name && c.Path == "/" {
			return c
		}
	}
	return nil
}
