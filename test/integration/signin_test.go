package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/smtpcatcher"
	"github.com/tenantry-io/tenantry/internal/testsupport"
)

const (
	wrongPassword = "Wrong-Password-99"
	newPassword   = "Harbor-Violet-42-Kettle"
)

// apiAnswer is a self-service answer: its status and JSON fields.
type apiAnswer struct {
	code int
	body map[string]any
	raw  string
}

func (a apiAnswer) str(field string) string {
	s, _ := a.body[field].(string)
	return s
}

// selfService sends one JSON request to a manager's self-service API.
func selfService(t *testing.T, tm *testManager, method, path, token string, body any) apiAnswer {
	t.Helper()
	var reader *bytes.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		reader = bytes.NewReader(raw)
	} else {
		reader = bytes.NewReader(nil)
	}
	req, err := http.NewRequest(method, tm.selfServiceURL+path, reader)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	a := apiAnswer{code: resp.StatusCode, body: map[string]any{}, raw: buf.String()}
	_ = json.Unmarshal(buf.Bytes(), &a.body)
	return a
}

func logIn(t *testing.T, tm *testManager, user *iamv1alpha1.User, password string, extra ...string) apiAnswer {
	t.Helper()
	body := map[string]string{"account": user.Namespace, "email": user.Spec.Email, "password": password}
	for i := 0; i+1 < len(extra); i += 2 {
		body[extra[i]] = extra[i+1]
	}
	return selfService(t, tm, http.MethodPost, "/v1/sessions", "", body)
}

// logInOK logs in and returns the session token.
func logInOK(t *testing.T, tm *testManager, user *iamv1alpha1.User, password string, extra ...string) string {
	t.Helper()
	a := logIn(t, tm, user, password, extra...)
	if a.code != http.StatusCreated || a.str("token") == "" {
		t.Fatalf("login: HTTP %d %s", a.code, a.raw)
	}
	return a.str("token")
}

func expectAnswer(t *testing.T, a apiAnswer, code int, reason string) {
	t.Helper()
	if a.code != code || a.str("reason") != reason {
		t.Fatalf("answer HTTP %d %s, want %d %s", a.code, a.raw, code, reason)
	}
}

func isLocked(g Gomega, u *iamv1alpha1.User) {
	g.Expect(u.Status.Phase).To(Equal(iamv1alpha1.UserPhaseLocked))
	g.Expect(condition(u, iamv1alpha1.LockedCondition).Status).To(Equal(metav1.ConditionTrue))
	g.Expect(condition(u, iamv1alpha1.ReadyCondition).Reason).To(Equal(iamv1alpha1.ReasonLocked))
	g.Expect(u.Status.LockedUntil).NotTo(BeNil())
}

func isActive(g Gomega, u *iamv1alpha1.User) {
	g.Expect(u.Status.Phase).To(Equal(iamv1alpha1.UserPhaseActive))
	g.Expect(condition(u, iamv1alpha1.LockedCondition).Status).To(Equal(metav1.ConditionFalse))
	g.Expect(u.Status.LockedUntil).To(BeNil())
}

func failLogins(t *testing.T, tm *testManager, user *iamv1alpha1.User, n int) {
	t.Helper()
	for range n {
		expectAnswer(t, logIn(t, tm, user, wrongPassword), http.StatusUnauthorized, "LoginFailed")
	}
}

func TestLoginRecordsLastLoginTime(t *testing.T) {
	tm, ns := startAccount(t)
	user := newUser(ns, "alice", "alice@login.example")
	key := inviteAndAccept(t, tm, user)

	logInOK(t, tm, user, strongPassword)

	first := eventuallyUser(t, key, func(g Gomega, u *iamv1alpha1.User) {
		g.Expect(u.Status.LastLoginTime).NotTo(BeNil())
		g.Expect(u.Status.TwoFactor).To(Equal(iamv1alpha1.TwoFactorDisabled))
	})
	if time.Since(first.Status.LastLoginTime.Time) > time.Minute {
		t.Errorf("lastLoginTime = %v, want about now", first.Status.LastLoginTime)
	}
}

func TestWrongPasswordsLockUntilAnAdministratorUnlocks(t *testing.T) {
	tm, ns := startAccount(t)
	user := newUser(ns, "alice", "alice@lock.example")
	key := inviteAndAccept(t, tm, user)

	failLogins(t, tm, user, 5)

	eventuallyUser(t, key, isLocked)
	a := logIn(t, tm, user, strongPassword)
	expectAnswer(t, a, http.StatusForbidden, "UserLocked")
	if a.str("lockedUntil") == "" {
		t.Errorf("a locked user with the right password is not told until when: %s", a.raw)
	}

	annotate(t, key, iamv1alpha1.UnlockAnnotation, "2026-11-24T09:00:00Z")
	eventuallyUser(t, key, func(g Gomega, u *iamv1alpha1.User) {
		isActive(g, u)
		g.Expect(u.Status.UnlockRequest).To(Equal("2026-11-24T09:00:00Z"))
	})
	expectEvents(t, key, "PhaseLocked", "Unlocked", "PhaseActive")
	// Failures from before the unlock are forgotten: one more does not lock.
	failLogins(t, tm, user, 1)
	logInOK(t, tm, user, strongPassword)
	eventuallyUser(t, key, isActive)
}

