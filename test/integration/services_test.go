package integration

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/conditions"
)

// A custom resource kind installed after the manager started is
// provisioned, its readiness reaches the user, a parameter change reaches
// the object, and deleting the user waits for the provider's finalizer.
func TestServiceOfAPluggedInKindFollowsTheUser(t *testing.T) {
	smtp := startSMTP(t)
	opts := testOptions(t, smtp)
	opts.ServiceRemovalTimeout = 2 * time.Second
	tm := startManager(t, opts)
	tm.smtp = smtp
	ns := newNamespace(t)

	gvk, _ := installMailboxKind(t) // after the manager started
	provider := startMailboxProvider(t, gvk)
	class := newMailboxClass(t, gvk, nil)
	newSubscription(t, ns, "basic", map[string]int32{class.Name: 2})

	alice := newUser(ns, "alice", "alice@example.com")
	alice.Spec.Services = []iamv1alpha1.ServiceAssignment{assign(class.Name, map[string]string{"quotaMB": "100"})}
	key := createUser(t, alice)
	eventuallyUser(t, key, func(g Gomega, u *iamv1alpha1.User) {
		st := serviceStatus(u, class.Name)
		g.Expect(st.Phase).To(Equal(iamv1alpha1.ServicePhasePending))
		g.Expect(st.Reason).To(Equal(iamv1alpha1.ReasonAwaitingAcceptance), "nothing is spent on someone who has not come")
	})
	acceptInvitation(t, tm, key, alice)

	name := "alice-" + class.Name
	g := NewWithT(t)
	g.Eventually(func(g Gomega) {
		mb := serviceObject(g, gvk, ns, name)
		g.Expect(mb).NotTo(BeNil())
		g.Expect(mb.Object["spec"]).To(Equal(map[string]any{"address": "alice@example.com", "quotaMB": "100", "owner": "Alice Example"}))
		g.Expect(mb.GetLabels()).To(HaveKeyWithValue(iamv1alpha1.UserLabel, "alice"))
		g.Expect(mb.GetLabels()).To(HaveKeyWithValue(iamv1alpha1.ServiceClassLabel, class.Name))
		g.Expect(mb.GetOwnerReferences()).To(ConsistOf(HaveField("Name", "alice")))
	}).WithTimeout(timeout).Should(Succeed())
	eventuallyUser(t, key, func(g Gomega, u *iamv1alpha1.User) {
		st := serviceStatus(u, class.Name)
		g.Expect(st.Phase).To(Equal(iamv1alpha1.ServicePhaseReady), describeServices(u))
		g.Expect(st.Object).To(Equal(&iamv1alpha1.ServiceObjectReference{APIVersion: gvk.GroupVersion().String(), Kind: "Mailbox", Namespace: ns, Name: name}))
		g.Expect(st.Subscription).To(Equal("basic"))
		g.Expect(u.Status.ServicesSummary).To(Equal("mailbox:1"))
		g.Expect(conditions.IsTrue(u, iamv1alpha1.ServicesReadyCondition)).To(BeTrue())
		g.Expect(u.Status.Phase).To(Equal(iamv1alpha1.UserPhaseActive))
	})

	// A parameter change reaches the object.
	g.Expect(changeUser(g, key, func(u *iamv1alpha1.User) { u.Spec.Services[0].Parameters["quotaMB"] = "500" })).To(Succeed())
	g.Eventually(func(g Gomega) {
		g.Expect(serviceObject(g, gvk, ns, name).Object["spec"]).To(HaveKeyWithValue("quotaMB", "500"))
	}).WithTimeout(timeout).Should(Succeed())

	// Deleting the user waits for the provider, reports a removal that
	// takes too long with how to release it, and ends once it is released.
	g.Expect(k8s.Delete(context.Background(), getUser(g, key))).To(Succeed())
	eventuallyUser(t, key, func(g Gomega, u *iamv1alpha1.User) {
		g.Expect(u.Status.Phase).To(Equal(iamv1alpha1.UserPhaseDeleting))
		st := serviceStatus(u, class.Name)
		g.Expect(st.Phase).To(Equal(iamv1alpha1.ServicePhaseRemoving))
		g.Expect(st.Reason).To(Equal(iamv1alpha1.ReasonRemovalTimedOut))
		ready := condition(u, iamv1alpha1.ServicesReadyCondition)
		g.Expect(ready.Reason).To(Equal(iamv1alpha1.ReasonRemovalTimedOut))
		g.Expect(ready.Message).To(ContainSubstring(providerFinalizer))
		g.Expect(ready.Message).To(ContainSubstring("kubectl patch mailboxes." + gvk.Group + " " + name + " -n " + ns))
		g.Expect(condition(u, iamv1alpha1.ReadyCondition).Message).To(ContainSubstring("removing what the user owns: " + class.Name))
	})
	expectEvents(t, key, "ServiceProvisioned", "ServiceRemoving", iamv1alpha1.ReasonRemovalTimedOut)
	provider.release()
	g.Eventually(func(g Gomega) {
		g.Expect(serviceObject(g, gvk, ns, name)).To(BeNil())
		err := k8s.Get(context.Background(), key, &iamv1alpha1.User{})
		g.Expect(client.IgnoreNotFound(err)).To(Succeed())
		g.Expect(err).To(HaveOccurred(), "the user is gone once its mailbox is")
	}).WithTimeout(timeout).Should(Succeed())
}

