package credentials

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Keys of the credential Secret's data that the sign-in writes. The
// self-service API writes them; the User controller reads them to derive the
// user's Locked phase, lastLoginTime and twoFactor, and clears them when an
// administrator unlocks, resets a password or resets two-factor.
const (
	// KeyPasswordFailures counts wrong passwords since KeyPasswordFailuresSince.
	KeyPasswordFailures = "password-failures"
	// KeyPasswordFailuresSince starts the window the count is kept in.
	KeyPasswordFailuresSince = "password-failures-since"
	// KeyCodeFailures counts wrong two-factor codes since KeyCodeFailuresSince.
	// Codes have a counter of their own: only someone who knew the password
	// can make it grow.
	KeyCodeFailures = "code-failures"
	// KeyCodeFailuresSince starts the window the code count is kept in.
	KeyCodeFailuresSince = "code-failures-since"
	// KeyLockedUntil is when a lockout ends (RFC 3339); absent when not locked.
	KeyLockedUntil = "locked-until"
	// KeyLockedBy says which counter locked the user: password or code.
	KeyLockedBy = "locked-by"
	// KeyLastLoginTime is when the person last logged in (RFC 3339).
	KeyLastLoginTime = "last-login-time"
	// KeySessions is a JSON list of the person's sessions: token hashes and
	// expiry times, never the tokens.
	KeySessions = "sessions"

	// KeyResetRequest is the identifier of the last password reset asked
	// for through the self-service API; the User controller sends the email.
	KeyResetRequest = "password-reset-request"
	// KeyResetNumber is the reset email the token below belongs to.
	KeyResetNumber = "password-reset-number"
	// KeyResetAttempt counts send attempts of that email; it is written
	// before each attempt, like the invitation's.
	KeyResetAttempt = "password-reset-attempt"
	// KeyResetTokenHash is the SHA-256 of the one-time token in the link.
	KeyResetTokenHash = "password-reset-token-hash"
	// KeyResetExpiry is when the token stops working (RFC 3339).
	KeyResetExpiry = "password-reset-expiry"
	// KeyResetUsedTime is set when the token was used (RFC 3339).
	KeyResetUsedTime = "password-reset-used-time"

	// KeyTOTPSecret is the base32 TOTP secret of a confirmed enrolment,
	// sealed (see Cipher). It is read only to check codes and never logged
	// or returned again.
	KeyTOTPSecret = "totp-secret"
	// KeyTOTPPendingSecret is the secret of an enrolment not yet confirmed
	// with a first code, sealed like KeyTOTPSecret.
	KeyTOTPPendingSecret = "totp-pending-secret"
	// KeyTOTPEnabledTime is when the enrolment was confirmed (RFC 3339).
	KeyTOTPEnabledTime = "totp-enabled-time"
	// KeyTOTPLastStep is the last 30-second time step whose code was
	// accepted; an equal or older step is refused, so no code works twice.
	KeyTOTPLastStep = "totp-last-step"
	// KeyRecoveryCodeHashes holds the SHA-256 of each unused recovery code,
	// one per line.
	KeyRecoveryCodeHashes = "totp-recovery-code-hashes"
)

// Counter is a count of failures within a window.
type Counter struct {
	Count int32
	Since time.Time
}

// Lockout is the lockout state of a credential Secret.
type Lockout struct {
	Password Counter
	Code     Counter
	// Until is when the lock ends; zero when the user was never locked or
	// the lock was lifted.
	Until time.Time
	// By is "password" or "code".
	By string
}

// What locked a user.
const (
	LockedByPassword = "password"
	LockedByCode     = "code"
)

// Locked reports whether the lock holds at now.
func (l Lockout) Locked(now time.Time) bool {
	return !l.Until.IsZero() && now.Before(l.Until)
}

// ReadLockout decodes the lockout part of a credential Secret.
func ReadLockout(secret *corev1.Secret) Lockout {
	if secret == nil {
		return Lockout{}
	}
	d := secret.Data
	return Lockout{
		Password: Counter{Count: parseInt32(d[KeyPasswordFailures]), Since: parseTime(d[KeyPasswordFailuresSince])},
		Code:     Counter{Count: parseInt32(d[KeyCodeFailures]), Since: parseTime(d[KeyCodeFailuresSince])},
		Until:    parseTime(d[KeyLockedUntil]),
		By:       string(d[KeyLockedBy]),
	}
}

