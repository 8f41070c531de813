package integration

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/credentials"
	"github.com/tenantry-io/tenantry/internal/testsupport"
)

func TestInvitedUserBecomesActiveWhenInvitationAccepted(t *testing.T) {
	g := NewWithT(t)
	tm, ns := startAccount(t)
	smtp := tm.smtp
	key := createUser(t, newUser(ns, "alice", "alice@lifecycle.example"))

	user := eventuallyUser(t, key, func(g Gomega, u *iamv1alpha1.User) {
		hasPhase(iamv1alpha1.UserPhaseInvited)(g, u)
		g.Expect(condition(u, iamv1alpha1.InvitationDeliveredCondition).Status).To(Equal(metav1.ConditionTrue))
		g.Expect(u.Finalizers).To(ContainElement(iamv1alpha1.UserFinalizer))
	})
	g.Expect(condition(user, iamv1alpha1.ReadyCondition).Reason).To(Equal(iamv1alpha1.ReasonInvitationPending))
	// Until the person accepts, the user is not ready, and GitOps tools that
	// read kstatus see it in progress (Ready=False), not failed.
	g.Expect(kstatusOf(g, user)).To(Equal(status.InProgressStatus))

	msgs := messagesTo(smtp, "alice@lifecycle.example")
	g.Expect(msgs).To(HaveLen(1), "exactly one invitation")
	inv := user.Status.Invitation
	g.Expect(inv).NotTo(BeNil())
	g.Expect(inv.Number).To(BeEquivalentTo(1))
	g.Expect(inv.DeliveryAttempts).To(BeEquivalentTo(1))
	g.Expect(inv.SentTime).NotTo(BeNil())
	g.Expect(inv.ExpiryTime).NotTo(BeNil())
	g.Expect(msgs[0].MessageID()).To(Equal(inv.MessageID))
	body, err := msgs[0].TextBody()
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(body).To(ContainSubstring("Alice Example"))
	g.Expect(body).To(ContainSubstring(ns), "names the account")

	token := tokenFrom(t, msgs[0])
	secret := getSecret(g, key)
	g.Expect(string(secret.Data[credentials.KeyInvitationTokenHash])).To(Equal(credentials.HashToken(token)))
	// Owned through its labels: an owner reference cannot cross namespaces.
	g.Expect(secret.Namespace).To(Equal(testsupport.CredentialsNamespace))
	g.Expect(credentials.IsSecretOf(secret, user)).To(BeTrue())
	g.Expect(secret.OwnerReferences).To(BeEmpty())

	code, reply := accept(t, tm.selfServiceURL, token, strongPassword)
	g.Expect(code).To(Equal(http.StatusOK), "%v", reply)

	user = eventuallyUser(t, key, hasPhase(iamv1alpha1.UserPhaseActive))
	g.Expect(user.Status.EmailVerified).To(BeTrue())
	g.Expect(condition(user, iamv1alpha1.ReadyCondition).Status).To(Equal(metav1.ConditionTrue))
	g.Expect(condition(user, iamv1alpha1.EmailVerifiedCondition).Status).To(Equal(metav1.ConditionTrue))
	g.Expect(user.Status.Invitation.AcceptedTime).NotTo(BeNil())
	g.Expect(kstatusOf(g, user)).To(Equal(status.CurrentStatus))

	secret = getSecret(g, key)
	g.Expect(credentials.CheckPassword(secret.Data[credentials.KeyPasswordHash], strongPassword)).To(BeTrue())

	t.Run("the token works only once", func(t *testing.T) {
		code, reply := accept(t, tm.selfServiceURL, token, strongPassword+"2")
		NewWithT(t).Expect(code).To(Equal(http.StatusGone))
		NewWithT(t).Expect(reply["reason"]).To(Equal("TokenUsed"))
	})
	t.Run("events tell the user's history", func(t *testing.T) {
		expectEvents(t, key, "InvitationAccepted", "PhaseActive")
		for _, e := range eventsOf(t, key) {
			NewWithT(t).Expect(e.Reason).NotTo(Equal("InvitationSent"), "a first invitation delivered at once is told by its condition")
		}
	})
	t.Run("no secret in spec, status, annotations, events, the Secret or the log", func(t *testing.T) {
		g := NewWithT(t)
		user := getUser(g, key)
		userJSON, _ := json.Marshal(user)
		eventsJSON, _ := json.Marshal(eventsOf(t, key))
		secretJSON, _ := json.Marshal(getSecret(g, key))
		for what, text := range map[string]string{
			"user": string(userJSON), "events": string(eventsJSON), "secret": string(secretJSON), "manager log": managerLog.String(),
		} {
			g.Expect(text).NotTo(ContainSubstring(token), "token in %s", what)
			g.Expect(text).NotTo(ContainSubstring(strongPassword), "password in %s", what)
		}
	})
}

func TestDisabledUserAndBack(t *testing.T) {
	tm, ns := startAccount(t)
	smtp := tm.smtp
	key := inviteAndAccept(t, tm, newUser(ns, "bob", "bob@disable.example"))

	setState(t, key, iamv1alpha1.UserStateDisabled)
	user := eventuallyUser(t, key, hasPhase(iamv1alpha1.UserPhaseDisabled))
	g := NewWithT(t)
	g.Expect(condition(user, iamv1alpha1.ReadyCondition).Status).To(Equal(metav1.ConditionFalse))
	g.Expect(condition(user, iamv1alpha1.ReadyCondition).Reason).To(Equal(iamv1alpha1.ReasonDisabled))

	setState(t, key, iamv1alpha1.UserStateActive)
	eventuallyUser(t, key, hasPhase(iamv1alpha1.UserPhaseActive))
	g.Expect(messagesTo(smtp, "bob@disable.example")).To(HaveLen(1), "enabling an accepted user sends nothing")
}

