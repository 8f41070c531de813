package integration

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// An unassigned service whose provider holds its object past the removal
// timeout leaves the user Active and Ready, and Ready's message — what
// `kubectl describe user` shows — names the stuck removal and how to
// release it. Released, the message is the plain one again.
func TestStuckRemovalShowsInReady(t *testing.T) {
	smtp := startSMTP(t)
	opts := testOptions(t, smtp)
	opts.ServiceRemovalTimeout = 2 * time.Second
	tm := startManager(t, opts)
	tm.smtp = smtp
	ns := newNamespace(t)
	gvk, _ := installMailboxKind(t)
	provider := startMailboxProvider(t, gvk)
	class := newMailboxClass(t, gvk, nil)
	newSubscription(t, ns, "basic", map[string]int32{class.Name: 1})
	g := NewWithT(t)

	alice := newUser(ns, "alice", "alice@example.com")
	alice.Spec.Services = []iamv1alpha1.ServiceAssignment{assign(class.Name, map[string]string{"quotaMB": "1"})}
	key := createAndAccept(t, tm, alice)
	eventuallyUser(t, key, func(g Gomega, u *iamv1alpha1.User) {
		g.Expect(serviceStatus(u, class.Name).Phase).To(Equal(iamv1alpha1.ServicePhaseReady), describeServices(u))
	})

	g.Expect(changeUser(g, key, func(u *iamv1alpha1.User) { u.Spec.Services = nil })).To(Succeed())
	eventuallyUser(t, key, func(g Gomega, u *iamv1alpha1.User) {
		g.Expect(serviceStatus(u, class.Name).Reason).To(Equal(iamv1alpha1.ReasonRemovalTimedOut), describeServices(u))
		g.Expect(u.Status.Phase).To(Equal(iamv1alpha1.UserPhaseActive))
		ready := condition(u, iamv1alpha1.ReadyCondition)
		g.Expect(ready.Status).To(Equal(metav1.ConditionTrue))
		g.Expect(ready.Message).To(HavePrefix("the user is active; the removal of " + class.Name + " is stuck: "))
		g.Expect(ready.Message).To(ContainSubstring(providerFinalizer))
		g.Expect(ready.Message).To(ContainSubstring("kubectl patch mailboxes." + gvk.Group + " alice-" + class.Name + " -n " + ns))
	})

	provider.release()
	eventuallyUser(t, key, func(g Gomega, u *iamv1alpha1.User) {
		g.Expect(u.Status.Services).To(BeEmpty())
		g.Expect(condition(u, iamv1alpha1.ReadyCondition).Message).To(Equal("the user is active"))
	})
}
