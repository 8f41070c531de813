package user

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/conditions"
	"github.com/tenantry-io/tenantry/internal/credentials"
)

func TestCoalesceLastLogin(t *testing.T) {
	t0 := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *metav1.Time { return &metav1.Time{Time: t0.Add(d)} }
	tests := []struct {
		name     string
		recorded *metav1.Time
		latest   time.Time
		now      time.Time
		set      bool
		wait     time.Duration
	}{
		{name: "never logged in", now: t0},
		{name: "the first login is written", latest: t0, now: t0, set: true},
		{name: "the recorded login is the latest", recorded: at(0), latest: t0, now: t0.Add(time.Hour)},
		{name: "a login a minute later is written", recorded: at(0), latest: t0.Add(time.Minute), now: t0.Add(time.Minute), set: true},
		{name: "a login within the minute waits for it", recorded: at(0), latest: t0.Add(10 * time.Second), now: t0.Add(10 * time.Second), wait: 50 * time.Second},
		{name: "a waiting login is written when the minute is over", recorded: at(0), latest: t0.Add(10 * time.Second), now: t0.Add(time.Minute), set: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, wait := coalesceLastLogin(tt.recorded, tt.latest, tt.now)
			if (set != nil) != tt.set || wait != tt.wait {
				t.Fatalf("coalesceLastLogin() = %v, %v; want set=%v, wait %v", set, wait, tt.set, tt.wait)
			}
			if set != nil && !set.Equal(tt.latest) {
				t.Errorf("set %v, want the latest login %v", set, tt.latest)
			}
		})
	}
}

func TestObserveLockout(t *testing.T) {
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		lockout credentials.Lockout
		locked  bool
		reason  string
		requeue time.Duration
	}{
		{name: "never locked", reason: iamv1alpha1.ReasonNotLocked},
		{name: "failures below the threshold", lockout: credentials.Lockout{Password: credentials.Counter{Count: 4, Since: now}}, reason: iamv1alpha1.ReasonNotLocked},
		{name: "locked by passwords", lockout: credentials.Lockout{Until: now.Add(30 * time.Minute), By: credentials.LockedByPassword},
			locked: true, reason: iamv1alpha1.ReasonPasswordFailures, requeue: 30 * time.Minute},
		{name: "locked by codes", lockout: credentials.Lockout{Until: now.Add(time.Minute), By: credentials.LockedByCode},
			locked: true, reason: iamv1alpha1.ReasonCodeFailures, requeue: time.Minute},
		{name: "a lock that ran out", lockout: credentials.Lockout{Until: now, By: credentials.LockedByPassword}, reason: iamv1alpha1.ReasonNotLocked},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			user := &iamv1alpha1.User{}
			result := observeLockout(user, tt.lockout, now)
			c := conditions.Get(user, iamv1alpha1.LockedCondition)
			if c == nil || (c.Status == metav1.ConditionTrue) != tt.locked || c.Reason != tt.reason {
				t.Fatalf("Locked = %+v, want locked=%v reason %s", c, tt.locked, tt.reason)
			}
			if (user.Status.LockedUntil != nil) != tt.locked || result.RequeueAfter != tt.requeue {
				t.Errorf("lockedUntil %v, requeue %v; want set=%v, requeue %v", user.Status.LockedUntil, result.RequeueAfter, tt.locked, tt.requeue)
			}
		})
	}
}

func TestDecidePasswordReset(t *testing.T) {
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	sent := &metav1.Time{Time: now.Add(-time.Hour)}
	later := &metav1.Time{Time: now.Add(time.Minute)}
	active := iamv1alpha1.UserStateActive
	tests := []struct {
		name string
		in   resetInputs
		want emailAction
	}{
		{name: "nothing asked", in: resetInputs{state: active, emailVerified: true}, want: emailIdle},
		{name: "a new annotation value", in: resetInputs{state: active, emailVerified: true, annotation: "a"}, want: emailNew},
		{name: "an answered annotation value", in: resetInputs{state: active, emailVerified: true, annotation: "a",
			status: iamv1alpha1.PasswordResetStatus{EmailDelivery: iamv1alpha1.EmailDelivery{Number: 1, DeliveryAttempts: 1, SentTime: sent}, Request: "a"},
			intent: credentials.PasswordReset{Number: 1, Attempt: 1}}, want: emailIdle},
		{name: "a new self-service request", in: resetInputs{state: active, emailVerified: true,
			status: iamv1alpha1.PasswordResetStatus{EmailDelivery: iamv1alpha1.EmailDelivery{Number: 1, DeliveryAttempts: 1, SentTime: sent}, SelfServiceRequest: "r1"},
			intent: credentials.PasswordReset{Request: "r2", Number: 1, Attempt: 1}}, want: emailNew},
		{name: "an answered self-service request", in: resetInputs{state: active, emailVerified: true,
			status: iamv1alpha1.PasswordResetStatus{EmailDelivery: iamv1alpha1.EmailDelivery{Number: 1, DeliveryAttempts: 1, SentTime: sent}, SelfServiceRequest: "r1"},
			intent: credentials.PasswordReset{Request: "r1", Number: 1, Attempt: 1}}, want: emailIdle},
		{name: "an attempt without an outcome is never repeated", in: resetInputs{state: active, emailVerified: true, annotation: "b",
			status: iamv1alpha1.PasswordResetStatus{EmailDelivery: iamv1alpha1.EmailDelivery{Number: 1, DeliveryAttempts: 1}, Request: "a"},
			intent: credentials.PasswordReset{Number: 2, Attempt: 1}}, want: emailUnconfirmed},
		{name: "a failed delivery waits for its retry", in: resetInputs{now: now, state: active, emailVerified: true, annotation: "a",
			status: iamv1alpha1.PasswordResetStatus{EmailDelivery: iamv1alpha1.EmailDelivery{Number: 1, DeliveryAttempts: 1, NextAttemptTime: later}, Request: "a"},
			intent: credentials.PasswordReset{Number: 1, Attempt: 1}}, want: emailWait},
		{name: "a failed delivery is retried on time", in: resetInputs{now: later.Time, state: active, emailVerified: true, annotation: "a",
			status: iamv1alpha1.PasswordResetStatus{EmailDelivery: iamv1alpha1.EmailDelivery{Number: 1, DeliveryAttempts: 1, NextAttemptTime: later}, Request: "a"},
			intent: credentials.PasswordReset{Number: 1, Attempt: 1}}, want: emailRetry},
		{name: "a rejected delivery is not retried", in: resetInputs{now: later.Time, state: active, emailVerified: true, annotation: "a", rejected: true,
			status: iamv1alpha1.PasswordResetStatus{EmailDelivery: iamv1alpha1.EmailDelivery{Number: 1, DeliveryAttempts: 1}, Request: "a"},
			intent: credentials.PasswordReset{Number: 1, Attempt: 1}}, want: emailIdle},
		{name: "a disabled user gets no email", in: resetInputs{state: iamv1alpha1.UserStateDisabled, emailVerified: true, annotation: "a"}, want: emailRequestIgnored},
		{name: "an invited user gets no email", in: resetInputs{state: active, annotation: "a"}, want: emailRequestIgnored},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := decidePasswordReset(tt.in); got.action != tt.want {
				t.Errorf("decidePasswordReset() = %v, want %v", got.action, tt.want)
			}
		})
	}
}
