package selfservice

import (
	"bytes"
	"context"
	"net/http"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/tenantry-io/tenantry/internal/credentials"
)

// Step-up reasons: replacing or removing an enabled second factor needs
// the password and a current code besides the session, so that a stolen
// session alone cannot lock the person out of their own account.
const (
	ReasonStepUpRequired      = "StepUpRequired"
	ReasonStepUpFailed        = "StepUpFailed"
	ReasonTwoFactorNotEnabled = "TwoFactorNotEnabled"
)

var (
	errStepUpRequired = &problem{status: http.StatusForbidden, reason: ReasonStepUpRequired,
		message: "Two-factor is on: give your current password and a current code from your authenticator (or a recovery code) to change it."}
	errStepUpFailed = &problem{status: http.StatusUnauthorized, reason: ReasonStepUpFailed,
		message: "The password or the code is wrong. Failed attempts count towards the lockout, as at login."}
	errTwoFactorNotEnabled = &problem{status: http.StatusConflict, reason: ReasonTwoFactorNotEnabled,
		message: "Two-factor is not on: there is nothing to remove or renew."}
)

// stepUpRequest is what proves the person is there: the password and a
// code, as at login. Forms and JSON use the same fields.
type stepUpRequest struct {
	Password     string `json:"password"`
	Code         string `json:"code"`
	RecoveryCode string `json:"recoveryCode"`
}

// stepUp is a step-up whose password was checked against passwordHash,
// before the guarded write that decides on it: bcrypt is too slow to run
// again on every conflict.
type stepUp struct {
	req          stepUpRequest
	passwordHash []byte
	checked      bool
	passwordOK   bool
	// lockedNow says that this attempt locked the user.
	lockedNow bool
}

// decodeStepUp reads the step-up fields of a request. A request without a
// body (an API client starting an enrolment with no second factor yet)
// reads as none.
func decodeStepUp(w http.ResponseWriter, r *http.Request) (stepUpRequest, *problem) {
	var req stepUpRequest
	if r.ContentLength == 0 {
		return req, nil
	}
	if p := decodeBody(w, r, &req); p != nil {
		return req, p
	}
	if len(req.Code) > totpDigits.Length() && req.RecoveryCode == "" {
		// The page has one field for both kinds of code, as at login.
		req.RecoveryCode, req.Code = req.Code, ""
	}
	return req, nil
}

// checkStepUpPassword checks the password of a step-up, through the hash
// gate, when the Secret the session was found in has two-factor on: then
// the write that follows needs it.
func (s *Server) checkStepUpPassword(ctx context.Context, a *authenticated, req stepUpRequest) (*stepUp, error) {
	up := &stepUp{req: req, passwordHash: a.secret.Data[credentials.KeyPasswordHash]}
	if req.Password == "" || len(a.secret.Data[credentials.KeyTOTPSecret]) == 0 {
		return up, nil
	}
	if !s.Hashes.do(ctx, func() { up.passwordOK = credentials.CheckPassword(up.passwordHash, req.Password) }) {
		return nil, errServerBusy
	}
	up.checked = true
	return up, nil
}

// decide applies the step-up to a fresh copy of the Secret whose
// two-factor is tf, inside the guarded write of the change it allows. A
// wrong password or code is counted as at login, and a right code is used
// up; the caller writes tf back. It returns the answer for the person.
func (up *stepUp) decide(s *Server, secret *corev1.Secret, tf *credentials.TwoFactor, now time.Time) error {
	if !bytes.Equal(secret.Data[credentials.KeyPasswordHash], up.passwordHash) {
		// The password changed since it was checked: every session ended.
		return errSessionInvalid
	}
	lockout := afterExpiry(credentials.ReadLockout(secret), now)
	if lockout.Locked(now) {
		return userLocked(lockout.Until)
	}
	if !up.checked || (up.req.Code == "" && up.req.RecoveryCode == "") {
		return errStepUpRequired
	}
	policy := s.lockout()
	if !up.passwordOK {
		up.count(secret, policy, lockout, credentials.LockedByPassword, now)
		return errStepUpFailed
	}
	var used loginResult
	if p := s.checkSecondFactor(tf, loginRequest{Code: up.req.Code, RecoveryCode: up.req.RecoveryCode}, now, &used); p != nil {
		up.count(secret, policy, lockout, credentials.LockedByCode, now)
		return errStepUpFailed
	}
	credentials.WriteLockout(secret, credentials.Lockout{})
	return nil
}

func (up *stepUp) count(secret *corev1.Secret, policy LockoutPolicy, l credentials.Lockout, kind string, now time.Time) {
	next := policy.recordFailure(l, kind, now)
	up.lockedNow = !l.Locked(now) && next.Locked(now)
	credentials.WriteLockout(secret, next)
}
