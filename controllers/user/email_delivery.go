package user

import (
	"context"
	"fmt"
	"net/url"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/conditions"
	"github.com/tenantry-io/tenantry/internal/mail"
	"github.com/tenantry-io/tenantry/internal/metrics"
)

// The one delivery path of every email the User controller sends.
// Invitations and password resets differ in when they are sent (their
// decide functions) and in what they say (their templates); how they are
// sent is the same three steps, reported the same way:
//
//  1. the intent (number, attempt, token hash, expiry) is written into the
//     credential Secret, guarded by its resourceVersion, so two passes
//     never both send;
//  2. the email is sent, run to its end even when the manager is asked to
//     stop;
//  3. the outcome is written into the user's status (an EmailDelivery) by
//     the pass's deferred status patch.
//
// A pass that finds an intent without an outcome (the manager was killed
// between 1 and 3) reports the attempt as unconfirmed: see
// confirmedOnServer and reportUnconfirmed.

// emailKind names one kind of email the User controller sends, for the
// condition, the events and the messages that report its delivery.
type emailKind struct {
	noun       string // as people read it: "invitation"
	logKey     string
	condition  string
	annotation string // the annotation that asks for a new one
	metric     metrics.Email
	event      string // the prefix of the event reasons
	action     string
	// messageIDPrefix starts the deterministic Message-ID of each email.
	messageIDPrefix string
	// record is the kind's delivery record in a user's status; nil when
	// none was ever made.
	record func(*iamv1alpha1.User) *iamv1alpha1.EmailDelivery
}

// invitation is how logs, Message-IDs and messages name an invitation.
const invitation = "invitation"

var (
	invitationEmail = emailKind{
		noun: invitation, logKey: invitation, condition: iamv1alpha1.InvitationDeliveredCondition,
		annotation: iamv1alpha1.ResendInvitationAnnotation, event: "Invitation", action: "SendInvitation",
		metric: metrics.Invitations, messageIDPrefix: invitation,
		record: func(u *iamv1alpha1.User) *iamv1alpha1.EmailDelivery {
			if u.Status.Invitation == nil {
				return nil
			}
			return &u.Status.Invitation.EmailDelivery
		},
	}
	passwordResetEmail = emailKind{
		noun: "password reset email", logKey: "passwordReset", condition: iamv1alpha1.PasswordResetDeliveredCondition,
		annotation: iamv1alpha1.ResetPasswordAnnotation, event: "PasswordReset", action: "ResetPassword",
		metric: metrics.PasswordResets, messageIDPrefix: "password-reset",
		record: func(u *iamv1alpha1.User) *iamv1alpha1.EmailDelivery {
			if u.Status.PasswordReset == nil {
				return nil
			}
			return &u.Status.PasswordReset.EmailDelivery
		},
	}
)

// emailAttempt is one delivery attempt of an email: what the three steps
// need that differs by kind.
type emailAttempt struct {
	kind emailKind
	to   string
	// ttl is how long the link works from this attempt on.
	ttl time.Duration
	// newToken makes the link's token and the hash the Secret keeps.
	newToken func() (token, hash string, err error)
	// writeIntent records this attempt in a copy of the credential Secret.
	writeIntent func(secret *corev1.Secret, attempt int32, tokenHash string, expiry time.Time)
	// render writes the email around the link's token.
	render func(token string, expiry time.Time) (subject, text, html string, err error)
}

