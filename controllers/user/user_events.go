package user

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/conditions"
	"github.com/tenantry-io/tenantry/internal/history"
)

// statusEvent is an event about a change a pass makes to the user's
// status: an acceptance noticed, an annotation answered, a soft delete
// begun. It is recorded after the status write, and only if that write
// made the change. Two passes may see the same change (the credential
// Secret's write and the status write each wake the user, and the later
// pass may read a user the cache has not caught up with): both decide it,
// but the stale pass's write conflicts and records nothing, and a write
// onto a status that had the change already makes none. So a transition
// is recorded once, however many passes see it.
type statusEvent struct {
	// made reports whether the write from prior to written made the
	// change the event reports.
	made                            func(prior, written *iamv1alpha1.User) bool
	eventType, reason, action, note string
}

// announce queues an event of the pass; recordWritten records it if the
// pass's status write makes the change that made tests.
func (s *userScope) announce(made func(prior, written *iamv1alpha1.User) bool, eventType, reason, action, note string) {
	s.events = append(s.events, statusEvent{made: made, eventType: eventType, reason: reason, action: action, note: note})
}

// statusWrite is a status write the API server accepted: the user as the
// server held it just before (the write was guarded by its
// resourceVersion), and as written.
type statusWrite struct {
	prior, written *iamv1alpha1.User
}

// recordWritten records the events of an accepted status write: the phase
// change, and each queued event whose change the write made. A pass whose
// write was refused, or that wrote nothing, records none of them.
func (r *Reconciler) recordWritten(s *userScope, w *statusWrite) {
	if w == nil {
		return
	}
	r.recordPhaseChange(w.prior, w.written)
	for _, e := range s.events {
		if e.made(w.prior, w.written) {
			r.event(w.written, e.eventType, e.reason, e.action, e.note)
		}
	}
}

// recordPhaseChange leaves an event when the phase moves, so
// `kubectl describe user` tells the user's history. A new user's first
// phase is not an event of its own: the status shows it, and what the first
// pass did (the invitation sent) is, so a new user costs one event.
func (r *Reconciler) recordPhaseChange(prior, written *iamv1alpha1.User) {
	from, to := prior.Status.Phase, written.Status.Phase
	if from == to || from == "" {
		return
	}
	note := fmt.Sprintf("phase %s -> %s", from, to)
	if message := conditions.Message(written, iamv1alpha1.ReadyCondition); message != "" {
		note += ": " + message
	}
	r.event(written, corev1.EventTypeNormal, "Phase"+string(to), "Reconcile", note)
}

// The changes the queued events report, each read from the status the
// write started from and the status it wrote.

func invitationAccepted(prior, written *iamv1alpha1.User) bool {
	return !prior.Status.EmailVerified && written.Status.EmailVerified
}

func unlockAnswered(prior, written *iamv1alpha1.User) bool {
	return prior.Status.UnlockRequest != written.Status.UnlockRequest
}

func twoFactorResetAnswered(prior, written *iamv1alpha1.User) bool {
	return prior.Status.TwoFactorResetRequest != written.Status.TwoFactorResetRequest
}

func resendAnswered(prior, written *iamv1alpha1.User) bool {
	resend := func(u *iamv1alpha1.User) string {
		return ptr.Deref(u.Status.Invitation, iamv1alpha1.InvitationStatus{}).ResendRequest
	}
	return resend(prior) != resend(written)
}

func passwordResetAnswered(prior, written *iamv1alpha1.User) bool {
	requests := func(u *iamv1alpha1.User) [2]string {
		st := ptr.Deref(u.Status.PasswordReset, iamv1alpha1.PasswordResetStatus{})
		return [2]string{st.Request, st.SelfServiceRequest}
	}
	return requests(prior) != requests(written)
}

func softDeleteBegun(prior, written *iamv1alpha1.User) bool {
	return prior.Status.PurgeTime == nil && written.Status.PurgeTime != nil
}

func restoredFromSoftDelete(prior, written *iamv1alpha1.User) bool {
	return prior.Status.DeletedTime != nil && written.Status.DeletedTime == nil
}

func changesFiled(prior, written *iamv1alpha1.User) bool {
	return history.FiledSequence(written) > history.FiledSequence(prior)
}
