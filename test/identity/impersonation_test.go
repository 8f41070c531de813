package identity

import (
	"context"
	"net/http"
	"testing"

	. "github.com/onsi/gomega"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/rbac"
	"github.com/tenantry-io/tenantry/internal/testsupport"
)

// TestLogInAs: an owner acts as a manager of her account, through the
// self-service API and through kubectl --as, and as nobody else.
func TestLogInAs(t *testing.T) {
	g := NewWithT(t)
	m := startPrimary(t)
	ns, other := testsupport.NewNamespace(t, k8s), testsupport.NewNamespace(t, k8s)
	alice := m.join(t, ns, "alice", "")
	bob := m.join(t, ns, "bob", "manager")
	dave := m.join(t, ns, "dave", "owner")
	m.join(t, other, "erin", "")
	frank := m.join(t, other, "frank", "manager")
	aliceSession, bobSession := m.logIn(t, alice), m.logIn(t, bob)

	impersonate := func(session, user string) answer {
		return m.call(t, http.MethodPost, "/v1/sessions/impersonate", session, map[string]string{"user": user})
	}
	expectAnswer(t, impersonate(bobSession, "alice"), http.StatusForbidden, "ImpersonationForbidden")
	expectAnswer(t, impersonate(aliceSession, "dave"), http.StatusForbidden, "ImpersonationNotAllowed")
	expectAnswer(t, impersonate(aliceSession, "frank"), http.StatusNotFound, "UserNotFound")
	expectAnswer(t, impersonate(aliceSession, "alice"), http.StatusForbidden, "ImpersonationNotAllowed")
	expectAnswer(t, impersonate(aliceSession, ""), http.StatusBadRequest, "BadRequest")

	startedBefore := impersonationsStarted(g)
	var started answer
	g.Eventually(func(g Gomega) {
		started = impersonate(aliceSession, "bob")
		g.Expect(started.code).To(Equal(http.StatusCreated), started.raw)
	}).WithTimeout(timeout).Should(Succeed())
	g.Expect(impersonationsStarted(g)).To(Equal(startedBefore+1), "only a started impersonation counts")
	g.Expect(started.str("user")).To(Equal("bob"))
	g.Expect(started.body["actor"]).To(HaveKeyWithValue("user", "alice"))
	claims := claimsOf(t, started.str("idToken"))
	g.Expect(claims).To(HaveKeyWithValue("sub", string(bob.UID)))
	g.Expect(claims).To(HaveKeyWithValue("email", bob.Spec.Email))
	g.Expect(claims).To(HaveKeyWithValue("act", map[string]any{"sub": string(alice.UID), "email": alice.Spec.Email}))

	info := eventuallyWhoami(t, as(started.str("idToken")))
	g.Expect(info.Username).To(Equal(identityOf(bob)))
	g.Expect(info.Extra).To(HaveKeyWithValue(actExtraKey, ConsistOf(alice.Spec.Email)))
	g.Eventually(func(g Gomega) {
		g.Expect(eventsOn(g, bob)).To(ContainElement(And(ContainSubstring("ImpersonationStarted"), ContainSubstring(alice.Spec.Email))))
	}).WithTimeout(timeout).Should(Succeed())
	// bob's history names alice, once: the refused attempts left nothing.
	changes := &iamv1alpha1.UserChangeList{}
	g.Expect(k8s.List(context.Background(), changes, client.InNamespace(ns),
		client.MatchingLabels{iamv1alpha1.UserLabel: "bob"})).To(Succeed())
	var loggedInAs []iamv1alpha1.UserChange
	for _, c := range changes.Items {
		if c.Spec.Action == iamv1alpha1.ChangeLoggedInAs {
			loggedInAs = append(loggedInAs, c)
		}
	}
	g.Expect(loggedInAs).To(HaveLen(1))
	g.Expect(loggedInAs[0].Spec.Requester.Username).To(Equal(alice.Spec.Email))
	g.Expect(loggedInAs[0].Spec.Summary).To(HavePrefix("alice (" + alice.Spec.Email + ") acts as bob until "))

	// The session acts as bob in the self-service API too, and its tokens
	// keep naming the actor.
	asBob := started.str("token")
	current := m.call(t, http.MethodGet, "/v1/sessions/current", asBob, nil)
	g.Expect(current.str("user")).To(Equal("bob"))
	g.Expect(current.body["actor"]).To(HaveKeyWithValue("user", "alice"))
	g.Expect(claimsOf(t, m.token(t, asBob))).To(HaveKey("act"))
	expectAnswer(t, impersonate(asBob, "bob"), http.StatusForbidden, "ImpersonationForbidden")

	g.Expect(m.call(t, http.MethodDelete, "/v1/sessions/current", asBob, nil).code).To(Equal(http.StatusNoContent))
	expectAnswer(t, m.call(t, http.MethodPost, "/v1/tokens", asBob, nil), http.StatusUnauthorized, "SessionInvalid")
	g.Eventually(func(g Gomega) {
		g.Expect(eventsOn(g, bob)).To(ContainElement(ContainSubstring("ImpersonationEnded")))
	}).WithTimeout(timeout).Should(Succeed())

	// kubectl --as: the same rule, enforced by the API server.
	aliceToken, bobToken := m.token(t, aliceSession), m.token(t, bobSession)
	g.Eventually(func(g Gomega) {
		info, err := whoami(actingAs(aliceToken, identityOf(bob)))
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(info.Username).To(Equal(identityOf(bob)))
	}).WithTimeout(authTimeout).Should(Succeed())
	for _, target := range []*iamv1alpha1.User{dave, frank} {
		_, err := whoami(actingAs(aliceToken, identityOf(target)))
		g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "alice acts as %s: %v", target.Name, err)
	}
	_, err := whoami(actingAs(bobToken, identityOf(alice)))
	g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "bob acts as alice: %v", err)

	// Once alice may not act any more, her running "log in as" buys no
	// further tokens.
	again := impersonate(aliceSession, "bob")
	g.Expect(again.code).To(Equal(http.StatusCreated), again.raw)
	g.Expect(testsupport.ChangeUser(g, k8s, keyOf(alice), func(u *iamv1alpha1.User) {
		u.Spec.State = iamv1alpha1.UserStateDisabled
	})).To(Succeed())
	g.Eventually(func(g Gomega) {
		a := m.call(t, http.MethodPost, "/v1/tokens", again.str("token"), nil)
		g.Expect(a.code).To(Equal(http.StatusForbidden), a.raw)
		g.Expect(a.str("reason")).To(Equal("ImpersonationForbidden"))
	}).WithTimeout(timeout).Should(Succeed())
}

