package user

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/conditions"
	"github.com/tenantry-io/tenantry/internal/credentials"
	"github.com/tenantry-io/tenantry/internal/mail"
	"github.com/tenantry-io/tenantry/internal/metrics"
)

// PasswordResetSettings shape the password reset emails.
type PasswordResetSettings struct {
	// TTL is how long a reset link works.
	TTL time.Duration
	// URL is the base of the link; the token is added as ?token=.
	URL string
	// Templates render the email; nil means the built-in ones.
	Templates *mail.Templates
}

// reconcilePasswordReset sends the password reset email when
// decidePasswordReset says so, with the invitation's three steps: the
// intent in the credential Secret (guarded by its resourceVersion), the
// send, the outcome in status.
func (r *Reconciler) reconcilePasswordReset(ctx context.Context, s *userScope) (ctrl.Result, error) {
	if s.secret == nil {
		return ctrl.Result{}, nil
	}
	user := s.user
	in := resetInputs{
		now:           s.now,
		state:         user.Spec.State,
		emailVerified: user.Status.EmailVerified,
		annotation:    user.Annotations[iamv1alpha1.ResetPasswordAnnotation],
		status:        ptr.Deref(user.Status.PasswordReset, iamv1alpha1.PasswordResetStatus{}),
		intent:        credentials.ReadPasswordReset(s.secret),
		rejected:      conditions.HasReason(user, iamv1alpha1.PasswordResetDeliveredCondition, iamv1alpha1.ReasonDeliveryRejected),
	}
	switch d := decidePasswordReset(in); d.action {
	case resetWait:
		return ctrl.Result{RequeueAfter: d.at.Sub(s.now)}, nil
	case resetNew, resetRetry:
		return r.sendPasswordReset(ctx, s, in, d.action == resetNew)
	case resetUnconfirmed:
		return r.settleUnconfirmedReset(ctx, s, in)
	case resetIgnored:
		st := in.status
		st.Request, st.SelfServiceRequest = in.annotation, in.intent.Request
		user.Status.PasswordReset = &st
		r.event(user, corev1.EventTypeNormal, "PasswordResetIgnored", "ResetPassword",
			"no password reset email: the user is disabled or has not accepted the invitation")
	}
	return ctrl.Result{}, nil
}

// sendPasswordReset makes one delivery attempt of a new or the current
// reset email.
func (r *Reconciler) sendPasswordReset(ctx context.Context, s *userScope, in resetInputs, isNew bool) (ctrl.Result, error) {
	user := s.user
	if delay := r.reserveSend(s.now); delay > 0 {
		conditions.MarkFalse(user, iamv1alpha1.PasswordResetDeliveredCondition, iamv1alpha1.ReasonSending,
			"waiting for the send rate limit")
		return ctrl.Result{RequeueAfter: delay}, nil
	}
	next := in.status
	if isNew {
		number := max(in.status.Number, in.intent.Number) + 1
		next = iamv1alpha1.PasswordResetStatus{
			Number:             number,
			MessageID:          resetMessageID(user, number, r.Invitations.MessageIDDomain),
			Request:            in.annotation,
			SelfServiceRequest: in.intent.Request,
		}
	}
	attempt := next.DeliveryAttempts + 1
	token, tokenHash, err := credentials.NewScopedToken(user.Namespace, user.Name)
	if err != nil {
		return ctrl.Result{}, err
	}
	expiry := s.now.Add(r.PasswordResets.TTL).Truncate(time.Second)
	// 1. The intent; a conflict means someone else got there first.
	secret := s.secret.DeepCopy()
	intent := in.intent
	intent.Number, intent.Attempt, intent.TokenHash, intent.Expiry, intent.UsedTime = next.Number, attempt, tokenHash, expiry, time.Time{}
	credentials.WritePasswordReset(secret, intent)
	if err := r.writeSecret(ctx, s, secret); err != nil {
		return ctrl.Result{}, fmt.Errorf("record intent of password reset %d for user %s: %w", next.Number, user.Name, err)
	}
	s.attemptedSend = true
	// 2. The send, run to its end even when the manager is asked to stop,
	// as for invitations (see sendInvitation).
	sendErr := r.deliverPasswordReset(context.WithoutCancel(ctx), user, next.MessageID, token, expiry)
	// 3. The outcome, written by the deferred status patch.
	out := r.recordDelivery(ctx, user, passwordResetEmail, next.Number, attempt, user.Spec.Email, s.now, expiry, sendErr)
	next.DeliveryAttempts = attempt
	next.NextAttemptTime, next.LastErrorReason = out.nextAttemptTime, out.lastErrorReason
	if out.sentTime != nil {
		next.SentTime, next.ExpiryTime = out.sentTime, out.expiryTime
	}
	user.Status.PasswordReset = &next
	if out.nextAttemptTime != nil {
		return ctrl.Result{RequeueAfter: out.nextAttemptTime.Sub(s.now)}, nil
	}
	return ctrl.Result{}, nil
}

