package selfservice

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/console"
	"github.com/tenantry-io/tenantry/internal/credentials"
)

// consoleRequest is a request of the console's pages: the browser's
// cookies only.
func consoleRequest(cookies ...*http.Cookie) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/console/", nil)
	for _, c := range cookies {
		r.AddCookie(c)
	}
	return r
}

// expectSessionError checks that err is a console.SessionError of status
// and reason.
func expectSessionError(t *testing.T, err error, status int, reason string) {
	t.Helper()
	var se console.SessionError
	if !errors.As(err, &se) {
		t.Fatalf("error %v is not a console.SessionError", err)
	}
	if se.HTTPStatus() != status || se.Reason() != reason {
		t.Errorf("error = %d %s (%v), want %d %s", se.HTTPStatus(), se.Reason(), se, status, reason)
	}
}

func TestConsolePerson(t *testing.T) {
	s := signInServer(newFakeClock())
	m := newMember(t)
	session := loginOK(t, s, m)

	p, err := s.Person(consoleRequest(sessionCookieOf(session)))
	if err != nil {
		t.Fatal(err)
	}
	want := console.Person{Namespace: m.account(), User: "alice", Email: m.user.Spec.Email, FullName: m.user.Spec.FullName}
	if p.Namespace != want.Namespace || p.User != want.User || p.Email != want.Email || p.FullName != want.FullName ||
		p.TwoFactor || p.Actor != nil || p.Expiry.IsZero() {
		t.Errorf("Person = %+v, want %+v with an expiry", p, want)
	}

	_, err = s.Person(consoleRequest())
	expectSessionError(t, err, http.StatusUnauthorized, ReasonSessionInvalid)
	_, err = s.Person(consoleRequest(sessionCookieOf(m.account() + "_alice_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")))
	expectSessionError(t, err, http.StatusUnauthorized, ReasonSessionInvalid)
}

// TestConsolePersonRefusesAnEnrolmentSession: a session that may only enrol
// two-factor is no one for the console.
func TestConsolePersonRefusesAnEnrolmentSession(t *testing.T) {
	s := signInServer(newFakeClock())
	s.RequireTwoFactor = true
	m := newMember(t)
	ex := login(s, m.account(), m.user.Spec.Email, strongPassword)
	body := expectProblem(t, ex, http.StatusForbidden, ReasonTwoFactorEnrollmentRequired)

	_, err := s.Person(consoleRequest(sessionCookieOf(body.EnrollmentToken)))
	expectSessionError(t, err, http.StatusUnauthorized, ReasonSessionInvalid)
}

func TestConsoleClusterToken(t *testing.T) {
	clock := newFakeClock()
	s := tokenServer(t, clock, true)
	m := newMember(t)
	session := loginOK(t, s, m)

	token, expiry, err := s.ClusterToken(consoleRequest(sessionCookieOf(session)))
	if err != nil {
		t.Fatal(err)
	}
	claims := jwtClaims(t, token)
	if claims["sub"] != string(m.user.UID) || claims["email"] != m.user.Spec.Email {
		t.Errorf("claims = %v, want the member's UID and email", claims)
	}
	if want := clock.Now().Add(10 * time.Minute); !expiry.Equal(want) {
		t.Errorf("expiry = %v, want %v", expiry, want)
	}

	_, _, err = s.ClusterToken(consoleRequest())
	expectSessionError(t, err, http.StatusUnauthorized, ReasonSessionInvalid)

	m.change(t, func(secret *corev1.Secret) { delete(secret.Data, credentials.KeySessions) })
	_, _, err = s.ClusterToken(consoleRequest(sessionCookieOf(session)))
	expectSessionError(t, err, http.StatusUnauthorized, ReasonSessionInvalid)

	off := signInServer(clock)
	_, _, err = off.ClusterToken(consoleRequest(sessionCookieOf(session)))
	expectSessionError(t, err, http.StatusServiceUnavailable, ReasonIssuerOff)
}

