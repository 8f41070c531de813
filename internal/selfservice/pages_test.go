package selfservice

import (
	"context"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"k8s.io/utils/clock"
	clocktesting "k8s.io/utils/clock/testing"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/credentials"
)

// fakeConsole stands in for internal/console in the tests of the routes:
// it answers with the path it got and says whether it is available.
type fakeConsole struct {
	ok  bool
	why string
}

func (c fakeConsole) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = w.Write([]byte("console " + r.URL.Path))
}

func (c fakeConsole) Available(context.Context) (bool, string) { return c.ok, c.why }

func TestRoutesOfThePages(t *testing.T) {
	tests := []struct {
		name     string
		console  Console
		method   string
		path     string
		status   int
		location string
		body     string
	}{
		{"root without a console", nil, http.MethodGet, "/", http.StatusSeeOther, "/v1/sessions", ""},
		{"root with a console", fakeConsole{ok: true}, http.MethodGet, "/", http.StatusSeeOther, "/console/", ""},
		{"root with a console that is off", fakeConsole{why: "x"}, http.MethodGet, "/", http.StatusSeeOther, "/console/", ""},
		{"console without its slash", fakeConsole{ok: true}, http.MethodGet, "/console?tab=users", http.StatusSeeOther, "/console/?tab=users", ""},
		{"a console page", fakeConsole{ok: true}, http.MethodGet, "/console/users/bob", http.StatusOK, "", "console /console/users/bob"},
		{"no console without one", nil, http.MethodGet, "/console/", http.StatusNotFound, "", ReasonNotFound},
		{"an unknown address", fakeConsole{ok: true}, http.MethodGet, "/v2/nothing", http.StatusNotFound, "", ReasonNotFound},
		{"a post to the root", nil, http.MethodPost, "/", http.StatusNotFound, "", ReasonNotFound},
		{"an asset", nil, http.MethodGet, "/assets/base.css", http.StatusOK, "", ":root"},
		{"an unknown asset", nil, http.MethodGet, "/assets/nothing.css", http.StatusNotFound, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Server{Clock: clock.RealClock{}, Console: tt.console}
			ex := serve(s, httptest.NewRequest(tt.method, tt.path, nil))
			if ex.Code != tt.status {
				t.Fatalf("%s %s = %d, want %d: %s", tt.method, tt.path, ex.Code, tt.status, ex.Body)
			}
			if got := ex.Header().Get("Location"); got != tt.location {
				t.Errorf("Location = %q, want %q", got, tt.location)
			}
			if !strings.Contains(ex.Body.String(), tt.body) {
				t.Errorf("body %q does not hold %q", ex.Body, tt.body)
			}
		})
	}
}

// loginForm is the login form of a member, with next.
func loginForm(m *member, password, next string) url.Values {
	form := url.Values{fieldAccount: {m.account()}, fieldEmail: {m.user.Spec.Email}, fieldPassword: {password}}
	if next != "" {
		form.Set(fieldNext, next)
	}
	return form
}

func TestLoginGoesBackToTheConsolePage(t *testing.T) {
	m := newMember(t)
	s := signInServer(newFakeClock())
	s.Console = fakeConsole{ok: true}

	ex := serve(s, httptest.NewRequest(http.MethodGet, "/v1/sessions?next="+url.QueryEscape("/console/users?q=al"), nil))
	if !strings.Contains(ex.Body.String(), `<input type="hidden" name="next" value="/console/users?q=al">`) {
		t.Errorf("the login page does not carry next: %s", ex.Body)
	}
	ex = serve(s, httptest.NewRequest(http.MethodGet, "/v1/sessions?next="+url.QueryEscape("https://evil.example/"), nil))
	if strings.Contains(ex.Body.String(), `name="next"`) || strings.Contains(ex.Body.String(), "evil.example") {
		t.Errorf("the login page carries a next that leads elsewhere: %s", ex.Body)
	}

	for next, want := range map[string]string{
		"/console/users?q=al":         "/console/users?q=al",
		"":                            "/console/",
		"https://evil.example/":       "/console/",
		"//evil.example/console/":     "/console/",
		"/console/..//evil.example":   "/console/",
		"/\\evil.example/console/":    "/console/",
		"/console/../v1/sessions":     "/console/",
		"javascript:alert(1)":         "/console/",
		"/console/%0d%0aSet-Cookie:x": "/console/%0d%0aSet-Cookie:x",
	} {
		ex := serve(s, loginPost(loginForm(m, strongPassword, next)))
		if ex.Code != http.StatusSeeOther || ex.Header().Get("Location") != want {
			t.Errorf("login with next %q = %d to %q, want 303 to %q", next, ex.Code, ex.Header().Get("Location"), want)
		}
		if c := cookieNamed(ex.Result(), sessionCookie); c == nil || c.Value == "" {
			t.Errorf("login with next %q set no session cookie", next)
		}
	}
}

