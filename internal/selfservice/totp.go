package selfservice

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"fmt"
	"image/png"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	corev1 "k8s.io/api/core/v1"

	"github.com/tenantry-io/tenantry/internal/credentials"
)

// TOTP parameters every authenticator app understands (RFC 6238's
// defaults): SHA-1, 6 digits, 30-second steps.
const (
	totpPeriod = 30
	totpDigits = otp.DigitsSix
	// totpSkew accepts the codes of one step before and after the current
	// one, for clocks that are a little off.
	totpSkew = 1
	// recoveryCodeCount is how many recovery codes an enrolment gets.
	recoveryCodeCount = 10
	// qrCodeSize is the width and height of the QR code PNG.
	qrCodeSize = 256
	// DefaultTOTPIssuer is the name authenticator apps show.
	DefaultTOTPIssuer = "Tenantry"
)

var totpOptions = totp.ValidateOpts{Period: totpPeriod, Digits: totpDigits, Algorithm: otp.AlgorithmSHA1}

// checkTOTP reports whether code is the code of a step within the allowed
// skew of now that is later than lastStep, and which step. Remembering the
// step makes every code single-use: one seen over a shoulder cannot be
// replayed within its 90 seconds.
func checkTOTP(secret, code string, now time.Time, lastStep int64) (int64, bool) {
	code = strings.TrimSpace(code)
	if len(code) != totpDigits.Length() {
		return 0, false
	}
	current := now.Unix() / totpPeriod
	for step := current - totpSkew; step <= current+totpSkew; step++ {
		if step <= lastStep {
			continue
		}
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*totpPeriod, 0), totpOptions)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step, true
		}
	}
	return 0, false
}

// newRecoveryCodes returns recovery codes to show once and their hashes to
// keep. Each has 50 random bits, written as two groups of five.
func newRecoveryCodes() (codes, hashes []string, err error) {
	for range recoveryCodeCount {
		b := make([]byte, 7)
		if _, err := rand.Read(b); err != nil {
			return nil, nil, fmt.Errorf("generate recovery code: %w", err)
		}
		raw := strings.ToLower(base32.StdEncoding.EncodeToString(b))[:10]
		codes = append(codes, raw[:5]+"-"+raw[5:])
		hashes = append(hashes, credentials.HashToken(raw))
	}
	return codes, hashes, nil
}

// normalizeRecoveryCode accepts a recovery code typed with or without its
// dash, in any case, with spaces around.
func normalizeRecoveryCode(code string) string {
	return strings.ToLower(strings.NewReplacer("-", "", " ", "").Replace(strings.TrimSpace(code)))
}

// enrollment is the answer to starting an enrolment.
type enrollment struct {
	Secret     string `json:"secret"`
	OTPAuthURL string `json:"otpauthURL"`
	// QRCodePNG is the otpauth URL as a QR code, a base64 PNG.
	QRCodePNG string `json:"qrCodePNG"`
}

// startEnrollment makes a new TOTP secret, keeps it in the Secret as
// pending, and returns what the person scans. Enrolling again before
// confirming replaces the pending secret; an enabled one stays until a new
// one is confirmed, and replacing it needs the step-up up carries. A "log
// in as" session may not enrol.
func (s *Server) startEnrollment(ctx context.Context, sess *authenticated, up *stepUp) (enrollment, error) {
	if err := refuseActor(sess); err != nil {
		return enrollment{}, err
	}
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer: s.totpIssuer(), AccountName: sess.user.Spec.Email,
		Period: totpPeriod, Digits: totpDigits, Algorithm: otp.AlgorithmSHA1,
	})
	if err != nil {
		return enrollment{}, fmt.Errorf("generate TOTP key: %w", err)
	}
	img, err := key.Image(qrCodeSize, qrCodeSize)
	if err != nil {
		return enrollment{}, fmt.Errorf("draw QR code: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return enrollment{}, fmt.Errorf("encode QR code: %w", err)
	}
	err = s.updateSecret(ctx, sess.secret, func(secret *corev1.Secret) error {
		now := s.Clock.Now()
		if !sess.stillValid(secret, now) {
			return errSessionInvalid
		}
		tf, err := credentials.ReadTwoFactor(secret, s.Cipher)
		if err != nil {
			return err
		}
		if tf.Enabled() {
			if err := up.decide(s, secret, &tf, now); err != nil {
				return err
			}
		}
		tf.PendingSecret = key.Secret()
		return credentials.WriteTwoFactor(secret, tf, s.Cipher)
	})
	if err != nil {
		return enrollment{}, err
	}
	return enrollment{Secret: key.Secret(), OTPAuthURL: key.URL(), QRCodePNG: base64.StdEncoding.EncodeToString(buf.Bytes())}, nil
}

// confirmEnrollment enables two-factor when code matches the pending
// secret, and returns new recovery codes. Sessions that could only enrol
// end: the person logs in again, now with a code. No step-up here: the
// pending secret of an enabled user was started with one.
func (s *Server) confirmEnrollment(ctx context.Context, sess *authenticated, code string) ([]string, error) {
	if err := refuseActor(sess); err != nil {
		return nil, err
	}
	codes, hashes, err := newRecoveryCodes()
	if err != nil {
		return nil, err
	}
	// sess.secret was read from the API server, not the cache, so the
	// enrolment started a moment ago is in it.
	err = s.updateSecret(ctx, sess.secret, func(secret *corev1.Secret) error {
		now := s.Clock.Now()
		if !sess.stillValid(secret, now) {
			return errSessionInvalid
		}
		tf, err := credentials.ReadTwoFactor(secret, s.Cipher)
		if err != nil {
			return err
		}
		if tf.PendingSecret == "" {
			return errTwoFactorNotPending
		}
		step, ok := checkTOTP(tf.PendingSecret, code, now, 0)
		if !ok {
			return errCodeInvalid
		}
		if err := credentials.WriteTwoFactor(secret, credentials.TwoFactor{
			Secret: tf.PendingSecret, EnabledTime: now, LastStep: step, RecoveryCodes: hashes,
		}, s.Cipher); err != nil {
			return err
		}
		sessions := credentials.ReadSessions(secret)
		kept := sessions[:0]
		for _, session := range sessions {
			if !session.EnrollOnly {
				kept = append(kept, session)
			}
		}
		credentials.WriteSessions(secret, kept, now)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

func (s *Server) totpIssuer() string {
	if s.TOTPIssuer == "" {
		return DefaultTOTPIssuer
	}
	return s.TOTPIssuer
}