func TestConsoleCSRFToken(t *testing.T) {
	s := signInServer(newFakeClock())
	m := newMember(t)
	first, second := loginOK(t, s, m), loginOK(t, s, m)

	token, err := s.CSRFToken(consoleRequest(sessionCookieOf(first)))
	if err != nil {
		t.Fatal(err)
	}
	if token != sessionCSRFToken(first) || strings.Contains(token, first) {
		t.Errorf("CSRFToken = %q, want the session's derived token", token)
	}
	again, _ := s.CSRFToken(consoleRequest(sessionCookieOf(first)))
	other, _ := s.CSRFToken(consoleRequest(sessionCookieOf(second)))
	if again != token || other == token {
		t.Errorf("the token is not the same for a session (%q, %q) and different for another (%q)", token, again, other)
	}

	// The pages take the console's token: its log out form works.
	ex := serve(s, sessionForm("/v1/sessions/current", first, nil))
	if ex.Code != http.StatusOK || !strings.Contains(ex.Body.String(), "You are logged out") {
		t.Errorf("log out with the console's token: %d %s", ex.Code, ex.Body)
	}

	_, err = s.CSRFToken(consoleRequest())
	expectSessionError(t, err, http.StatusUnauthorized, ReasonSessionInvalid)
}

func TestConsoleTrustProbeToken(t *testing.T) {
	clock := newFakeClock()
	s := tokenServer(t, clock, true)

	token, err := s.TrustProbeToken(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	claims := jwtClaims(t, token)
	if claims["sub"] != trustProbeUID || claims["email"] != trustProbeEmail {
		t.Errorf("claims = %v, want the trust probe's subject", claims)
	}
	if exp, _ := claims["exp"].(float64); time.Unix(int64(exp), 0).After(clock.Now().Add(time.Minute)) {
		t.Errorf("the probe token expires at %v, more than a minute from now", time.Unix(int64(exp), 0))
	}

	_, err = signInServer(clock).TrustProbeToken(context.Background())
	expectSessionError(t, err, http.StatusServiceUnavailable, ReasonIssuerOff)
	if !strings.Contains(err.Error(), "issuer is off") {
		t.Errorf("error = %q, want it to say the issuer is off", err)
	}
}

// jwtClaims decodes the claims of a JWT without checking it: the issuer's
// own tests check signatures.
func jwtClaims(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", token)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	claims := map[string]any{}
	if err := json.Unmarshal(raw, &claims); err != nil {
		t.Fatal(err)
	}
	return claims
}

// account is an account with an owner who manages users (alice) and a
// member (bob), both active, with strongPassword.
type account struct {
	alice, bob *member
}

func newAccount(t *testing.T) account {
	t.Helper()
	ns := newNamespace(t)
	owner, plain := role(t, ns+"-owner", true), role(t, ns+"-member", false)
	return account{alice: activeMember(t, ns, "alice", owner), bob: activeMember(t, ns, "bob", plain)}
}

func role(t *testing.T, name string, manageUsers bool) string {
	t.Helper()
	r := &iamv1alpha1.Role{ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: iamv1alpha1.RoleSpec{DisplayName: name, ManageUsers: manageUsers}}
	if err := direct.Create(context.Background(), r); err != nil {
		t.Fatalf("create role: %v", err)
	}
	t.Cleanup(func() { _ = direct.Delete(context.Background(), r) })
	NewWithT(t).Eventually(func(g Gomega) {
		g.Expect(cached.Get(context.Background(), client.ObjectKeyFromObject(r), &iamv1alpha1.Role{})).To(Succeed())
	}).WithTimeout(cacheTimeout).Should(Succeed())
	return name
}

// activeMember is a user of the account who accepted the invitation, as
// the User controller leaves them: EmailVerified, with a password.
func activeMember(t *testing.T, ns, name, roleName string) *member {
	t.Helper()
	ctx := context.Background()
	user := &iamv1alpha1.User{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       iamv1alpha1.UserSpec{FullName: name + " Example", Email: name + "@" + ns + ".example", Role: roleName},
	}
	if err := direct.Create(ctx, user); err != nil {
		t.Fatalf("create user: %v", err)
	}
	user.Status.EmailVerified = true
	user.Status.Conditions = []metav1.Condition{{Type: iamv1alpha1.EmailVerifiedCondition, Status: metav1.ConditionTrue,
		Reason: "InvitationAccepted", LastTransitionTime: metav1.Now(), ObservedGeneration: user.Generation}}
	if err := direct.Status().Update(ctx, user); err != nil {
		t.Fatalf("verify user: %v", err)
	}
	secret := credentials.NewSecret(credentialsNamespace, ns, name, user.UID)
	secret.Data = map[string][]byte{credentials.KeyPasswordHash: strongPasswordHash(t)}
	if err := direct.Create(ctx, secret); err != nil {
		t.Fatalf("create credential Secret: %v", err)
	}
	m := &member{user: user, secret: secret}
	m.waitForCache(t)
	return m
}

// changesOf lists the actions of a user's UserChange records.
func changesOf(g Gomega, m *member) []iamv1alpha1.UserChangeAction {
	list := &iamv1alpha1.UserChangeList{}
	g.Expect(direct.List(context.Background(), list, client.InNamespace(m.account()),
		client.MatchingLabels{iamv1alpha1.UserLabel: m.user.Name})).To(Succeed())
	actions := make([]iamv1alpha1.UserChangeAction, 0, len(list.Items))
	for _, c := range list.Items {
		actions = append(actions, c.Spec.Action)
	}
	return actions
}

// startLogInAs starts a "log in as" from the console with the actor's
// session, and returns the cookies it set.
func startLogInAs(t *testing.T, s *Server, actorSession, user string) (*http.Cookie, *http.Cookie, error) {
	t.Helper()
	rec := httptest.NewRecorder()
	err := s.StartLogInAs(rec, consoleRequest(sessionCookieOf(actorSession)), user)
	res := rec.Result()
	return cookieNamed(res, sessionCookie), cookieNamed(res, actorSessionCookie), err
}

// aliceActsAsBob signs alice, an Owner of a new account, in and has her
// browser act as bob, once the cache has seen the account: bob's session
// and alice's own, kept aside.
func aliceActsAsBob(t *testing.T, s *Server) (acct account, aliceSession string, asBob, kept *http.Cookie) {
	t.Helper()
	acct = newAccount(t)
	aliceSession = loginOK(t, s, acct.alice)
	NewWithT(t).Eventually(func(g Gomega) {
		var err error
		asBob, kept, err = startLogInAs(t, s, aliceSession, "bob")
		g.Expect(err).NotTo(HaveOccurred())
	}).WithTimeout(cacheTimeout).Should(Succeed())
	return acct, aliceSession, asBob, kept
}

func TestConsoleLogInAs(t *testing.T) {
	g := NewWithT(t)
	clock := newFakeClock()
	s := tokenServer(t, clock, true)
	acct, aliceSession, asBob, kept := aliceActsAsBob(t, s)
	if asBob == nil || kept == nil {
		t.Fatalf("cookies: session %v, actor %v", asBob, kept)
	}
	if kept.Value != aliceSession || asBob.Value == aliceSession || asBob.Value == "" {
		t.Errorf("the browser does not act as bob keeping alice's session: session %q, actor %q", asBob.Value, kept.Value)
	}
	expectCookieFlags(t, "the actor's cookie", kept, false)
	expectCookieFlags(t, "the session cookie", asBob, false)

	p, err := s.Person(consoleRequest(sessionCookieOf(asBob.Value), kept))
	if err != nil {
		t.Fatal(err)
	}
	if p.User != "bob" || p.Actor == nil || p.Actor.User != "alice" || p.Actor.Email != acct.alice.user.Spec.Email {
		t.Errorf("Person while acting = %+v (actor %+v), want bob acted as by alice", p, p.Actor)
	}
	g.Expect(changesOf(g, acct.bob)).To(ContainElement(iamv1alpha1.ChangeLoggedInAs))

	// Disconnect: the browser is alice again, bob's session is gone, and
	// its end is in bob's history.
	rec := httptest.NewRecorder()
	if err := s.EndLogInAs(rec, consoleRequest(sessionCookieOf(asBob.Value), kept)); err != nil {
		t.Fatal(err)
	}
	res := rec.Result()
	back, cleared := cookieNamed(res, sessionCookie), cookieNamed(res, actorSessionCookie)
	if back == nil || back.Value != aliceSession || cleared == nil || cleared.MaxAge >= 0 {
		t.Fatalf("after disconnecting: session %v, actor %v", back, cleared)
	}
	if p, err := s.Person(consoleRequest(back)); err != nil || p.User != "alice" || p.Actor != nil {
		t.Errorf("Person after disconnecting = %+v, %v; want alice herself", p, err)
	}
	if _, err := s.Person(consoleRequest(sessionCookieOf(asBob.Value))); err == nil {
		t.Error("bob's \"log in as\" session still works after disconnecting")
	}
	g.Expect(changesOf(g, acct.bob)).To(ContainElement(iamv1alpha1.ChangeLogInAsEnded))
}

func TestConsoleLogInAsRefusals(t *testing.T) {
	clock := newFakeClock()
	s := tokenServer(t, clock, true)
	acct := newAccount(t)
	aliceSession, bobSession := loginOK(t, s, acct.alice), loginOK(t, s, acct.bob)

	tests := []struct {
		name, session, user string
		status              int
		reason              string
	}{
		{"herself", aliceSession, "alice", http.StatusForbidden, ReasonImpersonationNotAllowed},
		{"nobody", aliceSession, "", http.StatusBadRequest, ReasonBadRequest},
		{"a user of no account of hers", aliceSession, "zoe", http.StatusNotFound, ReasonUserNotFound},
		{"by someone who manages no users", bobSession, "alice", http.StatusForbidden, ReasonImpersonationForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			session, kept, err := startLogInAs(t, s, tt.session, tt.user)
			expectSessionError(t, err, tt.status, tt.reason)
			if session != nil || kept != nil {
				t.Errorf("a refused log in as set cookies: %v %v", session, kept)
			}
		})
	}
	if actions := changesOf(NewWithT(t), acct.alice); len(actions) != 0 {
		t.Errorf("refused attempts left records: %v", actions)
	}

	off := signInServer(clock)
	_, _, err := startLogInAs(t, off, aliceSession, "bob")
	expectSessionError(t, err, http.StatusServiceUnavailable, ReasonIssuerOff)
}

