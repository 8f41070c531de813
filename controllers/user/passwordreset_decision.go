package user

import (
	"time"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/credentials"
)

// resetAction is what the password reset sub-reconciler does next.
type resetAction int

const (
	// resetIdle: nothing to send now, and nothing to wait for.
	resetIdle resetAction = iota
	// resetWait: a failed delivery is retried at the decision's time.
	resetWait
	// resetNew: send a new reset email with a new token and number.
	resetNew
	// resetRetry: try the current email again after a temporary failure.
	resetRetry
	// resetUnconfirmed: an attempt was recorded as started but its outcome
	// never was. As with invitations it is taken as sent, never resent by
	// itself.
	resetUnconfirmed
	// resetIgnored: a reset was asked for a user who cannot log in
	// (disabled, or never accepted the invitation); it is acknowledged so it
	// is not considered again.
	resetIgnored
)

// resetInputs are all a decision depends on.
type resetInputs struct {
	now           time.Time
	state         iamv1alpha1.UserState
	emailVerified bool
	// annotation is the reset-password annotation's value.
	annotation string
	status     iamv1alpha1.PasswordResetStatus
	// intent is what the credential Secret says: the last self-service
	// request and the last attempt.
	intent credentials.PasswordReset
	// rejected: the current email was refused permanently.
	rejected bool
}

type resetDecision struct {
	action resetAction
	at     time.Time
}

// decidePasswordReset decides what to do about the password reset email:
// one email per new annotation value or self-service request, never one
// twice, with the invitation's retry rules.
func decidePasswordReset(in resetInputs) resetDecision {
	st := in.status
	if in.intent.Number > st.Number || (in.intent.Number == st.Number && in.intent.Attempt > st.DeliveryAttempts) {
		return resetDecision{action: resetUnconfirmed}
	}
	newAnnotation := in.annotation != "" && in.annotation != st.Request
	newSelfService := in.intent.Request != "" && in.intent.Request != st.SelfServiceRequest
	if newAnnotation || newSelfService {
		if in.state.KeepsOut() || !in.emailVerified {
			return resetDecision{action: resetIgnored}
		}
		return resetDecision{action: resetNew}
	}
	if st.Number == 0 || st.SentTime != nil || in.rejected || in.state.KeepsOut() {
		return resetDecision{action: resetIdle}
	}
	if st.NextAttemptTime != nil && in.now.Before(st.NextAttemptTime.Time) {
		return resetDecision{action: resetWait, at: st.NextAttemptTime.Time}
	}
	return resetDecision{action: resetRetry}
}