func TestLockoutEndsByItself(t *testing.T) {
	smtp := startSMTP(t)
	opts := testOptions(t, smtp)
	opts.SignIn.LockoutDuration = 3 * time.Second
	tm := startManager(t, opts)
	tm.smtp = smtp
	user := newUser(newNamespace(t), "alice", "alice@expiry.example")
	key := inviteAndAccept(t, tm, user)

	failLogins(t, tm, user, 5)
	eventuallyUser(t, key, isLocked)

	// Nobody does anything: the controller comes back when the lock ends.
	eventuallyUser(t, key, isActive)
	logInOK(t, tm, user, strongPassword)
}

func TestLockoutCountSurvivesARestart(t *testing.T) {
	smtp := startSMTP(t)
	opts := testOptions(t, smtp)
	tm := startManager(t, opts)
	tm.smtp = smtp
	user := newUser(newNamespace(t), "alice", "alice@restart-lock.example")
	key := inviteAndAccept(t, tm, user)
	failLogins(t, tm, user, 3)
	tm.stop(t)

	opts.SelfServiceAddr = testsupport.FreeAddr(t)
	tm = startManager(t, opts)
	failLogins(t, tm, user, 1)
	eventuallyUser(t, key, isActive)
	failLogins(t, tm, user, 1)

	eventuallyUser(t, key, isLocked)
}

func TestConcurrentWrongPasswordsLockExactlyOnce(t *testing.T) {
	tm, ns := startAccount(t)
	user := newUser(ns, "alice", "alice@concurrent.example")
	key := inviteAndAccept(t, tm, user)

	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if a := logIn(t, tm, user, wrongPassword); a.code != http.StatusUnauthorized {
				t.Errorf("wrong password: HTTP %d %s", a.code, a.raw)
			}
		})
	}
	wg.Wait()

	eventuallyUser(t, key, isLocked)
	g := NewWithT(t)
	secret := getSecret(g, key)
	g.Expect(string(secret.Data["password-failures"])).To(Equal("5"), "exactly the threshold counted")
}

func TestDisabledAndInvitedUsersCannotLogIn(t *testing.T) {
	tm, ns := startAccount(t)
	invited := newUser(ns, "bob", "bob@invited.example")
	createUser(t, invited)
	eventuallyUser(t, client.ObjectKeyFromObject(invited), hasPhase(iamv1alpha1.UserPhaseInvited))
	expectAnswer(t, logIn(t, tm, invited, strongPassword), http.StatusUnauthorized, "LoginFailed")

	user := newUser(ns, "alice", "alice@disabled.example")
	key := inviteAndAccept(t, tm, user)
	setState(t, key, iamv1alpha1.UserStateDisabled)
	eventuallyUser(t, key, hasPhase(iamv1alpha1.UserPhaseDisabled))
	expectAnswer(t, logIn(t, tm, user, strongPassword), http.StatusForbidden, "UserDisabled")
	expectAnswer(t, logIn(t, tm, user, wrongPassword), http.StatusUnauthorized, "LoginFailed")
}

// resetEmails are the password reset emails the SMTP server accepted for
// an address.
func resetEmails(smtp *smtpcatcher.Server, address string) []smtpcatcher.Message {
	var out []smtpcatcher.Message
	for _, m := range messagesTo(smtp, address) {
		if strings.HasPrefix(m.Subject(), "Reset your password") {
			out = append(out, m)
		}
	}
	return out
}

