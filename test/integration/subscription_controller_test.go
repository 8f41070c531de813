package integration

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/conditions"
)

// No ServiceClass exists in these tests: seats are given out by name, and
// provisioning is the User controller's part.

// createSubscription creates a subscription of quantity mailboxes.
func createSubscription(t *testing.T, ns, name string, quantity int32, change ...func(*iamv1alpha1.Subscription)) client.ObjectKey {
	t.Helper()
	sub := &iamv1alpha1.Subscription{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: iamv1alpha1.SubscriptionSpec{Services: []iamv1alpha1.SubscribedService{
			{ServiceClass: "mailbox", Quantity: quantity}}},
	}
	for _, c := range change {
		c(sub)
	}
	if err := k8s.Create(context.Background(), sub); err != nil {
		t.Fatalf("create subscription: %v", err)
	}
	return client.ObjectKeyFromObject(sub)
}

// withMailbox assigns the user a mailbox, from whichever subscription
// offers one.
func withMailbox(u *iamv1alpha1.User) *iamv1alpha1.User {
	u.Spec.Services = []iamv1alpha1.ServiceAssignment{{ServiceClass: "mailbox"}}
	return u
}

// eventuallySubscription waits until the subscription passes check.
func eventuallySubscription(t *testing.T, key client.ObjectKey, check func(g Gomega, sub *iamv1alpha1.Subscription)) {
	t.Helper()
	NewWithT(t).Eventually(func(g Gomega) {
		sub := &iamv1alpha1.Subscription{}
		g.Expect(k8s.Get(context.Background(), key, sub)).To(Succeed())
		g.Expect(sub.Status.ObservedGeneration).To(Equal(sub.Generation))
		check(g, sub)
	}).WithTimeout(timeout).Should(Succeed())
}

// mailboxes is the subscription's recorded usage of mailboxes.
func mailboxes(g Gomega, sub *iamv1alpha1.Subscription) iamv1alpha1.ServiceUsage {
	g.Expect(sub.Status.Services).To(HaveLen(1))
	return sub.Status.Services[0]
}

func readyIs(g Gomega, sub *iamv1alpha1.Subscription, status metav1.ConditionStatus, reason string) {
	ready := conditions.Get(sub, iamv1alpha1.ReadyCondition)
	g.Expect(ready).NotTo(BeNil())
	g.Expect(ready.Status).To(Equal(status), ready.Message)
	g.Expect(ready.Reason).To(Equal(reason), ready.Message)
}

// subscriptionEvents are the reasons of the events recorded about the
// subscription.
func subscriptionEvents(g Gomega, key client.ObjectKey) []string {
	list := &eventsv1.EventList{}
	g.Expect(k8s.List(context.Background(), list, client.InNamespace(key.Namespace))).To(Succeed())
	var reasons []string
	for _, e := range list.Items {
		if e.Regarding.Kind == "Subscription" && e.Regarding.Name == key.Name {
			reasons = append(reasons, e.Reason)
		}
	}
	return reasons
}

// TestSubscriptionGivesTheLastSeatToOneUser: two administrators assign the
// last mailbox at the same moment. Admission lets both through (each sees
// a seat left); the controller gives the seat to one, refuses the other,
// and hands the seat over once the holder lets it go.
func TestSubscriptionGivesTheLastSeatToOneUser(t *testing.T) {
	g := NewWithT(t)
	ns := newNamespace(t)
	key := createSubscription(t, ns, "basic", 1)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, name := range []string{"ada", "ben"} {
		wg.Go(func() {
			errs[i] = k8s.Create(context.Background(), withMailbox(newUser(ns, name, name+"@seats.example")))
		})
	}
	wg.Wait()
	g.Expect(errs).To(HaveEach(Succeed()), "both were admitted: the subscription had a seat left for each")

	startManager(t, testOptions(t, startSMTP(t)))
	var holder, waiting string
	eventuallySubscription(t, key, func(g Gomega, sub *iamv1alpha1.Subscription) {
		usage := mailboxes(g, sub)
		g.Expect(usage.Holders).To(HaveLen(1))
		g.Expect(usage.Refused).To(HaveLen(1))
		g.Expect(append(usage.Holders, usage.Refused...)).To(ConsistOf("ada/mailbox", "ben/mailbox"))
		g.Expect(usage.Used).To(BeEquivalentTo(1))
		g.Expect(sub.Status.Summary).To(Equal("mailbox:1/1"))
		readyIs(g, sub, metav1.ConditionTrue, iamv1alpha1.ReasonSubscriptionActive)
		g.Expect(conditions.Message(sub, iamv1alpha1.ReadyCondition)).To(Equal("1 of 1 mailbox used (1 refused)"))
		holder, waiting = usage.Holders[0], usage.Refused[0]
	})
	g.Eventually(func(g Gomega) []string { return subscriptionEvents(g, key) }).WithTimeout(timeout).Should(ContainElement("SeatRefused"))

	// Nothing provisions in these tests, so the holder's status records no
	// object still holding the seat: taking the assignment away frees it.
	holderKey := client.ObjectKey{Namespace: ns, Name: strings.TrimSuffix(holder, "/mailbox")}
	g.Expect(changeUser(g, holderKey, func(u *iamv1alpha1.User) { u.Spec.Services = nil })).To(Succeed())
	eventuallySubscription(t, key, func(g Gomega, sub *iamv1alpha1.Subscription) {
		usage := mailboxes(g, sub)
		g.Expect(usage.Holders).To(ConsistOf(waiting))
		g.Expect(usage.Refused).To(BeEmpty())
		g.Expect(sub.Status.Summary).To(Equal("mailbox:1/1"))
		readyIs(g, sub, metav1.ConditionTrue, iamv1alpha1.ReasonSubscriptionActive)
	})
	g.Eventually(func(g Gomega) []string { return subscriptionEvents(g, key) }).WithTimeout(timeout).Should(ContainElement("SeatGranted"))
}

