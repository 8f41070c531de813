package user

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/tenantry-io/tenantry/internal/reconcile"

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

const (
	// requeueCacheBehind is how soon to look again when the cache has not
	// yet caught up with this controller's own last status write.
	requeueCacheBehind = 2 * time.Second
	// DefaultUnconfirmedGrace is the least wait before an attempt whose
	// outcome is unknown is sent again: long enough that a mail server that
	// did take it is not asked twice in a tight loop, short enough that a
	// person whose email was lost is not kept waiting.
	DefaultUnconfirmedGrace = 30 * time.Second
	// outcomeWriteTimeout bounds the status write that records a send's
	// outcome, which runs on even when the manager is stopping.
	outcomeWriteTimeout = 10 * time.Second
)

// outcomeContext is the context of the status write at the end of a pass.
// A pass that may have sent an email records the outcome even when the
// manager is stopping, so that a graceful stop never leaves an attempt
// unconfirmed; only a kill does.
func outcomeContext(ctx context.Context, s *userScope) (context.Context, context.CancelFunc) {
	if !s.attemptedSend {
		return ctx, func() {}
	}
	return context.WithTimeout(context.WithoutCancel(ctx), outcomeWriteTimeout)
}

// reconcileInvitation sends the invitation email when decideInvitation says
// so. Every send follows the same three steps: record the intent in the
// credential Secret (guarded by its resourceVersion), send, record the
// outcome in the status. A pass that loses the race for the Secret sends
// nothing. A pass that finds an intent without an outcome (the manager was
// killed mid-send) reports it as unknown and retries it after a grace
// period, a bounded number of times, with the same Message-ID and with the
// earlier attempt's token still valid: an invitation may then arrive twice,
// but it is never silently lost.
func (r *Reconciler) reconcileInvitation(ctx context.Context, s *userScope) (ctrl.Result, error) {
	if s.secret == nil { // the credential Secret is not ours; already reported
		return ctrl.Result{}, nil
	}
	user := s.user
	in := invitationInputs{
		now:           s.now,
		grace:         r.Invitations.UnconfirmedGrace,
		backoff:       r.Invitations.Backoff,
		state:         user.Spec.State,
		email:         user.Spec.Email,
		emailVerified: user.Status.EmailVerified,
		resendRequest: user.Annotations[iamv1alpha1.ResendInvitationAnnotation],
		status:        ptr.Deref(user.Status.Invitation, iamv1alpha1.InvitationStatus{}),
		intent:        credentials.ReadInvitation(s.secret),
		rejected:      conditions.HasReason(user, iamv1alpha1.InvitationDeliveredCondition, iamv1alpha1.ReasonDeliveryRejected),
		// Kept in the status, not only in the condition, because a pass
		// that waits for the send rate limit rewrites the condition.
		unconfirmed: ptr.Deref(user.Status.Invitation, iamv1alpha1.InvitationStatus{}).LastErrorReason == iamv1alpha1.ReasonDeliveryUnconfirmed,
	}
	decision := decideInvitation(in)

	var result ctrl.Result
	var err error
	switch decision.action {
	case invitationWait:
		result.RequeueAfter = decision.at.Sub(s.now)
	case invitationNew, invitationRetry:
		result, err = r.sendInvitation(ctx, s, in, decision.action == invitationNew)
	case invitationUnconfirmed:
		result, err = r.settleUnconfirmed(ctx, s, in, decision.at)
	case invitationResendIgnored:
		inv := ptr.Deref(user.Status.Invitation, iamv1alpha1.InvitationStatus{})
		inv.ResendRequest = in.resendRequest
		user.Status.Invitation = &inv
		r.event(user, corev1.EventTypeNormal, "ResendIgnored", "ResendInvitation",
			"not resending: the invitation was already accepted")
	case invitationIdle:
		if user.Spec.State.KeepsOut() && in.status.Number == 0 {
			conditions.MarkFalse(user, iamv1alpha1.InvitationDeliveredCondition, iamv1alpha1.ReasonNotSentWhileDisabled,
				"no invitation is sent while spec.state is "+string(user.Spec.State))
		}
	}
	invitationVerdicts(s)
	return result, err
}

