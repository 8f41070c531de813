package webhook_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/testsupport"
)

// No controller runs in this suite: the seats a subscription gave out are
// written into its status by hand, as the Subscription controller would.

// mailboxSubscription creates a subscription of quantity mailboxes whose
// status says holders hold them.
func mailboxSubscription(t *testing.T, ns, name string, quantity int32, holders ...string) {
	t.Helper()
	ctx := context.Background()
	sub := &iamv1alpha1.Subscription{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: iamv1alpha1.SubscriptionSpec{Services: []iamv1alpha1.SubscribedService{
			{ServiceClass: "mailbox", Quantity: quantity}}},
	}
	if err := k8s.Create(ctx, sub); err != nil {
		t.Fatalf("create subscription %s: %v", name, err)
	}
	sub.Status.Services = []iamv1alpha1.ServiceUsage{
		{ServiceClass: "mailbox", Quantity: quantity, Used: int32(len(holders)), Holders: holders}}
	if err := k8s.Status().Update(ctx, sub); err != nil {
		t.Fatalf("write the seats of subscription %s: %v", name, err)
	}
}

// withServices assigns the user the services.
func withServices(u *iamv1alpha1.User, services ...iamv1alpha1.ServiceAssignment) *iamv1alpha1.User {
	u.Spec.Services = services
	return u
}

var mailbox = iamv1alpha1.ServiceAssignment{ServiceClass: "mailbox"}

func mailboxFrom(name, subscription string) iamv1alpha1.ServiceAssignment {
	return iamv1alpha1.ServiceAssignment{Name: name, ServiceClass: "mailbox", Subscription: subscription}
}

// TestServicesBeyondTheSubscriptionAreRefused: the person applying a user
// is told at once that the subscription is full, naming it and what is
// left; an assignment that already holds its seat is never refused again.
func TestServicesBeyondTheSubscriptionAreRefused(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := testsupport.NewNamespace(t, k8s)
	mailboxSubscription(t, ns, "basic", 1, "kim/mailbox")

	// Kim holds the only seat (her user was re-applied, say): admitted.
	kim := testsupport.CreateUser(t, k8s, withServices(testsupport.NewUser(ns, "kim", "kim@full.example"), mailbox))
	err := k8s.Create(ctx, withServices(testsupport.NewUser(ns, "ivy", "ivy@full.example"), mailbox))
	g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "got %v", err)
	g.Expect(err.Error()).To(ContainSubstring("subscription basic has no mailbox left: 1 of 1 are assigned"))

	// The same rule on an update that adds the service.
	ivy := testsupport.CreateUser(t, k8s, testsupport.NewUser(ns, "ivy", "ivy@full.example"))
	err = testsupport.ChangeUser(g, k8s, ivy, func(u *iamv1alpha1.User) { u.Spec.Services = []iamv1alpha1.ServiceAssignment{mailbox} })
	g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "got %v", err)
	g.Expect(err.Error()).To(ContainSubstring("subscription basic has no mailbox left"))

	// An update that assigns nothing new is admitted, full or not.
	g.Expect(testsupport.ChangeUser(g, k8s, kim, func(u *iamv1alpha1.User) { u.Spec.FullName = "Kim Example" })).To(Succeed())

	// Two new mailboxes from a subscription with one left.
	mailboxSubscription(t, ns, "team", 3, "ann/one", "ben/one")
	err = k8s.Create(ctx, withServices(testsupport.NewUser(ns, "jay", "jay@full.example"),
		mailboxFrom("one", "team"), mailboxFrom("two", "team")))
	g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "got %v", err)
	g.Expect(err.Error()).To(ContainSubstring("subscription team has 1 mailbox left and this change assigns 2"))
	testsupport.CreateUser(t, k8s, withServices(testsupport.NewUser(ns, "jay", "jay@full.example"), mailboxFrom("one", "team")))
}