// Unassigning removes the object and frees the seat for someone else;
// disabling a user suspends the services of a class that asks for it.
func TestUnassignedServiceIsRemovedAndItsSeatFreed(t *testing.T) {
	_, ns := startAccount(t)
	class := newConfigMapClass(t, "storage", func(s *iamv1alpha1.ServiceClassSpec) {
		s.ProvisionWhileInvited = true
		s.SuspendWhenDisabled = rawJSON(`{"data":{"suspended":"true"}}`)
	})
	newSubscription(t, ns, "basic", map[string]int32{class.Name: 1})
	g := NewWithT(t)

	alice := newUser(ns, "alice", "alice@example.com")
	alice.Spec.Services = []iamv1alpha1.ServiceAssignment{assign(class.Name, map[string]string{"size": "10Gi"})}
	aliceKey := createUser(t, alice)
	var uid types.UID
	g.Eventually(func(g Gomega) {
		cm := serviceObject(g, configMapGVK, ns, "alice-"+class.Name)
		g.Expect(cm).NotTo(BeNil())
		g.Expect(cm.Object["data"]).To(Equal(map[string]any{"email": "alice@example.com", "account": ns, "size": "10Gi"}))
		uid = cm.GetUID()
	}).WithTimeout(timeout).Should(Succeed())
	eventuallyUser(t, aliceKey, func(g Gomega, u *iamv1alpha1.User) {
		g.Expect(serviceStatus(u, class.Name).Phase).To(Equal(iamv1alpha1.ServicePhaseReady), "a ConfigMap is ready once it exists (kstatus)")
		g.Expect(u.Status.ServicesSummary).To(Equal("storage:1"))
	})

	// Disabled: suspended; enabled again: the suspension is taken out.
	setState(t, aliceKey, iamv1alpha1.UserStateDisabled)
	g.Eventually(func(g Gomega) {
		g.Expect(serviceObject(g, configMapGVK, ns, "alice-"+class.Name).Object["data"]).To(HaveKeyWithValue("suspended", "true"))
	}).WithTimeout(timeout).Should(Succeed())
	setState(t, aliceKey, iamv1alpha1.UserStateActive)
	g.Eventually(func(g Gomega) {
		cm := serviceObject(g, configMapGVK, ns, "alice-"+class.Name)
		g.Expect(cm.Object["data"]).NotTo(HaveKey("suspended"))
		g.Expect(cm.GetUID()).To(Equal(uid), "suspending changes the object, it does not replace it")
	}).WithTimeout(timeout).Should(Succeed())

	// The only seat is taken: admission refuses bob's assignment.
	bobKey := createUser(t, newUser(ns, "bob", "bob@example.com"))
	g.Eventually(func(g Gomega) {
		err := changeUser(g, bobKey, func(u *iamv1alpha1.User) {
			u.Spec.Services = []iamv1alpha1.ServiceAssignment{assign(class.Name, nil)}
		})
		g.Expect(err).To(MatchError(ContainSubstring("subscription basic has no " + class.Name + " left")))
	}).WithTimeout(timeout).Should(Succeed())

	// Unassigned: the object goes and the seat is free for bob.
	g.Expect(changeUser(g, aliceKey, func(u *iamv1alpha1.User) { u.Spec.Services = nil })).To(Succeed())
	g.Eventually(func(g Gomega) {
		g.Expect(serviceObject(g, configMapGVK, ns, "alice-"+class.Name)).To(BeNil())
		sub := &iamv1alpha1.Subscription{}
		g.Expect(k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "basic"}, sub)).To(Succeed())
		g.Expect(sub.Status.Summary).To(Equal(class.Name + ":0/1"))
	}).WithTimeout(timeout).Should(Succeed())
	eventuallyUser(t, aliceKey, func(g Gomega, u *iamv1alpha1.User) {
		g.Expect(u.Status.Services).To(BeEmpty())
		g.Expect(u.Status.ServicesSummary).To(BeEmpty())
		g.Expect(conditions.Get(u, iamv1alpha1.ServicesReadyCondition)).To(BeNil())
	})
	// Alice's storage came with her: its making is in her status and her
	// history, and an event only if it had to wait for its seat. Bob's,
	// assigned later, is news.
	expectEvents(t, aliceKey, "ServiceRemoving", "ServiceRemoved")
	g.Eventually(func(g Gomega) {
		g.Expect(changeUser(g, bobKey, func(u *iamv1alpha1.User) {
			u.Spec.Services = []iamv1alpha1.ServiceAssignment{assign(class.Name, map[string]string{"size": "1Gi"})}
		})).To(Succeed())
	}).WithTimeout(timeout).Should(Succeed())
	g.Eventually(func(g Gomega) {
		g.Expect(serviceObject(g, configMapGVK, ns, "bob-"+class.Name)).NotTo(BeNil())
	}).WithTimeout(timeout).Should(Succeed())
	expectEvents(t, bobKey, "ServiceProvisioned")
}

