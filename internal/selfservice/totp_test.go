package selfservice

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	clocktesting "k8s.io/utils/clock/testing"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/credentials"
)

func TestCheckTOTP(t *testing.T) {
	const secret = "JBSWY3DPEHPK3PXP"
	now := time.Unix(1_800_000_015, 0) // 15 s into step 60,000,000
	step := now.Unix() / totpPeriod
	code := func(at time.Time) string {
		c, err := totp.GenerateCodeCustom(secret, at, totpOptions)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	tests := []struct {
		name     string
		code     string
		lastStep int64
		want     int64
		ok       bool
	}{
		{"the current code", code(now), 0, step, true},
		{"the previous step's code, for a slow clock", code(now.Add(-30 * time.Second)), 0, step - 1, true},
		{"the next step's code, for a fast clock", code(now.Add(30 * time.Second)), 0, step + 1, true},
		{"two steps off", code(now.Add(-60 * time.Second)), 0, 0, false},
		{"the current code once more", code(now), step, 0, false},
		{"an older step after a newer one was used", code(now.Add(-30 * time.Second)), step, 0, false},
		{"a later step after an earlier one", code(now.Add(30 * time.Second)), step, step + 1, true},
		{"too short", "12345", 0, 0, false},
		{"not a code", "abcdef", 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := checkTOTP(secret, tt.code, now, tt.lastStep)
			if ok != tt.ok || got != tt.want {
				t.Errorf("checkTOTP() = %d, %v; want %d, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestRecoveryCodes(t *testing.T) {
	codes, hashes, err := newRecoveryCodes()
	if err != nil {
		t.Fatal(err)
	}
	if len(codes) != recoveryCodeCount || len(hashes) != recoveryCodeCount {
		t.Fatalf("%d codes and %d hashes, want %d", len(codes), len(hashes), recoveryCodeCount)
	}
	seen := map[string]bool{}
	for i, c := range codes {
		if seen[c] || len(c) != 11 || c[5] != '-' {
			t.Errorf("code %q is repeated or malformed", c)
		}
		seen[c] = true
		if credentials.HashToken(normalizeRecoveryCode(strings.ToUpper(c))) != hashes[i] {
			t.Errorf("code %q typed in upper case does not match its hash", c)
		}
	}
}

// enroll enrols an authenticator for the session and returns its secret
// and the recovery codes.
func enroll(t *testing.T, s *Server, clock *clocktesting.FakeClock, session string) (string, []string) {
	t.Helper()
	ex := call(s, http.MethodPost, "/v1/totp/enroll", session, nil)
	if ex.Code != http.StatusOK {
		t.Fatalf("enroll: %d %s", ex.Code, ex.Body)
	}
	var e enrollment
	if err := json.Unmarshal(ex.Body.Bytes(), &e); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(e.OTPAuthURL, "otpauth://totp/") || !strings.Contains(e.OTPAuthURL, "secret="+e.Secret) {
		t.Errorf("otpauth URL %q does not carry the secret", e.OTPAuthURL)
	}
	png, err := base64.StdEncoding.DecodeString(e.QRCodePNG)
	if err != nil || !strings.HasPrefix(string(png), "\x89PNG") {
		t.Errorf("the QR code is not a PNG: %v", err)
	}
	expectNoSecretsInLogs(t, ex, e.Secret, session)

	ex = call(s, http.MethodPost, "/v1/totp/confirm", session, map[string]string{"code": codeAt(t, e.Secret, clock.Now())})
	if ex.Code != http.StatusOK {
		t.Fatalf("confirm enrolment: %d %s", ex.Code, ex.Body)
	}
	var confirmed recoveryCodesBody
	if err := json.Unmarshal(ex.Body.Bytes(), &confirmed); err != nil {
		t.Fatal(err)
	}
	expectNoSecretsInLogs(t, ex, append([]string{e.Secret, session}, confirmed.RecoveryCodes...)...)
	return e.Secret, confirmed.RecoveryCodes
}

func codeAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	code, err := totp.GenerateCodeCustom(secret, at, totpOptions)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func TestTwoFactorLogin(t *testing.T) {
	m := newMember(t)
	clock := newFakeClock()
	s := signInServer(clock)
	secret, recovery := enroll(t, s, clock, loginOK(t, s, m))

	stored := m.current(t)
	tf := readTwoFactor(t, stored)
	if !tf.Enabled() || tf.PendingSecret != "" || len(tf.RecoveryCodes) != recoveryCodeCount {
		t.Fatalf("two-factor state = enabled %v, pending %v, %d recovery codes", tf.Enabled(), tf.PendingSecret != "", len(tf.RecoveryCodes))
	}
	expectSecretHolds(t, stored, recovery...)
	m.waitForCache(t)

	// The password alone is not enough any more, and tells so only to
	// someone who knew it.
	expectProblem(t, login(s, m.account(), m.user.Spec.Email, strongPassword), http.StatusUnauthorized, ReasonTwoFactorRequired)

	// The enrolment used the current step's code: it cannot log in.
	clock.Step(totpPeriod * time.Second)
	code := codeAt(t, secret, clock.Now())
	loginOK(t, s, m, "code", code)
	// The same code seen over a shoulder is refused within its window.
	expectProblem(t, login(s, m.account(), m.user.Spec.Email, strongPassword, "code", code), http.StatusUnauthorized, ReasonCodeInvalid)

	// A recovery code works once.
	loginOK(t, s, m, "recoveryCode", recovery[0])
	expectProblem(t, login(s, m.account(), m.user.Spec.Email, strongPassword, "recoveryCode", recovery[0]), http.StatusUnauthorized, ReasonCodeInvalid)
	if got := len(readTwoFactor(t, m.current(t)).RecoveryCodes); got != recoveryCodeCount-1 {
		t.Errorf("%d recovery codes left, want %d", got, recoveryCodeCount-1)
	}

	// A wrong password with a right code is still a wrong password.
	clock.Step(totpPeriod * time.Second)
	expectProblem(t, login(s, m.account(), m.user.Spec.Email, "Wrong-Password-99", "code", codeAt(t, secret, clock.Now())),
		http.StatusUnauthorized, ReasonLoginFailed)
}

func TestWrongCodesLockByTheirOwnCount(t *testing.T) {
	m := newMember(t)
	clock := newFakeClock()
	s := signInServer(clock)
	secret, _ := enroll(t, s, clock, loginOK(t, s, m))
	m.waitForCache(t)
	// Wrong passwords below the threshold do not add to the codes' count.
	for range DefaultLockoutPolicy().Threshold - 1 {
		login(s, m.account(), m.user.Spec.Email, "Wrong-Password-99")
	}

	for i := range DefaultLockoutPolicy().Threshold {
		ex := login(s, m.account(), m.user.Spec.Email, strongPassword, "code", "000000")
		expectProblem(t, ex, http.StatusUnauthorized, ReasonCodeInvalid)
		if i == 0 {
			lockout := credentials.ReadLockout(m.current(t))
			if lockout.Code.Count != 1 || lockout.Password.Count != 0 {
				t.Errorf("after the right password and a wrong code: %+v, want the password count cleared and one code failure", lockout)
			}
		}
	}
	lockout := credentials.ReadLockout(m.current(t))
	if lockout.By != credentials.LockedByCode || !lockout.Locked(clock.Now()) {
		t.Fatalf("lockout = %+v, want locked by codes", lockout)
	}
	clock.Step(totpPeriod * time.Second)
	expectProblem(t, login(s, m.account(), m.user.Spec.Email, strongPassword, "code", codeAt(t, secret, clock.Now())),
		http.StatusForbidden, ReasonUserLocked)
}

func TestRequiredTwoFactorAllowsOnlyEnrolment(t *testing.T) {
	for name, setup := range map[string]func(*Server) []invitationOption{
		"spec.requireTwoFactor": func(*Server) []invitationOption {
			return []invitationOption{func(u *iamv1alpha1.User) { u.Spec.RequireTwoFactor = true }}
		},
		"the manager's flag": func(s *Server) []invitationOption { s.RequireTwoFactor = true; return nil },
	} {
		t.Run(name, func(t *testing.T) {
			clock := newFakeClock()
			s := signInServer(clock)
			m := newMember(t, setup(s)...)

			ex := login(s, m.account(), m.user.Spec.Email, strongPassword)
			p := expectProblem(t, ex, http.StatusForbidden, ReasonTwoFactorEnrollmentRequired)
			if p.EnrollmentToken == "" {
				t.Fatalf("no enrolment token: %s", ex.Body)
			}
			expectNoSecretsInLogs(t, ex, p.EnrollmentToken)
			if !credentials.LastLoginTime(m.current(t)).IsZero() {
				t.Error("a login without a session counted as a login")
			}
			// The enrolment token is no session for anything else.
			var current currentSessionBody
			ex = call(s, http.MethodGet, "/v1/sessions/current", p.EnrollmentToken, nil)
			if json.Unmarshal(ex.Body.Bytes(), &current) != nil || !current.EnrollOnly {
				t.Errorf("current session of the enrolment token: %s", ex.Body)
			}

			secret, _ := enroll(t, s, clock, p.EnrollmentToken)
			expectProblem(t, call(s, http.MethodGet, "/v1/sessions/current", p.EnrollmentToken, nil), http.StatusUnauthorized, ReasonSessionInvalid)
			m.waitForCache(t)
			clock.Step(totpPeriod * time.Second)
			loginOK(t, s, m, "code", codeAt(t, secret, clock.Now()))
		})
	}
}

func TestEnrolmentNeedsASessionAndAPendingSecret(t *testing.T) {
	m := newMember(t)
	s := signInServer(newFakeClock())
	expectProblem(t, call(s, http.MethodPost, "/v1/totp/enroll", "", nil), http.StatusUnauthorized, ReasonSessionInvalid)
	session := loginOK(t, s, m)
	expectProblem(t, call(s, http.MethodPost, "/v1/totp/confirm", session, map[string]string{"code": "123456"}),
		http.StatusConflict, ReasonTwoFactorNotPending)
	if ex := call(s, http.MethodPost, "/v1/totp/enroll", session, nil); ex.Code != http.StatusOK {
		t.Fatalf("enroll: %d %s", ex.Code, ex.Body)
	}
	expectProblem(t, call(s, http.MethodPost, "/v1/totp/confirm", session, map[string]string{"code": "000000"}),
		http.StatusUnauthorized, ReasonCodeInvalid)
	if readTwoFactor(t, m.current(t)).Enabled() {
		t.Error("a wrong first code enabled two-factor")
	}
}

// A login decided first on a copy of the Secret from before the enrolment
// (a stale cache) is decided again on the fresh Secret after the conflict,
// and nothing of the first decision remains.
func TestLoginAfterEnrolmentDecidedOnAStaleCopy(t *testing.T) {
	m := newMember(t, func(u *iamv1alpha1.User) { u.Spec.RequireTwoFactor = true })
	clock := newFakeClock()
	s := signInServer(clock)
	stale := m.current(t)
	p := expectProblem(t, login(s, m.account(), m.user.Spec.Email, strongPassword), http.StatusForbidden, ReasonTwoFactorEnrollmentRequired)
	secret, _ := enroll(t, s, clock, p.EnrollmentToken)
	clock.Step(totpPeriod * time.Second)

	s.Client = &staleSecret{Client: cached, secret: stale}
	loginOK(t, s, m, "code", codeAt(t, secret, clock.Now()))
}