// TestConsoleEndLogInAsAfterTheActorLeft: when the actor's own session
// ended meanwhile, disconnecting leaves the browser with no session at all.
func TestConsoleEndLogInAsAfterTheActorLeft(t *testing.T) {
	g := NewWithT(t)
	clock := newFakeClock()
	s := tokenServer(t, clock, true)
	acct, aliceSession, asBob, kept := aliceActsAsBob(t, s)

	if ex := call(s, http.MethodDelete, "/v1/sessions/current", aliceSession, nil); ex.Code != http.StatusNoContent {
		t.Fatalf("alice logs out: %d %s", ex.Code, ex.Body)
	}
	rec := httptest.NewRecorder()
	err := s.EndLogInAs(rec, consoleRequest(sessionCookieOf(asBob.Value), kept))
	expectSessionError(t, err, http.StatusUnauthorized, ReasonSessionInvalid)
	res := rec.Result()
	for _, name := range []string{sessionCookie, actorSessionCookie} {
		if c := cookieNamed(res, name); c == nil || c.Value != "" || c.MaxAge >= 0 {
			t.Errorf("the cookie %s is not cleared: %v", name, c)
		}
	}
	g.Expect(changesOf(g, acct.bob)).To(ContainElement(iamv1alpha1.ChangeLogInAsEnded))
}

