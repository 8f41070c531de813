package selfservice

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	corev1 "k8s.io/api/core/v1"

	"github.com/tenantry-io/tenantry/internal/credentials"
	"github.com/tenantry-io/tenantry/internal/metrics"
)

// serveTwoFactor answers DELETE /v1/totp: the person turns two-factor off,
// with the step-up (password and a current code) in the body.
func (s *Server) serveTwoFactor(w http.ResponseWriter, r *http.Request) {
	log := logger(r)
	if r.Method != http.MethodDelete {
		methodNotAllowed(w, http.MethodDelete)
		return
	}
	a, up, ok := s.authenticateStepUp(w, r)
	if !ok {
		return
	}
	log = log.WithValues("namespace", a.user.Namespace, "user", a.user.Name)
	err := s.changeTwoFactor(r.Context(), a, up, func(*credentials.TwoFactor) credentials.TwoFactor {
		return credentials.TwoFactor{}
	})
	if err != nil {
		fail(w, log, false, err, page{})
		return
	}
	log.Info("Two-factor disabled")
	logWriteError(log, writeJSON(w, http.StatusOK, statusBody{Status: "TwoFactorDisabled"}))
}

// serveRecoveryCodes answers POST /v1/totp/recovery-codes: new recovery
// codes replace the old ones, shown this once, with the step-up in the body.
func (s *Server) serveRecoveryCodes(w http.ResponseWriter, r *http.Request) {
	log := logger(r)
	if r.Method != http.MethodPost {
		methodNotAllowed(w, http.MethodPost)
		return
	}
	a, up, ok := s.authenticateStepUp(w, r)
	if !ok {
		return
	}
	log = log.WithValues("namespace", a.user.Namespace, "user", a.user.Name)
	codes, hashes, err := newRecoveryCodes()
	if err == nil {
		err = s.changeTwoFactor(r.Context(), a, up, func(tf *credentials.TwoFactor) credentials.TwoFactor {
			tf.RecoveryCodes = hashes
			return *tf
		})
	}
	if err != nil {
		fail(w, log, false, err, page{})
		return
	}
	log.Info("Recovery codes renewed", "recoveryCodes", strconv.Itoa(len(codes)))
	logWriteError(log, writeJSON(w, http.StatusOK, recoveryCodesBody{Status: "RecoveryCodesRenewed", RecoveryCodes: codes}))
}

// authenticateStepUp reads the step-up fields and the session of a request
// that changes an enabled second factor, and checks the password; it
// answers the request itself when it cannot go on.
func (s *Server) authenticateStepUp(w http.ResponseWriter, r *http.Request) (*authenticated, *stepUp, bool) {
	log := logger(r)
	req, p := decodeStepUp(w, r)
	if p != nil {
		fail(w, log, false, p, page{})
		return nil, nil, false
	}
	if !s.Limits.allow(r, s.Clock.Now()) {
		fail(w, log, false, errTooManyRequests, page{})
		return nil, nil, false
	}
	a, err := s.authenticateSession(r.Context(), r, false)
	if err == nil {
		err = refuseActor(a)
	}
	if err != nil {
		fail(w, log, false, err, page{})
		return nil, nil, false
	}
	up, err := s.checkStepUpPassword(r.Context(), a, req)
	if err != nil {
		fail(w, log, false, err, page{})
		return nil, nil, false
	}
	return a, up, true
}

// changeTwoFactor applies change to the enabled two-factor of the session's
// user once the step-up holds, in one guarded write with the step-up's own
// effects (a used code, a counted failure).
func (s *Server) changeTwoFactor(ctx context.Context, a *authenticated, up *stepUp, change func(*credentials.TwoFactor) credentials.TwoFactor) error {
	err := s.updateSecret(ctx, a.secret, func(secret *corev1.Secret) error {
		now := s.Clock.Now()
		if !a.stillValid(secret, now) {
			return errSessionInvalid
		}
		tf, err := credentials.ReadTwoFactor(secret, s.Cipher)
		if err != nil {
			return err
		}
		if !tf.Enabled() {
			return errTwoFactorNotEnabled
		}
		if err := up.decide(s, secret, &tf, now); err != nil {
			return err
		}
		return credentials.WriteTwoFactor(secret, change(&tf), s.Cipher)
	})
	up.recordLockout(err)
	if errors.Is(err, errGone) {
		return errSessionInvalid
	}
	return err
}

// recordLockout counts the lockout a step-up caused once it was written.
func (up *stepUp) recordLockout(err error) {
	var p *problem
	if up.lockedNow && errors.As(err, &p) {
		metrics.RecordLockout()
	}
}