// WriteLockout stores a lockout state; zero parts are removed, so a cleared
// lockout leaves no keys behind.
func WriteLockout(secret *corev1.Secret, l Lockout) {
	ensureData(secret)
	writeCounter(secret, KeyPasswordFailures, KeyPasswordFailuresSince, l.Password)
	writeCounter(secret, KeyCodeFailures, KeyCodeFailuresSince, l.Code)
	setTime(secret, KeyLockedUntil, l.Until)
	setString(secret, KeyLockedBy, l.By)
}

func writeCounter(secret *corev1.Secret, countKey, sinceKey string, c Counter) {
	if c.Count == 0 {
		delete(secret.Data, countKey)
		delete(secret.Data, sinceKey)
		return
	}
	secret.Data[countKey] = []byte(strconv.FormatInt(int64(c.Count), 10))
	setTime(secret, sinceKey, c.Since)
}

// LastLoginTime is when the person last logged in, zero if never.
func LastLoginTime(secret *corev1.Secret) time.Time {
	if secret == nil {
		return time.Time{}
	}
	return parseTime(secret.Data[KeyLastLoginTime])
}

// SetLastLoginTime records a login.
func SetLastLoginTime(secret *corev1.Secret, t time.Time) {
	ensureData(secret)
	setTime(secret, KeyLastLoginTime, t)
}

// Session is one login's session: the hash of its token and when it ends.
type Session struct {
	TokenHash string    `json:"tokenHash"`
	Expiry    time.Time `json:"expiry"`
	// EnrollOnly sessions may only enrol two-factor: they are what a person
	// who must use two-factor and has not enrolled yet gets from a login.
	EnrollOnly bool `json:"enrollOnly,omitempty"`
	// Actor is set on a session that a user manager of the account started
	// to act as this user ("log in as"); it ends sooner than a login's.
	Actor *SessionActor `json:"actor,omitempty"`
	// Ended says why a "log in as" session was ended before its time by
	// a writer that cannot record it (see RevokeSessions); it is kept,
	// dead, until the User controller records the end.
	Ended string `json:"ended,omitempty"`
}

// SessionActor is who acts as the user in a session: a user of the same
// account, named as it was when the session started.
type SessionActor struct {
	User  string `json:"user"`
	UID   string `json:"uid"`
	Email string `json:"email"`
	// SessionHash names the actor's own session that started this one, as
	// ActorSessionHash of its token hash: when that session ends, so does
	// this one. A session without it (started before it was recorded)
	// reads as ended.
	SessionHash string `json:"sessionHash,omitempty"`
}

// ActorSessionHash is what a "log in as" session keeps of the actor's
// session: a hash of its token hash, so the target's Secret holds nothing
// that the actor's Secret could be searched for with the token index.
func ActorSessionHash(tokenHash string) string {
	return HashToken("actor-session:" + tokenHash)
}

// Expired reports whether the session has ended by its expiry at now.
func (s Session) Expired(now time.Time) bool { return !now.Before(s.Expiry) }

// keepExpired says whether an expired session stays in the Secret: a "log
// in as" session does until its end is recorded (see EndSessions).
func keepExpired(s Session) bool { return s.Actor != nil }

// ReadSessions decodes the sessions of a credential Secret. Malformed data
// reads as no sessions: the safe direction, everyone logs in again.
func ReadSessions(secret *corev1.Secret) []Session {
	if secret == nil || len(secret.Data[KeySessions]) == 0 {
		return nil
	}
	var sessions []Session
	if err := json.Unmarshal(secret.Data[KeySessions], &sessions); err != nil {
		return nil
	}
	return sessions
}

// WriteSessions stores sessions, dropping those expired at now but the
// "log in as" sessions whose end is still to be recorded (see
// EndSessions).
func WriteSessions(secret *corev1.Secret, sessions []Session, now time.Time) {
	ensureData(secret)
	live := slices.DeleteFunc(slices.Clone(sessions), func(s Session) bool { return s.Expired(now) && !keepExpired(s) })
	if len(live) == 0 {
		delete(secret.Data, KeySessions)
		return
	}
	data, _ := json.Marshal(live) // a slice of plain structs always marshals
	secret.Data[KeySessions] = data
}

