package integration

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// A field the class renders, edited by someone else, is restored within
// seconds, with one DriftCorrected event and a count; what others own (a
// field the template does not render, a provider's status and finalizer,
// another controller's annotation) is left alone. Once in line, neither a
// pass over the user nor a restarted manager writes the object again.
func TestDriftOnAnOwnedFieldIsRestored(t *testing.T) {
	smtp := startSMTP(t)
	tm := startManager(t, testOptions(t, smtp))
	ns := newNamespace(t)
	gvk, _ := installMailboxKind(t)
	startMailboxProvider(t, gvk)
	class := newMailboxClass(t, gvk, func(s *iamv1alpha1.ServiceClassSpec) { s.ProvisionWhileInvited = true })
	newSubscription(t, ns, "basic", map[string]int32{class.Name: 1})
	alice := newUser(ns, "alice", "alice@example.com")
	alice.Spec.Services = []iamv1alpha1.ServiceAssignment{assign(class.Name, map[string]string{"quotaMB": "100"})}
	key := createUser(t, alice)
	eventuallyUser(t, key, func(g Gomega, u *iamv1alpha1.User) {
		g.Expect(serviceStatus(u, class.Name).Phase).To(Equal(iamv1alpha1.ServicePhaseReady), describeServices(u))
	})
	name := "alice-" + class.Name
	g := NewWithT(t)
	corrected := func() float64 {
		return counterSum(t, "tenantry_service_drift_corrected_total", "service_class", class.Name)
	}
	g.Expect(corrected()).To(BeZero())

	// Someone edits an owned field, and adds fields of their own.
	mailbox := serviceObject(g, gvk, ns, name)
	g.Expect(k8s.Patch(context.Background(), mailbox, client.RawPatch(types.MergePatchType, []byte(
		`{"metadata":{"annotations":{"other.example.com/note":"kept"}},"spec":{"quotaMB":"999","color":"red"}}`)),
		client.FieldOwner("kubectl-patch"))).To(Succeed())
	g.Eventually(func(g Gomega) {
		mb := serviceObject(g, gvk, ns, name)
		g.Expect(mb.Object["spec"]).To(HaveKeyWithValue("quotaMB", "100"), "the owned field is restored")
		g.Expect(mb.Object["spec"]).To(HaveKeyWithValue("color", "red"), "a field the template does not render is someone else's")
		g.Expect(mb.GetAnnotations()).To(HaveKeyWithValue("other.example.com/note", "kept"))
		g.Expect(mb.GetFinalizers()).To(ContainElement(providerFinalizer), "the provider's finalizer stays")
		g.Expect(mb.Object["status"]).To(HaveKey("conditions"), "the provider's status stays")
	}).WithTimeout(timeout).Should(Succeed())
	g.Eventually(func(g Gomega) {
		var drift []eventsv1.Event
		for _, e := range eventsOf(t, key) {
			if e.Reason == "DriftCorrected" {
				drift = append(drift, e)
			}
		}
		g.Expect(drift).To(HaveLen(1))
		g.Expect(drift[0].Type).To(Equal("Normal"))
		g.Expect(drift[0].Note).To(Equal("restored spec.quotaMB of Mailbox " + ns + "/" + name))
		g.Expect(drift[0].Series).To(BeNil(), "one event for one restore")
	}).WithTimeout(timeout).Should(Succeed())
	g.Expect(corrected()).To(Equal(1.0))
	eventuallyUser(t, key, func(g Gomega, u *iamv1alpha1.User) {
		g.Expect(serviceStatus(u, class.Name).Phase).To(Equal(iamv1alpha1.ServicePhaseReady))
	})

	// Passes over the user, then a restarted manager that remembers
	// nothing, leave the object as it is: the API server's own audit of
	// requests counts no write of a Mailbox, and no event is raised.
	settled := serviceObject(g, gvk, ns, name).GetResourceVersion()
	writes := mailboxWrites(t, gvk.Group)
	g.Expect(writes).To(BeNumerically(">=", 3), "the audit saw the first apply, the edit and the restore")
	for i := range 3 {
		before := reconcileCount(t)
		g.Expect(changeUser(g, key, func(u *iamv1alpha1.User) {
			metav1.SetMetaDataAnnotation(&u.ObjectMeta, "test.tenantry.io/pass", string(rune('a'+i)))
		})).To(Succeed())
		g.Eventually(func() float64 { return reconcileCount(t) }).WithTimeout(timeout).Should(BeNumerically(">", before))
	}
	tm.stop(t)
	before := reconcileCount(t)
	startManager(t, testOptions(t, smtp))
	g.Expect(changeUser(g, key, func(u *iamv1alpha1.User) {
		metav1.SetMetaDataAnnotation(&u.ObjectMeta, "test.tenantry.io/pass", "after-restart")
	})).To(Succeed())
	g.Eventually(func() float64 { return reconcileCount(t) }).WithTimeout(timeout).Should(BeNumerically(">", before+1))
	eventuallyUser(t, key, func(g Gomega, u *iamv1alpha1.User) {
		g.Expect(serviceStatus(u, class.Name).Phase).To(Equal(iamv1alpha1.ServicePhaseReady))
	})
	g.Expect(mailboxWrites(t, gvk.Group)).To(Equal(writes), "an object in line is not written again")
	g.Expect(serviceObject(g, gvk, ns, name).GetResourceVersion()).To(Equal(settled))
	g.Expect(corrected()).To(Equal(1.0))
}

// mailboxWrites is how many writes of mailboxes of group the API server
// has answered, from its own apiserver_request_total: whoever sent them,
// a write that changed nothing included.
func mailboxWrites(t *testing.T, group string) float64 {
	t.Helper()
	return apiServerWrites(t, func(labels map[string]string) string {
		if labels["group"] != group || labels["resource"] != "mailboxes" || labels["subresource"] != "" {
			return ""
		}
		return "mailboxes"
	})["mailboxes"]
}

// metricsConfig is the suite's admin config, fit for a raw request.
func metricsConfig() *rest.Config {
	c := rest.CopyConfig(cfg)
	c.GroupVersion = &schema.GroupVersion{}
	c.NegotiatedSerializer = serializer.NewCodecFactory(runtime.NewScheme()).WithoutConversion()
	return c
}
