package integration

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/credentials"
	"github.com/tenantry-io/tenantry/internal/mail"
	"github.com/tenantry-io/tenantry/internal/smtpcatcher"
	"github.com/tenantry-io/tenantry/internal/testsupport"
)

func delivered(g Gomega, u *iamv1alpha1.User) {
	g.Expect(condition(u, iamv1alpha1.InvitationDeliveredCondition).Status).To(Equal(metav1.ConditionTrue))
	g.Expect(u.Status.ObservedGeneration).To(Equal(u.Generation))
}

func TestRestartedManagerSendsNoSecondInvitation(t *testing.T) {
	smtp := startSMTP(t)
	opts := testOptions(t, smtp)
	tm := startManager(t, opts)
	ns := newNamespace(t)
	key := createUser(t, newUser(ns, "alice", "alice@restart.example"))
	eventuallyUser(t, key, delivered)
	tm.stop(t)

	// A new manager lists every user when it starts and reconciles each of
	// them; wait until it has done at least that many reconciles.
	users := &iamv1alpha1.UserList{}
	NewWithT(t).Expect(k8s.List(context.Background(), users)).To(Succeed())
	before := reconcileCount(t)
	startManager(t, opts)
	NewWithT(t).Eventually(func() float64 { return reconcileCount(t) - before }).
		WithTimeout(timeout).Should(BeNumerically(">=", len(users.Items)))

	// And a reconcile that runs again on demand sends nothing either.
	reconcileOnce(t, directReconciler(t, k8s, smtp), key)
	NewWithT(t).Expect(messagesTo(smtp, "alice@restart.example")).To(HaveLen(1))
}

func TestInterruptedSendIsReportedAndRetriedOnce(t *testing.T) {
	smtp := startSMTP(t)
	ns := newNamespace(t)
	user := newUser(ns, "bob", "bob@crash.example")
	key := createUser(t, user)

	// The state a manager leaves when it is killed between recording the
	// intent to send and recording the outcome: the credential Secret says
	// attempt 1 of invitation 1 started, the status knows of no invitation.
	secret := credentials.NewSecret(testsupport.CredentialsNamespace, ns, user.Name, "")
	credentials.WriteInvitation(secret, credentials.Invitation{
		Number: 1, Attempt: 1, TokenHash: credentials.HashToken("lost"), Expiry: time.Now().Add(time.Hour).Truncate(time.Second),
	})
	g := NewWithT(t)
	g.Expect(k8s.Create(context.Background(), secret)).To(Succeed())

	// The grace period is long enough to see the honest report before the
	// retry, and short enough for a test.
	opts := testOptions(t, smtp)
	opts.Invitation.UnconfirmedGrace = 3 * time.Second
	tm := startManager(t, opts)
	unknown := eventuallyUser(t, key, func(g Gomega, u *iamv1alpha1.User) {
		c := condition(u, iamv1alpha1.InvitationDeliveredCondition)
		g.Expect(c.Status).To(Equal(metav1.ConditionUnknown))
		g.Expect(c.Reason).To(Equal(iamv1alpha1.ReasonDeliveryUnconfirmed))
	})
	g.Expect(unknown.Status.Invitation.NextAttemptTime).NotTo(BeNil(), "an unconfirmed attempt is retried")
	g.Expect(unknown.Status.Invitation.SentTime).To(BeNil(), "an unconfirmed attempt is not reported as sent")
	g.Expect(condition(unknown, iamv1alpha1.ReconcilingCondition).Status).To(Equal(metav1.ConditionTrue))
	expectEvents(t, key, "InvitationUnconfirmed")

	retried := eventuallyUser(t, key, func(g Gomega, u *iamv1alpha1.User) {
		delivered(g, u)
		g.Expect(condition(u, iamv1alpha1.InvitationDeliveredCondition).Reason).To(Equal(iamv1alpha1.ReasonDelivered))
	})
	g.Expect(retried.Status.Invitation.Number).To(BeEquivalentTo(1), "the retry is the same invitation")
	g.Expect(retried.Status.Invitation.DeliveryAttempts).To(BeEquivalentTo(2))
	g.Expect(retried.Status.Phase).To(Equal(iamv1alpha1.UserPhaseInvited))
	msgs := messagesTo(smtp, "bob@crash.example")
	g.Expect(msgs).To(HaveLen(1), "the interrupted invitation is sent again exactly once")
	g.Expect(msgs[0].MessageID()).To(Equal(fmt.Sprintf("invitation-1.%s@tenantry.test", retried.UID)), "the retry keeps the Message-ID")
	g.Expect(msgs[0].MessageID()).To(Equal(retried.Status.Invitation.MessageID))

	// The link of the interrupted attempt may have reached the person too:
	// it works, and accepting with it consumes the invitation, so the
	// retry's link is then used.
	code, reply := accept(t, tm.selfServiceURL, "lost", strongPassword)
	g.Expect(code).To(Equal(http.StatusOK), "%v", reply)
	code, reply = accept(t, tm.selfServiceURL, tokenFrom(t, msgs[0]), strongPassword)
	g.Expect(code).To(Equal(http.StatusGone), "%v", reply)
	g.Expect(reply["reason"]).To(Equal("TokenUsed"))
	eventuallyUser(t, key, func(g Gomega, u *iamv1alpha1.User) { g.Expect(u.Status.EmailVerified).To(BeTrue()) })
	g.Expect(messagesTo(smtp, "bob@crash.example")).To(HaveLen(1))
}

