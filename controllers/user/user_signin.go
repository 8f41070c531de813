package user

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/conditions"
	"github.com/tenantry-io/tenantry/internal/credentials"
	"github.com/tenantry-io/tenantry/internal/reconcile"
)

// lastLoginInterval is the most often status.lastLoginTime is written for
// one user: logins closer together share a write.
const lastLoginInterval = time.Minute

// reconcileSignIn answers the administrator's sign-in actions (unlock,
// reset two-factor) and reports what the self-service API recorded in the
// credential Secret: the lockout, the last login and two-factor. The
// self-service API never sets a phase; this is where Locked comes from.
func (r *Reconciler) reconcileSignIn(ctx context.Context, s *userScope) (ctrl.Result, error) {
	if s.secret == nil { // the credential Secret is not ours; already reported
		return ctrl.Result{}, nil
	}
	if err := r.answerUnlock(ctx, s); err != nil {
		return ctrl.Result{}, err
	}
	if err := r.answerTwoFactorReset(ctx, s); err != nil {
		return ctrl.Result{}, err
	}
	user := s.user
	result := observeLockout(user, credentials.ReadLockout(s.secret), s.now)

	set, wait := coalesceLastLogin(user.Status.LastLoginTime, credentials.LastLoginTime(s.secret), s.now)
	if set != nil {
		user.Status.LastLoginTime = &metav1.Time{Time: *set}
	}
	if wait > 0 {
		result = reconcile.Earliest(result, ctrl.Result{RequeueAfter: wait})
	}

	user.Status.TwoFactor = iamv1alpha1.TwoFactorDisabled
	if credentials.TwoFactorEnabled(s.secret) {
		user.Status.TwoFactor = iamv1alpha1.TwoFactorEnabled
	}
	return result, nil
}

// observeLockout sets Locked and lockedUntil from the Secret's lockout, and
// asks to come back when the lock ends by itself.
func observeLockout(user *iamv1alpha1.User, l credentials.Lockout, now time.Time) ctrl.Result {
	if !l.Locked(now) {
		user.Status.LockedUntil = nil
		conditions.MarkFalse(user, iamv1alpha1.LockedCondition, iamv1alpha1.ReasonNotLocked, "the user is not locked")
		return ctrl.Result{}
	}
	until := l.Until.UTC()
	user.Status.LockedUntil = &metav1.Time{Time: until}
	reason, what := iamv1alpha1.ReasonPasswordFailures, "failed passwords"
	if l.By == credentials.LockedByCode {
		reason, what = iamv1alpha1.ReasonCodeFailures, "failed two-factor codes"
	}
	conditions.MarkTrue(user, iamv1alpha1.LockedCondition, reason, fmt.Sprintf(
		"locked after too many %s until %s; set the %s annotation to unlock sooner",
		what, until.Format(time.RFC3339), iamv1alpha1.UnlockAnnotation))
	return ctrl.Result{RequeueAfter: until.Sub(now)}
}

// coalesceLastLogin decides what status.lastLoginTime becomes: the
// Secret's latest login, unless the recorded one is less than
// lastLoginInterval older; then the write waits (wait > 0) so that a burst
// of logins costs one status write a minute.
func coalesceLastLogin(recorded *metav1.Time, latest, now time.Time) (set *time.Time, wait time.Duration) {
	if latest.IsZero() || (recorded != nil && !latest.After(recorded.Time)) {
		return nil, 0
	}
	if recorded == nil || !latest.Before(recorded.Add(lastLoginInterval)) {
		return &latest, 0
	}
	due := recorded.Add(lastLoginInterval)
	if !now.Before(due) {
		return &latest, 0
	}
	return nil, due.Sub(now)
}

// answerUnlock lifts a lockout once per value of the unlock annotation, and
// clears both failure counters, so failures from before the unlock cannot
// lock the user again. The Secret's write is guarded by its
// resourceVersion: a failure counted meanwhile makes it conflict and the
// pass runs again on the newer count. The answer's event is recorded by
// the status write that records the request answered, so a pass that
// reads the user before that write answers nothing twice.
func (r *Reconciler) answerUnlock(ctx context.Context, s *userScope) error {
	user := s.user
	request := user.Annotations[iamv1alpha1.UnlockAnnotation]
	if request == "" || request == user.Status.UnlockRequest {
		return nil
	}
	lockout := credentials.ReadLockout(s.secret)
	wasLocked := lockout.Locked(s.now)
	if lockout != (credentials.Lockout{}) {
		secret := s.secret.DeepCopy()
		credentials.WriteLockout(secret, credentials.Lockout{})
		if err := r.writeSecret(ctx, s, secret); err != nil {
			return fmt.Errorf("unlock user %s: %w", user.Name, err)
		}
	}
	user.Status.UnlockRequest = request
	if wasLocked {
		s.announce(unlockAnswered, corev1.EventTypeNormal, "Unlocked", "Unlock",
			"an administrator unlocked the user; failed logins before now no longer count")
	} else {
		s.announce(unlockAnswered, corev1.EventTypeNormal, "UnlockIgnored", "Unlock",
			"the user was not locked; failed logins before now no longer count")
	}
	return nil
}

// answerTwoFactorReset removes the person's authenticator and recovery
// codes once per value of the reset-2fa annotation. The next login works
// with the password alone, or asks to enrol again when two-factor is
// required. Like the unlock, its event follows the status write.
func (r *Reconciler) answerTwoFactorReset(ctx context.Context, s *userScope) error {
	user := s.user
	request := user.Annotations[iamv1alpha1.ResetTwoFactorAnnotation]
	if request == "" || request == user.Status.TwoFactorResetRequest {
		return nil
	}
	if credentials.HasTwoFactor(s.secret) {
		secret := s.secret.DeepCopy()
		// Clearing seals nothing: no key is needed.
		if err := credentials.WriteTwoFactor(secret, credentials.TwoFactor{}, nil); err != nil {
			return fmt.Errorf("reset two-factor of user %s: %w", user.Name, err)
		}
		if err := r.writeSecret(ctx, s, secret); err != nil {
			return fmt.Errorf("reset two-factor of user %s: %w", user.Name, err)
		}
	}
	user.Status.TwoFactorResetRequest = request
	s.announce(twoFactorResetAnswered, corev1.EventTypeNormal, "TwoFactorReset", "ResetTwoFactor",
		"an administrator removed the user's authenticator and recovery codes")
	return nil
}