func TestLoginPageSaysWhyTheConsoleIsOff(t *testing.T) {
	m := newMember(t)
	s := signInServer(newFakeClock())
	s.Console = fakeConsole{why: `the API server does not trust the issuer "<https://tenantry.test>"`}

	ex := serve(s, httptest.NewRequest(http.MethodGet, "/v1/sessions", nil))
	body := ex.Body.String()
	if !strings.Contains(body, `class="notice notice-info"`) ||
		!strings.Contains(body, html.EscapeString(`does not trust the issuer "<https://tenantry.test>"`)) {
		t.Errorf("the login page does not say why the console is off: %s", body)
	}

	ex = serve(s, loginPost(loginForm(m, strongPassword, "/console/users")))
	if ex.Code != http.StatusOK || !strings.Contains(ex.Body.String(), "You are logged in") {
		t.Fatalf("login with the console off = %d %s, want the Logged in page", ex.Code, ex.Body)
	}
	if strings.Contains(ex.Body.String(), `href="/console/"`) {
		t.Error("the Logged in page links the console that is off")
	}
}

func TestFailedLoginKeepsTheAccountAndEmail(t *testing.T) {
	m := newMember(t)
	s := signInServer(newFakeClock())

	ex := serve(s, loginPost(loginForm(m, "Wrong-Guess-11-Harbor", "/console/users")))
	body := ex.Body.String()
	if ex.Code != http.StatusUnauthorized || !strings.Contains(body, html.EscapeString(errLoginFailed.message)) {
		t.Fatalf("failed login = %d %s", ex.Code, body)
	}
	for _, want := range []string{
		`name="account" type="text" autocomplete="organization" required value="` + m.account() + `"`,
		`name="email" type="email" autocomplete="username" required value="` + m.user.Spec.Email + `"`,
		`<input type="hidden" name="next" value="/console/users">`,
		`<input type="hidden" name="csrf" value="` + testCSRF + `">`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the page again lacks %s: %s", want, body)
		}
	}
	if strings.Contains(body, "Wrong-Guess-11-Harbor") {
		t.Error("the page shows the password")
	}
}