// send makes one delivery attempt and records it in the email's record.
// It reports whether an attempt was made: when the send rate limit asks to
// wait, none was, and the result says when to look again.
func (r *Reconciler) send(ctx context.Context, s *userScope, a emailAttempt, record *iamv1alpha1.EmailDelivery) (bool, ctrl.Result, error) {
	user := s.user
	if delay := r.reserveSend(s.now); delay > 0 {
		conditions.MarkFalse(user, a.kind.condition, iamv1alpha1.ReasonSending, "waiting for the send rate limit")
		return false, ctrl.Result{RequeueAfter: delay}, nil
	}
	next := *record
	attempt := next.DeliveryAttempts + 1
	token, tokenHash, err := a.newToken()
	if err != nil {
		return false, ctrl.Result{}, err
	}
	expiry := s.now.Add(a.ttl).Truncate(time.Second)

	// 1. The intent. If another pass or a stale cache got to the Secret
	// first, the write (an update, or a new user's Secret created with the
	// intent in it) fails with a conflict and nothing is sent.
	secret := s.secret.DeepCopy()
	a.writeIntent(secret, attempt, tokenHash, expiry)
	if err := r.writeSecret(ctx, s, secret); err != nil {
		return false, ctrl.Result{}, fmt.Errorf("record intent of %s %d for user %s: %w", a.kind.noun, next.Number, user.Name, err)
	}
	s.attemptedSend = true

	// 2. The send. Once the intent is recorded the send runs to its end even
	// when the manager is asked to stop: cancelling it halfway would leave
	// an attempt whose outcome nobody knows, the one thing this sequence
	// avoids. The SMTP client's own timeout bounds it, and the manager
	// waits that long for running reconciles (its graceful shutdown
	// timeout); the outcome is then written the same way (outcomeContext).
	sendErr := r.deliver(context.WithoutCancel(ctx), user, a, next.MessageID, token, expiry)

	// 3. The outcome, written by the deferred status patch.
	next.DeliveryAttempts = attempt
	r.recordDelivery(ctx, user, a, &next, s.now, expiry, sendErr)
	var result ctrl.Result
	if next.NextAttemptTime != nil {
		result.RequeueAfter = next.NextAttemptTime.Sub(s.now)
	}
	*record = next
	return true, result, nil
}

// deliver renders and sends one email.
func (r *Reconciler) deliver(ctx context.Context, user *iamv1alpha1.User, a emailAttempt, messageID, token string, expiry time.Time) error {
	subject, text, html, err := a.render(token, expiry)
	if err != nil {
		return fmt.Errorf("render %s for user %s: %w", a.kind.noun, user.Name, err)
	}
	return r.Mailer.Send(ctx, mail.Message{
		To: a.to, ToName: user.Spec.FullName,
		Subject: subject, Text: text, HTML: html, MessageID: messageID,
	})
}