// settleUnconfirmedReset reports an attempt whose outcome was never
// recorded (the manager was killed mid-send) as unknown, and does not send
// it again; the person can ask again.
func (r *Reconciler) settleUnconfirmedReset(ctx context.Context, s *userScope, in resetInputs) (ctrl.Result, error) {
	user := s.user
	if behind, err := r.outcomeOnServer(ctx, user, in.intent.Number, in.intent.Attempt, func(live *iamv1alpha1.User) (int32, int32) {
		reset := ptr.Deref(live.Status.PasswordReset, iamv1alpha1.PasswordResetStatus{})
		return reset.Number, reset.DeliveryAttempts
	}); err != nil {
		return ctrl.Result{}, err
	} else if behind {
		s.cacheBehind = true
		return ctrl.Result{RequeueAfter: requeueCacheBehind}, nil
	}
	next := in.status
	if in.intent.Number != next.Number {
		next = iamv1alpha1.PasswordResetStatus{
			Number:    in.intent.Number,
			MessageID: resetMessageID(user, in.intent.Number, r.Invitations.MessageIDDomain),
		}
	}
	next.Request, next.SelfServiceRequest = in.annotation, in.intent.Request
	next.DeliveryAttempts = in.intent.Attempt
	next.SentTime = &metav1.Time{Time: s.now}
	next.ExpiryTime = &metav1.Time{Time: in.intent.Expiry}
	next.NextAttemptTime, next.LastErrorReason = nil, ""
	user.Status.PasswordReset = &next
	// Unlike an invitation, an unconfirmed reset email is not sent again by
	// itself: the person is waiting for it and can simply ask again, which
	// sends a new one. The condition says honestly that nobody knows.
	msg := fmt.Sprintf("the manager stopped before it learned whether password reset email %d reached the mail server; it is not sent again by itself: ask for a new one (POST /v1/password-resets, or set the %s annotation)",
		next.Number, iamv1alpha1.ResetPasswordAnnotation)
	conditions.MarkUnknown(user, iamv1alpha1.PasswordResetDeliveredCondition, iamv1alpha1.ReasonDeliveryUnconfirmed, msg)
	r.event(user, corev1.EventTypeWarning, "PasswordResetUnconfirmed", "ResetPassword", msg)
	metrics.RecordEmail(metrics.PasswordResets, metrics.EmailUnconfirmed)
	return ctrl.Result{}, nil
}

// deliverPasswordReset renders and sends one password reset email.
func (r *Reconciler) deliverPasswordReset(ctx context.Context, user *iamv1alpha1.User, messageID, token string, expiry time.Time) error {
	templates := r.PasswordResets.Templates
	if templates == nil {
		templates = mail.DefaultPasswordResetTemplates()
	}
	subject, text, html, err := templates.RenderPasswordReset(mail.PasswordResetData{
		FullName:   user.Spec.FullName,
		Email:      user.Spec.Email,
		Account:    user.Namespace,
		ResetURL:   acceptURL(r.PasswordResets.URL, token),
		ExpiryTime: expiry,
	})
	if err != nil {
		return fmt.Errorf("render password reset for user %s: %w", user.Name, err)
	}
	return r.Mailer.Send(ctx, mail.Message{
		To: user.Spec.Email, ToName: user.Spec.FullName,
		Subject: subject, Text: text, HTML: html, MessageID: messageID,
	})
}

func resetMessageID(user *iamv1alpha1.User, number int32, domain string) string {
	return fmt.Sprintf("password-reset-%d.%s@%s", number, user.UID, domain)
}