// EndSessions removes the sessions end picks from the Secret, expired
// "log in as" sessions included, and returns the removed ones whose end is
// worth telling: those that had not expired by themselves, and every "log
// in as" session, whose end is always recorded.
func EndSessions(secret *corev1.Secret, end func(Session) bool, now time.Time) []Session {
	var kept, ended []Session
	for _, s := range ReadSessions(secret) {
		switch {
		case !end(s):
			kept = append(kept, s)
		case !s.Expired(now) || keepExpired(s):
			ended = append(ended, s)
		}
	}
	WriteSessions(secret, kept, now)
	return ended
}

// RevokeSessions ends every session of the Secret at now. The person's own
// go at once; "log in as" sessions stay, dead and marked with why, until
// the User controller records their end.
func RevokeSessions(secret *corev1.Secret, why string, now time.Time) {
	var kept []Session
	for _, s := range ReadSessions(secret) {
		if s.Actor == nil {
			continue
		}
		if !s.Expired(now) {
			s.Expiry, s.Ended = now, why
		}
		kept = append(kept, s)
	}
	WriteSessions(secret, kept, now)
}

// SessionHashes returns the token hashes of the sessions, for the cache's
// index.
func SessionHashes(secret *corev1.Secret) []string {
	sessions := ReadSessions(secret)
	hashes := make([]string, 0, len(sessions))
	for _, s := range sessions {
		hashes = append(hashes, s.TokenHash)
	}
	return hashes
}

// PasswordReset is the password reset state kept in a credential Secret.
type PasswordReset struct {
	// Request is the last self-service request, answered or not.
	Request   string
	Number    int32
	Attempt   int32
	TokenHash string
	Expiry    time.Time
	UsedTime  time.Time
}

// ReadPasswordReset decodes the password reset part of a credential Secret.
func ReadPasswordReset(secret *corev1.Secret) PasswordReset {
	if secret == nil {
		return PasswordReset{}
	}
	d := secret.Data
	return PasswordReset{
		Request:   string(d[KeyResetRequest]),
		Number:    parseInt32(d[KeyResetNumber]),
		Attempt:   parseInt32(d[KeyResetAttempt]),
		TokenHash: string(d[KeyResetTokenHash]),
		Expiry:    parseTime(d[KeyResetExpiry]),
		UsedTime:  parseTime(d[KeyResetUsedTime]),
	}
}

// WritePasswordReset stores the password reset state.
func WritePasswordReset(secret *corev1.Secret, r PasswordReset) {
	ensureData(secret)
	setString(secret, KeyResetRequest, r.Request)
	if r.Number == 0 {
		delete(secret.Data, KeyResetNumber)
		delete(secret.Data, KeyResetAttempt)
	} else {
		secret.Data[KeyResetNumber] = []byte(strconv.FormatInt(int64(r.Number), 10))
		secret.Data[KeyResetAttempt] = []byte(strconv.FormatInt(int64(r.Attempt), 10))
	}
	setString(secret, KeyResetTokenHash, r.TokenHash)
	setTime(secret, KeyResetExpiry, r.Expiry)
	setTime(secret, KeyResetUsedTime, r.UsedTime)
}

// TwoFactor is the TOTP state of a credential Secret.
type TwoFactor struct {
	Secret        string
	PendingSecret string
	EnabledTime   time.Time
	LastStep      int64
	RecoveryCodes []string // hashes
}

// Enabled reports whether the person confirmed an authenticator.
func (t TwoFactor) Enabled() bool { return t.Secret != "" }

// TwoFactorEnabled reports whether the person confirmed an authenticator,
// without opening its secret.
func TwoFactorEnabled(secret *corev1.Secret) bool {
	return secret != nil && len(secret.Data[KeyTOTPSecret]) > 0
}