// TestFormsRefusedWithoutCSRF: a form post without the csrf value of its
// page is refused with a reason, and changes nothing.
func TestFormsRefusedWithoutCSRF(t *testing.T) {
	m := newMember(t)
	s := signInServer(newFakeClock())
	session := loginOK(t, s, m)
	other := loginOK(t, s, newMember(t))
	before := m.current(t)

	withoutCookie := formPost("/v1/sessions", url.Values{fieldAccount: {m.account()}, fieldEmail: {m.user.Spec.Email},
		fieldPassword: {strongPassword}, csrfField: {testCSRF}})
	withoutField := formPost("/v1/sessions", loginForm(m, strongPassword, ""))
	withoutField.AddCookie(csrfCookieOf())
	resetWithoutField := formPost("/v1/password-resets", url.Values{fieldAccount: {m.account()}, fieldEmail: {m.user.Spec.Email}})
	resetWithoutField.AddCookie(csrfCookieOf())
	logoutWithoutField := formPost("/v1/sessions/current", url.Values{})
	logoutWithoutField.AddCookie(sessionCookieOf(session))
	logoutWithOthers := formPost("/v1/sessions/current", url.Values{csrfField: {sessionCSRFToken(other)}})
	logoutWithOthers.AddCookie(sessionCookieOf(session))
	enrollWithoutField := formPost("/v1/totp/enroll", url.Values{})
	enrollWithoutField.AddCookie(sessionCookieOf(session))
	confirmWithoutField := formPost("/v1/totp/confirm", url.Values{fieldCode: {"123456"}})
	confirmWithoutField.AddCookie(sessionCookieOf(session))

	for name, r := range map[string]*http.Request{
		"login without the cookie":            withoutCookie,
		"login without the field":             withoutField,
		"reset request without the field":     resetWithoutField,
		"logout without the field":            logoutWithoutField,
		"logout with another session's":       logoutWithOthers,
		"enrolment without the field":         enrollWithoutField,
		"enrolment confirm without the field": confirmWithoutField,
	} {
		t.Run(name, func(t *testing.T) {
			ex := serve(s, r)
			if ex.Code != http.StatusForbidden || !strings.Contains(ex.Body.String(), html.EscapeString(errFormExpired.message)) {
				t.Errorf("status %d, want 403 saying the form expired: %s", ex.Code, ex.Body)
			}
			expectHTML(t, ex.ResponseRecorder)
			if after := m.current(t); after.ResourceVersion != before.ResourceVersion {
				t.Errorf("the credential Secret changed")
			}
		})
	}
	// The login form shown again can be sent: it carries a fresh value and
	// sets its cookie.
	ex := serve(s, withoutCookieAgain(m))
	fresh := cookieNamed(ex.Result(), csrfCookie)
	if fresh == nil || !strings.Contains(ex.Body.String(), `name="csrf" value="`+fresh.Value+`"`) {
		t.Errorf("the refused login's page has no fresh csrf value: %v %s", fresh, ex.Body)
	}
	if ex := call(s, http.MethodGet, "/v1/sessions/current", session, nil); ex.Code != http.StatusOK {
		t.Errorf("the session ended: %d %s", ex.Code, ex.Body)
	}
}

func withoutCookieAgain(m *member) *http.Request {
	return formPost("/v1/sessions", url.Values{fieldAccount: {m.account()}, fieldEmail: {m.user.Spec.Email},
		fieldPassword: {strongPassword}, csrfField: {testCSRF}})
}

// TestCrossSiteFormsRefused: a form post from another site is refused
// before any route sees it, even with a valid emailed token; JSON is not.
func TestCrossSiteFormsRefused(t *testing.T) {
	inv := newInvitation(t)
	before := inv.currentSecret(t)
	s := newServer()
	form := url.Values{"token": {inv.token}, "password": {strongPassword}, "confirm": {strongPassword}}

	for name, edit := range map[string]func(*http.Request){
		"foreign origin": func(r *http.Request) { r.Header.Set("Origin", "https://evil.example") },
		"null origin":    func(r *http.Request) { r.Header.Set("Origin", "null") },
		"null origin, cross-site fetch": func(r *http.Request) {
			r.Header.Set("Origin", "null")
			r.Header.Set("Sec-Fetch-Site", "cross-site")
		},
		"cross-site fetch": func(r *http.Request) { r.Header.Set("Sec-Fetch-Site", "cross-site") },
		"text/plain elsewhere": func(r *http.Request) {
			r.Header.Set("Content-Type", "text/plain")
			r.Header.Set("Origin", "https://evil.example")
		},
	} {
		t.Run(name, func(t *testing.T) {
			r := formPost("/v1/invitations/accept", form)
			edit(r)
			ex := serve(s, r)
			if ex.Code != http.StatusForbidden || !strings.Contains(ex.Body.String(), html.EscapeString(errCrossSite.message)) {
				t.Errorf("status %d, want 403 saying the form came from another site: %s", ex.Code, ex.Body)
			}
			expectUnchanged(t, inv, before)
		})
	}

	// A JSON client elsewhere (a portal) is answered as before.
	r := httptest.NewRequest(http.MethodPost, "/v1/invitations/accept", strings.NewReader(`{"token":"x","password":"y"}`))
	r.Header.Set("Content-Type", contentTypeJSON)
	r.Header.Set("Origin", "https://portal.example")
	expectProblem(t, serve(s, r), http.StatusNotFound, ReasonTokenInvalid)

	// The page's own origin goes through.
	r = formPost("/v1/invitations/accept", form)
	r.Header.Set("Origin", "https://"+r.Host)
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	if ex := serve(s, r); ex.Code != http.StatusOK {
		t.Errorf("a same-origin form post = %d: %s", ex.Code, ex.Body)
	}

	// A browser that hides the origin ("null") but says the post came
	// from this origin goes through too.
	second := newInvitation(t)
	r = formPost("/v1/invitations/accept", url.Values{"token": {second.token}, "password": {strongPassword}, "confirm": {strongPassword}})
	r.Header.Set("Origin", "null")
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	if ex := serve(s, r); ex.Code != http.StatusOK {
		t.Errorf("a same-origin form post with a hidden origin = %d: %s", ex.Code, ex.Body)
	}
}