// recordDelivery reports how the attempt went: the condition, an event, a
// log line and the record's outcome fields.
func (r *Reconciler) recordDelivery(ctx context.Context, user *iamv1alpha1.User, a emailAttempt, next *iamv1alpha1.EmailDelivery,
	now, expiry time.Time, sendErr error) {
	kind, number, attempt := a.kind, next.Number, next.DeliveryAttempts
	log := ctrl.LoggerFrom(ctx).WithValues(kind.logKey, number, "attempt", attempt)
	metrics.RecordEmail(kind.metric, metrics.EmailResult(sendErr))
	next.NextAttemptTime, next.LastErrorReason = nil, ""
	switch {
	case sendErr == nil:
		msg := fmt.Sprintf("%s %d sent to %s; the link works once, until %s",
			kind.noun, number, a.to, expiry.UTC().Format(time.RFC3339))
		conditions.MarkTrue(user, kind.condition, iamv1alpha1.ReasonDelivered, msg)
		if !firstInvitationAtOnce(kind, number, attempt) {
			r.event(user, corev1.EventTypeNormal, kind.event+"Sent", kind.action, msg)
		}
		log.Info(kind.noun + " sent")
		next.SentTime, next.ExpiryTime = &metav1.Time{Time: now}, &metav1.Time{Time: expiry}
	case mail.IsPermanent(sendErr):
		reason := mail.Reason(sendErr)
		msg := fmt.Sprintf("the mail server refused %s %d for good (%s); fix spec.email or the mail server, then set the %s annotation",
			kind.noun, number, reason, kind.annotation)
		conditions.MarkFalse(user, kind.condition, iamv1alpha1.ReasonDeliveryRejected, msg)
		r.event(user, corev1.EventTypeWarning, kind.event+"Rejected", kind.action, msg)
		log.Info(kind.noun+" rejected permanently", "reason", reason, "err", sendErr)
		next.LastErrorReason = reason
	default:
		reason := mail.Reason(sendErr)
		delay := r.Invitations.Backoff.Delay(attempt)
		retry := &metav1.Time{Time: retryTime(now, delay)}
		msg := fmt.Sprintf("attempt %d to send %s %d failed (%s); next attempt at %s",
			attempt, kind.noun, number, reason, retry.UTC().Format(time.RFC3339))
		conditions.MarkFalse(user, kind.condition, iamv1alpha1.ReasonDeliveryFailed, msg)
		r.event(user, corev1.EventTypeWarning, kind.event+"DeliveryFailed", kind.action, msg)
		log.Info(kind.noun+" delivery failed, will retry", "reason", reason, "retryIn", delay, "err", sendErr)
		next.LastErrorReason, next.NextAttemptTime = reason, retry
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

// intentUnconfirmed says whether the Secret records an attempt (number,
// attempt) that the delivery record has no outcome of.
func intentUnconfirmed(record iamv1alpha1.EmailDelivery, number, attempt int32) bool {
	return number > record.Number || (number == record.Number && attempt > record.DeliveryAttempts)
}

// confirmedOnServer tells a stale cache from an interrupted send. An intent
// without an outcome in the cached status most often means only that the
// cache has not seen this controller's last status write yet, so the API
// server is asked before concluding that a send was interrupted. When it
// was not, the pass waits for the cache to catch up.
func (r *Reconciler) confirmedOnServer(ctx context.Context, s *userScope, kind emailKind, number, attempt int32) (bool, ctrl.Result, error) {
	live := &iamv1alpha1.User{}
	if err := r.APIReader.Get(ctx, client.ObjectKeyFromObject(s.user), live); err != nil {
		return false, ctrl.Result{}, fmt.Errorf("read user %s: %w", s.user.Name, err)
	}
	if intentUnconfirmed(ptr.Deref(kind.record(live), iamv1alpha1.EmailDelivery{}), number, attempt) {
		return false, ctrl.Result{}, nil
	}
	s.cacheBehind = true
	return true, ctrl.Result{RequeueAfter: requeueCacheBehind}, nil
}

// reportUnconfirmed says honestly that nobody knows whether the attempt
// reached the mail server: the condition is Unknown, with a Warning event
// and the metric's unconfirmed count.
func (r *Reconciler) reportUnconfirmed(ctx context.Context, user *iamv1alpha1.User, kind emailKind, record iamv1alpha1.EmailDelivery, msg string) {
	conditions.MarkUnknown(user, kind.condition, iamv1alpha1.ReasonDeliveryUnconfirmed, msg)
	r.event(user, corev1.EventTypeWarning, kind.event+"Unconfirmed", kind.action, msg)
	metrics.RecordEmail(kind.metric, metrics.EmailUnconfirmed)
	ctrl.LoggerFrom(ctx).Info(kind.noun+" attempt unconfirmed", kind.logKey, record.Number, "attempt", record.DeliveryAttempts)
}

// reserveSend takes a token from the global send rate limit, or says how
// long to wait for one without blocking a worker.
func (r *Reconciler) reserveSend(now time.Time) time.Duration {
	if r.SendLimiter == nil {
		return 0
	}
	reservation := r.SendLimiter.ReserveN(now, 1)
	if !reservation.OK() {
		return time.Second
	}
	if delay := reservation.DelayFrom(now); delay > 0 {
		reservation.CancelAt(now)
		return delay
	}
	return 0
}

// messageID is deterministic: every attempt of the same email carries the
// same Message-ID, so a mail system that sees it twice can tell.
func (r *Reconciler) messageID(user *iamv1alpha1.User, kind emailKind, number int32) string {
	return fmt.Sprintf("%s-%d.%s@%s", kind.messageIDPrefix, number, user.UID, r.Invitations.MessageIDDomain)
}

// linkURL adds the token to a link's base URL as ?token=.
func linkURL(base, token string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base + "?token=" + url.QueryEscape(token)
	}
	q := u.Query()
	q.Set("token", token)
	u.RawQuery = q.Encode()
	return u.String()
}
