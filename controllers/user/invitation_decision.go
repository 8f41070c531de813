package user

import (
	"slices"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/credentials"
	"github.com/tenantry-io/tenantry/internal/reconcile"
)

// invitationInputs are all a decision depends on.
type invitationInputs struct {
	now time.Time
	// grace is the least wait before an unconfirmed attempt is retried.
	grace time.Duration
	// backoff spaces retries, unconfirmed ones included.
	backoff       reconcile.Backoff
	state         iamv1alpha1.UserState
	email         string
	emailVerified bool
	resendRequest string // the resend annotation's value
	status        iamv1alpha1.InvitationStatus
	// intent is what the credential Secret says was last attempted.
	intent credentials.Invitation
	// rejected: the current invitation was refused permanently.
	rejected bool
	// unconfirmed: the current attempt was reported as unconfirmed.
	unconfirmed bool
}

// decideInvitation decides what to do about the invitation email. It is pure
// so that every rule of "an invitation is sent once" is a table test.
func decideInvitation(in invitationInputs) emailDecision {
	st := in.status
	// An attempt started and its end was never recorded: report that first,
	// whatever else changed, so that its retry is bounded and spaced out.
	if intentUnconfirmed(st.EmailDelivery, in.intent.Number, in.intent.Attempt) {
		return emailDecision{action: emailUnconfirmed, at: unconfirmedRetryTime(in)}
	}
	if in.state.KeepsOut() {
		return emailDecision{action: emailIdle}
	}
	if in.resendRequest != "" && in.resendRequest != st.ResendRequest {
		if in.emailVerified {
			return emailDecision{action: emailRequestIgnored}
		}
		return emailDecision{action: emailNew}
	}
	if in.emailVerified {
		return emailDecision{action: emailIdle}
	}
	// Never invited, or invited at an address the spec no longer names: the
	// old link went to the wrong person's inbox, so a new one replaces it.
	if st.Number == 0 || st.Email != in.email {
		return emailDecision{action: emailNew}
	}
	if st.SentTime == nil {
		if in.rejected {
			return emailDecision{action: emailIdle}
		}
		if in.unconfirmed && !unconfirmedRetryLeft(in.intent) {
			// No automatic retry is left: the invitation is taken as sent
			// until its link expires, then renewed like any other.
			return waitForExpiry(in.now, st.ExpiryTime)
		}
		if st.NextAttemptTime != nil && in.now.Before(st.NextAttemptTime.Time) {
			return emailDecision{action: emailWait, at: st.NextAttemptTime.Time}
		}
		return emailDecision{action: emailRetry}
	}
	return waitForExpiry(in.now, st.ExpiryTime)
}

// waitForExpiry waits until a sent invitation's link expires, then sends a
// new one.
func waitForExpiry(now time.Time, expiry *metav1.Time) emailDecision {
	if expiry == nil {
		return emailDecision{action: emailIdle}
	}
	if !now.Before(expiry.Time) {
		return emailDecision{action: emailNew}
	}
	return emailDecision{action: emailWait, at: expiry.Time}
}

// maxUnconfirmedRetries bounds the automatic retries of attempts whose
// outcome is unknown, per invitation. Each may have reached the person, so
// each adds a copy (with the same Message-ID) and a token kept valid; a
// manager killed that often while sending has a problem a person must look
// at, and a resend annotation or the link's expiry starts over.
const maxUnconfirmedRetries = 3

// unconfirmedRetryLeft reports whether the intent's unconfirmed attempt
// may be retried: every earlier token hash kept is an earlier unconfirmed
// attempt of the same invitation.
func unconfirmedRetryLeft(intent credentials.Invitation) bool {
	return len(intent.EarlierTokenHashes) < maxUnconfirmedRetries
}

// unconfirmedRetryTime is when an unconfirmed attempt is retried: after the
// grace period and never sooner than the normal backoff, so a mail server
// that did accept it is not asked twice in a tight loop. Zero means never
// automatically.
func unconfirmedRetryTime(in invitationInputs) time.Time {
	// A user who accepted or is disabled needs no invitation now; only the
	// record is put straight.
	if !unconfirmedRetryLeft(in.intent) || in.emailVerified || in.state.KeepsOut() {
		return time.Time{}
	}
	return retryTime(in.now, max(in.grace, in.backoff.Delay(in.intent.Attempt)))
}

// retryTime is when to try again after delay, as status stores it: to the
// second, and rounded up, never down. Rounded down, a sub-second backoff
// would be due at once (the retry storms the mail server it waits for)
// and the pass's requeue would be zero or negative, which schedules
// nothing.
func retryTime(now time.Time, delay time.Duration) time.Time {
	at := now.Add(delay)
	if whole := at.Truncate(time.Second); whole.Before(at) {
		return whole.Add(time.Second)
	}
	return at
}

// keptTokenHashes are the token hashes an attempt keeps valid beside its
// own: on a retry of the same invitation, those kept so far plus the
// previous attempt's when its outcome is unknown. A new invitation keeps
// none: it replaces the old link. An attempt that failed for sure did not
// deliver its link, so its hash is dropped.
func keptTokenHashes(in invitationInputs, isNew bool, number int32) []string {
	if isNew || in.intent.Number != number {
		return nil
	}
	kept := slices.Clone(in.intent.EarlierTokenHashes)
	if in.unconfirmed && in.intent.TokenHash != "" && !slices.Contains(kept, in.intent.TokenHash) {
		kept = append(kept, in.intent.TokenHash)
	}
	return kept
}