func TestAcceptPageKnowsTheLinkBeforeTheForm(t *testing.T) {
	t.Run("open", func(t *testing.T) {
		inv := newInvitation(t)
		before := inv.currentSecret(t)
		ex := serve(newServer(), httptest.NewRequest(http.MethodGet, "/v1/invitations/accept?token="+url.QueryEscape(inv.token), nil))
		body := ex.Body.String()
		if ex.Code != http.StatusOK || !strings.Contains(body, `name="password"`) {
			t.Fatalf("open invitation: %d %s", ex.Code, body)
		}
		for _, fact := range []string{"<dd>" + inv.user.Namespace + "</dd>", "<dd>" + inv.user.Spec.Email + "</dd>"} {
			if !strings.Contains(body, fact) {
				t.Errorf("the page does not say %s: %s", fact, body)
			}
		}
		expectUnchanged(t, inv, before)
	})

	tests := []struct {
		name    string
		prepare func(t *testing.T, inv *invitation, s *Server) string
		status  int
		says    string
		links   []string
	}{{
		name: "used",
		prepare: func(t *testing.T, inv *invitation, s *Server) string {
			if ex := acceptJSON(s, inv.token, strongPassword); ex.Code != http.StatusOK {
				t.Fatalf("accept: %d %s", ex.Code, ex.Body)
			}
			return inv.token
		},
		status: http.StatusGone, says: errTokenUsed.message,
		links: []string{`href="/v1/sessions?account=`},
	}, {
		name: "expired",
		prepare: func(t *testing.T, inv *invitation, s *Server) string {
			s.Clock = clocktesting.NewFakePassiveClock(inv.expiry.Add(time.Minute))
			return inv.token
		},
		status: http.StatusGone, says: errTokenExpired.message,
		links: []string{`href="/v1/sessions"`},
	}, {
		name: "replaced",
		prepare: func(t *testing.T, inv *invitation, s *Server) string {
			_, hash, err := credentials.NewToken()
			if err != nil {
				t.Fatal(err)
			}
			secret := inv.currentSecret(t)
			credentials.WriteInvitation(secret, credentials.Invitation{Number: 2, Attempt: 1, TokenHash: hash, Expiry: inv.expiry})
			if err := direct.Update(context.Background(), secret); err != nil {
				t.Fatal(err)
			}
			waitForCache(t, secret, nil)
			return inv.token
		},
		status: http.StatusNotFound, says: errTokenInvalid.message,
		links: []string{`href="/v1/sessions"`},
	}, {
		name: "unknown",
		prepare: func(t *testing.T, inv *invitation, s *Server) string {
			token, _, err := credentials.NewToken()
			if err != nil {
				t.Fatal(err)
			}
			return token
		},
		status: http.StatusNotFound, says: errTokenInvalid.message,
		links: []string{`href="/v1/sessions"`},
	}, {
		name:    "not a token",
		prepare: func(*testing.T, *invitation, *Server) string { return "<script>" },
		status:  http.StatusNotFound, says: errTokenInvalid.message,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := newInvitation(t)
			s := newServer()
			token := tt.prepare(t, inv, s)
			before := inv.currentSecret(t)
			ex := serve(s, httptest.NewRequest(http.MethodGet, "/v1/invitations/accept?token="+url.QueryEscape(token), nil))
			body := ex.Body.String()
			if ex.Code != tt.status || !strings.Contains(body, html.EscapeString(tt.says)) {
				t.Errorf("status %d, want %d saying %q: %s", ex.Code, tt.status, tt.says, body)
			}
			if strings.Contains(body, "<form") {
				t.Errorf("a dead link shows a form: %s", body)
			}
			for _, l := range tt.links {
				if !strings.Contains(body, l) {
					t.Errorf("the page has no way forward %s: %s", l, body)
				}
			}
			expectUnchanged(t, inv, before)
		})
	}
}

