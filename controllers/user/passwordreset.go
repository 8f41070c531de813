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
)

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
	case emailWait:
		return ctrl.Result{RequeueAfter: d.at.Sub(s.now)}, nil
	case emailNew, emailRetry:
		return r.sendPasswordReset(ctx, s, in, d.action == emailNew)
	case emailUnconfirmed:
		return r.settleUnconfirmedReset(ctx, s, in)
	case emailRequestIgnored:
		st := in.status
		st.Request, st.SelfServiceRequest = in.annotation, in.intent.Request
		user.Status.PasswordReset = &st
		s.announce(passwordResetAnswered, corev1.EventTypeNormal, "PasswordResetIgnored", "ResetPassword",
			"no password reset email: the user is disabled or has not accepted the invitation")
	}
	return ctrl.Result{}, nil
}

// sendPasswordReset makes one delivery attempt of a new or the current
// reset email.
func (r *Reconciler) sendPasswordReset(ctx context.Context, s *userScope, in resetInputs, isNew bool) (ctrl.Result, error) {
	user := s.user
	next := in.status
	if isNew {
		number := max(in.status.Number, in.intent.Number) + 1
		next = iamv1alpha1.PasswordResetStatus{
			EmailDelivery:      iamv1alpha1.EmailDelivery{Number: number, MessageID: r.messageID(user, passwordResetEmail, number)},
			Request:            in.annotation,
			SelfServiceRequest: in.intent.Request,
		}
	}
	templates := r.PasswordResets.Templates
	if templates == nil {
		templates = mail.DefaultPasswordResetTemplates()
	}
	attempted, result, err := r.send(ctx, s, emailAttempt{
		kind: passwordResetEmail, to: user.Spec.Email, ttl: r.PasswordResets.TTL,
		newToken: func() (string, string, error) { return credentials.NewScopedToken(user.Namespace, user.Name) },
		writeIntent: func(secret *corev1.Secret, attempt int32, tokenHash string, expiry time.Time) {
			intent := in.intent
			intent.Number, intent.Attempt, intent.TokenHash, intent.Expiry, intent.UsedTime = next.Number, attempt, tokenHash, expiry, time.Time{}
			credentials.WritePasswordReset(secret, intent)
		},
		render: func(token string, expiry time.Time) (string, string, string, error) {
			return templates.RenderPasswordReset(mail.PasswordResetData{
				FullName: user.Spec.FullName, Email: user.Spec.Email, Account: user.Namespace,
				ResetURL: linkURL(r.PasswordResets.URL, token), ExpiryTime: expiry,
			})
		},
	}, &next.EmailDelivery)
	if attempted {
		user.Status.PasswordReset = &next
	}
	return result, err
}

// settleUnconfirmedReset reports an attempt whose outcome was never
// recorded (the manager was killed mid-send) as unknown, and does not send
// it again; the person can ask again.
func (r *Reconciler) settleUnconfirmedReset(ctx context.Context, s *userScope, in resetInputs) (ctrl.Result, error) {
	user := s.user
	if behind, result, err := r.confirmedOnServer(ctx, s, passwordResetEmail, in.intent.Number, in.intent.Attempt); err != nil || behind {
		return result, err
	}
	next := in.status
	if in.intent.Number != next.Number {
		next = iamv1alpha1.PasswordResetStatus{EmailDelivery: iamv1alpha1.EmailDelivery{
			Number:    in.intent.Number,
			MessageID: r.messageID(user, passwordResetEmail, in.intent.Number),
		}}
	}
	next.Request, next.SelfServiceRequest = in.annotation, in.intent.Request
	next.DeliveryAttempts = in.intent.Attempt
	next.SentTime = &metav1.Time{Time: s.now}
	next.ExpiryTime = &metav1.Time{Time: in.intent.Expiry}
	next.NextAttemptTime, next.LastErrorReason = nil, ""
	user.Status.PasswordReset = &next
	// Unlike an invitation, an unconfirmed reset email is not sent again by
	// itself: the person is waiting for it and can simply ask again, which
	// sends a new one.
	msg := fmt.Sprintf("the manager stopped before it learned whether password reset email %d reached the mail server; it is not sent again by itself: ask for a new one (POST /v1/password-resets, or set the %s annotation)",
		next.Number, iamv1alpha1.ResetPasswordAnnotation)
	r.reportUnconfirmed(ctx, user, passwordResetEmail, next.EmailDelivery, msg)
	return ctrl.Result{}, nil
}
