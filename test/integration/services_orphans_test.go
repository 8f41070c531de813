package integration

import (
	"context"
	"slices"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// A manager killed between applying a service object and recording it in
// the user's status leaves an object no status names. The crash is played
// by creating, while the manager is stopped, the objects it would have
// applied: one for an assignment alice no longer has, one for a user that
// does not exist. Started again, the manager removes both and leaves the
// service alice has alone.
func TestOrphanedServiceObjectsAreRemovedOnStart(t *testing.T) {
	smtp := startSMTP(t)
	first := startManager(t, testOptions(t, smtp))
	ns := newNamespace(t)
	class := newConfigMapClass(t, "storage", func(s *iamv1alpha1.ServiceClassSpec) { s.ProvisionWhileInvited = true })
	newSubscription(t, ns, "basic", map[string]int32{class.Name: 3})
	g := NewWithT(t)

	alice := newUser(ns, "alice", "alice@example.com")
	alice.Spec.Services = []iamv1alpha1.ServiceAssignment{assign(class.Name, map[string]string{"size": "1Gi"})}
	key := createUser(t, alice)
	var kept types.UID
	eventuallyUser(t, key, func(g Gomega, u *iamv1alpha1.User) {
		g.Expect(serviceStatus(u, class.Name).Phase).To(Equal(iamv1alpha1.ServicePhaseReady), describeServices(u))
		kept = serviceObject(g, configMapGVK, ns, "alice-"+class.Name).GetUID()
	})
	first.stop(t)

	orphan := func(user, assignment string, owner *iamv1alpha1.User) *corev1.ConfigMap {
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{
			Namespace: ns, Name: user + "-" + assignment,
			Labels: map[string]string{
				iamv1alpha1.ManagedByLabel: iamv1alpha1.ManagedBy, iamv1alpha1.ServiceClassLabel: class.Name,
				iamv1alpha1.UserLabel: user, iamv1alpha1.ServiceLabel: assignment, iamv1alpha1.AccountLabel: ns,
			},
		}, Data: map[string]string{"size": "1Gi"}}
		if owner != nil {
			// As the operator makes it: owned by the user, so the garbage
			// collector would not take it while the user lives.
			cm.OwnerReferences = []metav1.OwnerReference{{APIVersion: iamv1alpha1.GroupVersion.String(), Kind: "User",
				Name: owner.Name, UID: owner.UID, Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true)}}
		}
		g.Expect(k8s.Create(context.Background(), cm)).To(Succeed())
		return cm
	}
	unassigned := orphan("alice", "backup", getUser(g, key))
	ghosts := orphan("ghost", class.Name, nil)

	startManager(t, testOptions(t, smtp))
	g.Eventually(func(g Gomega) {
		g.Expect(serviceObject(g, configMapGVK, ns, unassigned.Name)).To(BeNil(), "alice's status names no backup")
		g.Expect(serviceObject(g, configMapGVK, ns, ghosts.Name)).To(BeNil(), "no user ghost exists")
	}).WithTimeout(timeout).Should(Succeed())
	expectEvents(t, key, "OrphanRemoved")
	g.Consistently(func(g Gomega) {
		cm := serviceObject(g, configMapGVK, ns, "alice-"+class.Name)
		g.Expect(cm).NotTo(BeNil())
		g.Expect(cm.GetUID()).To(Equal(kept), "the service alice has is not touched")
	}).WithTimeout(2 * time.Second).Should(Succeed())
}