func TestConsoleEndLogInAsWhenNotActing(t *testing.T) {
	s := signInServer(newFakeClock())
	m := newMember(t)
	session := loginOK(t, s, m)

	rec := httptest.NewRecorder()
	err := s.EndLogInAs(rec, consoleRequest(sessionCookieOf(session)))
	expectSessionError(t, err, http.StatusConflict, ReasonNotActing)
	if len(rec.Result().Cookies()) != 0 {
		t.Errorf("cookies changed: %v", rec.Result().Cookies())
	}
}

// TestLogOutWhileActingEndsBothSessions: signing out of the browser while
// acting for someone signs the actor out too, instead of leaving their own
// session, which no cookie holds any more, valid until it expires.
func TestLogOutWhileActingEndsBothSessions(t *testing.T) {
	g := NewWithT(t)
	clock := newFakeClock()
	s := tokenServer(t, clock, true)
	acct, aliceSession, asBob, kept := aliceActsAsBob(t, s)

	r := sessionForm("/v1/sessions/current", asBob.Value, nil)
	r.AddCookie(kept)
	ex := serve(s, r)
	if ex.Code != http.StatusOK {
		t.Fatalf("log out while acting: %d %s", ex.Code, ex.Body)
	}
	for _, name := range []string{sessionCookie, actorSessionCookie} {
		if c := cookieNamed(ex.Result(), name); c == nil || c.Value != "" || c.MaxAge >= 0 {
			t.Errorf("the cookie %s is not cleared: %v", name, c)
		}
	}
	for who, session := range map[string]string{"bob's log in as": asBob.Value, "alice's own": aliceSession} {
		if _, err := s.Person(consoleRequest(sessionCookieOf(session))); err == nil {
			t.Errorf("%s session still works after logging out", who)
		}
	}
	g.Expect(changesOf(g, acct.bob)).To(ContainElement(iamv1alpha1.ChangeLogInAsEnded))
}
