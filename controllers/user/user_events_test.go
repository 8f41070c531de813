package user

import (
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/events"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// TestRecordWritten checks that an event follows the write that made its
// change: the same pass decision records once when the write made the
// change, and not at all when the status written over had it already (a
// second pass that saw the same change) or when nothing was written.
func TestRecordWritten(t *testing.T) {
	user := func(phase iamv1alpha1.UserPhase, change func(u *iamv1alpha1.User)) *iamv1alpha1.User {
		u := &iamv1alpha1.User{Status: iamv1alpha1.UserStatus{Phase: phase}}
		if change != nil {
			change(u)
		}
		return u
	}
	verified := func(u *iamv1alpha1.User) { u.Status.EmailVerified = true }
	resetAnswered := func(u *iamv1alpha1.User) { u.Status.TwoFactorResetRequest = "lost-phone" }
	acceptance := func(s *userScope) {
		s.announce(invitationAccepted, corev1.EventTypeNormal, "InvitationAccepted", "AcceptInvitation", "accepted")
	}
	reset := func(s *userScope) {
		s.announce(twoFactorResetAnswered, corev1.EventTypeNormal, "TwoFactorReset", "ResetTwoFactor", "reset")
	}
	invited, active := iamv1alpha1.UserPhaseInvited, iamv1alpha1.UserPhaseActive

	tests := []struct {
		name     string
		announce func(s *userScope)
		write    *statusWrite
		want     []string
	}{
		{name: "acceptance written", announce: acceptance,
			write: &statusWrite{prior: user(invited, nil), written: user(active, verified)},
			want:  []string{"InvitationAccepted", "PhaseActive"}},
		{name: "acceptance written over a status that had it", announce: acceptance,
			write: &statusWrite{prior: user(active, verified), written: user(active, verified)}},
		{name: "acceptance not written (conflict)", announce: acceptance},
		{name: "reset answered", announce: reset,
			write: &statusWrite{prior: user(active, nil), written: user(active, resetAnswered)},
			want:  []string{"TwoFactorReset"}},
		{name: "reset answered already", announce: reset,
			write: &statusWrite{prior: user(active, resetAnswered), written: user(active, resetAnswered)}},
		{name: "a new user's first phase is no event",
			write: &statusWrite{prior: user("", nil), written: user(invited, nil)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recorder := events.NewFakeRecorder(10)
			r := &Reconciler{Recorder: recorder}
			s := &userScope{}
			if tt.announce != nil {
				tt.announce(s)
			}
			r.recordWritten(s, tt.write)
			close(recorder.Events)
			var got, reasons []string
			for e := range recorder.Events {
				got = append(got, e)
				reasons = append(reasons, strings.Fields(e)[1]) // "<type> <reason> <note>"
			}
			slices.Sort(reasons)
			if !slices.Equal(reasons, tt.want) {
				t.Errorf("recorded %v, want %v", got, tt.want)
			}
		})
	}
}
