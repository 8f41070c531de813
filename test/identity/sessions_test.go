package identity

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/history"
	"github.com/tenantry-io/tenantry/internal/testsupport"
)

// TestSessionsEndWithTheRight: each way an administrator or the person
// takes the right to a session away ends the sessions for good: giving the
// right back brings none of them back.
func TestSessionsEndWithTheRight(t *testing.T) {
	g := NewWithT(t)
	m := startPrimary(t)
	ns := testsupport.NewNamespace(t, k8s)
	m.join(t, ns, "olga", "")
	bob := m.join(t, ns, "bob", "manager")
	works := func(session string) {
		t.Helper()
		a := m.call(t, http.MethodGet, "/v1/sessions/current", session, nil)
		g.Expect(a.code).To(Equal(http.StatusOK), a.raw)
	}
	ended := func(session string) {
		t.Helper()
		g.Eventually(func(g Gomega) {
			a := m.call(t, http.MethodGet, "/v1/sessions/current", session, nil)
			g.Expect(a.code).To(Equal(http.StatusUnauthorized), a.raw)
			g.Expect(a.str("reason")).To(Equal("SessionInvalid"))
		}).WithTimeout(timeout).Should(Succeed())
	}
	setState := func(state iamv1alpha1.UserState) {
		t.Helper()
		g.Expect(testsupport.ChangeUser(g, k8s, keyOf(bob), func(u *iamv1alpha1.User) { u.Spec.State = state })).To(Succeed())
	}
	// annotate asks for an administrator's action and returns a check
	// that waits until the operator acknowledged it in status, after which
	// it ends no more sessions.
	annotate := func(key string, acknowledged func(*iamv1alpha1.User) string) (take, giveBack func()) {
		value := time.Now().UTC().Format(time.RFC3339Nano)
		take = func() { annotateUser(g, bob, key, value) }
		giveBack = func() {
			g.Eventually(func(g Gomega) string { return acknowledged(testsupport.GetUser(g, k8s, keyOf(bob))) }).
				WithTimeout(timeout).Should(Equal(value))
		}
		return take, giveBack
	}
	// revokedFor takes the right away, waits until the operator has
	// removed the session, gives the right back and checks that the old
	// session stays dead while a new login works.
	revokedFor := func(what string, take, giveBack func()) {
		t.Helper()
		session := m.logIn(t, bob)
		works(session)
		take()
		g.Eventually(func(g Gomega) {
			g.Expect(testsupport.EventsOn(g, k8s, bob)).To(ContainElement(And(ContainSubstring("SessionsEnded"), ContainSubstring(what))))
		}).WithTimeout(timeout).Should(Succeed(), what)
		ended(session)
		giveBack()
		eventuallyActive(t, keyOf(bob))
		ended(session)
		works(m.logIn(t, bob))
	}

	revokedFor("disabled", func() { setState(iamv1alpha1.UserStateDisabled) }, func() { setState(iamv1alpha1.UserStateActive) })
	revokedFor("deleted", func() { setState(iamv1alpha1.UserStateDeleted) }, func() { setState(iamv1alpha1.UserStateActive) })
	take, giveBack := annotate(iamv1alpha1.ResetTwoFactorAnnotation,
		func(u *iamv1alpha1.User) string { return u.Status.TwoFactorResetRequest })
	revokedFor("reset two-factor", take, giveBack)
	take, giveBack = annotate(iamv1alpha1.ResetPasswordAnnotation, func(u *iamv1alpha1.User) string {
		if u.Status.PasswordReset == nil {
			return ""
		}
		return u.Status.PasswordReset.Request
	})
	revokedFor("reset the password", take, giveBack)

	// The person's own reset, with the link of the email just sent: every
	// session from before it ends.
	session := m.logIn(t, bob)
	link := m.lastLink(t, bob, "password-resets/confirm")
	a := m.call(t, http.MethodPost, "/v1/password-resets/confirm", "", map[string]string{"token": link, "password": password})
	g.Expect(a.code).To(Equal(http.StatusOK), a.raw)
	ended(session)

	// Purged: the user is gone, and its sessions with it.
	session = m.logIn(t, bob)
	g.Expect(k8s.Delete(context.Background(), bob)).To(Succeed())
	ended(session)
}