// Two users admitted for the last seat: the subscription gives it to one,
// and the other's service is QuotaExceeded and provisions nothing.
func TestLastSeatRaceHasOneWinner(t *testing.T) {
	_, ns := startAccount(t)
	class := newConfigMapClass(t, "seat", func(s *iamv1alpha1.ServiceClassSpec) { s.ProvisionWhileInvited = true })
	g := NewWithT(t)
	// Both name a subscription that does not exist yet, so admission lets
	// both through (with a warning); the controller alone decides.
	keys := make([]client.ObjectKey, 0, 2)
	for _, name := range []string{"alice", "bob"} {
		u := newUser(ns, name, name+"@example.com")
		u.Spec.Services = []iamv1alpha1.ServiceAssignment{{ServiceClass: class.Name, Subscription: "team", Parameters: map[string]string{"size": "1"}}}
		keys = append(keys, createUser(t, u))
	}
	for _, key := range keys {
		eventuallyUser(t, key, func(g Gomega, u *iamv1alpha1.User) {
			g.Expect(serviceStatus(u, class.Name).Reason).To(Equal(iamv1alpha1.ReasonSubscriptionNotFound))
		})
	}
	newSubscription(t, ns, "team", map[string]int32{class.Name: 1})

	g.Eventually(func(g Gomega) {
		var ready, refused []string
		for _, key := range keys {
			u := getUser(g, key)
			switch st := serviceStatus(u, class.Name); {
			case st.Phase == iamv1alpha1.ServicePhaseReady:
				ready = append(ready, u.Name)
			case st.Reason == iamv1alpha1.ReasonQuotaExceeded:
				refused = append(refused, u.Name)
				g.Expect(st.Message).To(Equal("subscription team has no " + class.Name + " left: 1 of 1 are assigned"))
				g.Expect(condition(u, iamv1alpha1.ServicesReadyCondition).Reason).To(Equal(iamv1alpha1.ReasonQuotaExceeded))
			}
		}
		g.Expect(ready).To(HaveLen(1))
		g.Expect(refused).To(HaveLen(1))
		cms := &corev1.ConfigMapList{}
		g.Expect(k8s.List(context.Background(), cms, client.InNamespace(ns), client.MatchingLabels{iamv1alpha1.ServiceClassLabel: class.Name})).To(Succeed())
		g.Expect(cms.Items).To(HaveLen(1), "the loser provisions nothing")
		g.Expect(cms.Items[0].Labels[iamv1alpha1.UserLabel]).To(Equal(ready[0]))
	}).WithTimeout(timeout).Should(Succeed())
}

