package selfservice

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/tenantry-io/tenantry/internal/credentials"
)

const newPassword = "Harbor-Violet-42-Kettle"

func requestReset(s *Server, account, email string) exchange {
	return call(s, http.MethodPost, "/v1/password-resets", "", map[string]string{"account": account, "email": email})
}

// TestResetRequestAlwaysAccepted: the answer is the same whether or not the
// account and email exist; only a real user gets a request recorded, and
// asking again while it is unanswered records nothing new.
func TestResetRequestAlwaysAccepted(t *testing.T) {
	m := newMember(t)
	s := signInServer(newFakeClock())

	unknownAccount := requestReset(s, "no-such-account", m.user.Spec.Email)
	unknownEmail := requestReset(s, m.account(), "bob@example.com")
	known := requestReset(s, m.account(), m.user.Spec.Email)
	for name, ex := range map[string]exchange{"unknown account": unknownAccount, "unknown email": unknownEmail, "known": known} {
		if ex.Code != http.StatusAccepted || ex.Body.String() != known.Body.String() {
			t.Errorf("%s: status %d body %s, want 202 and the same body for all", name, ex.Code, ex.Body)
		}
	}
	s.resets.done.Wait()
	secret := m.current(t)
	request := credentials.ReadPasswordReset(secret).Request
	if request == "" {
		t.Fatal("no reset request recorded for the real user")
	}
	m.waitForCache(t)
	requestReset(s, m.account(), m.user.Spec.Email)
	s.resets.done.Wait()
	if again := credentials.ReadPasswordReset(m.current(t)).Request; again != request {
		t.Errorf("a second request while the first is unanswered recorded %q over %q", again, request)
	}
}

// issueReset does what the User controller does when it sends the email:
// a token whose hash and expiry are in the Secret.
func issueReset(t *testing.T, m *member, expiry time.Time) string {
	t.Helper()
	token, hash, err := credentials.NewScopedToken(m.account(), m.user.Name)
	if err != nil {
		t.Fatal(err)
	}
	m.change(t, func(secret *corev1.Secret) {
		reset := credentials.ReadPasswordReset(secret)
		reset.Number++
		reset.Attempt, reset.TokenHash, reset.Expiry, reset.UsedTime = 1, hash, expiry, time.Time{}
		credentials.WritePasswordReset(secret, reset)
	})
	return token
}

func confirmReset(s *Server, token, password string) exchange {
	return call(s, http.MethodPost, "/v1/password-resets/confirm", "", map[string]string{"token": token, "password": password})
}

func TestResetSetsPasswordEndsSessionsAndClearsLockout(t *testing.T) {
	m := newMember(t)
	clock := newFakeClock()
	s := signInServer(clock)
	session := loginOK(t, s, m)
	for range DefaultLockoutPolicy().Threshold {
		login(s, m.account(), m.user.Spec.Email, "Wrong-Password-99")
	}
	expectProblem(t, login(s, m.account(), m.user.Spec.Email, strongPassword), http.StatusForbidden, ReasonUserLocked)
	token := issueReset(t, m, clock.Now().Add(time.Hour))

	ex := confirmReset(s, token, newPassword)

	if ex.Code != http.StatusOK {
		t.Fatalf("confirm: status %d; body %s", ex.Code, ex.Body)
	}
	expectNoSecretsInLogs(t, ex, token, newPassword)
	secret := m.current(t)
	expectSecretHolds(t, secret, token, newPassword)
	if !credentials.CheckPassword(secret.Data[credentials.KeyPasswordHash], newPassword) {
		t.Error("the new password is not set")
	}
	if got := credentials.ReadLockout(secret); got != (credentials.Lockout{}) {
		t.Errorf("lockout after reset = %+v, want none", got)
	}
	expectProblem(t, call(s, http.MethodGet, "/v1/sessions/current", session, nil), http.StatusUnauthorized, ReasonSessionInvalid)
	m.waitForCache(t)
	expectProblem(t, login(s, m.account(), m.user.Spec.Email, strongPassword), http.StatusUnauthorized, ReasonLoginFailed)
	ex = login(s, m.account(), m.user.Spec.Email, newPassword)
	if ex.Code != http.StatusCreated {
		t.Errorf("login with the new password: %d %s", ex.Code, ex.Body)
	}

	// The link works once.
	expectProblem(t, confirmReset(s, token, "Another-Password-77"), http.StatusGone, ReasonTokenUsed)
}

func TestResetLinkExpires(t *testing.T) {
	m := newMember(t)
	clock := newFakeClock()
	s := signInServer(clock)
	token := issueReset(t, m, clock.Now().Add(time.Hour))
	before := m.current(t)

	clock.Step(time.Hour)

	expectProblem(t, confirmReset(s, token, newPassword), http.StatusGone, ReasonTokenExpired)
	if m.current(t).ResourceVersion != before.ResourceVersion {
		t.Error("an expired link changed the Secret")
	}
}