// TestLogInAsEndsWithItsActor: a "log in as" session ends with the actor's
// own session, with the actor's right, and at its own expiry, each end
// recorded once in the user's history and events; and it can never change
// the user's credentials or second factor.
func TestLogInAsEndsWithItsActor(t *testing.T) {
	g := NewWithT(t)
	smtp := testsupport.StartSMTP(t)
	keys := testsupport.NewNamespace(t, k8s) + "/tenantry-signing-keys"
	opts := issuerOptions(t, smtp, primary, primary.addr, keys)
	const ttl = 30 * time.Second
	opts.Tokens.ImpersonationTTL = ttl
	m := startIssuer(t, opts, smtp)
	ns := testsupport.NewNamespace(t, k8s)
	m.join(t, ns, "olga", "")
	alice := m.join(t, ns, "alice", "owner")
	bob := m.join(t, ns, "bob", "manager")
	logInAs := func() (actorSession, session string) {
		t.Helper()
		actorSession = m.logIn(t, alice)
		var started answer
		g.Eventually(func(g Gomega) {
			started = m.call(t, http.MethodPost, "/v1/sessions/impersonate", actorSession, map[string]string{"user": "bob"})
			g.Expect(started.code).To(Equal(http.StatusCreated), started.raw)
		}).WithTimeout(timeout).Should(Succeed())
		session = started.str("token")
		a := m.call(t, http.MethodGet, "/v1/sessions/current", session, nil)
		g.Expect(a.code).To(Equal(http.StatusOK), a.raw)
		return actorSession, session
	}

	// It acts for bob but changes none of his credentials.
	_, session := logInAs()
	stepUp := map[string]string{"password": password, "code": "123456"}
	for _, req := range []struct {
		method, path string
		body         map[string]string
	}{
		{http.MethodPost, "/v1/totp/enroll", stepUp},
		{http.MethodPost, "/v1/totp/confirm", map[string]string{"code": "123456"}},
		{http.MethodDelete, "/v1/totp", stepUp},
		{http.MethodPost, "/v1/totp/recovery-codes", stepUp},
	} {
		a := m.call(t, req.method, req.path, session, req.body)
		expectAnswer(t, a, http.StatusForbidden, "ImpersonationCannotChangeCredentials")
	}
	g.Expect(m.call(t, http.MethodDelete, "/v1/sessions/current", session, nil).code).To(Equal(http.StatusNoContent))
	g.Eventually(func(g Gomega) []string { return logInAsEnds(g, bob) }).WithTimeout(timeout).
		Should(ConsistOf(ContainSubstring(history.EndLoggedOut)))

	// The actor logs out: the session she started ends with hers.
	actorSession, session := logInAs()
	g.Expect(m.call(t, http.MethodDelete, "/v1/sessions/current", actorSession, nil).code).To(Equal(http.StatusNoContent))
	a := m.call(t, http.MethodGet, "/v1/sessions/current", session, nil)
	g.Expect(a.code).NotTo(Equal(http.StatusOK), "the actor logged out: %s", a.raw)
	expectAnswer(t, m.call(t, http.MethodGet, "/v1/sessions/current", session, nil), http.StatusUnauthorized, "SessionInvalid")
	g.Eventually(func(g Gomega) []string { return logInAsEnds(g, bob) }).WithTimeout(timeout).
		Should(ContainElement(ContainSubstring(history.EndActorSession)))

	// The actor loses the right to act as bob: her role no longer manages
	// users.
	_, session = logInAs()
	g.Expect(testsupport.ChangeUser(g, k8s, keyOf(alice), func(u *iamv1alpha1.User) { u.Spec.Role = "manager" })).To(Succeed())
	g.Eventually(func(g Gomega) {
		a := m.call(t, http.MethodGet, "/v1/sessions/current", session, nil)
		g.Expect(a.code).NotTo(Equal(http.StatusOK), a.raw)
	}).WithTimeout(timeout).Should(Succeed())
	expectAnswer(t, m.call(t, http.MethodGet, "/v1/sessions/current", session, nil), http.StatusUnauthorized, "SessionInvalid")
	g.Eventually(func(g Gomega) []string { return logInAsEnds(g, bob) }).WithTimeout(timeout).
		Should(ContainElement(ContainSubstring(history.EndActorRight)))
	g.Expect(testsupport.ChangeUser(g, k8s, keyOf(alice), func(u *iamv1alpha1.User) { u.Spec.Role = "owner" })).To(Succeed())

	// Nobody uses it again: the operator records its expiry.
	started := time.Now()
	_, session = logInAs()
	g.Eventually(func(g Gomega) []string { return logInAsEnds(g, bob) }).WithTimeout(ttl + timeout).
		Should(ContainElement(ContainSubstring(history.EndExpired)))
	g.Expect(time.Since(started)).To(BeNumerically(">=", ttl-time.Second), "recorded before it expired")
	expectAnswer(t, m.call(t, http.MethodGet, "/v1/sessions/current", session, nil), http.StatusUnauthorized, "SessionInvalid")

	// Each end is recorded once, though the API and the operator may both
	// have seen it; the events say so too (the recorder folds repeats of
	// one reason into a series, so they are not counted here).
	g.Expect(logInAsEnds(g, bob)).To(HaveLen(4))
	g.Expect(testsupport.EventsOn(g, k8s, bob)).To(ContainElement(HavePrefix(history.EventImpersonationEnded + ": alice")))
}

