package console

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
)

// oneSession is Sessions with nobody signed in, or with the person whose
// session is the cookie "s"; it mints no token, which the checks before a
// page's handler never need.
type oneSession struct{}

type unauthenticated struct{}

func (unauthenticated) Error() string   { return "sign in" }
func (unauthenticated) HTTPStatus() int { return http.StatusUnauthorized }
func (unauthenticated) Reason() string  { return "Unauthenticated" }

func (oneSession) Person(r *http.Request) (*Person, error) {
	if _, err := r.Cookie("s"); err != nil {
		return nil, unauthenticated{}
	}
	return &Person{Namespace: "acme", User: "alice", Email: "alice@acme.example"}, nil
}
func (oneSession) ClusterToken(*http.Request) (string, time.Time, error) {
	return "", time.Time{}, errors.New("no token in this test")
}
func (oneSession) CSRFToken(*http.Request) (string, error)                       { return "the-csrf", nil }
func (oneSession) StartLogInAs(http.ResponseWriter, *http.Request, string) error { return nil }
func (oneSession) EndLogInAs(http.ResponseWriter, *http.Request) error           { return nil }
func (oneSession) TrustProbeToken(context.Context) (string, error)               { return "", nil }

// trustedConsole is a console whose trust probe already answered yes, so
// that its checks run without an API server.
func trustedConsole(t *testing.T) *Console {
	t.Helper()
	c := New(Options{Sessions: oneSession{}, Config: &rest.Config{Host: "https://127.0.0.1:1"},
		Scheme: runtime.NewScheme(), RESTMapper: meta.NewDefaultRESTMapper(nil), Log: logr.Discard()})
	c.trust.ok, c.trust.checked = true, c.clock.Now()
	return c
}

func TestChecksBeforeEveryPage(t *testing.T) {
	c := trustedConsole(t)
	tests := []struct {
		name         string
		method, path string
		session      bool
		form         url.Values
		header       map[string]string
		wantStatus   int
		wantLocation string
	}{
		{name: "no session: to the sign-in page and back", method: http.MethodGet, path: "/console/users?sort=email&q=a+b",
			wantStatus: http.StatusSeeOther, wantLocation: "/v1/sessions?next=%2Fconsole%2Fusers%3Fsort%3Demail%26q%3Da%2Bb"},
		{name: "no session on the home page", method: http.MethodGet, path: "/console/",
			wantStatus: http.StatusSeeOther, wantLocation: "/v1/sessions?next=%2Fconsole%2F"},
		{name: "no session on a form post: back home", method: http.MethodPost, path: "/console/users/bob/disable",
			wantStatus: http.StatusSeeOther, wantLocation: "/v1/sessions?next=%2Fconsole%2F"},
		{name: "a form post without csrf", method: http.MethodPost, path: "/console/users/bob/disable", session: true,
			form: url.Values{}, wantStatus: http.StatusForbidden},
		{name: "a form post with another csrf", method: http.MethodPost, path: "/console/users/bob/disable", session: true,
			form: url.Values{"csrf": {"not-the-csrf"}}, wantStatus: http.StatusForbidden},
		{name: "a form post from another site", method: http.MethodPost, path: "/console/users/bob/disable", session: true,
			form: url.Values{"csrf": {"the-csrf"}}, header: map[string]string{"Origin": "https://evil.example"}, wantStatus: http.StatusForbidden},
		{name: "a form post the browser calls cross-site", method: http.MethodPost, path: "/console/users/bob/disable", session: true,
			form: url.Values{"csrf": {"the-csrf"}}, header: map[string]string{"Sec-Fetch-Site": "cross-site"}, wantStatus: http.StatusForbidden},
		// Past the checks, the page needs the person's token, which this
		// test's sessions cannot mint: its error page shows the checks passed.
		{name: "a form post with the session's csrf passes", method: http.MethodPost, path: "/console/users/bob/disable", session: true,
			form: url.Values{"csrf": {"the-csrf"}}, header: map[string]string{"Origin": "http://example.com"}, wantStatus: http.StatusInternalServerError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body *strings.Reader
			if tt.form != nil {
				body = strings.NewReader(tt.form.Encode())
			} else {
				body = strings.NewReader("")
			}
			r := httptest.NewRequest(tt.method, tt.path, body)
			if tt.form != nil {
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			if tt.session {
				r.AddCookie(&http.Cookie{Name: "s", Value: "1"})
			}
			w := httptest.NewRecorder()
			c.ServeHTTP(w, r)
			if w.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.wantStatus, w.Body)
			}
			if got := w.Header().Get("Location"); got != tt.wantLocation {
				t.Errorf("Location %q, want %q", got, tt.wantLocation)
			}
		})
	}
}
