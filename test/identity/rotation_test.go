package identity

import (
	"net/http"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/tenantry-io/tenantry/internal/testsupport"
)

// rotation is short enough to see several keys within a test.
const rotation = 6 * time.Second

// TestKeyRotation: two replicas share the keys; a token signed before a
// rotation keeps working, tokens after it are signed with the new key, and
// either replica's tokens are accepted whichever serves the JWKS.
func TestKeyRotation(t *testing.T) {
	g := NewWithT(t)
	smtp := testsupport.StartSMTP(t)
	keys := testsupport.NewNamespace(t, k8s) + "/tenantry-signing-keys"
	first := issuerOptions(t, smtp, rotating, rotating.addr, keys)
	first.Tokens.SigningKeyRotation = rotation
	second := issuerOptions(t, smtp, rotating, testsupport.FreeAddr(t), keys)
	second.Tokens.SigningKeyRotation = rotation
	// The API server fetches the keys from the first only.
	m1 := startIssuer(t, first, smtp)
	m2 := startIssuer(t, second, smtp)

	ns := testsupport.NewNamespace(t, k8s)
	alice := m1.join(t, ns, "alice", "")
	session := m1.logIn(t, alice)

	before := m1.token(t, session)
	kidBefore := headerOf(t, before)["kid"]
	g.Expect(eventuallyWhoami(t, as(before)).Username).To(Equal(identityOf(alice)))

	var after string
	g.Eventually(func(g Gomega) {
		after = m1.token(t, session)
		g.Expect(headerOf(t, after)["kid"]).NotTo(Equal(kidBefore))
	}).WithTimeout(3 * rotation).WithPolling(500 * time.Millisecond).Should(Succeed())
	kidAfter := headerOf(t, after)["kid"]

	g.Expect(eventuallyWhoami(t, as(after)).Username).To(Equal(identityOf(alice)), "a token of the new key works")
	info, err := whoami(as(before))
	g.Expect(err).NotTo(HaveOccurred(), "a token signed before the rotation keeps working until it expires")
	g.Expect(info.Username).To(Equal(identityOf(alice)))

	fromSecond := m2.token(t, session)
	g.Expect(eventuallyWhoami(t, as(fromSecond)).Username).To(Equal(identityOf(alice)), "the other replica's token works")

	kids := func(m *issuerManager) func(g Gomega) []any {
		return func(g Gomega) []any {
			a := m.call(t, http.MethodGet, "/v1/keys", "", nil)
			g.Expect(a.code).To(Equal(http.StatusOK))
			keys := a.body["keys"].([]any)
			out := make([]any, 0, len(keys))
			for _, k := range keys {
				out = append(out, k.(map[string]any)["kid"])
			}
			return out
		}
	}
	g.Eventually(func(g Gomega) {
		one, two := kids(m1)(g), kids(m2)(g)
		g.Expect(one).To(ContainElements(kidBefore, kidAfter))
		g.Expect(two).To(Equal(one), "both replicas publish the same keys")
	}).WithTimeout(timeout).Should(Succeed())
}