// TestServicesFromAClosedSubscriptionAreRefused: an expired subscription
// gives out no new seats.
func TestServicesFromAClosedSubscriptionAreRefused(t *testing.T) {
	g := NewWithT(t)
	ns := testsupport.NewNamespace(t, k8s)
	sub := &iamv1alpha1.Subscription{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "lapsed"},
		Spec: iamv1alpha1.SubscriptionSpec{
			Services:   []iamv1alpha1.SubscribedService{{ServiceClass: "mailbox", Quantity: 5}},
			ValidUntil: &metav1.Time{Time: time.Now().Add(-time.Hour)},
		},
	}
	g.Expect(k8s.Create(context.Background(), sub)).To(Succeed())
	err := k8s.Create(context.Background(), withServices(testsupport.NewUser(ns, "lou", "lou@lapsed.example"), mailbox))
	g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "got %v", err)
	g.Expect(err.Error()).To(ContainSubstring("subscription lapsed expired at"))
	g.Expect(err.Error()).To(ContainSubstring("no mailbox can be assigned from it"))
}

// TestServicesNeedAnUnambiguousSubscription: when two subscriptions offer
// the class, the assignment must name one; one that names a subscription
// not offering the class is refused too.
func TestServicesNeedAnUnambiguousSubscription(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := testsupport.NewNamespace(t, k8s)
	mailboxSubscription(t, ns, "basic", 5)
	mailboxSubscription(t, ns, "pro", 5)
	storage := &iamv1alpha1.Subscription{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "storage"},
		Spec:       iamv1alpha1.SubscriptionSpec{Services: []iamv1alpha1.SubscribedService{{ServiceClass: "storage", Quantity: 5}}},
	}
	g.Expect(k8s.Create(ctx, storage)).To(Succeed())

	err := k8s.Create(ctx, withServices(testsupport.NewUser(ns, "max", "max@ambiguous.example"), mailbox))
	g.Expect(apierrors.IsInvalid(err)).To(BeTrue(), "got %v", err)
	g.Expect(err.Error()).To(ContainSubstring("spec.services[0].subscription"))
	g.Expect(err.Error()).To(ContainSubstring("subscriptions basic, pro all offer mailbox: name one in the assignment's subscription"))

	err = k8s.Create(ctx, withServices(testsupport.NewUser(ns, "max", "max@ambiguous.example"), mailboxFrom("", "storage")))
	g.Expect(apierrors.IsInvalid(err)).To(BeTrue(), "got %v", err)
	g.Expect(err.Error()).To(ContainSubstring("subscription storage does not offer mailbox"))

	testsupport.CreateUser(t, k8s, withServices(testsupport.NewUser(ns, "max", "max@ambiguous.example"), mailboxFrom("", "pro")))
}

// TestServicesWithoutASubscriptionAreAdmittedWithAWarning: GitOps tools
// apply in any order, so a user may come before the subscription its
// services draw from; it is admitted, and the person applying it is told
// that the service waits.
func TestServicesWithoutASubscriptionAreAdmittedWithAWarning(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := testsupport.NewNamespace(t, k8s)
	c, warnings := warningClient(t)

	g.Expect(c.Create(ctx, withServices(testsupport.NewUser(ns, "nia", "nia@early.example"), mailboxFrom("", "later")))).To(Succeed())
	g.Expect(warnings.take()).To(ConsistOf(
		"subscription later does not exist in this account (yet): service mailbox waits for it"))

	g.Expect(c.Create(ctx, withServices(testsupport.NewUser(ns, "oli", "oli@early.example"), mailbox))).To(Succeed())
	g.Expect(warnings.take()).To(ConsistOf(
		"no subscription of this account offers mailbox (yet): service mailbox waits for one"))

	// Once a subscription offers it, there is nothing to warn of.
	mailboxSubscription(t, ns, "basic", 5)
	g.Expect(c.Create(ctx, withServices(testsupport.NewUser(ns, "pia", "pia@early.example"), mailbox))).To(Succeed())
	g.Expect(warnings.take()).To(BeEmpty())

	users := &iamv1alpha1.UserList{}
	g.Expect(k8s.List(ctx, users, client.InNamespace(ns))).To(Succeed())
	g.Expect(users.Items).To(HaveLen(3))
}
