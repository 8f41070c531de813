package user

import "time"

// emailAction is what a pass does next about one kind of email. The
// invitation and the password reset decide when (decideInvitation,
// decidePasswordReset, each a pure function with its table test); both
// answer with one of these, and the one delivery path carries it out.
type emailAction int

const (
	// emailIdle: nothing to send now, and nothing to wait for.
	emailIdle emailAction = iota
	// emailWait: nothing to send until the decision's time: a failed
	// delivery's next attempt, or a sent invitation's expiry.
	emailWait
	// emailNew: send a new email with a new token and number.
	emailNew
	// emailRetry: try the current email again after a temporary failure.
	emailRetry
	// emailUnconfirmed: an attempt was recorded as started but its outcome
	// never was (the manager was killed while sending). It may or may not
	// have left, so it is reported as unknown. An invitation is then sent
	// again, while retries are left, once the decision's time has come: a
	// lost invitation is worse than a duplicate, the retry carries the same
	// Message-ID, which mail stores use to keep one copy, and the earlier
	// attempt's token stays valid so whichever copy the person opens works;
	// at is zero when no automatic retry is left. A reset email is not sent
	// again by itself: the person waiting for it can ask again.
	emailUnconfirmed
	// emailRequestIgnored: an email was asked for that would serve no one (a
	// resend for a user who already accepted, a reset for one who cannot
	// log in); the request is acknowledged so it is not considered again.
	emailRequestIgnored
)

// emailDecision is an action and, for emailWait and emailUnconfirmed, when.
type emailDecision struct {
	action emailAction
	at     time.Time
}
