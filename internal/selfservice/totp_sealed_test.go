package selfservice

import (
	"net/http"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/tenantry-io/tenantry/internal/credentials"
)

// A TOTP secret kept in plain text by an earlier version still checks
// codes, and the login that uses it writes it back sealed.
func TestPlainTOTPSecretIsSealedByTheNextLogin(t *testing.T) {
	const plain = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	m := newMember(t)
	m.change(t, func(secret *corev1.Secret) {
		secret.Data[credentials.KeyTOTPSecret] = []byte(plain)
	})
	clock := newFakeClock()
	s := signInServer(clock)

	expectProblem(t, login(s, m.account(), m.user.Spec.Email, strongPassword), http.StatusUnauthorized, ReasonTwoFactorRequired)
	loginOK(t, s, m, "code", codeAt(t, plain, clock.Now()))

	stored := string(m.current(t).Data[credentials.KeyTOTPSecret])
	if !credentials.IsSealed(stored) || strings.Contains(stored, plain) {
		t.Fatalf("after the login the TOTP secret is kept as %q, not sealed", stored)
	}
	if got := readTwoFactor(t, m.current(t)); got.Secret != plain || got.LastStep == 0 {
		t.Errorf("the sealed secret reads as %q (last step %d), want the same secret with the step used", got.Secret, got.LastStep)
	}
}
