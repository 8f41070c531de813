package controllers

import (
	"time"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/credentials"
)

// invitationAction is what the invitation sub-reconciler does next.
type invitationAction int

const (
	// invitationIdle: nothing to send now, and nothing to wait for.
	invitationIdle invitationAction = iota
	// invitationWait: nothing to send until the decision's time.
	invitationWait
	// invitationNew: send a new invitation with a new token and number.
	invitationNew
	// invitationRetry: try the current invitation again after a temporary failure.
	invitationRetry
	// invitationUnconfirmed: an attempt was recorded as started but its outcome
	// never was (the manager stopped while sending). It may have been sent, so
	// it is never sent again by itself: at most once beats at least once for
	// email, and a person can ask for a resend.
	invitationUnconfirmed
	// invitationResendIgnored: a resend was asked for a user who already
	// accepted; it is acknowledged so it is not considered again.
	invitationResendIgnored
)

// invitationInputs are all a decision depends on.
type invitationInputs struct {
	now           time.Time
	state         iamv1alpha1.UserState
	email         string
	emailVerified bool
	resendRequest string // the resend annotation's value
	status        iamv1alpha1.InvitationStatus
	// intent is what the credential Secret says was last attempted.
	intent credentials.Invitation
	// rejected: the current invitation was refused permanently.
	rejected bool
}

type invitationDecision struct {
	action invitationAction
	// at is when to look again (invitationWait).
	at time.Time
}

// decideInvitation decides what to do about the invitation email. It is pure
// so that every rule of "an invitation is sent once" is a table test.
func decideInvitation(in invitationInputs) invitationDecision {
	st := in.status
	// An attempt started and its end was never recorded: settle that first,
	// whatever else changed, so it can never be sent twice.
	if in.intent.Number > st.Number || (in.intent.Number == st.Number && in.intent.Attempt > st.DeliveryAttempts) {
		return invitationDecision{action: invitationUnconfirmed}
	}
	if in.state == iamv1alpha1.UserStateDisabled {
		return invitationDecision{action: invitationIdle}
	}
	if in.resendRequest != "" && in.resendRequest != st.ResendRequest {
		if in.emailVerified {
			return invitationDecision{action: invitationResendIgnored}
		}
		return invitationDecision{action: invitationNew}
	}
	if in.emailVerified {
		return invitationDecision{action: invitationIdle}
	}
	// Never invited, or invited at an address the spec no longer names: the
	// old link went to the wrong person's inbox, so a new one replaces it.
	if st.Number == 0 || st.Email != in.email {
		return invitationDecision{action: invitationNew}
	}
	if st.SentTime == nil {
		if in.rejected {
			return invitationDecision{action: invitationIdle}
		}
		if st.NextAttemptTime != nil && in.now.Before(st.NextAttemptTime.Time) {
			return invitationDecision{action: invitationWait, at: st.NextAttemptTime.Time}
		}
		return invitationDecision{action: invitationRetry}
	}
	if st.ExpiryTime != nil {
		if !in.now.Before(st.ExpiryTime.Time) {
			return invitationDecision{action: invitationNew}
		}
		return invitationDecision{action: invitationWait, at: st.ExpiryTime.Time}
	}
	return invitationDecision{action: invitationIdle}
}