func TestUserCreatedDisabledIsInvitedOnlyWhenEnabled(t *testing.T) {
	tm, ns := startAccount(t)
	smtp := tm.smtp
	user := newUser(ns, "carol", "carol@disabled.example")
	user.Spec.State = iamv1alpha1.UserStateDisabled
	key := createUser(t, user)

	eventuallyUser(t, key, func(g Gomega, u *iamv1alpha1.User) {
		hasPhase(iamv1alpha1.UserPhaseDisabled)(g, u)
		g.Expect(condition(u, iamv1alpha1.InvitationDeliveredCondition).Reason).To(Equal(iamv1alpha1.ReasonNotSentWhileDisabled))
	})
	NewWithT(t).Expect(messagesTo(smtp, "carol@disabled.example")).To(BeEmpty())

	setState(t, key, iamv1alpha1.UserStateActive)
	eventuallyUser(t, key, func(g Gomega, u *iamv1alpha1.User) {
		hasPhase(iamv1alpha1.UserPhaseInvited)(g, u)
		g.Expect(condition(u, iamv1alpha1.InvitationDeliveredCondition).Status).To(Equal(metav1.ConditionTrue))
	})
	NewWithT(t).Expect(messagesTo(smtp, "carol@disabled.example")).To(HaveLen(1))
}

func TestDeletedUserTakesItsCredentials(t *testing.T) {
	tm, ns := startAccount(t)
	key := inviteAndAccept(t, tm, newUser(ns, "dave", "dave@delete.example"))
	g := NewWithT(t)
	g.Expect(getSecret(g, key)).NotTo(BeNil())

	g.Expect(k8s.Delete(context.Background(), getUser(g, key))).To(Succeed())

	g.Eventually(func() bool {
		return apierrors.IsNotFound(k8s.Get(context.Background(), key, &iamv1alpha1.User{}))
	}).WithTimeout(timeout).Should(BeTrue(), "user gone")
	err := k8s.Get(context.Background(), secretKey(key), &corev1.Secret{})
	g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "credential secret gone, got %v", err)
	expectEvents(t, key, "CredentialsRemoved")
}

func TestDeletionDoesNotHangOnAMissingSecret(t *testing.T) {
	tm, ns := startAccount(t)
	smtp := tm.smtp
	key := inviteAndAccept(t, tm, newUser(ns, "erin", "erin@gone.example"))
	g := NewWithT(t)

	// Stop the manager so it cannot recreate the Secret, delete the Secret
	// behind its back, then delete the user with a fresh manager.
	tm.stop(t)
	g.Expect(k8s.Delete(context.Background(), getSecret(g, key))).To(Succeed())
	g.Expect(k8s.Delete(context.Background(), getUser(g, key))).To(Succeed())
	startManager(t, testOptions(t, smtp))

	g.Eventually(func() bool {
		return apierrors.IsNotFound(k8s.Get(context.Background(), key, &iamv1alpha1.User{}))
	}).WithTimeout(timeout).Should(BeTrue(), "user gone")
}

func TestNoWriteWhenNothingChanged(t *testing.T) {
	tm, ns := startAccount(t)
	smtp := tm.smtp
	active := inviteAndAccept(t, tm, newUser(ns, "frank", "frank@steady.example"))
	invited := createUser(t, newUser(ns, "grace", "grace@steady.example"))
	eventuallyUser(t, invited, func(g Gomega, u *iamv1alpha1.User) {
		g.Expect(condition(u, iamv1alpha1.InvitationDeliveredCondition).Status).To(Equal(metav1.ConditionTrue))
	})
	tm.stop(t)

	writes := &writeCounter{}
	r := directReconciler(t, writes.client(), smtp)
	for range 3 {
		reconcileOnce(t, r, active)
		reconcileOnce(t, r, invited)
	}
	NewWithT(t).Expect(writes.n.Load()).To(BeZero(), "reconciles of steady users wrote to the API server: %s", writes)
	NewWithT(t).Expect(messagesTo(smtp, "grace@steady.example")).To(HaveLen(1))
}

func setState(t *testing.T, key client.ObjectKey, state iamv1alpha1.UserState) {
	t.Helper()
	g := NewWithT(t)
	g.Expect(changeUser(g, key, func(u *iamv1alpha1.User) { u.Spec.State = state })).To(Succeed())
}

func eventsOf(t *testing.T, key client.ObjectKey) []eventsv1.Event {
	t.Helper()
	list := &eventsv1.EventList{}
	if err := k8s.List(context.Background(), list, client.InNamespace(key.Namespace)); err != nil {
		t.Fatalf("list events: %v", err)
	}
	var out []eventsv1.Event
	for _, e := range list.Items {
		if e.Regarding.Kind == "User" && e.Regarding.Name == key.Name {
			out = append(out, e)
		}
	}
	return out
}

// expectEvents waits for the events to be written: the recorder sends them
// in the background.
func expectEvents(t *testing.T, key client.ObjectKey, reasons ...string) {
	t.Helper()
	NewWithT(t).Eventually(func() []string {
		events := eventsOf(t, key)
		got := make([]string, 0, len(events))
		for _, e := range events {
			got = append(got, e.Reason)
		}
		return got
	}).WithTimeout(timeout).Should(ContainElements(reasons))
}