// Alice moves her mail from a Mailbox class to a ConfigMap class while bob
// waits for the only Mailbox seat. The provider's finalizer holds alice's
// Mailbox: as long as it lives, its seat is hers and bob gets no Mailbox;
// once the provider lets it go, bob gets the seat and his Mailbox.
func TestSeatIsHeldWhileAClassChangeIsInFlight(t *testing.T) {
	_, ns := startAccount(t)
	gvk, _ := installMailboxKind(t)
	provider := startMailboxProvider(t, gvk)
	small := newMailboxClass(t, gvk, func(s *iamv1alpha1.ServiceClassSpec) { s.ProvisionWhileInvited = true })
	large := newConfigMapClass(t, "storage", func(s *iamv1alpha1.ServiceClassSpec) { s.ProvisionWhileInvited = true })
	g := NewWithT(t)

	// Both are assigned before the subscription exists, so admission lets
	// both through and the subscription decides: the older user, alice,
	// gets the only Mailbox seat.
	mail := func(class string) []iamv1alpha1.ServiceAssignment {
		return []iamv1alpha1.ServiceAssignment{{Name: "mail", ServiceClass: class, Subscription: "basic",
			Parameters: map[string]string{"quotaMB": "1", "size": "1Gi"}}}
	}
	alice := newUser(ns, "alice", "alice@example.com")
	alice.Spec.Services = mail(small.Name)
	aliceKey := createUser(t, alice)
	bob := newUser(ns, "bob", "bob@example.com")
	bob.Spec.Services = mail(small.Name)
	bobKey := createUser(t, bob)
	newSubscription(t, ns, "basic", map[string]int32{small.Name: 1, large.Name: 1})
	eventuallyUser(t, aliceKey, func(g Gomega, u *iamv1alpha1.User) {
		g.Expect(serviceStatus(u, "mail").Phase).To(Equal(iamv1alpha1.ServicePhaseReady), describeServices(u))
	})
	eventuallyUser(t, bobKey, func(g Gomega, u *iamv1alpha1.User) {
		g.Expect(serviceStatus(u, "mail").Reason).To(Equal(iamv1alpha1.ReasonQuotaExceeded), describeServices(u))
	})

	g.Expect(changeUser(g, aliceKey, func(u *iamv1alpha1.User) { u.Spec.Services = mail(large.Name) })).To(Succeed())
	g.Eventually(func(g Gomega) {
		mb := serviceObject(g, gvk, ns, "alice-mail")
		g.Expect(mb).NotTo(BeNil())
		g.Expect(mb.GetDeletionTimestamp()).NotTo(BeNil(), "alice's Mailbox is being removed")
		g.Expect(serviceStatus(getUser(g, aliceKey), "mail").Phase).To(Equal(iamv1alpha1.ServicePhaseRemoving))
	}).WithTimeout(timeout).Should(Succeed())
	// While it lives, its seat is alice's: the subscription lists her,
	// and bob's Mailbox is not made.
	g.Consistently(func(g Gomega) {
		g.Expect(serviceObject(g, gvk, ns, "bob-mail")).To(BeNil(), "a second Mailbox while alice's lives would overrun the one seat")
		sub := &iamv1alpha1.Subscription{}
		g.Expect(k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "basic"}, sub)).To(Succeed())
		for _, usage := range sub.Status.Services {
			if usage.ServiceClass == small.Name {
				g.Expect(usage.Holders).To(Equal([]string{"alice/mail"}))
			}
		}
		u := getUser(g, aliceKey)
		g.Expect(serviceStatus(u, "mail").ServiceClass).To(Equal(small.Name), "the entry names the seat its object holds")
		g.Expect(serviceStatus(u, "mail").Phase).To(Equal(iamv1alpha1.ServicePhaseRemoving))
	}).WithTimeout(3 * time.Second).Should(Succeed())

	provider.release()
	g.Eventually(func(g Gomega) {
		g.Expect(serviceObject(g, gvk, ns, "alice-mail")).To(BeNil())
		g.Expect(serviceObject(g, configMapGVK, ns, "alice-mail")).NotTo(BeNil(), "alice's new class is provisioned once the old object is gone")
		g.Expect(serviceObject(g, gvk, ns, "bob-mail")).NotTo(BeNil(), "the freed seat goes to bob")
	}).WithTimeout(timeout).Should(Succeed())
	eventuallyUser(t, aliceKey, func(g Gomega, u *iamv1alpha1.User) {
		st := serviceStatus(u, "mail")
		g.Expect(st.ServiceClass).To(Equal(large.Name))
		g.Expect(st.Phase).To(Equal(iamv1alpha1.ServicePhaseReady), describeServices(u))
	})
}

