package selfservice

import (
	"context"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/go-logr/logr"
	"k8s.io/utils/clock"

	"github.com/tenantry-io/tenantry/internal/credentials"
	"github.com/tenantry-io/tenantry/internal/webui"
)

func TestFormPageDoesNotUseTheToken(t *testing.T) {
	inv := newInvitation(t)
	before := inv.currentSecret(t)

	ex := serve(newServer(), httptest.NewRequest(http.MethodGet, "/v1/invitations/accept?token="+url.QueryEscape(inv.token), nil))

	if ex.Code != http.StatusOK {
		t.Fatalf("status = %d, want 200; body: %s", ex.Code, ex.Body)
	}
	expectHTML(t, ex.ResponseRecorder)
	if got := hiddenToken(t, ex.Body.String()); got != inv.token {
		t.Errorf("hidden token = %q, want the token of the link", got)
	}
	for _, field := range []string{`name="password"`, `name="confirm"`, `method="post"`} {
		if !strings.Contains(ex.Body.String(), field) {
			t.Errorf("the page has no %s", field)
		}
	}
	expectNoSecrets(t, ex, inv.token, "")
	expectUnchanged(t, inv, before)
	if !credentials.ReadInvitation(inv.currentSecret(t)).AcceptedTime.IsZero() {
		t.Error("showing the page accepted the invitation")
	}
}

func TestFormPageWithoutToken(t *testing.T) {
	ex := serve(&Server{Clock: clock.RealClock{}}, httptest.NewRequest(http.MethodGet, "/v1/invitations/accept", nil))

	if ex.Code != http.StatusBadRequest {
		t.Errorf("status = %d, want 400", ex.Code)
	}
	expectHTML(t, ex.ResponseRecorder)
	if strings.Contains(ex.Body.String(), "<form") {
		t.Error("a page without a token offers the form")
	}
}

// TestBrowserAcceptsInvitation goes through a real HTTP server the way a
// browser does: open the link, fill the form it got, post it where the form
// says.
func TestBrowserAcceptsInvitation(t *testing.T) {
	inv := newInvitation(t)
	var logs logBuffer
	srv := httptest.NewUnstartedServer(newServer().Handler())
	srv.Config.BaseContext = func(net.Listener) context.Context {
		return logr.NewContext(context.Background(), logs.logger())
	}
	srv.Start()
	defer srv.Close()

	link := srv.URL + "/v1/invitations/accept?token=" + url.QueryEscape(inv.token)
	res, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	form := readBody(t, res)
	action := formAction(t, form)
	target, err := res.Request.URL.Parse(action)
	if err != nil {
		t.Fatalf("parse form action %q: %v", action, err)
	}

	res, err = http.PostForm(target.String(), url.Values{
		"token":    {hiddenToken(t, form)},
		"password": {strongPassword},
		"confirm":  {strongPassword},
	})
	if err != nil {
		t.Fatal(err)
	}
	page := readBody(t, res)

	if res.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, want 200; page: %s", res.StatusCode, page)
	}
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Errorf("Content-Type = %q, want an HTML page", res.Header.Get("Content-Type"))
	}
	if !strings.Contains(page, "Your password is set, you can now log in") {
		t.Errorf("the page does not say the password is set: %s", page)
	}
	for name, text := range map[string]string{"page": page, "logs": logs.String()} {
		if strings.Contains(text, strongPassword) {
			t.Errorf("the %s contain the password", name)
		}
	}
	if strings.Contains(logs.String(), inv.token) {
		t.Error("the logs contain the token")
	}
	if !credentials.CheckPassword(inv.currentSecret(t).Data[credentials.KeyPasswordHash], strongPassword) {
		t.Error("the stored password hash does not match the password")
	}
}