// Deletion never hangs on what is already gone: a class deleted, an object
// deleted by hand (made again while assigned), a kind uninstalled.
func TestUserDeletionCompletesWhenServicePartsAreGone(t *testing.T) {
	_, ns := startAccount(t)
	g := NewWithT(t)
	cmClass := newConfigMapClass(t, "files", func(s *iamv1alpha1.ServiceClassSpec) { s.ProvisionWhileInvited = true })
	gvk, crd := installMailboxKind(t)
	mbClass := newServiceClass(t, "inbox", map[string]any{
		"apiVersion": gvk.GroupVersion().String(), "kind": gvk.Kind, "spec": map[string]any{"address": "${user.email}"},
	}, func(s *iamv1alpha1.ServiceClassSpec) { s.ProvisionWhileInvited = true })
	newSubscription(t, ns, "basic", map[string]int32{cmClass.Name: 1, mbClass.Name: 1})

	alice := newUser(ns, "alice", "alice@example.com")
	alice.Spec.Services = []iamv1alpha1.ServiceAssignment{assign(cmClass.Name, map[string]string{"size": "1"}), assign(mbClass.Name, nil)}
	key := createUser(t, alice)
	eventuallyUser(t, key, func(g Gomega, u *iamv1alpha1.User) {
		g.Expect(u.Status.ServicesSummary).To(Equal("files:1 inbox:1"), describeServices(u))
	})

	// Deleted by hand while assigned: made again.
	cm := serviceObject(g, configMapGVK, ns, "alice-"+cmClass.Name)
	g.Expect(k8s.Delete(context.Background(), cm)).To(Succeed())
	g.Eventually(func(g Gomega) {
		again := serviceObject(g, configMapGVK, ns, "alice-"+cmClass.Name)
		g.Expect(again).NotTo(BeNil())
		g.Expect(again.GetUID()).NotTo(Equal(cm.GetUID()))
	}).WithTimeout(timeout).Should(Succeed())

	// The class goes, then the Mailbox kind: the user keeps its record of
	// both objects and reports what is missing.
	// A failed service is reported without stopping the others.
	g.Expect(k8s.Delete(context.Background(), cmClass)).To(Succeed())
	eventuallyUser(t, key, func(g Gomega, u *iamv1alpha1.User) {
		st := serviceStatus(u, cmClass.Name)
		g.Expect(st.Phase).To(Equal(iamv1alpha1.ServicePhaseFailed))
		g.Expect(st.Reason).To(Equal(iamv1alpha1.ReasonClassNotFound))
		g.Expect(st.Message).To(Equal("service class " + cmClass.Name + " does not exist; ConfigMap alice-" + cmClass.Name + " is left as it is"))
		g.Expect(serviceStatus(u, mbClass.Name).Phase).To(Equal(iamv1alpha1.ServicePhaseReady))
		g.Expect(condition(u, iamv1alpha1.ServicesReadyCondition).Reason).To(Equal(iamv1alpha1.ReasonClassNotFound))
		g.Expect(u.Status.ServicesSummary).To(Equal("files:0/1 inbox:1"))
	})
	g.Expect(k8s.Delete(context.Background(), crd)).To(Succeed())
	g.Eventually(func(g Gomega) {
		err := k8s.Get(context.Background(), client.ObjectKeyFromObject(crd), crd)
		g.Expect(client.IgnoreNotFound(err)).To(Succeed())
		g.Expect(err).To(HaveOccurred(), "the Mailbox kind is uninstalled")
	}).WithTimeout(timeout).Should(Succeed())

	g.Expect(k8s.Delete(context.Background(), getUser(g, key))).To(Succeed())
	g.Eventually(func(g Gomega) {
		err := k8s.Get(context.Background(), key, &iamv1alpha1.User{})
		g.Expect(client.IgnoreNotFound(err)).To(Succeed())
		g.Expect(err).To(HaveOccurred(), "the user is gone")
	}).WithTimeout(timeout).Should(Succeed())
	g.Eventually(func(g Gomega) {
		g.Expect(serviceObject(g, configMapGVK, ns, "alice-"+cmClass.Name)).To(BeNil(), "its class is gone, its object is removed all the same")
	}).WithTimeout(timeout).Should(Succeed())
}