func TestStoppingManagerFinishesAndRecordsASendInFlight(t *testing.T) {
	smtp := startSMTP(t)
	ns := newNamespace(t)
	key := createUser(t, newUser(ns, "ivan", "ivan@stop.example"))

	// The stop arrives while the email is on its way: the mailer holds the
	// send until the reconcile's context is cancelled, then lets it go.
	r := directReconciler(t, k8s, smtp)
	ctx, cancel := context.WithCancel(context.Background())
	r.Mailer = stopDuringSend{Sender: r.Mailer, stop: cancel}
	// The steps after the send may fail on the cancelled context, as they
	// do in a stopping manager; what matters is the invitation's record.
	_, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: key})
	t.Logf("reconcile after the stop: %v", err)
	g := NewWithT(t)
	g.Expect(ctx.Err()).To(HaveOccurred(), "the stop came during the send")
	g.Expect(messagesTo(smtp, "ivan@stop.example")).To(HaveLen(1), "the send in flight was finished")
	user := getUser(g, key)
	c := condition(user, iamv1alpha1.InvitationDeliveredCondition)
	g.Expect(c.Status).To(Equal(metav1.ConditionTrue), "the outcome was recorded: %+v", c)
	g.Expect(c.Reason).To(Equal(iamv1alpha1.ReasonDelivered))
	g.Expect(user.Status.Invitation.DeliveryAttempts).To(BeEquivalentTo(1))
	g.Expect(user.Status.Invitation.SentTime).NotTo(BeNil())
}

// stopDuringSend cancels the reconcile's context when the send starts and
// sends with the context it was given, as the SMTP sender does.
type stopDuringSend struct {
	mail.Sender
	stop context.CancelFunc
}

func (s stopDuringSend) Send(ctx context.Context, msg mail.Message) error {
	s.stop()
	return s.Sender.Send(ctx, msg)
}

func TestResendAnnotationSendsExactlyOneMore(t *testing.T) {
	smtp := startSMTP(t)
	tm := startManager(t, testOptions(t, smtp))
	ns := newNamespace(t)
	key := createUser(t, newUser(ns, "carol", "carol@resend.example"))
	eventuallyUser(t, key, delivered)
	g := NewWithT(t)
	first := messagesTo(smtp, "carol@resend.example")
	g.Expect(first).To(HaveLen(1))

	annotate(t, key, iamv1alpha1.ResendInvitationAnnotation, "2026-11-23T10:00:00Z")
	user := eventuallyUser(t, key, func(g Gomega, u *iamv1alpha1.User) {
		delivered(g, u)
		g.Expect(u.Status.Invitation.Number).To(BeEquivalentTo(2))
	})
	g.Expect(user.Status.Invitation.ResendRequest).To(Equal("2026-11-23T10:00:00Z"))
	msgs := messagesTo(smtp, "carol@resend.example")
	g.Expect(msgs).To(HaveLen(2))
	g.Expect(msgs[1].MessageID()).NotTo(Equal(msgs[0].MessageID()))

	// The same request again is already answered.
	reconcileOnce(t, directReconciler(t, k8s, smtp), key)
	g.Expect(messagesTo(smtp, "carol@resend.example")).To(HaveLen(2))

	// A resend replaces the link: the first token stops working.
	code, reply := accept(t, tm.selfServiceURL, tokenFrom(t, first[0]), strongPassword)
	g.Expect(code).To(Equal(http.StatusNotFound))
	g.Expect(reply["reason"]).To(Equal("TokenInvalid"))
	code, reply = accept(t, tm.selfServiceURL, tokenFrom(t, msgs[1]), strongPassword)
	g.Expect(code).To(Equal(http.StatusOK), "%v", reply)
	eventuallyUser(t, key, hasPhase(iamv1alpha1.UserPhaseActive))
}