func TestFormPostProblems(t *testing.T) {
	tests := []struct {
		name     string
		password string
		confirm  string
		status   int
		message  string
		showForm bool
	}{{
		name:     "passwords differ",
		password: strongPassword,
		confirm:  strongPassword + "x",
		status:   http.StatusBadRequest,
		message:  errPasswordMismatch.message,
		showForm: true,
	}, {
		name:     "weak password",
		password: "alllowercaseletters",
		confirm:  "alllowercaseletters",
		status:   http.StatusUnprocessableEntity,
		message:  "password too weak",
		showForm: true,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := newInvitation(t)
			before := inv.currentSecret(t)

			ex := postForm(newServer(), url.Values{"token": {inv.token}, "password": {tt.password}, "confirm": {tt.confirm}})

			if ex.Code != tt.status {
				t.Errorf("status = %d, want %d; body: %s", ex.Code, tt.status, ex.Body)
			}
			expectHTML(t, ex.ResponseRecorder)
			body := ex.Body.String()
			if !strings.Contains(html.UnescapeString(body), tt.message) {
				t.Errorf("the page does not say %q: %s", tt.message, body)
			}
			if tt.showForm && hiddenToken(t, body) != inv.token {
				t.Error("the form shown again lost the token")
			}
			if strings.Contains(body, tt.password) || strings.Contains(body, tt.confirm) {
				t.Error("the page contains the password")
			}
			expectNoSecrets(t, ex, inv.token, tt.password)
			expectUnchanged(t, inv, before)
		})
	}
}

func TestFormPostWithDeadLinkOffersNoForm(t *testing.T) {
	token, _, err := credentials.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	ex := postForm(newServer(), url.Values{"token": {token}, "password": {strongPassword}, "confirm": {strongPassword}})

	if ex.Code != http.StatusNotFound {
		t.Errorf("status = %d, want 404", ex.Code)
	}
	expectHTML(t, ex.ResponseRecorder)
	if strings.Contains(ex.Body.String(), "<form") {
		t.Error("a page for an unknown token offers the form")
	}
}

// TestPagesLinkTheDesignSystem checks that every page styles itself only
// with the design system's stylesheets, which the Content-Security-Policy
// allows, and holds no inline style or script it would block.
func TestPagesLinkTheDesignSystem(t *testing.T) {
	s := &Server{Clock: clock.RealClock{}}
	for _, path := range []string{"/v1/sessions", "/v1/password-resets", "/v1/invitations/accept", "/v1/password-resets/confirm"} {
		t.Run(path, func(t *testing.T) {
			ex := serve(s, httptest.NewRequest(http.MethodGet, path, nil))
			body := ex.Body.String()
			for _, css := range webui.StylesheetURLs() {
				if !strings.Contains(body, `<link rel="stylesheet" href="`+html.EscapeString(css)+`">`) {
					t.Errorf("the page does not link %s: %s", css, body)
				}
			}
			for _, inline := range []string{"<style", "style=", "<script"} {
				if strings.Contains(body, inline) {
					t.Errorf("the page holds %q: %s", inline, body)
				}
			}
			if eventHandler.MatchString(body) {
				t.Errorf("the page holds an event handler attribute: %s", body)
			}
			for _, forward := range []string{`<a `, `href="/`} {
				if !strings.Contains(body, forward) {
					t.Errorf("the page has no way forward (%s): %s", forward, body)
				}
			}
			if strings.Contains(body, `href="v1`) || strings.Contains(body, `action="v1`) || strings.Contains(body, `href="..`) {
				t.Errorf("the page has a relative link: %s", body)
			}
			if got := ex.Header().Get("Content-Security-Policy"); got != webui.ContentSecurityPolicy {
				t.Errorf("Content-Security-Policy = %q, want %q", got, webui.ContentSecurityPolicy)
			}
		})
	}
}

func expectHTML(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type = %q, want an HTML page", ct)
	}
	want := map[string]string{
		"Cache-Control":          "no-store",
		"Referrer-Policy":        "same-origin",
		"X-Content-Type-Options": "nosniff",
	}
	for header, value := range want {
		if got := rec.Header().Get(header); got != value {
			t.Errorf("%s = %q, want %q", header, got, value)
		}
	}
	if rec.Header().Get("Content-Security-Policy") == "" {
		t.Error("the page has no Content-Security-Policy")
	}
}

var (
	eventHandler       = regexp.MustCompile(`\son[a-z]+=`)
	hiddenTokenPattern = regexp.MustCompile(`<input type="hidden" name="token" value="([^"]*)">`)
	formActionPattern  = regexp.MustCompile(`<form method="post" action="([^"]*)">`)
)

func hiddenToken(t *testing.T, page string) string {
	t.Helper()
	m := hiddenTokenPattern.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the page has no hidden token field: %s", page)
	}
	return html.UnescapeString(m[1])
}

func formAction(t *testing.T, page string) string {
	t.Helper()
	m := formActionPattern.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the page has no form: %s", page)
	}
	return html.UnescapeString(m[1])
}

func readBody(t *testing.T, res *http.Response) string {
	t.Helper()
	defer func() { _ = res.Body.Close() }()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