// A manager stopped while a user waits for a service to go, and started
// again, finishes the deletion.
func TestRestartedManagerFinishesAServiceRemoval(t *testing.T) {
	smtp := startSMTP(t)
	first := startManager(t, testOptions(t, smtp))
	ns := newNamespace(t)
	gvk, _ := installMailboxKind(t)
	provider := startMailboxProvider(t, gvk)
	class := newMailboxClass(t, gvk, func(s *iamv1alpha1.ServiceClassSpec) { s.ProvisionWhileInvited = true })
	newSubscription(t, ns, "basic", map[string]int32{class.Name: 1})
	g := NewWithT(t)

	alice := newUser(ns, "alice", "alice@example.com")
	alice.Spec.Services = []iamv1alpha1.ServiceAssignment{assign(class.Name, map[string]string{"quotaMB": "1"})}
	key := createUser(t, alice)
	eventuallyUser(t, key, func(g Gomega, u *iamv1alpha1.User) {
		g.Expect(serviceStatus(u, class.Name).Phase).To(Equal(iamv1alpha1.ServicePhaseReady), describeServices(u))
	})
	g.Expect(k8s.Delete(context.Background(), getUser(g, key))).To(Succeed())
	eventuallyUser(t, key, func(g Gomega, u *iamv1alpha1.User) {
		g.Expect(serviceStatus(u, class.Name).Phase).To(Equal(iamv1alpha1.ServicePhaseRemoving))
	})
	first.stop(t)

	provider.release()
	startManager(t, testOptions(t, smtp))
	g.Eventually(func(g Gomega) {
		err := k8s.Get(context.Background(), key, &iamv1alpha1.User{})
		g.Expect(client.IgnoreNotFound(err)).To(Succeed())
		g.Expect(err).To(HaveOccurred(), "the user is gone")
		g.Expect(serviceObject(g, gvk, ns, "alice-"+class.Name)).To(BeNil())
	}).WithTimeout(timeout).Should(Succeed())
}

// A class whose kind is not served says so, and becomes Ready once it is.
func TestServiceClassReportsItsKind(t *testing.T) {
	startAccount(t)
	g := NewWithT(t)
	class := newServiceClass(t, "vps", map[string]any{"apiVersion": "compute.tenantry.test/v1", "kind": "VirtualServer"}, nil)
	g.Eventually(func(g Gomega) {
		got := &iamv1alpha1.ServiceClass{}
		g.Expect(k8s.Get(context.Background(), client.ObjectKeyFromObject(class), got)).To(Succeed())
		ready := conditions.Get(got, iamv1alpha1.ReadyCondition)
		g.Expect(ready).NotTo(BeNil())
		g.Expect(ready.Status).To(Equal(metav1.ConditionFalse))
		g.Expect(ready.Reason).To(Equal(iamv1alpha1.ReasonKindNotFound))
		g.Expect(ready.Message).To(ContainSubstring("install its CustomResourceDefinition"))
	}).WithTimeout(timeout).Should(Succeed())

	gvk, _ := installMailboxKind(t)
	mailboxes := newMailboxClass(t, gvk, nil)
	g.Eventually(func(g Gomega) {
		got := &iamv1alpha1.ServiceClass{}
		g.Expect(k8s.Get(context.Background(), client.ObjectKeyFromObject(mailboxes), got)).To(Succeed())
		g.Expect(conditions.IsTrue(got, iamv1alpha1.ReadyCondition)).To(BeTrue())
		g.Expect(got.Status.Resource).To(Equal("mailboxes." + gvk.Group))
	}).WithTimeout(timeout).Should(Succeed())
}

// An Active user is Updating from an assignment until its object is ready,
// and says which service it waits for.
func TestUserIsUpdatingUntilItsServiceIsReady(t *testing.T) {
	tm, ns := startAccount(t)
	gvk, _ := installMailboxKind(t)
	class := newMailboxClass(t, gvk, nil)
	newSubscription(t, ns, "basic", map[string]int32{class.Name: 1})
	key := inviteAndAccept(t, tm, newUser(ns, "alice", "alice@example.com"))

	g := NewWithT(t)
	g.Expect(changeUser(g, key, func(u *iamv1alpha1.User) {
		u.Spec.Services = []iamv1alpha1.ServiceAssignment{assign(class.Name, map[string]string{"quotaMB": "1"})}
	})).To(Succeed())
	// No provider runs yet: the mailbox exists but never becomes ready.
	eventuallyUser(t, key, func(g Gomega, u *iamv1alpha1.User) {
		g.Expect(u.Status.Phase).To(Equal(iamv1alpha1.UserPhaseUpdating))
		g.Expect(serviceStatus(u, class.Name).Phase).To(Equal(iamv1alpha1.ServicePhaseProvisioning))
		g.Expect(condition(u, iamv1alpha1.ReadyCondition).Message).To(ContainSubstring(class.Name + ": Mailbox alice-" + class.Name + " is not ready yet"))
		g.Expect(u.Status.ServicesSummary).To(Equal("mailbox:0/1"))
	})
	startMailboxProvider(t, gvk)
	eventuallyUser(t, key, func(g Gomega, u *iamv1alpha1.User) {
		g.Expect(u.Status.Phase).To(Equal(iamv1alpha1.UserPhaseActive))
		g.Expect(u.Status.ServicesSummary).To(Equal("mailbox:1"))
	})
}