func TestExpiredInvitationIsRenewedWhileInvited(t *testing.T) {
	smtp := startSMTP(t)
	opts := testOptions(t, smtp)
	opts.Invitation.TTL = 2 * time.Second
	tm := startManager(t, opts)
	ns := newNamespace(t)
	key := createUser(t, newUser(ns, "dave", "dave@expiry.example"))
	eventuallyUser(t, key, delivered)
	first := messagesTo(smtp, "dave@expiry.example")
	NewWithT(t).Expect(first).To(HaveLen(1))

	eventuallyUser(t, key, func(g Gomega, u *iamv1alpha1.User) {
		g.Expect(u.Status.Invitation.Number).To(BeNumerically(">=", 2))
	})
	NewWithT(t).Eventually(func() int { return len(messagesTo(smtp, "dave@expiry.example")) }).
		WithTimeout(timeout).Should(BeNumerically(">=", 2))
	code, reply := accept(t, tm.selfServiceURL, tokenFrom(t, first[0]), strongPassword)
	NewWithT(t).Expect(code).To(BeNumerically(">=", 400), "the expired link must not work: %v", reply)
}

func TestSMTPOutageRetriesWithBackoffAndDeliversOnce(t *testing.T) {
	smtp := startSMTP(t)
	opts := testOptions(t, smtp)
	NewWithT(t).Expect(smtp.Stop()).To(Succeed())
	startManager(t, opts)
	ns := newNamespace(t)
	key := createUser(t, newUser(ns, "erin", "erin@outage.example"))

	failing := eventuallyUser(t, key, func(g Gomega, u *iamv1alpha1.User) {
		c := condition(u, iamv1alpha1.InvitationDeliveredCondition)
		g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
		g.Expect(c.Reason).To(Equal(iamv1alpha1.ReasonDeliveryFailed))
		g.Expect(u.Status.Invitation.DeliveryAttempts).To(BeNumerically(">=", 2))
	})
	g := NewWithT(t)
	g.Expect(failing.Status.Invitation.LastErrorReason).To(Equal("ConnectionFailed"))
	g.Expect(failing.Status.Invitation.NextAttemptTime).NotTo(BeNil())
	g.Expect(failing.Status.Invitation.SentTime).To(BeNil())
	g.Expect(condition(failing, iamv1alpha1.ReconcilingCondition).Status).To(Equal(metav1.ConditionTrue))
	g.Expect(kstatusOf(g, failing)).To(Equal(status.InProgressStatus))
	expectEvents(t, key, "InvitationDeliveryFailed")

	g.Expect(smtp.Restart()).To(Succeed())
	back := eventuallyUser(t, key, delivered)
	g.Expect(back.Status.Invitation.Number).To(BeEquivalentTo(1), "a retry is the same invitation")
	g.Expect(back.Status.Invitation.LastErrorReason).To(BeEmpty())
	g.Expect(condition(back, iamv1alpha1.ReconcilingCondition).Status).To(BeEmpty(), "Reconciling is gone once delivered")
	g.Expect(messagesTo(smtp, "erin@outage.example")).To(HaveLen(1))
}