func TestAcceptedPageLeadsToTheLogin(t *testing.T) {
	inv := newInvitation(t)
	ex := postForm(newServer(), url.Values{"token": {inv.token}, "password": {strongPassword}, "confirm": {strongPassword}})
	want := `href="` + html.EscapeString(pageURL(pathLogIn, inv.user.Namespace, inv.user.Spec.Email)) + `"`
	if ex.Code != http.StatusOK || !strings.Contains(ex.Body.String(), want) {
		t.Errorf("the accepted page = %d without %s: %s", ex.Code, want, ex.Body)
	}
	ex = serve(newServer(), httptest.NewRequest(http.MethodGet, pageURL(pathLogIn, inv.user.Namespace, inv.user.Spec.Email), nil))
	if !strings.Contains(ex.Body.String(), `value="`+inv.user.Spec.Email+`"`) {
		t.Errorf("the login page is not filled from its link: %s", ex.Body)
	}
}

func TestResetConfirmPageKnowsTheLinkBeforeTheForm(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(t *testing.T, m *member, s *Server, fakeClock *clocktesting.FakeClock) string
		status  int
		form    bool
	}{{
		name: "open",
		prepare: func(t *testing.T, m *member, _ *Server, fakeClock *clocktesting.FakeClock) string {
			return issueReset(t, m, fakeClock.Now().Add(time.Hour))
		},
		status: http.StatusOK, form: true,
	}, {
		name: "used",
		prepare: func(t *testing.T, m *member, s *Server, fakeClock *clocktesting.FakeClock) string {
			token := issueReset(t, m, fakeClock.Now().Add(time.Hour))
			if ex := confirmReset(s, token, newPassword); ex.Code != http.StatusOK {
				t.Fatalf("reset: %d %s", ex.Code, ex.Body)
			}
			return token
		},
		status: http.StatusGone,
	}, {
		name: "expired",
		prepare: func(t *testing.T, m *member, _ *Server, fakeClock *clocktesting.FakeClock) string {
			token := issueReset(t, m, fakeClock.Now().Add(time.Hour))
			fakeClock.Step(2 * time.Hour)
			return token
		},
		status: http.StatusGone,
	}, {
		name: "replaced",
		prepare: func(t *testing.T, m *member, _ *Server, fakeClock *clocktesting.FakeClock) string {
			token := issueReset(t, m, fakeClock.Now().Add(time.Hour))
			issueReset(t, m, fakeClock.Now().Add(time.Hour))
			return token
		},
		status: http.StatusNotFound,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMember(t)
			fakeClock := newFakeClock()
			s := signInServer(fakeClock)
			token := tt.prepare(t, m, s, fakeClock)
			before := m.current(t)
			ex := serve(s, httptest.NewRequest(http.MethodGet, "/v1/password-resets/confirm?token="+url.QueryEscape(token), nil))
			body := ex.Body.String()
			if ex.Code != tt.status || strings.Contains(body, "<form") != tt.form {
				t.Errorf("status %d with a form %v, want %d and %v: %s", ex.Code, strings.Contains(body, "<form"), tt.status, tt.form, body)
			}
			if !tt.form && !strings.Contains(body, `href="/v1/password-resets`) {
				t.Errorf("a dead link offers no new one: %s", body)
			}
			if tt.form && !strings.Contains(body, "<dd>"+m.user.Spec.Email+"</dd>") {
				t.Errorf("the page does not say whose password it sets: %s", body)
			}
			if after := m.current(t); after.ResourceVersion != before.ResourceVersion {
				t.Error("showing the page changed the credential Secret")
			}
		})
	}
}

