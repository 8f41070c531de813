package user

import (
	"fmt"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/credentials"
	"github.com/tenantry-io/tenantry/internal/reconcile"
)

func TestDecideInvitation(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *metav1.Time { return &metav1.Time{Time: now.Add(d)} }
	const email = "alice@acme.example"
	sent := iamv1alpha1.InvitationStatus{EmailDelivery: iamv1alpha1.EmailDelivery{Number: 1, DeliveryAttempts: 1, SentTime: at(-time.Hour), ExpiryTime: at(time.Hour)}, Email: email}
	sentIntent := credentials.Invitation{Number: 1, Attempt: 1}
	failed := iamv1alpha1.InvitationStatus{EmailDelivery: iamv1alpha1.EmailDelivery{Number: 1, DeliveryAttempts: 2, NextAttemptTime: at(time.Minute), LastErrorReason: "ConnectionFailed"}, Email: email}
	failedIntent := credentials.Invitation{Number: 1, Attempt: 2}
	unconfirmed := iamv1alpha1.InvitationStatus{EmailDelivery: iamv1alpha1.EmailDelivery{Number: 1, DeliveryAttempts: 1, ExpiryTime: at(time.Hour), NextAttemptTime: at(30 * time.Second), LastErrorReason: iamv1alpha1.ReasonDeliveryUnconfirmed}, Email: email}
	unconfirmedIntent := credentials.Invitation{Number: 1, Attempt: 1, TokenHash: "h1"}

	tests := []struct {
		name     string
		in       invitationInputs
		want     emailAction
		wantWait time.Time
	}{
		{name: "new user gets a first invitation", in: invitationInputs{}, want: emailNew},
		{name: "delivered invitation is not sent again",
			in: invitationInputs{status: sent, intent: sentIntent}, want: emailWait, wantWait: now.Add(time.Hour)},
		{name: "intent without an outcome is retried after the grace period",
			in: invitationInputs{status: iamv1alpha1.InvitationStatus{}, intent: credentials.Invitation{Number: 1, Attempt: 1}}, want: emailUnconfirmed, wantWait: now.Add(30 * time.Second)},
		{name: "retry intent without an outcome is retried after the longer backoff",
			in: invitationInputs{status: failed, intent: credentials.Invitation{Number: 1, Attempt: 3}}, want: emailUnconfirmed, wantWait: now.Add(40 * time.Second)},
		{name: "an unsettled intent is settled before a resend",
			in: invitationInputs{resendRequest: "r1", intent: credentials.Invitation{Number: 1, Attempt: 1}}, want: emailUnconfirmed, wantWait: now.Add(30 * time.Second)},
		{name: "the third interrupted retry is still retried",
			in: invitationInputs{status: withAttempts(unconfirmed, 2), intent: withEarlier(credentials.Invitation{Number: 1, Attempt: 3}, 2)}, want: emailUnconfirmed, wantWait: now.Add(40 * time.Second)},
		{name: "a fourth interrupted attempt is not retried automatically",
			in: invitationInputs{status: withAttempts(unconfirmed, 3), intent: withEarlier(credentials.Invitation{Number: 1, Attempt: 4}, 3)}, want: emailUnconfirmed},
		{name: "an interrupted attempt of an accepted user is not retried",
			in: invitationInputs{intent: credentials.Invitation{Number: 1, Attempt: 1}, emailVerified: true}, want: emailUnconfirmed},
		{name: "an interrupted attempt of a disabled user is not retried",
			in: invitationInputs{intent: credentials.Invitation{Number: 1, Attempt: 1}, state: iamv1alpha1.UserStateDisabled}, want: emailUnconfirmed},
		{name: "an unconfirmed attempt waits for its grace period",
			in: invitationInputs{status: unconfirmed, intent: unconfirmedIntent, unconfirmed: true}, want: emailWait, wantWait: now.Add(30 * time.Second)},
		{name: "an unconfirmed attempt is retried once the grace period passed",
			in: invitationInputs{status: withNextAttempt(unconfirmed, at(-time.Second)), intent: unconfirmedIntent, unconfirmed: true}, want: emailRetry},
		{name: "an unconfirmed attempt out of retries waits for its link to expire",
			in: invitationInputs{status: withNextAttempt(unconfirmed, nil), intent: withEarlier(unconfirmedIntent, 3), unconfirmed: true}, want: emailWait, wantWait: now.Add(time.Hour)},
		{name: "an unconfirmed attempt out of retries is renewed once expired",
			in: invitationInputs{status: withExpiry(withNextAttempt(unconfirmed, nil), at(-time.Second)), intent: withEarlier(unconfirmedIntent, 3), unconfirmed: true}, want: emailNew},
		{name: "a resend answers an unconfirmed attempt with a new invitation",
			in: invitationInputs{status: unconfirmed, intent: unconfirmedIntent, unconfirmed: true, resendRequest: "r1"}, want: emailNew},
		{name: "an accepted user with an unconfirmed attempt needs nothing",
			in: invitationInputs{status: unconfirmed, intent: unconfirmedIntent, unconfirmed: true, emailVerified: true}, want: emailIdle},
		{name: "resend annotation sends a new invitation",
			in: invitationInputs{status: sent, intent: sentIntent, resendRequest: "r1"}, want: emailNew},
		{name: "an answered resend annotation does nothing",
			in: invitationInputs{status: withResend(sent, "r1"), intent: sentIntent, resendRequest: "r1"}, want: emailWait, wantWait: now.Add(time.Hour)},
		{name: "resend after acceptance is ignored",
			in: invitationInputs{status: sent, intent: sentIntent, resendRequest: "r1", emailVerified: true}, want: emailRequestIgnored},
		{name: "accepted user needs nothing",
			in: invitationInputs{status: sent, intent: sentIntent, emailVerified: true}, want: emailIdle},
		{name: "expired while invited sends a new invitation",
			in: invitationInputs{status: withExpiry(sent, at(-time.Second)), intent: sentIntent}, want: emailNew},
		{name: "changed email sends a new invitation",
			in: invitationInputs{status: sent, intent: sentIntent, email: "alice@new.example"}, want: emailNew},
		{name: "temporary failure waits for its backoff",
			in: invitationInputs{status: failed, intent: failedIntent}, want: emailWait, wantWait: now.Add(time.Minute)},
		{name: "temporary failure retries once the backoff passed",
			in: invitationInputs{status: withNextAttempt(failed, at(-time.Second)), intent: failedIntent}, want: emailRetry},
		{name: "permanent rejection is not retried",
			in: invitationInputs{status: withNextAttempt(failed, nil), intent: failedIntent, rejected: true}, want: emailIdle},
		{name: "permanent rejection is resent when asked",
			in: invitationInputs{status: failed, intent: failedIntent, rejected: true, resendRequest: "r1"}, want: emailNew},
		{name: "disabled user is not invited",
			in: invitationInputs{state: iamv1alpha1.UserStateDisabled}, want: emailIdle},
		{name: "disabled user does not retry",
			in: invitationInputs{state: iamv1alpha1.UserStateDisabled, status: withNextAttempt(failed, at(-time.Second)), intent: failedIntent}, want: emailIdle},
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
			in.grace = 30 * time.Second
			in.backoff = reconcile.Backoff{Base: 10 * time.Second, Max: 15 * time.Minute}
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

func TestKeptTokenHashes(t *testing.T) {
	intent := credentials.Invitation{Number: 2, Attempt: 2, TokenHash: "h2", EarlierTokenHashes: []string{"h1"}}
	tests := []struct {
		name   string
		in     invitationInputs
		isNew  bool
		number int32
		want   []string
	}{
		{name: "a new invitation keeps no earlier link", in: invitationInputs{intent: intent, unconfirmed: true}, isNew: true, number: 3},
		{name: "a retry after an unconfirmed attempt keeps its link",
			in: invitationInputs{intent: intent, unconfirmed: true}, number: 2, want: []string{"h1", "h2"}},
		{name: "a retry after a failed attempt keeps only the unconfirmed links",
			in: invitationInputs{intent: intent}, number: 2, want: []string{"h1"}},
		{name: "a retry of another invitation keeps nothing",
			in: invitationInputs{intent: intent, unconfirmed: true}, number: 3},
		{name: "a hash is kept once",
			in: invitationInputs{intent: credentials.Invitation{Number: 2, TokenHash: "h1", EarlierTokenHashes: []string{"h1"}}, unconfirmed: true}, number: 2, want: []string{"h1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := keptTokenHashes(tt.in, tt.isNew, tt.number); !slices.Equal(got, tt.want) {
				t.Errorf("keptTokenHashes() = %q, want %q", got, tt.want)
			}
		})
	}
}

func withEarlier(inv credentials.Invitation, n int) credentials.Invitation {
	for i := range n {
		inv.EarlierTokenHashes = append(inv.EarlierTokenHashes, fmt.Sprintf("h0-%d", i))
	}
	return inv
}

func withAttempts(s iamv1alpha1.InvitationStatus, n int32) iamv1alpha1.InvitationStatus {
	s.DeliveryAttempts = n
	return s
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

func TestRetryTimeIsNeverSoonerThanTheBackoff(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		now   string
		delay time.Duration
		want  string
	}{
		{"2026-01-01T10:00:00.900Z", 200 * time.Millisecond, "2026-01-01T10:00:02Z"},
		{"2026-01-01T10:00:00.100Z", 200 * time.Millisecond, "2026-01-01T10:00:01Z"},
		{"2026-01-01T10:00:00Z", time.Minute, "2026-01-01T10:01:00Z"},
		{"2026-01-01T10:00:00.5Z", time.Minute, "2026-01-01T10:01:01Z"},
	}
	for _, tt := range tests {
		got := retryTime(at(tt.now), tt.delay)
		if !got.Equal(at(tt.want)) {
			t.Errorf("retryTime(%s, %s) = %s, want %s", tt.now, tt.delay, got.Format(time.RFC3339Nano), tt.want)
		}
		if got.Sub(at(tt.now)) < tt.delay {
			t.Errorf("retryTime(%s, %s) is sooner than the backoff", tt.now, tt.delay)
		}
	}
}