func TestResetRefusesBadTokensAndWeakPasswords(t *testing.T) {
	m := newMember(t)
	clock := newFakeClock()
	s := signInServer(clock)
	token := issueReset(t, m, clock.Now().Add(time.Hour))
	other, _, _ := credentials.NewScopedToken(m.account(), m.user.Name)

	expectProblem(t, confirmReset(s, "not-a-token", newPassword), http.StatusNotFound, ReasonTokenInvalid)
	expectProblem(t, confirmReset(s, other, newPassword), http.StatusNotFound, ReasonTokenInvalid)
	expectProblem(t, confirmReset(s, token, "weak"), http.StatusUnprocessableEntity, ReasonPasswordTooWeak)
	if ex := confirmReset(s, token, newPassword); ex.Code != http.StatusOK {
		t.Errorf("the token stopped working after refused attempts: %d %s", ex.Code, ex.Body)
	}
}

func TestResetPagesWorkInABrowser(t *testing.T) {
	m := newMember(t)
	clock := newFakeClock()
	s := signInServer(clock)
	token := issueReset(t, m, clock.Now().Add(time.Hour))

	ex := serve(s, httptest.NewRequest(http.MethodGet, "/v1/password-resets/confirm?token="+url.QueryEscape(token), nil))
	if ex.Code != http.StatusOK || hiddenToken(t, ex.Body.String()) != token {
		t.Fatalf("reset page: %d %s", ex.Code, ex.Body)
	}
	expectHTML(t, ex.ResponseRecorder)

	form := url.Values{"token": {token}, "password": {newPassword}, "confirm": {newPassword}}
	r := httptest.NewRequest(http.MethodPost, "/v1/password-resets/confirm", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	ex = serve(s, r)
	if ex.Code != http.StatusOK || !strings.Contains(ex.Body.String(), "Your new password is set") {
		t.Fatalf("reset form post: %d %s", ex.Code, ex.Body)
	}
	if strings.Contains(ex.Body.String(), newPassword) {
		t.Error("the page shows the password")
	}

	for _, path := range []string{"/v1/sessions", "/v1/password-resets", "/v1/totp/enroll"} {
		ex := serve(s, httptest.NewRequest(http.MethodGet, path, nil))
		if ex.Code != http.StatusOK || !strings.Contains(ex.Body.String(), "<form") {
			t.Errorf("GET %s: %d, want a page with a form", path, ex.Code)
		}
		expectHTML(t, ex.ResponseRecorder)
	}
}

func TestBrowserLogsIn(t *testing.T) {
	m := newMember(t)
	s := signInServer(newFakeClock())
	form := url.Values{"account": {m.account()}, "email": {m.user.Spec.Email}, "password": {strongPassword}, "code": {""}}

	ex := serve(s, loginPost(form))

	if ex.Code != http.StatusOK || !strings.Contains(ex.Body.String(), "You are logged in") {
		t.Fatalf("login form post: %d %s", ex.Code, ex.Body)
	}
	cookies := ex.Result().Cookies()
	if len(cookies) != 1 || cookies[0].Name != sessionCookie || !cookies[0].HttpOnly {
		t.Fatalf("cookies = %+v, want one HttpOnly session cookie", cookies)
	}
	r := httptest.NewRequest(http.MethodGet, "/v1/sessions/current", nil)
	r.AddCookie(cookies[0])
	ex = serve(s, r)
	var current currentSessionBody
	if ex.Code != http.StatusOK || json.Unmarshal(ex.Body.Bytes(), &current) != nil || current.User != m.user.Name {
		t.Errorf("the cookie is not a session: %d %s", ex.Code, ex.Body)
	}

	// The enrolment page shows the QR code and asks for the first code.
	ex = serve(s, sessionForm("/v1/totp/enroll", cookies[0].Value, nil))
	body := ex.Body.String()
	if ex.Code != http.StatusOK || !strings.Contains(body, `<img src="data:image/png;base64,`) || !strings.Contains(body, `name="code"`) {
		t.Fatalf("enrolment page: %d %s", ex.Code, body)
	}
	expectNoSecretsInLogs(t, ex, readTwoFactor(t, m.current(t)).PendingSecret)

	// Logging out from the page ends the session.
	if ex := serve(s, sessionForm("/v1/sessions/current", cookies[0].Value, nil)); ex.Code != http.StatusOK || !strings.Contains(ex.Body.String(), "You are logged out") {
		t.Errorf("logout page: %d %s", ex.Code, ex.Body)
	}
	if got := credentials.ReadSessions(m.current(t)); len(got) != 0 {
		t.Errorf("sessions after logging out = %+v", got)
	}
}
