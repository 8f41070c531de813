package user

import (
	"time"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/credentials"
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

// decidePasswordReset decides what to do about the password reset email:
// one email per new annotation value or self-service request, never one
// twice, with the invitation's retry rules.
func decidePasswordReset(in resetInputs) emailDecision {
	st := in.status
	if intentUnconfirmed(st.EmailDelivery, in.intent.Number, in.intent.Attempt) {
		return emailDecision{action: emailUnconfirmed}
	}
	newAnnotation := in.annotation != "" && in.annotation != st.Request
	newSelfService := in.intent.Request != "" && in.intent.Request != st.SelfServiceRequest
	if newAnnotation || newSelfService {
		if in.state.KeepsOut() || !in.emailVerified {
			return emailDecision{action: emailRequestIgnored}
		}
		return emailDecision{action: emailNew}
	}
	if st.Number == 0 || st.SentTime != nil || in.rejected || in.state.KeepsOut() {
		return emailDecision{action: emailIdle}
	}
	if st.NextAttemptTime != nil && in.now.Before(st.NextAttemptTime.Time) {
		return emailDecision{action: emailWait, at: st.NextAttemptTime.Time}
	}
	return emailDecision{action: emailRetry}
}
