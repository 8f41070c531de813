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
	"github.com/tenantry-io/tenantry/internal/reconcile"
)

const (
	// requeueCacheBehind is how soon to look again when the cache has not
	// yet caught up with this controller's own last status write.
	requeueCacheBehind = 2 * time.Second
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
	case emailWait:
		result.RequeueAfter = decision.at.Sub(s.now)
	case emailNew, emailRetry:
		result, err = r.sendInvitation(ctx, s, in, decision.action == emailNew)
	case emailUnconfirmed:
		result, err = r.settleUnconfirmed(ctx, s, in, decision.at)
	case emailRequestIgnored:
		inv := ptr.Deref(user.Status.Invitation, iamv1alpha1.InvitationStatus{})
		inv.ResendRequest = in.resendRequest
		user.Status.Invitation = &inv
		s.announce(resendAnswered, corev1.EventTypeNormal, "ResendIgnored", "ResendInvitation",
			"not resending: the invitation was already accepted")
	case emailIdle:
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
// invitation. A sent invitation is looked at again when its link expires.
func (r *Reconciler) sendInvitation(ctx context.Context, s *userScope, in invitationInputs, isNew bool) (ctrl.Result, error) {
	user := s.user
	next := in.status
	if isNew {
		number := max(in.status.Number, in.intent.Number) + 1
		next = iamv1alpha1.InvitationStatus{
			EmailDelivery: iamv1alpha1.EmailDelivery{Number: number, MessageID: r.messageID(user, invitationEmail, number)},
			Email:         user.Spec.Email,
			ResendRequest: in.resendRequest,
		}
	}
	attempted, result, err := r.send(ctx, s, emailAttempt{
		kind: invitationEmail, to: next.Email, ttl: r.Invitations.TTL,
		newToken: credentials.NewToken,
		writeIntent: func(secret *corev1.Secret, attempt int32, tokenHash string, expiry time.Time) {
			credentials.WriteInvitation(secret, credentials.Invitation{
				Number: next.Number, Attempt: attempt, TokenHash: tokenHash, Expiry: expiry,
				EarlierTokenHashes: keptTokenHashes(in, isNew, next.Number),
			})
		},
		render: func(token string, expiry time.Time) (string, string, string, error) {
			return r.Templates.RenderInvitation(mail.InvitationData{
				FullName: user.Spec.FullName, Email: user.Spec.Email, Account: user.Namespace,
				AcceptURL: linkURL(r.Invitations.AcceptURL, token), ExpiryTime: expiry,
			})
		},
	}, &next.EmailDelivery)
	if !attempted {
		return result, err
	}
	user.Status.Invitation = &next
	if next.SentTime != nil && next.LastErrorReason == "" { // delivered: look again when the link expires
		result.RequeueAfter = next.ExpiryTime.Sub(s.now)
	}
	return result, nil
}

// settleUnconfirmed reports an attempt whose outcome was never recorded:
// the manager was killed between recording the intent and the outcome, so
// the email may or may not have left. The condition says Unknown rather
// than guess, and unless retryAt is zero the same invitation is sent again
// then; until the link expires otherwise.
func (r *Reconciler) settleUnconfirmed(ctx context.Context, s *userScope, in invitationInputs, retryAt time.Time) (ctrl.Result, error) {
	user := s.user
	if behind, result, err := r.confirmedOnServer(ctx, s, invitationEmail, in.intent.Number, in.intent.Attempt); err != nil || behind {
		return result, err
	}
	email := user.Spec.Email
	if in.status.Number == in.intent.Number && in.status.Email != "" {
		email = in.status.Email // a retry of an invitation already on record
	}
	next := iamv1alpha1.InvitationStatus{
		EmailDelivery: iamv1alpha1.EmailDelivery{
			Number:           in.intent.Number,
			MessageID:        r.messageID(user, invitationEmail, in.intent.Number),
			ExpiryTime:       &metav1.Time{Time: in.intent.Expiry},
			DeliveryAttempts: in.intent.Attempt,
			LastErrorReason:  iamv1alpha1.ReasonDeliveryUnconfirmed,
		},
		Email: email,
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
	r.reportUnconfirmed(ctx, user, invitationEmail, next.EmailDelivery, msg)
	return result, nil
}