func TestPasswordResetEmailsOncePerRequestAndAnnotation(t *testing.T) {
	tm, ns := startAccount(t)
	user := newUser(ns, "alice", "alice@reset.example")
	key := inviteAndAccept(t, tm, user)
	session := logInOK(t, tm, user, strongPassword)
	g := NewWithT(t)

	// Through the self-service API: one email per request.
	a := selfService(t, tm, http.MethodPost, "/v1/password-resets", "", map[string]string{"account": ns, "email": user.Spec.Email})
	g.Expect(a.code).To(Equal(http.StatusAccepted))
	eventuallyUser(t, key, func(g Gomega, u *iamv1alpha1.User) {
		g.Expect(u.Status.PasswordReset).NotTo(BeNil())
		g.Expect(u.Status.PasswordReset.Number).To(BeEquivalentTo(1))
		g.Expect(u.Status.PasswordReset.SentTime).NotTo(BeNil())
		g.Expect(condition(u, iamv1alpha1.PasswordResetDeliveredCondition).Status).To(Equal(metav1.ConditionTrue))
	})
	first := resetEmails(tm.smtp, user.Spec.Email)
	g.Expect(first).To(HaveLen(1))
	html, err := first[0].HTMLBody()
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(html).To(ContainSubstring("/v1/password-resets/confirm?token="))
	firstToken := tokenFrom(t, first[0])

	selfService(t, tm, http.MethodPost, "/v1/password-resets", "", map[string]string{"account": ns, "email": user.Spec.Email})
	eventuallyUser(t, key, func(g Gomega, u *iamv1alpha1.User) {
		g.Expect(u.Status.PasswordReset.Number).To(BeEquivalentTo(2))
	})

	// By annotation: one email per value, however often the user is
	// reconciled afterwards.
	annotate(t, key, iamv1alpha1.ResetPasswordAnnotation, "first")
	eventuallyUser(t, key, func(g Gomega, u *iamv1alpha1.User) {
		g.Expect(u.Status.PasswordReset.Number).To(BeEquivalentTo(3))
		g.Expect(u.Status.PasswordReset.Request).To(Equal("first"))
	})
	annotate(t, key, iamv1alpha1.UnlockAnnotation, "touch")
	eventuallyUser(t, key, func(g Gomega, u *iamv1alpha1.User) {
		g.Expect(u.Status.UnlockRequest).To(Equal("touch"))
	})
	emails := resetEmails(tm.smtp, user.Spec.Email)
	g.Expect(emails).To(HaveLen(3))
	expectEvents(t, key, "PasswordResetSent")

	// Only the latest link works, once; every old session ends.
	latest := tokenFrom(t, emails[2])
	expectAnswer(t, selfService(t, tm, http.MethodPost, "/v1/password-resets/confirm", "",
		map[string]string{"token": firstToken, "password": newPassword}), http.StatusNotFound, "TokenInvalid")
	a = selfService(t, tm, http.MethodPost, "/v1/password-resets/confirm", "", map[string]string{"token": latest, "password": newPassword})
	g.Expect(a.code).To(Equal(http.StatusOK), a.raw)
	expectAnswer(t, selfService(t, tm, http.MethodGet, "/v1/sessions/current", session, nil), http.StatusUnauthorized, "SessionInvalid")
	expectAnswer(t, selfService(t, tm, http.MethodPost, "/v1/password-resets/confirm", "",
		map[string]string{"token": latest, "password": "Another-Password-77"}), http.StatusGone, "TokenUsed")
	newSession := logInOK(t, tm, user, newPassword)

	expectNoSecretsAnywhere(t, key, strongPassword, newPassword, session, newSession, firstToken, latest)
}

// offsetClock is the real time moved forward by hand, so that a test sees
// an hour pass at once.
type offsetClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *offsetClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// Since is Now minus t, as every clock.PassiveClock says.
func (c *offsetClock) Since(t time.Time) time.Duration { return c.Now().Sub(t) }

