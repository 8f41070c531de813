package user

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/conditions"
	"github.com/tenantry-io/tenantry/internal/mail"
	"github.com/tenantry-io/tenantry/internal/metrics"
)

// emailKind names one kind of email the User controller sends, for the
// condition, the events and the messages that report its delivery.
// Invitations and password resets are delivered by the same three steps
// (intent, send, outcome) and reported the same way.
type emailKind struct {
	noun       string // as people read it: "invitation"
	logKey     string
	condition  string
	annotation string // the annotation that asks for a new one
	metric     metrics.Email
	event      string // the prefix of the event reasons
	action     string
}

var (
	invitationEmail = emailKind{
		noun: "invitation", logKey: "invitation", condition: iamv1alpha1.InvitationDeliveredCondition,
		annotation: iamv1alpha1.ResendInvitationAnnotation, event: "Invitation", action: "SendInvitation",
		metric: metrics.Invitations,
	}
	passwordResetEmail = emailKind{
		noun: "password reset email", logKey: "passwordReset", condition: iamv1alpha1.PasswordResetDeliveredCondition,
		annotation: iamv1alpha1.ResetPasswordAnnotation, event: "PasswordReset", action: "ResetPassword",
		metric: metrics.PasswordResets,
	}
)

// deliveryOutcome is what the status keeps of one delivery attempt.
type deliveryOutcome struct {
	sentTime, expiryTime, nextAttemptTime *metav1.Time
	lastErrorReason                       string
}

// recordDelivery reports how one attempt to send email number of the kind
// to the address went: the condition, an event and a log line. It returns
// what the status keeps of it.
func (r *Reconciler) recordDelivery(ctx context.Context, user *iamv1alpha1.User, kind emailKind, number, attempt int32,
	to string, now, expiry time.Time, sendErr error) deliveryOutcome {
	log := ctrl.LoggerFrom(ctx).WithValues(kind.logKey, number, "attempt", attempt)
	metrics.RecordEmail(kind.metric, metrics.EmailResult(sendErr))
	switch {
	case sendErr == nil:
		msg := fmt.Sprintf("%s %d sent to %s; the link works once, until %s",
			kind.noun, number, to, expiry.UTC().Format(time.RFC3339))
		conditions.MarkTrue(user, kind.condition, iamv1alpha1.ReasonDelivered, msg)
		if !firstInvitationAtOnce(kind, number, attempt) {
			r.event(user, corev1.EventTypeNormal, kind.event+"Sent", kind.action, msg)
		}
		log.Info(kind.noun + " sent")
		return deliveryOutcome{sentTime: &metav1.Time{Time: now}, expiryTime: &metav1.Time{Time: expiry}}
	case mail.IsPermanent(sendErr):
		reason := mail.Reason(sendErr)
		msg := fmt.Sprintf("the mail server refused %s %d for good (%s); fix spec.email or the mail server, then set the %s annotation",
			kind.noun, number, reason, kind.annotation)
		conditions.MarkFalse(user, kind.condition, iamv1alpha1.ReasonDeliveryRejected, msg)
		r.event(user, corev1.EventTypeWarning, kind.event+"Rejected", kind.action, msg)
		log.Info(kind.noun+" rejected permanently", "reason", reason, "error", sendErr.Error())
		return deliveryOutcome{lastErrorReason: reason}
	default:
		reason := mail.Reason(sendErr)
		delay := r.Invitations.Backoff.Delay(attempt)
		next := &metav1.Time{Time: now.Add(delay).Truncate(time.Second)}
		msg := fmt.Sprintf("attempt %d to send %s %d failed (%s); next attempt at %s",
			attempt, kind.noun, number, reason, next.UTC().Format(time.RFC3339))
		conditions.MarkFalse(user, kind.condition, iamv1alpha1.ReasonDeliveryFailed, msg)
		r.event(user, corev1.EventTypeWarning, kind.event+"DeliveryFailed", kind.action, msg)
		log.Info(kind.noun+" delivery failed, will retry", "reason", reason, "retryIn", delay, "error", sendErr.Error())
		return deliveryOutcome{lastErrorReason: reason, nextAttemptTime: next}
	}
}

// firstInvitationAtOnce is a new user's invitation delivered at the first
// attempt, the one delivery that is no news: the condition says it (and
// `kubectl describe user` shows the condition), the history has the user's
// creation, and an event of its own would be a third of the API server's
// writes for a burst of new users. Resends, retries, failures and password
// resets are events.
func firstInvitationAtOnce(kind emailKind, number, attempt int32) bool {
	return kind.event == invitationEmail.event && number == 1 && attempt == 1
}

// outcomeOnServer tells a stale cache from an interrupted send. An intent
// (number, attempt) without an outcome in the cached status most often
// means only that the cache has not seen this controller's last status
// write yet, so the API server is asked before concluding that a send was
// interrupted. recorded reads the email's number and attempts from a
// status.
func (r *Reconciler) outcomeOnServer(ctx context.Context, user *iamv1alpha1.User, number, attempt int32,
	recorded func(*iamv1alpha1.User) (number, attempts int32)) (bool, error) {
	live := &iamv1alpha1.User{}
	if err := r.APIReader.Get(ctx, client.ObjectKeyFromObject(user), live); err != nil {
		return false, fmt.Errorf("read user %s: %w", user.Name, err)
	}
	liveNumber, liveAttempts := recorded(live)
	return liveNumber > number || (liveNumber == number && liveAttempts >= attempt), nil
}