// invitationVerdicts derives Reconciling and Stalled from where the
// invitation stands, so they hold across passes that send nothing.
func invitationVerdicts(s *userScope) {
	user := s.user
	if user.Status.EmailVerified || user.Spec.State.KeepsOut() {
		return
	}
	switch {
	case conditions.HasReason(user, iamv1alpha1.InvitationDeliveredCondition, iamv1alpha1.ReasonDeliveryRejected):
		s.stalled = &reconcile.Verdict{Reason: iamv1alpha1.ReasonDeliveryRejected, Message: conditions.Message(user, iamv1alpha1.InvitationDeliveredCondition)}
	case conditions.HasReason(user, iamv1alpha1.InvitationDeliveredCondition, iamv1alpha1.ReasonDeliveryFailed),
		conditions.HasReason(user, iamv1alpha1.InvitationDeliveredCondition, iamv1alpha1.ReasonSending),
		conditions.HasReason(user, iamv1alpha1.InvitationDeliveredCondition, iamv1alpha1.ReasonDeliveryUnconfirmed) && ptr.Deref(user.Status.Invitation, iamv1alpha1.InvitationStatus{}).NextAttemptTime != nil:
		s.reconciling = &reconcile.Verdict{Reason: iamv1alpha1.ReasonSending, Message: conditions.Message(user, iamv1alpha1.InvitationDeliveredCondition)}
	}
}

// sendInvitation makes one delivery attempt of a new or the current
// invitation.
func (r *Reconciler) sendInvitation(ctx context.Context, s *userScope, in invitationInputs, isNew bool) (ctrl.Result, error) {
	user := s.user
	if delay := r.reserveSend(s.now); delay > 0 {
		conditions.MarkFalse(user, iamv1alpha1.InvitationDeliveredCondition, iamv1alpha1.ReasonSending,
			"waiting for the send rate limit")
		return ctrl.Result{RequeueAfter: delay}, nil
	}

	next := in.status
	if isNew {
		number := max(in.status.Number, in.intent.Number) + 1
		next = iamv1alpha1.InvitationStatus{
			Number:        number,
			Email:         user.Spec.Email,
			MessageID:     messageID(user, number, r.Invitations.MessageIDDomain),
			ResendRequest: in.resendRequest,
		}
	}
	attempt := next.DeliveryAttempts + 1
	token, tokenHash, err := credentials.NewToken()
	if err != nil {
		return ctrl.Result{}, err
	}
	expiry := s.now.Add(r.Invitations.TTL).Truncate(time.Second)

	// 1. The intent. If another pass or a stale cache got to the Secret
	// first, the write (an update, or a new user's Secret created with the
	// intent in it) fails with a conflict and nothing is sent.
	secret := s.secret.DeepCopy()
	credentials.WriteInvitation(secret, credentials.Invitation{
		Number: next.Number, Attempt: attempt, TokenHash: tokenHash, Expiry: expiry,
		EarlierTokenHashes: keptTokenHashes(in, isNew, next.Number),
	})
	if err := r.writeSecret(ctx, s, secret); err != nil {
		return ctrl.Result{}, fmt.Errorf("record intent of invitation %d for user %s: %w", next.Number, user.Name, err)
	}
	s.attemptedSend = true

	// 2. The send. Once the intent is recorded the send runs to its end even
	// when the manager is asked to stop: cancelling it halfway would leave
	// an attempt whose outcome nobody knows, the one thing this sequence
	// avoids. The SMTP client's own timeout bounds it, and the manager
	// waits that long for running reconciles (its graceful shutdown
	// timeout); the outcome is then written the same way (see Reconcile).
	sendErr := r.deliver(context.WithoutCancel(ctx), user, next.MessageID, token, expiry)

	// 3. The outcome, written by the deferred status patch.
	out := r.recordDelivery(ctx, user, invitationEmail, next.Number, attempt, next.Email, s.now, expiry, sendErr)
	next.DeliveryAttempts = attempt
	next.NextAttemptTime, next.LastErrorReason = out.nextAttemptTime, out.lastErrorReason
	if out.sentTime != nil {
		next.SentTime, next.ExpiryTime = out.sentTime, out.expiryTime
	}
	user.Status.Invitation = &next
	switch {
	case out.sentTime != nil: // look again when the link expires
		return ctrl.Result{RequeueAfter: expiry.Sub(s.now)}, nil
	case out.nextAttemptTime != nil:
		return ctrl.Result{RequeueAfter: out.nextAttemptTime.Sub(s.now)}, nil
	default:
		return ctrl.Result{}, nil
	}
}