var linkPattern = regexp.MustCompile(`(?:href|action)="([^"]*)"`)

// TestLogOutThenLogInAgain follows the pages as a browser does: every link
// after the logout is absolute and works, and the login form logs in again.
func TestLogOutThenLogInAgain(t *testing.T) {
	m := newMember(t)
	s := signInServer(newFakeClock())
	ex := serve(s, loginPost(loginForm(m, strongPassword, "")))
	session := cookieNamed(ex.Result(), sessionCookie)
	if ex.Code != http.StatusOK || session == nil {
		t.Fatalf("login: %d %s", ex.Code, ex.Body)
	}
	if !strings.Contains(ex.Body.String(), "Set up two-factor authentication") {
		t.Errorf("the Logged in page does not offer two-factor: %s", ex.Body)
	}

	ex = serve(s, sessionForm("/v1/sessions/current", session.Value, nil))
	page := ex.Body.String()
	if ex.Code != http.StatusOK || !strings.Contains(page, "You are logged out") {
		t.Fatalf("logout: %d %s", ex.Code, page)
	}
	for _, match := range linkPattern.FindAllStringSubmatch(page, -1) {
		target := html.UnescapeString(match[1])
		if strings.HasPrefix(target, "#") {
			continue // the skip link, within the page
		}
		if !strings.HasPrefix(target, "/") || strings.HasPrefix(target, "//") {
			t.Errorf("link %q is not absolute", target)
			continue
		}
		if strings.HasPrefix(target, "/v1/sessions") && !strings.HasPrefix(target, "/v1/sessions?") && target != "/v1/sessions" {
			t.Errorf("link %q is not the login page", target)
		}
		got := serve(s, httptest.NewRequest(http.MethodGet, target, nil))
		if got.Code != http.StatusOK && got.Code != http.StatusSeeOther {
			t.Errorf("GET %s after the logout = %d", target, got.Code)
		}
	}
	csrf := regexp.MustCompile(`name="csrf" value="([^"]*)"`).FindStringSubmatch(page)
	if csrf == nil || formAction(t, page) != "/v1/sessions" {
		t.Fatalf("the logged out page has no login form: %s", page)
	}
	again := formPost("/v1/sessions", url.Values{fieldAccount: {m.account()}, fieldEmail: {m.user.Spec.Email},
		fieldPassword: {strongPassword}, csrfField: {html.UnescapeString(csrf[1])}})
	if c := cookieNamed(ex.Result(), csrfCookie); c != nil {
		again.AddCookie(c)
	} else {
		again.AddCookie(csrfCookieOf())
	}
	if ex := serve(s, again); ex.Code != http.StatusOK || !strings.Contains(ex.Body.String(), "You are logged in") {
		t.Errorf("logging in again: %d %s", ex.Code, ex.Body)
	}
}