// TestStepUpGuardsTheSecondFactor: with two-factor on, a session alone
// cannot replace or remove the authenticator or renew the recovery codes;
// the password and a current code can, and wrong ones count towards the
// lockout as at login.
func TestStepUpGuardsTheSecondFactor(t *testing.T) {
	g := NewWithT(t)
	m := startPrimary(t)
	ns := testsupport.NewNamespace(t, k8s)
	m.join(t, ns, "olga", "")
	bob := m.join(t, ns, "bob", "manager")

	// Enrol: the first enrolment needs nothing but the session.
	session := m.logIn(t, bob)
	enrolled := m.call(t, http.MethodPost, "/v1/totp/enroll", session, nil)
	g.Expect(enrolled.code).To(Equal(http.StatusOK), enrolled.raw)
	secret := enrolled.str("secret")
	now := time.Now()
	confirmed := m.call(t, http.MethodPost, "/v1/totp/confirm", session, map[string]string{"code": codeAt(t, secret, now)})
	g.Expect(confirmed.code).To(Equal(http.StatusOK), confirmed.raw)
	recovery := recoveryCodes(confirmed)
	g.Expect(recovery).To(HaveLen(10))
	login := m.call(t, http.MethodPost, "/v1/sessions", "", map[string]string{"account": ns, "email": bob.Spec.Email,
		"password": password, "code": codeAt(t, secret, now.Add(30*time.Second))})
	g.Expect(login.code).To(Equal(http.StatusCreated), login.raw)
	session = login.str("token")

	// The session alone: refused, and nothing changes.
	for _, req := range []struct{ method, path string }{
		{http.MethodPost, "/v1/totp/enroll"},
		{http.MethodDelete, "/v1/totp"},
		{http.MethodPost, "/v1/totp/recovery-codes"},
	} {
		expectAnswer(t, m.call(t, req.method, req.path, session, map[string]string{}), http.StatusForbidden, "StepUpRequired")
		expectAnswer(t, m.call(t, req.method, req.path, session, map[string]string{"password": password}), http.StatusForbidden, "StepUpRequired")
	}

	// With the password and a recovery code: new recovery codes; the old
	// ones are gone.
	renewed := m.call(t, http.MethodPost, "/v1/totp/recovery-codes", session,
		map[string]string{"password": password, "recoveryCode": recovery[0]})
	g.Expect(renewed.code).To(Equal(http.StatusOK), renewed.raw)
	fresh := recoveryCodes(renewed)
	g.Expect(fresh).To(HaveLen(10))
	expectAnswer(t, m.call(t, http.MethodDelete, "/v1/totp", session,
		map[string]string{"password": password, "recoveryCode": recovery[1]}), http.StatusUnauthorized, "StepUpFailed")

	// The enrolment page asks for both, and a new authenticator needs them.
	code, page := m.postForm(t, "/v1/totp/enroll", session, url.Values{})
	g.Expect(code).To(Equal(http.StatusForbidden), page)
	g.Expect(page).To(And(ContainSubstring(`name="password"`), ContainSubstring(`name="code"`), ContainSubstring("current password")))
	code, page = m.postForm(t, "/v1/totp/enroll", session, url.Values{"password": {password}, "code": {fresh[1]}})
	g.Expect(code).To(Equal(http.StatusOK), page)
	g.Expect(page).To(ContainSubstring(`<img src="data:image/png;base64,`))

	// Wrong passwords count as at login: enough of them lock bob, and the
	// right password and code are refused while he is locked.
	for range 5 {
		expectAnswer(t, m.call(t, http.MethodDelete, "/v1/totp", session,
			map[string]string{"password": "Wrong-Guess-11-Harbor", "recoveryCode": fresh[0]}), http.StatusUnauthorized, "StepUpFailed")
	}
	g.Eventually(func(g Gomega) {
		g.Expect(testsupport.GetUser(g, k8s, keyOf(bob)).Status.Phase).To(Equal(iamv1alpha1.UserPhaseLocked))
	}).WithTimeout(timeout).Should(Succeed())
	expectAnswer(t, m.call(t, http.MethodDelete, "/v1/totp", session,
		map[string]string{"password": password, "recoveryCode": fresh[0]}), http.StatusForbidden, "UserLocked")

	// Unlocked, the password and a fresh recovery code turn two-factor off.
	annotateUser(g, bob, iamv1alpha1.UnlockAnnotation, time.Now().UTC().Format(time.RFC3339Nano))
	g.Eventually(func(g Gomega) {
		a := m.call(t, http.MethodDelete, "/v1/totp", session, map[string]string{"password": password, "recoveryCode": fresh[0]})
		g.Expect(a.code).To(Equal(http.StatusOK), a.raw)
	}).WithTimeout(timeout).Should(Succeed())
	current := m.call(t, http.MethodGet, "/v1/sessions/current", session, nil)
	g.Expect(current.body["twoFactor"]).To(BeFalse())
	expectAnswer(t, m.call(t, http.MethodDelete, "/v1/totp", session, map[string]string{"password": password}),
		http.StatusConflict, "TwoFactorNotEnabled")
}