// settleUnconfirmed reports an attempt whose outcome was never recorded:
// the manager was killed between recording the intent and the outcome, so
// the email may or may not have left. The condition says Unknown rather
// than guess, and unless retryAt is zero the same invitation is sent again
// then; until the link expires otherwise.
func (r *Reconciler) settleUnconfirmed(ctx context.Context, s *userScope, in invitationInputs, retryAt time.Time) (ctrl.Result, error) {
	user := s.user
	if behind, err := r.outcomeOnServer(ctx, user, in.intent.Number, in.intent.Attempt, func(live *iamv1alpha1.User) (int32, int32) {
		inv := ptr.Deref(live.Status.Invitation, iamv1alpha1.InvitationStatus{})
		return inv.Number, inv.DeliveryAttempts
	}); err != nil {
		return ctrl.Result{}, err
	} else if behind {
		s.cacheBehind = true
		return ctrl.Result{RequeueAfter: requeueCacheBehind}, nil
	}

	email := user.Spec.Email
	if in.status.Number == in.intent.Number && in.status.Email != "" {
		email = in.status.Email // a retry of an invitation already on record
	}
	next := iamv1alpha1.InvitationStatus{
		Number:           in.intent.Number,
		Email:            email,
		MessageID:        messageID(user, in.intent.Number, r.Invitations.MessageIDDomain),
		ExpiryTime:       &metav1.Time{Time: in.intent.Expiry},
		DeliveryAttempts: in.intent.Attempt,
		LastErrorReason:  iamv1alpha1.ReasonDeliveryUnconfirmed,
		// Whatever asked for this invitation is taken as answered by it.
		ResendRequest: in.resendRequest,
	}
	result := ctrl.Result{RequeueAfter: in.intent.Expiry.Sub(s.now)}
	var msg string
	if retryAt.IsZero() {
		why := fmt.Sprintf("%d attempts of it were interrupted", len(in.intent.EarlierTokenHashes)+1)
		switch {
		case in.emailVerified:
			why = "the person already accepted an invitation"
		case in.state.KeepsOut():
			why = "spec.state is " + string(in.state)
		}
		msg = fmt.Sprintf("the manager stopped before it learned whether attempt %d of invitation %d reached the mail server; it is not sent again automatically because %s; its link works until %s; set the %s annotation to send a new invitation",
			next.DeliveryAttempts, next.Number, why, in.intent.Expiry.UTC().Format(time.RFC3339), iamv1alpha1.ResendInvitationAnnotation)
	} else {
		next.NextAttemptTime = &metav1.Time{Time: retryAt}
		result.RequeueAfter = retryAt.Sub(s.now)
		msg = fmt.Sprintf("the manager stopped before it learned whether attempt %d of invitation %d reached the mail server; it is sent again at %s with the same Message-ID, and the links of both copies work",
			next.DeliveryAttempts, next.Number, retryAt.UTC().Format(time.RFC3339))
	}
	user.Status.Invitation = &next
	conditions.MarkUnknown(user, iamv1alpha1.InvitationDeliveredCondition, iamv1alpha1.ReasonDeliveryUnconfirmed, msg)
	r.event(user, corev1.EventTypeWarning, "InvitationUnconfirmed", "SendInvitation", msg)
	metrics.RecordEmail(metrics.Invitations, metrics.EmailUnconfirmed)
	ctrl.LoggerFrom(ctx).Info("invitation attempt unconfirmed", "invitation", next.Number, "attempt", next.DeliveryAttempts, "retryAt", retryAt)
	return result, nil
}

// deliver renders and sends one invitation email.
func (r *Reconciler) deliver(ctx context.Context, user *iamv1alpha1.User, messageID, token string, expiry time.Time) error {
	subject, text, html, err := r.Templates.RenderInvitation(mail.InvitationData{
		FullName:   user.Spec.FullName,
		Email:      user.Spec.Email,
		Account:    user.Namespace,
		AcceptURL:  acceptURL(r.Invitations.AcceptURL, token),
		ExpiryTime: expiry,
	})
	if err != nil {
		return fmt.Errorf("render invitation for user %s: %w", user.Name, err)
	}
	return r.Mailer.Send(ctx, mail.Message{
		To: user.Spec.Email, ToName: user.Spec.FullName,
		Subject: subject, Text: text, HTML: html, MessageID: messageID,
	})
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

// messageID is deterministic: the same invitation always carries the same
// Message-ID, so a mail system that sees it twice can tell.
func messageID(user *iamv1alpha1.User, number int32, domain string) string {
	return fmt.Sprintf("invitation-%d.%s@%s", number, user.UID, domain)
}

func acceptURL(base, token string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base + "?token=" + url.QueryEscape(token)
	}
	q := u.Query()
	q.Set("token", token)
	u.RawQuery = q.Encode()
	return u.String()
}
