package identity

import (
	"net/http"
	"testing"

	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/testsupport"
)

// TestTokensSignInToTheCluster: a token from the self-service API is all a
// person needs; the API server knows them by the identity their RoleBinding
// names, and RBAC does the rest.
func TestTokensSignInToTheCluster(t *testing.T) {
	g := NewWithT(t)
	m := startPrimary(t)
	ns, other := testsupport.NewNamespace(t, k8s), testsupport.NewNamespace(t, k8s)
	alice := m.join(t, ns, "alice", "") // the account's first user: an owner
	bob := m.join(t, ns, "bob", "manager")
	m.join(t, ns, "dave", "owner") // so that alice is not the last owner
	m.join(t, other, "erin", "")

	session := m.logIn(t, alice)
	token := m.token(t, session)
	claims := claimsOf(t, token)
	g.Expect(claims).To(HaveKeyWithValue("iss", primary.url))
	g.Expect(claims).To(HaveKeyWithValue("aud", "kubernetes"))
	g.Expect(claims).To(HaveKeyWithValue("sub", string(alice.UID)))
	g.Expect(claims).To(HaveKeyWithValue("email", alice.Spec.Email))
	g.Expect(claims).To(HaveKeyWithValue("email_verified", true))
	g.Expect(claims).To(HaveKey("jti"))
	g.Expect(claims).NotTo(HaveKey("act"))
	g.Expect(headerOf(t, token)).To(HaveKeyWithValue("alg", "ES256"))

	info := eventuallyWhoami(t, as(token))
	g.Expect(info.Username).To(Equal(identityOf(alice)))
	g.Expect(info.UID).To(Equal(string(alice.UID)))
	g.Expect(info.Extra).NotTo(HaveKey(actExtraKey))

	g.Expect(createUserAs(as(token), ns, "carol")).To(Succeed(), "an owner creates users in her account")
	err := createUserAs(as(token), other, "mallory")
	g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "an owner creates no user in another account: %v", err)

	bobToken := m.token(t, m.logIn(t, bob))
	g.Expect(eventuallyWhoami(t, as(bobToken)).Username).To(Equal(identityOf(bob)))
	err = createUserAs(as(bobToken), ns, "oscar")
	g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "a manager creates no users: %v", err)

	g.Expect(testsupport.ChangeUser(g, k8s, keyOf(alice), func(u *iamv1alpha1.User) {
		u.Spec.State = iamv1alpha1.UserStateDisabled
	})).To(Succeed())
	g.Eventually(func(g Gomega) {
		err := createUserAs(as(token), ns, "peggy")
		g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "a disabled user's token is refused by RBAC: %v", err)
	}).WithTimeout(timeout).Should(Succeed())
	info, err = whoami(as(token))
	g.Expect(err).NotTo(HaveOccurred(), "the token still authenticates")
	g.Expect(info.Username).To(Equal(identityOf(alice)))
	// Disabling ended alice's session, so it gets her no new token.
	g.Eventually(func(g Gomega) {
		a := m.call(t, http.MethodPost, "/v1/tokens", session, nil)
		g.Expect(a.code).To(Equal(http.StatusUnauthorized), a.raw)
		g.Expect(a.str("reason")).To(Equal("SessionInvalid"))
	}).WithTimeout(timeout).Should(Succeed())
}

// TestDiscoveryNamesTheIssuerAndItsKeys: what the API server reads first.
func TestDiscoveryNamesTheIssuerAndItsKeys(t *testing.T) {
	g := NewWithT(t)
	m := startPrimary(t)
	a := m.call(t, http.MethodGet, "/.well-known/openid-configuration", "", nil)
	g.Expect(a.code).To(Equal(http.StatusOK), a.raw)
	g.Expect(a.str("issuer")).To(Equal(primary.url))
	g.Expect(a.str("jwks_uri")).To(Equal(primary.url + "/v1/keys"))
	g.Eventually(func(g Gomega) {
		keys := m.call(t, http.MethodGet, "/v1/keys", "", nil)
		g.Expect(keys.code).To(Equal(http.StatusOK))
		g.Expect(keys.body["keys"]).To(HaveLen(1))
	}).WithTimeout(timeout).Should(Succeed())
	expectAnswer(t, m.call(t, http.MethodPost, "/v1/tokens", "", nil), http.StatusUnauthorized, "SessionInvalid")
	expectAnswer(t, m.call(t, http.MethodGet, "/v1/tokens", "", nil), http.StatusMethodNotAllowed, "MethodNotAllowed")
}
