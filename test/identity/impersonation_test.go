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
	"github.com/tenantry-io/tenantry/internal/testsupport"
)

// TestLogInAs: an owner acts as a manager of her account through the
// self-service API, with a token the API server takes as his naming her,
// and as nobody else; kubectl --as is no way around it.
func TestLogInAs(t *testing.T) {
	g := NewWithT(t)
	m := startPrimary(t)
	ns, other := testsupport.NewNamespace(t, k8s), testsupport.NewNamespace(t, k8s)
	alice := m.join(t, ns, "alice", "")
	bob := m.join(t, ns, "bob", "manager")
	m.join(t, ns, "dave", "owner")
	m.join(t, other, "erin", "")
	m.join(t, other, "frank", "manager")
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
		g.Expect(testsupport.EventsOn(g, k8s, bob)).To(ContainElement(And(ContainSubstring("ImpersonationStarted"), ContainSubstring(alice.Spec.Email))))
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
		g.Expect(testsupport.EventsOn(g, k8s, bob)).To(ContainElement(ContainSubstring("ImpersonationEnded")))
	}).WithTimeout(timeout).Should(Succeed())

	// kubectl --as is no way around the rule: nobody holds the Kubernetes
	// impersonate verb, not even where "log in as" is allowed, and no RBAC
	// object is rendered to grant it.
	aliceToken := m.token(t, aliceSession)
	_, err := whoami(actingAs(aliceToken, identityOf(bob)))
	g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "alice acts as bob with kubectl --as: %v", err)
	expectNoImpersonationRBAC(g)

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

// TestLogInAsFollowsTheAccount: users joining, being disabled and leaving
// change whom the account's user managers may log in as, from the cache the
// self-service API decides with, with no RBAC object rendered for it.
func TestLogInAsFollowsTheAccount(t *testing.T) {
	g := NewWithT(t)
	m := startPrimary(t)
	ns := testsupport.NewNamespace(t, k8s)
	alice := m.join(t, ns, "alice", "")
	aliceSession := m.logIn(t, alice)
	logInAs := func(name string) answer {
		return m.call(t, http.MethodPost, "/v1/sessions/impersonate", aliceSession, map[string]string{"user": name})
	}
	expectAnswer(t, logInAs("gina"), http.StatusNotFound, "UserNotFound")

	gina := m.join(t, ns, "gina", "manager")
	var started answer
	g.Eventually(func(g Gomega) {
		started = logInAs("gina")
		g.Expect(started.code).To(Equal(http.StatusCreated), started.raw)
	}).WithTimeout(timeout).Should(Succeed())
	info := eventuallyWhoami(t, as(started.str("idToken")))
	g.Expect(info.Username).To(Equal(identityOf(gina)))
	g.Expect(info.Extra).To(HaveKeyWithValue(actExtraKey, ConsistOf(alice.Spec.Email)))
	expectNoImpersonationRBAC(g)

	refusedWith := func(code int, reason string) func(g Gomega) {
		return func(g Gomega) {
			a := logInAs("gina")
			g.Expect(a.code).To(Equal(code), a.raw)
			g.Expect(a.str("reason")).To(Equal(reason))
		}
	}
	allowed := func(g Gomega) {
		a := logInAs("gina")
		g.Expect(a.code).To(Equal(http.StatusCreated), a.raw)
	}
	g.Expect(testsupport.ChangeUser(g, k8s, keyOf(gina), func(u *iamv1alpha1.User) {
		u.Spec.State = iamv1alpha1.UserStateDisabled
	})).To(Succeed())
	g.Eventually(refusedWith(http.StatusForbidden, "ImpersonationNotAllowed")).WithTimeout(timeout).Should(Succeed(), "acting as a disabled user")

	g.Expect(testsupport.ChangeUser(g, k8s, keyOf(gina), func(u *iamv1alpha1.User) {
		u.Spec.State = iamv1alpha1.UserStateActive
	})).To(Succeed())
	g.Eventually(allowed).WithTimeout(timeout).Should(Succeed())

	// The same person in another account: acting as gina would act there
	// too, so nobody may until she is gone from there again.
	elsewhere := testsupport.NewUser(testsupport.NewNamespace(t, k8s), "gina", gina.Spec.Email)
	testsupport.CreateUser(t, k8s, elsewhere)
	g.Eventually(refusedWith(http.StatusForbidden, "ImpersonationNotAllowed")).WithTimeout(timeout).Should(Succeed(), "acting as a person of two accounts")
	g.Expect(k8s.Delete(context.Background(), elsewhere)).To(Succeed())
	g.Eventually(allowed).WithTimeout(timeout).Should(Succeed())

	g.Expect(k8s.Delete(context.Background(), gina)).To(Succeed())
	g.Eventually(refusedWith(http.StatusNotFound, "UserNotFound")).WithTimeout(timeout).Should(Succeed(), "a user who left is no target")
	expectNoImpersonationRBAC(g)
}

// expectNoImpersonationRBAC: no ClusterRole or ClusterRoleBinding grants
// "log in as", as the operator once rendered them per account
// (tenantry:impersonate:<account>).
func expectNoImpersonationRBAC(g Gomega) {
	roles := &rbacv1.ClusterRoleList{}
	g.Expect(k8s.List(context.Background(), roles)).To(Succeed())
	bindings := &rbacv1.ClusterRoleBindingList{}
	g.Expect(k8s.List(context.Background(), bindings)).To(Succeed())
	names := make([]string, 0, len(roles.Items)+len(bindings.Items))
	for _, r := range roles.Items {
		names = append(names, r.Name)
	}
	for _, b := range bindings.Items {
		names = append(names, b.Name)
	}
	g.Expect(names).NotTo(ContainElement(HavePrefix("tenantry:impersonate:")))
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