// TestSubscriptionKeepsHoldersWhenTheQuantityIsLowered: taking a running
// mailbox away is an administrator's call, not the controller's, so a
// lowered quantity keeps every holder and says the subscription is over it.
func TestSubscriptionKeepsHoldersWhenTheQuantityIsLowered(t *testing.T) {
	g := NewWithT(t)
	ns := newNamespace(t)
	key := createSubscription(t, ns, "basic", 2)
	createUser(t, withMailbox(newUser(ns, "cleo", "cleo@lowered.example")))
	createUser(t, withMailbox(newUser(ns, "dan", "dan@lowered.example")))
	startManager(t, testOptions(t, startSMTP(t)))
	eventuallySubscription(t, key, func(g Gomega, sub *iamv1alpha1.Subscription) {
		g.Expect(mailboxes(g, sub).Holders).To(ConsistOf("cleo/mailbox", "dan/mailbox"))
	})

	sub := &iamv1alpha1.Subscription{}
	g.Expect(k8s.Get(context.Background(), key, sub)).To(Succeed())
	lowered := client.MergeFrom(sub.DeepCopy())
	sub.Spec.Services[0].Quantity = 1
	g.Expect(k8s.Patch(context.Background(), sub, lowered)).To(Succeed())
	eventuallySubscription(t, key, func(g Gomega, sub *iamv1alpha1.Subscription) {
		usage := mailboxes(g, sub)
		g.Expect(usage.Holders).To(ConsistOf("cleo/mailbox", "dan/mailbox"))
		g.Expect(usage.Quantity).To(BeEquivalentTo(1))
		g.Expect(usage.Used).To(BeEquivalentTo(2))
		g.Expect(sub.Status.Summary).To(Equal("mailbox:2/1"))
		readyIs(g, sub, metav1.ConditionFalse, iamv1alpha1.ReasonOverQuota)
	})
}

// TestExpiredSubscriptionGivesOutNoSeat: the assignment came first (GitOps
// applies in any order), then a subscription already past its validUntil.
func TestExpiredSubscriptionGivesOutNoSeat(t *testing.T) {
	ns := newNamespace(t)
	createUser(t, withMailbox(newUser(ns, "eve", "eve@expired.example")))
	key := createSubscription(t, ns, "lapsed", 5, func(s *iamv1alpha1.Subscription) {
		s.Spec.ValidUntil = &metav1.Time{Time: time.Now().Add(-time.Hour)}
	})
	startManager(t, testOptions(t, startSMTP(t)))
	eventuallySubscription(t, key, func(g Gomega, sub *iamv1alpha1.Subscription) {
		usage := mailboxes(g, sub)
		g.Expect(usage.Holders).To(BeEmpty())
		g.Expect(usage.Refused).To(ConsistOf("eve/mailbox"))
		g.Expect(sub.Status.Summary).To(Equal("mailbox:0/5"))
		readyIs(g, sub, metav1.ConditionFalse, iamv1alpha1.ReasonExpired)
	})
}

// TestSubscriptionOpensAtValidFrom: nothing but the clock changes at
// validFrom, so the controller must wake itself then.
func TestSubscriptionOpensAtValidFrom(t *testing.T) {
	ns := newNamespace(t)
	createUser(t, withMailbox(newUser(ns, "fred", "fred@opening.example")))
	startManager(t, testOptions(t, startSMTP(t)))
	key := createSubscription(t, ns, "soon", 1, func(s *iamv1alpha1.Subscription) {
		s.Spec.ValidFrom = &metav1.Time{Time: time.Now().Add(5 * time.Second)}
	})
	eventuallySubscription(t, key, func(g Gomega, sub *iamv1alpha1.Subscription) {
		g.Expect(mailboxes(g, sub).Refused).To(ConsistOf("fred/mailbox"))
		readyIs(g, sub, metav1.ConditionFalse, iamv1alpha1.ReasonNotYetValid)
	})
	eventuallySubscription(t, key, func(g Gomega, sub *iamv1alpha1.Subscription) {
		g.Expect(mailboxes(g, sub).Holders).To(ConsistOf("fred/mailbox"))
		readyIs(g, sub, metav1.ConditionTrue, iamv1alpha1.ReasonSubscriptionActive)
	})
}