// TestImpersonationRBACFollowsTheAccount: users joining, being disabled and
// leaving change whom the account's user managers may impersonate.
func TestImpersonationRBACFollowsTheAccount(t *testing.T) {
	g := NewWithT(t)
	m := startPrimary(t)
	ns := testsupport.NewNamespace(t, k8s)
	alice := m.join(t, ns, "alice", "")
	targets := func(g Gomega) []string {
		role := &rbacv1.ClusterRole{}
		err := k8s.Get(context.Background(), client.ObjectKey{Name: rbac.ImpersonationName(ns)}, role)
		if apierrors.IsNotFound(err) {
			return nil
		}
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(role.Rules).To(HaveLen(1))
		g.Expect(role.Rules[0].Verbs).To(Equal([]string{"impersonate"}))
		g.Expect(role.Rules[0].ResourceNames).NotTo(BeEmpty())
		return role.Rules[0].ResourceNames
	}
	g.Consistently(targets).WithTimeout(timeoutShort).Should(BeEmpty(), "nobody to act as: nothing rendered")

	gina := m.join(t, ns, "gina", "manager")
	g.Eventually(targets).WithTimeout(timeout).Should(ConsistOf(identityOf(gina)))
	binding := &rbacv1.ClusterRoleBinding{}
	g.Expect(k8s.Get(context.Background(), client.ObjectKey{Name: rbac.ImpersonationName(ns)}, binding)).To(Succeed())
	g.Expect(binding.Subjects).To(ConsistOf(rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: identityOf(alice)}))

	aliceToken := m.token(t, m.logIn(t, alice))
	g.Eventually(func(g Gomega) {
		_, err := whoami(actingAs(aliceToken, identityOf(gina)))
		g.Expect(err).NotTo(HaveOccurred())
	}).WithTimeout(authTimeout).Should(Succeed())

	g.Expect(testsupport.ChangeUser(g, k8s, keyOf(gina), func(u *iamv1alpha1.User) {
		u.Spec.State = iamv1alpha1.UserStateDisabled
	})).To(Succeed())
	g.Eventually(targets).WithTimeout(timeout).Should(BeEmpty())
	g.Eventually(func(g Gomega) {
		_, err := whoami(actingAs(aliceToken, identityOf(gina)))
		g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "acting as a disabled user: %v", err)
	}).WithTimeout(timeout).Should(Succeed())

	g.Expect(testsupport.ChangeUser(g, k8s, keyOf(gina), func(u *iamv1alpha1.User) {
		u.Spec.State = iamv1alpha1.UserStateActive
	})).To(Succeed())
	g.Eventually(targets).WithTimeout(timeout).Should(ConsistOf(identityOf(gina)))

	// The same person in another account: acting as gina would act there
	// too, so nobody may until she is gone from there again.
	elsewhere := testsupport.NewUser(testsupport.NewNamespace(t, k8s), "gina", gina.Spec.Email)
	testsupport.CreateUser(t, k8s, elsewhere)
	g.Eventually(targets).WithTimeout(timeout).Should(BeEmpty())
	g.Expect(k8s.Delete(context.Background(), elsewhere)).To(Succeed())
	g.Eventually(targets).WithTimeout(timeout).Should(ConsistOf(identityOf(gina)))

	g.Expect(k8s.Delete(context.Background(), gina)).To(Succeed())
	g.Eventually(targets).WithTimeout(timeout).Should(BeEmpty(), "a user who left is no target")
}

// impersonationsStarted reads tenantry_impersonations_total from the
// registry /metrics serves.
func impersonationsStarted(g Gomega) float64 {
	families, err := metrics.Registry.Gather()
	g.Expect(err).NotTo(HaveOccurred())
	for _, f := range families {
		if f.GetName() == "tenantry_impersonations_total" {
			return f.GetMetric()[0].GetCounter().GetValue()
		}
	}
	return 0
}