func TestBackoffStateSurvivesARestart(t *testing.T) {
	smtp := startSMTP(t)
	opts := testOptions(t, smtp)
	opts.Invitation.RetryBase = time.Hour // the next attempt is far away
	opts.Invitation.RetryMax = time.Hour
	NewWithT(t).Expect(smtp.Stop()).To(Succeed())
	tm := startManager(t, opts)
	ns := newNamespace(t)
	key := createUser(t, newUser(ns, "frank", "frank@backoff.example"))
	failing := eventuallyUser(t, key, func(g Gomega, u *iamv1alpha1.User) {
		g.Expect(condition(u, iamv1alpha1.InvitationDeliveredCondition).Reason).To(Equal(iamv1alpha1.ReasonDeliveryFailed))
	})
	tm.stop(t)
	NewWithT(t).Expect(smtp.Restart()).To(Succeed())

	// A restarted manager keeps to the recorded next attempt instead of
	// starting the backoff over.
	before := reconcileCount(t)
	startManager(t, opts)
	NewWithT(t).Eventually(func() float64 { return reconcileCount(t) - before }).WithTimeout(timeout).Should(BeNumerically(">=", 1))
	reconcileOnce(t, directReconciler(t, k8s, smtp), key)
	after := getUser(NewWithT(t), key)
	NewWithT(t).Expect(after.Status.Invitation.DeliveryAttempts).To(Equal(failing.Status.Invitation.DeliveryAttempts))
	NewWithT(t).Expect(after.Status.Invitation.NextAttemptTime).To(Equal(failing.Status.Invitation.NextAttemptTime))
}

func TestPermanentRejectionIsReportedAndNotRetried(t *testing.T) {
	smtp := startSMTP(t)
	smtp.SetFailureMode(smtpcatcher.FailPermanently)
	startManager(t, testOptions(t, smtp))
	ns := newNamespace(t)
	key := createUser(t, newUser(ns, "grace", "grace@rejected.example"))

	user := eventuallyUser(t, key, func(g Gomega, u *iamv1alpha1.User) {
		g.Expect(condition(u, iamv1alpha1.StalledCondition).Status).To(Equal(metav1.ConditionTrue))
	})
	g := NewWithT(t)
	g.Expect(condition(user, iamv1alpha1.InvitationDeliveredCondition).Reason).To(Equal(iamv1alpha1.ReasonDeliveryRejected))
	g.Expect(condition(user, iamv1alpha1.StalledCondition).Reason).To(Equal(iamv1alpha1.ReasonDeliveryRejected))
	g.Expect(user.Status.Invitation.LastErrorReason).To(Equal("RecipientRejected"))
	g.Expect(user.Status.Invitation.NextAttemptTime).To(BeNil())
	g.Expect(kstatusOf(g, user)).To(Equal(status.FailedStatus))
	expectEvents(t, key, "InvitationRejected")

	attempts := smtp.AttemptsTo("grace@rejected.example")
	g.Expect(attempts).To(Equal(1))
	reconcileOnce(t, directReconciler(t, k8s, smtp), key)
	g.Expect(smtp.AttemptsTo("grace@rejected.example")).To(Equal(attempts), "a permanent rejection was retried")
	g.Expect(getUser(g, key).Status.Invitation.DeliveryAttempts).To(BeEquivalentTo(1))

	// Fixing the cause and asking again clears Stalled.
	smtp.SetFailureMode(smtpcatcher.Accept)
	annotate(t, key, iamv1alpha1.ResendInvitationAnnotation, "fixed")
	fixed := eventuallyUser(t, key, delivered)
	g.Expect(condition(fixed, iamv1alpha1.StalledCondition).Status).To(BeEmpty())
}

func TestChangedEmailGetsANewInvitation(t *testing.T) {
	smtp := startSMTP(t)
	startManager(t, testOptions(t, smtp))
	ns := newNamespace(t)
	key := createUser(t, newUser(ns, "heidi", "heidi@old.example"))
	eventuallyUser(t, key, delivered)

	g := NewWithT(t)
	g.Expect(changeUser(g, key, func(u *iamv1alpha1.User) { u.Spec.Email = "heidi@new.example" })).To(Succeed())

	eventuallyUser(t, key, func(g Gomega, u *iamv1alpha1.User) {
		delivered(g, u)
		g.Expect(u.Status.Invitation.Email).To(Equal("heidi@new.example"))
	})
	g.Expect(messagesTo(smtp, "heidi@new.example")).To(HaveLen(1))
	g.Expect(messagesTo(smtp, "heidi@old.example")).To(HaveLen(1))
}

func annotate(t *testing.T, key client.ObjectKey, name, value string) {
	t.Helper()
	g := NewWithT(t)
	g.Expect(changeUser(g, key, func(u *iamv1alpha1.User) { metav1.SetMetaDataAnnotation(&u.ObjectMeta, name, value) })).To(Succeed())
}