// HasTwoFactor reports whether anything of two-factor is kept: a confirmed
// or pending secret, or recovery codes.
func HasTwoFactor(secret *corev1.Secret) bool {
	if secret == nil {
		return false
	}
	for _, key := range []string{KeyTOTPSecret, KeyTOTPPendingSecret, KeyRecoveryCodeHashes} {
		if len(secret.Data[key]) > 0 {
			return true
		}
	}
	return false
}

// ReadTwoFactor decodes the TOTP part of a credential Secret, opening the
// sealed secrets with c. A secret kept in plain text (written before
// secrets were sealed) reads as it is. A secret that does not open is an
// error, never "no two-factor": that would let a password alone in.
func ReadTwoFactor(secret *corev1.Secret, c *Cipher) (TwoFactor, error) {
	if secret == nil {
		return TwoFactor{}, nil
	}
	d := secret.Data
	step, _ := strconv.ParseInt(string(d[KeyTOTPLastStep]), 10, 64)
	tf := TwoFactor{
		EnabledTime:   parseTime(d[KeyTOTPEnabledTime]),
		LastStep:      step,
		RecoveryCodes: strings.Fields(string(d[KeyRecoveryCodeHashes])),
	}
	var err error
	if tf.Secret, err = c.Open(string(d[KeyTOTPSecret]), sealPlace(secret, KeyTOTPSecret)); err != nil {
		return TwoFactor{}, fmt.Errorf("read the TOTP secret of %s: %w", secret.Name, err)
	}
	if tf.PendingSecret, err = c.Open(string(d[KeyTOTPPendingSecret]), sealPlace(secret, KeyTOTPPendingSecret)); err != nil {
		return TwoFactor{}, fmt.Errorf("read the pending TOTP secret of %s: %w", secret.Name, err)
	}
	return tf, nil
}

// WriteTwoFactor stores the TOTP state, sealing the secrets with c; the
// zero value removes it all (and needs no key). A secret that is kept
// sealed already and did not change keeps its stored value, so writing the
// same state changes nothing; one kept in plain text is sealed now.
func WriteTwoFactor(secret *corev1.Secret, t TwoFactor, c *Cipher) error {
	ensureData(secret)
	for key, plaintext := range map[string]string{KeyTOTPSecret: t.Secret, KeyTOTPPendingSecret: t.PendingSecret} {
		if err := writeSealed(secret, key, plaintext, c); err != nil {
			return err
		}
	}
	setTime(secret, KeyTOTPEnabledTime, t.EnabledTime)
	if t.LastStep == 0 {
		delete(secret.Data, KeyTOTPLastStep)
	} else {
		secret.Data[KeyTOTPLastStep] = []byte(strconv.FormatInt(t.LastStep, 10))
	}
	setString(secret, KeyRecoveryCodeHashes, strings.Join(t.RecoveryCodes, "\n"))
	return nil
}

func writeSealed(secret *corev1.Secret, key, plaintext string, c *Cipher) error {
	if plaintext == "" {
		delete(secret.Data, key)
		return nil
	}
	place := sealPlace(secret, key)
	if stored := string(secret.Data[key]); IsSealed(stored) {
		if opened, err := c.Open(stored, place); err == nil && opened == plaintext {
			return nil
		}
	}
	sealed, err := c.Seal(plaintext, place)
	if err != nil {
		return fmt.Errorf("seal the TOTP secret of %s: %w", secret.Name, err)
	}
	secret.Data[key] = []byte(sealed)
	return nil
}

// sealPlace binds a sealed value to the user and the data key it is kept
// under, so that it does not open when copied to another user or from the
// pending to the confirmed secret.
func sealPlace(secret *corev1.Secret, key string) string {
	owner, _ := SecretOwner(secret)
	return key + "/" + owner.Namespace + "/" + owner.Name
}

func ensureData(secret *corev1.Secret) {
	if secret.Data == nil {
		secret.Data = map[string][]byte{}
	}
}

func setString(secret *corev1.Secret, key, value string) {
	if value == "" {
		delete(secret.Data, key)
		return
	}
	secret.Data[key] = []byte(value)
}

func setTime(secret *corev1.Secret, key string, t time.Time) {
	if t.IsZero() {
		delete(secret.Data, key)
		return
	}
	secret.Data[key] = []byte(t.UTC().Format(time.RFC3339))
}