// A pass that applied a service's object and never wrote the status that
// records it (the manager killed between the two) leaves an object that
// no claim names once its assignment is taken back. The object holds its
// seat until it is gone: bob, waiting for the only seat, gets it only
// then. Played by stopping the manager and taking alice's entry out of
// her status and her assignment out of her spec; a finalizer of the
// test's keeps her object for as long as the test wants.
func TestUnrecordedObjectHoldsItsSeat(t *testing.T) {
	smtp := startSMTP(t)
	first := startManager(t, testOptions(t, smtp))
	ns := newNamespace(t)
	class := newConfigMapClass(t, "storage", func(s *iamv1alpha1.ServiceClassSpec) { s.ProvisionWhileInvited = true })
	g := NewWithT(t)
	ctx := context.Background()

	// Both are assigned before the subscription exists, so admission lets
	// both through and the older user, alice, gets the only seat.
	storage := []iamv1alpha1.ServiceAssignment{assign(class.Name, map[string]string{"size": "1Gi"})}
	alice := newUser(ns, "alice", "alice@example.com")
	alice.Spec.Services = storage
	aliceKey := createUser(t, alice)
	bob := newUser(ns, "bob", "bob@example.com")
	bob.Spec.Services = storage
	bobKey := createUser(t, bob)
	newSubscription(t, ns, "basic", map[string]int32{class.Name: 1})
	eventuallyUser(t, aliceKey, func(g Gomega, u *iamv1alpha1.User) {
		g.Expect(serviceStatus(u, class.Name).Phase).To(Equal(iamv1alpha1.ServicePhaseReady), describeServices(u))
	})
	eventuallyUser(t, bobKey, func(g Gomega, u *iamv1alpha1.User) {
		g.Expect(serviceStatus(u, class.Name).Reason).To(Equal(iamv1alpha1.ReasonQuotaExceeded), describeServices(u))
	})
	first.stop(t)

	const hold = "test.tenantry.io/hold"
	aliceObject := client.ObjectKey{Namespace: ns, Name: "alice-" + class.Name}
	cm := &corev1.ConfigMap{}
	g.Expect(k8s.Get(ctx, aliceObject, cm)).To(Succeed())
	cm.Finalizers = append(cm.Finalizers, hold)
	g.Expect(k8s.Update(ctx, cm)).To(Succeed())
	u := getUser(g, aliceKey)
	u.Status.Services = nil
	g.Expect(k8s.Status().Update(ctx, u)).To(Succeed(), "the status write that would have recorded it never landed")
	g.Expect(changeUser(g, aliceKey, func(u *iamv1alpha1.User) { u.Spec.Services = nil })).To(Succeed())

	startManager(t, testOptions(t, smtp))
	g.Eventually(func(g Gomega) {
		obj := serviceObject(g, configMapGVK, ns, aliceObject.Name)
		g.Expect(obj).NotTo(BeNil())
		g.Expect(obj.GetDeletionTimestamp()).NotTo(BeNil(), "alice's object is an orphan now, and is being removed")
	}).WithTimeout(timeout).Should(Succeed())
	g.Consistently(func(g Gomega) {
		g.Expect(serviceObject(g, configMapGVK, ns, "bob-"+class.Name)).To(BeNil(), "a second object while alice's lives would overrun the one seat")
		sub := &iamv1alpha1.Subscription{}
		g.Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "basic"}, sub)).To(Succeed())
		g.Expect(sub.Status.Services).To(HaveLen(1))
		g.Expect(sub.Status.Services[0].Holders).To(Equal([]string{"alice/" + class.Name}), "the object holds alice's seat")
	}).WithTimeout(5 * time.Second).Should(Succeed())

	g.Eventually(func() error {
		cm := &corev1.ConfigMap{}
		if err := k8s.Get(ctx, aliceObject, cm); err != nil {
			return err
		}
		cm.Finalizers = slices.DeleteFunc(cm.Finalizers, func(f string) bool { return f == hold })
		return k8s.Update(ctx, cm)
	}).WithTimeout(timeout).Should(Succeed())
	eventuallyUser(t, bobKey, func(g Gomega, u *iamv1alpha1.User) {
		g.Expect(serviceStatus(u, class.Name).Phase).To(Equal(iamv1alpha1.ServicePhaseReady), "the freed seat goes to bob: "+describeServices(u))
		g.Expect(serviceObject(g, configMapGVK, ns, aliceObject.Name)).To(BeNil())
	})
}