// TestTwoFactorOnPageOffersNoEnrolment: once two-factor is on, the pages
// offer to replace the app, not to set two-factor up again.
func TestTwoFactorOnPageOffersNoEnrolment(t *testing.T) {
	m := newMember(t)
	fakeClock := newFakeClock()
	s := signInServer(fakeClock)
	session := loginOK(t, s, m)

	ex := serve(s, sessionForm("/v1/totp/enroll", session, nil))
	if ex.Code != http.StatusOK {
		t.Fatalf("start: %d %s", ex.Code, ex.Body)
	}
	secret := readTwoFactor(t, m.current(t)).PendingSecret
	ex = serve(s, sessionForm("/v1/totp/confirm", session, url.Values{fieldCode: {codeAt(t, secret, fakeClock.Now())}}))
	body := ex.Body.String()
	if ex.Code != http.StatusOK || !strings.Contains(body, "Two-factor is on") {
		t.Fatalf("confirm: %d %s", ex.Code, body)
	}
	if strings.Contains(body, titleEnroll) || !strings.Contains(body, `href="/v1/sessions"`) {
		t.Errorf("the page offers enrolment again, or no way on: %s", body)
	}

	r := httptest.NewRequest(http.MethodGet, "/v1/sessions", nil)
	r.AddCookie(sessionCookieOf(session))
	ex = serve(s, r)
	if body := ex.Body.String(); strings.Contains(body, titleEnroll) || !strings.Contains(body, titleReplaceApp) {
		t.Errorf("the signed-in page offers enrolment again: %s", body)
	}
	r = httptest.NewRequest(http.MethodGet, "/v1/totp/enroll", nil)
	r.AddCookie(sessionCookieOf(session))
	if body := serve(s, r).Body.String(); !strings.Contains(body, titleReplaceApp) || !strings.Contains(body, `name="password"`) {
		t.Errorf("the enrolment page does not ask to replace the app: %s", body)
	}
}

// hostile is what a person may write into their name and email: markup,
// script and quotes, all within the User's validation.
const (
	hostileName  = `<script>alert("x")</script> O'Neil`
	hostileEmail = `o'neil"<b>x</b>@example.com`
)

// TestPagesEscapeWhatPeopleWrote shows names and emails with markup on
// every page that shows them: they are text, never markup.
func TestPagesEscapeWhatPeopleWrote(t *testing.T) {
	hostile := func(u *iamv1alpha1.User) { u.Spec.FullName, u.Spec.Email = hostileName, hostileEmail }
	inv := newInvitation(t, hostile)
	s := newServer()
	pages := map[string]string{}

	ex := serve(s, httptest.NewRequest(http.MethodGet, "/v1/invitations/accept?token="+url.QueryEscape(inv.token), nil))
	pages["accept"] = ex.Body.String()
	ex = postForm(s, url.Values{"token": {inv.token}, "password": {strongPassword}, "confirm": {strongPassword}})
	pages["accepted"] = ex.Body.String()
	ex = serve(s, httptest.NewRequest(http.MethodGet, "/v1/invitations/accept?token="+url.QueryEscape(inv.token), nil))
	pages["accept again"] = ex.Body.String()

	m := newMember(t, hostile)
	fakeClock := newFakeClock()
	signIn := signInServer(fakeClock)
	ex = serve(signIn, loginPost(loginForm(m, strongPassword, "")))
	pages["logged in"] = ex.Body.String()
	ex = serve(signIn, loginPost(loginForm(m, "Wrong-Guess-11-Harbor", "")))
	pages["login failed"] = ex.Body.String()
	ex = serve(signIn, httptest.NewRequest(http.MethodGet, pageURL(pathLogIn, hostileName, hostileEmail), nil))
	pages["login from a link"] = ex.Body.String()
	ex = serve(signIn, httptest.NewRequest(http.MethodGet, pageURL(pathResets, hostileName, hostileEmail), nil))
	pages["reset request from a link"] = ex.Body.String()
	token := issueReset(t, m, fakeClock.Now().Add(time.Hour))
	ex = serve(signIn, httptest.NewRequest(http.MethodGet, "/v1/password-resets/confirm?token="+url.QueryEscape(token), nil))
	pages["reset confirm"] = ex.Body.String()

	for name, body := range pages {
		t.Run(name, func(t *testing.T) {
			for _, raw := range []string{"<script>", "<b>", `"<b>`} {
				if strings.Contains(body, raw) {
					t.Errorf("the page holds %q as markup: %s", raw, body)
				}
			}
			if !strings.Contains(body, "&lt;b&gt;x&lt;/b&gt;@example.com") {
				t.Errorf("the page does not show the email as text: %s", body)
			}
		})
	}
}
