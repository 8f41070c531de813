package controllers

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/credentials"
)

func TestDecideInvitation(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *metav1.Time { return &metav1.Time{Time: now.Add(d)} }
	const email = "alice@acme.example"
	sent := iamv1alpha1.InvitationStatus{Number: 1, Email: email, DeliveryAttempts: 1, SentTime: at(-time.Hour), ExpiryTime: at(time.Hour)}
	sentIntent := credentials.Invitation{Number: 1, Attempt: 1}
	failed := iamv1alpha1.InvitationStatus{Number: 1, Email: email, DeliveryAttempts: 2, NextAttemptTime: at(time.Minute), LastErrorReason: "ConnectionFailed"}
	failedIntent := credentials.Invitation{Number: 1, Attempt: 2}

	tests := []struct {
		name     string
		in       invitationInputs
		want     invitationAction
		wantWait time.Time
	}{
		{name: "new user gets a first invitation", in: invitationInputs{}, want: invitationNew},
		{name: "delivered invitation is not sent again",
			in: invitationInputs{status: sent, intent: sentIntent}, want: invitationWait, wantWait: now.Add(time.Hour)},
		{name: "intent without an outcome is never resent",
			in: invitationInputs{status: iamv1alpha1.InvitationStatus{}, intent: credentials.Invitation{Number: 1, Attempt: 1}}, want: invitationUnconfirmed},
		{name: "retry intent without an outcome is never resent",
			in: invitationInputs{status: failed, intent: credentials.Invitation{Number: 1, Attempt: 3}}, want: invitationUnconfirmed},
		{name: "an unsettled intent is settled before a resend",
			in: invitationInputs{resendRequest: "r1", intent: credentials.Invitation{Number: 1, Attempt: 1}}, want: invitationUnconfirmed},
		{name: "resend annotation sends a new invitation",
			in: invitationInputs{status: sent, intent: sentIntent, resendRequest: "r1"}, want: invitationNew},
		{name: "an answered resend annotation does nothing",
			in: invitationInputs{status: withResend(sent, "r1"), intent: sentIntent, resendRequest: "r1"}, want: invitationWait, wantWait: now.Add(time.Hour)},
		{name: "resend after acceptance is ignored",
			in: invitationInputs{status: sent, intent: sentIntent, resendRequest: "r1", emailVerified: true}, want: invitationResendIgnored},
		{name: "accepted user needs nothing",
			in: invitationInputs{status: sent, intent: sentIntent, emailVerified: true}, want: invitationIdle},
		{name: "expired while invited sends a new invitation",
			in: invitationInputs{status: withExpiry(sent, at(-time.Second)), intent: sentIntent}, want: invitationNew},
		{name: "changed email sends a new invitation",
			in: invitationInputs{status: sent, intent: sentIntent, email: "alice@new.example"}, want: invitationNew},
		{name: "temporary failure waits for its backoff",
			in: invitationInputs{status: failed, intent: failedIntent}, want: invitationWait, wantWait: now.Add(time.Minute)},
		{name: "temporary failure retries once the backoff passed",
			in: invitationInputs{status: withNextAttempt(failed, at(-time.Second)), intent: failedIntent}, want: invitationRetry},
		{name: "permanent rejection is not retried",
			in: invitationInputs{status: withNextAttempt(failed, nil), intent: failedIntent, rejected: true}, want: invitationIdle},
		{name: "permanent rejection is resent when asked",
			in: invitationInputs{status: failed, intent: failedIntent, rejected: true, resendRequest: "r1"}, want: invitationNew},
		{name: "disabled user is not invited",
			in: invitationInputs{state: iamv1alpha1.UserStateDisabled}, want: invitationIdle},
		{name: "disabled user does not retry",
			in: invitationInputs{state: iamv1alpha1.UserStateDisabled, status: withNextAttempt(failed, at(-time.Second)), intent: failedIntent}, want: invitationIdle},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			in.now = now
			if in.email == "" {
				in.email = email
			}
			if in.state == "" {
				in.state = iamv1alpha1.UserStateActive
			}
			got := decideInvitation(in)
			if got.action != tt.want {
				t.Fatalf("action = %d, want %d", got.action, tt.want)
			}
			if !got.at.Equal(tt.wantWait) {
				t.Errorf("wait until %s, want %s", got.at, tt.wantWait)
			}
		})
	}
}

func withResend(s iamv1alpha1.InvitationStatus, request string) iamv1alpha1.InvitationStatus {
	s.ResendRequest = request
	return s
}

func withExpiry(s iamv1alpha1.InvitationStatus, t *metav1.Time) iamv1alpha1.InvitationStatus {
	s.ExpiryTime = t
	return s
}

func withNextAttempt(s iamv1alpha1.InvitationStatus, t *metav1.Time) iamv1alpha1.InvitationStatus {
	s.NextAttemptTime = t
	return s
}