// postForm posts a form as the HTML pages do, with the session, and
// returns the status and the page.
func (m *issuerManager) postForm(t *testing.T, path, session string, form url.Values) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, m.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+session)
	resp, err := m.http.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// annotateUser sets one annotation of the user, as `kubectl annotate
// --overwrite` does.
func annotateUser(g Gomega, user *iamv1alpha1.User, key, value string) {
	g.Expect(testsupport.ChangeUser(g, k8s, keyOf(user), func(u *iamv1alpha1.User) {
		if u.Annotations == nil {
			u.Annotations = map[string]string{}
		}
		u.Annotations[key] = value
	})).To(Succeed())
}

// codeAt is the authenticator's code at t.
func codeAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	code, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func recoveryCodes(a answer) []string {
	raw, _ := a.body["recoveryCodes"].([]any)
	codes := make([]string, 0, len(raw))
	for _, c := range raw {
		s, _ := c.(string)
		codes = append(codes, s)
	}
	return codes
}

// logInAsEnds lists the summaries of the user's LogInAsEnded records.
func logInAsEnds(g Gomega, user *iamv1alpha1.User) []string {
	changes := &iamv1alpha1.UserChangeList{}
	g.Expect(k8s.List(context.Background(), changes, client.InNamespace(user.Namespace),
		client.MatchingLabels{iamv1alpha1.UserLabel: user.Name})).To(Succeed())
	var out []string
	for _, c := range changes.Items {
		if c.Spec.Action == iamv1alpha1.ChangeLogInAsEnded {
			out = append(out, c.Spec.Summary)
		}
	}
	return out
}

// lastLink is the token of the last link to path in an email to the user.
func (m *issuerManager) lastLink(t *testing.T, user *iamv1alpha1.User, path string) string {
	t.Helper()
	pattern := regexp.MustCompile(regexp.QuoteMeta(path) + `\?token=([A-Za-z0-9_-]+)`)
	var token string
	NewWithT(t).Eventually(func(g Gomega) {
		for _, msg := range m.smtp.Messages() {
			body, _ := msg.TextBody()
			if match := pattern.FindStringSubmatch(body); match != nil && strings.EqualFold(strings.Join(msg.To, ","), user.Spec.Email) {
				token = match[1]
			}
		}
		g.Expect(token).NotTo(BeEmpty())
	}).WithTimeout(timeout).Should(Succeed())
	return token
}