func (c *offsetClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

func TestPasswordResetLinkExpires(t *testing.T) {
	smtp := startSMTP(t)
	opts := testOptions(t, smtp)
	clock := &offsetClock{}
	opts.Clock = clock
	tm := startManager(t, opts)
	tm.smtp = smtp
	user := newUser(newNamespace(t), "alice", "alice@reset-expiry.example")
	key := inviteAndAccept(t, tm, user)

	annotate(t, key, iamv1alpha1.ResetPasswordAnnotation, "now")
	g := NewWithT(t)
	g.Eventually(func() int { return len(resetEmails(smtp, user.Spec.Email)) }).WithTimeout(timeout).Should(Equal(1))
	token := tokenFrom(t, resetEmails(smtp, user.Spec.Email)[0])

	clock.Add(opts.SignIn.ResetTTL)

	expectAnswer(t, selfService(t, tm, http.MethodPost, "/v1/password-resets/confirm", "",
		map[string]string{"token": token, "password": newPassword}), http.StatusGone, "TokenExpired")
	logInOK(t, tm, user, strongPassword)
}

func TestTwoFactorEnrolmentLoginAndAdminReset(t *testing.T) {
	tm, ns := startAccount(t)
	user := newUser(ns, "alice", "alice@2fa.example")
	key := inviteAndAccept(t, tm, user)
	session := logInOK(t, tm, user, strongPassword)

	enrolled := selfService(t, tm, http.MethodPost, "/v1/totp/enroll", session, nil)
	if enrolled.code != http.StatusOK {
		t.Fatalf("enroll: HTTP %d %s", enrolled.code, enrolled.raw)
	}
	secret := enrolled.str("secret")
	now := time.Now()
	confirmed := selfService(t, tm, http.MethodPost, "/v1/totp/confirm", session, map[string]string{"code": code(t, secret, now)})
	if confirmed.code != http.StatusOK {
		t.Fatalf("confirm: HTTP %d %s", confirmed.code, confirmed.raw)
	}
	codes := confirmed.body["recoveryCodes"].([]any)
	recovery := make([]string, 0, len(codes))
	for _, c := range codes {
		recovery = append(recovery, c.(string))
	}
	eventuallyUser(t, key, func(g Gomega, u *iamv1alpha1.User) {
		g.Expect(u.Status.TwoFactor).To(Equal(iamv1alpha1.TwoFactorEnabled))
	})

	expectAnswer(t, logIn(t, tm, user, strongPassword), http.StatusUnauthorized, "TwoFactorRequired")
	// The next step's code is accepted (one step of skew); the confirmation
	// used this step's.
	next := code(t, secret, now.Add(30*time.Second))
	withCode := logInOK(t, tm, user, strongPassword, "code", next)
	expectAnswer(t, logIn(t, tm, user, strongPassword, "code", next), http.StatusUnauthorized, "CodeInvalid")
	withRecovery := logInOK(t, tm, user, strongPassword, "recoveryCode", recovery[0])
	expectAnswer(t, logIn(t, tm, user, strongPassword, "recoveryCode", recovery[0]), http.StatusUnauthorized, "CodeInvalid")

	annotate(t, key, iamv1alpha1.ResetTwoFactorAnnotation, "lost-phone")
	eventuallyUser(t, key, func(g Gomega, u *iamv1alpha1.User) {
		g.Expect(u.Status.TwoFactor).To(Equal(iamv1alpha1.TwoFactorDisabled))
		g.Expect(u.Status.TwoFactorResetRequest).To(Equal("lost-phone"))
	})
	expectEvents(t, key, "TwoFactorReset")
	afterReset := logInOK(t, tm, user, strongPassword)

	expectNoSecretsAnywhere(t, key, append([]string{strongPassword, session, withCode, withRecovery, afterReset, secret}, recovery...)...)
}

func TestRequiredTwoFactorGivesOnlyAnEnrolment(t *testing.T) {
	tm, ns := startAccount(t)
	user := newUser(ns, "alice", "alice@required.example")
	user.Spec.RequireTwoFactor = true
	key := inviteAndAccept(t, tm, user)

	a := logIn(t, tm, user, strongPassword)
	expectAnswer(t, a, http.StatusForbidden, "TwoFactorEnrollmentRequired")
	enrollment := a.str("enrollmentToken")
	if enrollment == "" {
		t.Fatalf("no enrolment token: %s", a.raw)
	}
	enrolled := selfService(t, tm, http.MethodPost, "/v1/totp/enroll", enrollment, nil)
	secret := enrolled.str("secret")
	now := time.Now()
	if c := selfService(t, tm, http.MethodPost, "/v1/totp/confirm", enrollment, map[string]string{"code": code(t, secret, now)}); c.code != http.StatusOK {
		t.Fatalf("confirm: HTTP %d %s", c.code, c.raw)
	}
	logInOK(t, tm, user, strongPassword, "code", code(t, secret, now.Add(30*time.Second)))
	eventuallyUser(t, key, func(g Gomega, u *iamv1alpha1.User) {
		g.Expect(u.Status.TwoFactor).To(Equal(iamv1alpha1.TwoFactorEnabled))
		g.Expect(u.Status.LastLoginTime).NotTo(BeNil())
	})
}

func code(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// expectNoSecretsAnywhere fails when a password, token, TOTP secret or
// recovery code is in the user (spec, status, annotations), its events or
// the log of any manager of the suite.
func expectNoSecretsAnywhere(t *testing.T, key client.ObjectKey, secrets ...string) {
	t.Helper()
	g := NewWithT(t)
	user := getUser(g, key)
	userJSON, err := json.Marshal(user)
	g.Expect(err).NotTo(HaveOccurred())
	events := &eventsv1.EventList{}
	g.Expect(k8s.List(context.Background(), events, client.InNamespace(key.Namespace))).To(Succeed())
	eventsJSON, err := json.Marshal(events)
	g.Expect(err).NotTo(HaveOccurred())
	places := map[string]string{"the user": string(userJSON), "the events": string(eventsJSON), "the manager log": managerLog.String()}
	for place, text := range places {
		for _, secret := range secrets {
			if secret != "" && strings.Contains(text, secret) {
				t.Errorf("%s contains a secret (%.4s…)", place, secret)
			}
			// Recovery codes are also typed without their dash.
			if plain := strings.ReplaceAll(secret, "-", ""); len(plain) == 10 && strings.Contains(text, plain) {
				t.Errorf("%s contains a recovery code", place)
			}
		}
	}
}
