package integration

import (
	"context"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/conditions"
	"github.com/tenantry-io/tenantry/internal/services"
)

// installWidgetKind installs a namespaced Widget kind whose schema allows a
// spec.size of at most 10, and waits until it is served.
func installWidgetKind(t *testing.T) (schema.GroupVersionKind, *apiextensionsv1.CustomResourceDefinition) {
	t.Helper()
	group := "shop" + rand.String(6) + ".tenantry.test"
	crd := &apiextensionsv1.CustomResourceDefinition{
		ObjectMeta: metav1.ObjectMeta{Name: "widgets." + group},
		Spec: apiextensionsv1.CustomResourceDefinitionSpec{
			Group: group,
			Names: apiextensionsv1.CustomResourceDefinitionNames{Plural: "widgets", Singular: "widget", Kind: "Widget", ListKind: "WidgetList"},
			Scope: apiextensionsv1.NamespaceScoped,
			Versions: []apiextensionsv1.CustomResourceDefinitionVersion{{
				Name: "v1", Served: true, Storage: true,
				Schema: &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: &apiextensionsv1.JSONSchemaProps{
					Type: "object",
					Properties: map[string]apiextensionsv1.JSONSchemaProps{
						"spec": {Type: "object", XPreserveUnknownFields: ptr.To(true), Properties: map[string]apiextensionsv1.JSONSchemaProps{
							"size": {Type: "integer", Maximum: ptr.To(10.0)},
						}},
					},
				}},
			}},
		},
	}
	return serveCRD(t, crd), crd
}

func widget(gvk schema.GroupVersionKind, ns, name string, spec map[string]any) *unstructured.Unstructured {
	obj := &unstructured.Unstructured{Object: map[string]any{"spec": spec}}
	obj.SetGroupVersionKind(gvk)
	obj.SetNamespace(ns)
	obj.SetName(name)
	return obj
}

// applyAs server-side applies obj as the operator does, through c.
func applyAs(c client.Client, obj *unstructured.Unstructured) error {
	return c.Apply(context.Background(), client.ApplyConfigurationFromUnstructured(obj.DeepCopy()),
		client.FieldOwner(iamv1alpha1.ServiceFieldManager), client.ForceOwnership)
}

// classify asks the one classifier about err.
func classify(t *testing.T, err error, verb string, obj client.Object) services.WriteRefusal {
	t.Helper()
	if err == nil {
		t.Fatalf("the API server accepted the write of %s %s", obj.GetObjectKind().GroupVersionKind().Kind, obj.GetName())
	}
	refusal, ok := services.ClassifyWriteError(err, verb, services.WriteTarget{
		GVK: obj.GetObjectKind().GroupVersionKind(), Namespace: obj.GetNamespace(), Name: obj.GetName()})
	if !ok {
		t.Fatalf("%v was not classified", err)
	}
	t.Logf("%s: %s", refusal.Reason, refusal.Message)
	return refusal
}

// Every class of refused write, produced by the real API server (its
// RBAC, schema validation, namespace lifecycle, CRD lifecycle and the
// operator's own admission webhook), gets its own reason and message.
func TestWriteErrorsAreClassifiedByTheirTrueCause(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := newNamespace(t)
	gvk, crd := installWidgetKind(t)

	// An object the template made invalid names its field.
	tooBig := widget(gvk, ns, "too-big", map[string]any{"size": int64(30)})
	refusal := classify(t, applyAs(k8s, tooBig), services.WriteApply, tooBig)
	g.Expect(refusal.Reason).To(Equal(iamv1alpha1.ReasonInvalidObject))
	g.Expect(refusal.Message).To(ContainSubstring("spec.size: Invalid value: 30"))

	// Missing RBAC names the ClusterRole label that grants it.
	nobody := rest.CopyConfig(cfg)
	nobody.Impersonate = rest.ImpersonationConfig{UserName: "tenantry-test-nobody"}
	unprivileged, err := client.New(nobody, client.Options{Scheme: k8s.Scheme()})
	g.Expect(err).NotTo(HaveOccurred())
	fine := widget(gvk, ns, "fine", map[string]any{"size": int64(1)})
	refusal = classify(t, applyAs(unprivileged, fine), services.WriteApply, fine)
	g.Expect(refusal.Reason).To(Equal(iamv1alpha1.ReasonNotPermitted))
	g.Expect(refusal.Message).To(ContainSubstring(iamv1alpha1.AggregateToManagerLabel + "=true"))
	refusal = classify(t, unprivileged.Delete(ctx, fine), services.WriteDelete, fine)
	g.Expect(refusal.Reason).To(Equal(iamv1alpha1.ReasonNotPermitted))

	// A conflict is retried quietly.
	g.Expect(applyAs(k8s, fine)).To(Succeed())
	stale := serviceObject(g, gvk, ns, "fine")
	g.Expect(applyAs(k8s, widget(gvk, ns, "fine", map[string]any{"size": int64(2)}))).To(Succeed())
	refusal = classify(t, k8s.Update(ctx, stale), services.WriteApply, stale)
	g.Expect(refusal.Reason).To(Equal(iamv1alpha1.ReasonWriteConflict))
	g.Expect(refusal.Quiet).To(BeTrue())

	// An admission webhook's denial shows its message: here the
	// operator's own, refusing a new currency for an opened ledger.
	key := createUser(t, newUser(ns, "alice", "alice@example.com"))
	user := getUser(g, key)
	user.Status.Balance = &iamv1alpha1.BalanceStatus{Amount: "0", Currency: "EUR"}
	g.Expect(k8s.Status().Update(ctx, user)).To(Succeed())
	user.Spec.Currency = "USD"
	user.SetGroupVersionKind(iamv1alpha1.GroupVersion.WithKind("User"))
	refusal = classify(t, k8s.Update(ctx, user), services.WriteApply, user)
	g.Expect(refusal.Reason).To(Equal(iamv1alpha1.ReasonAdmissionDenied))
	g.Expect(refusal.Message).To(ContainSubstring("denied the request"))
	g.Expect(refusal.Message).To(ContainSubstring("the currency cannot change once the ledger has opened"))

	// A namespace being deleted takes nothing new, and that is expected.
	leaving := newNamespace(t)
	g.Expect(k8s.Delete(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: leaving}})).To(Succeed())
	cm := &unstructured.Unstructured{Object: map[string]any{"data": map[string]any{"a": "b"}}}
	cm.SetGroupVersionKind(configMapGVK)
	cm.SetNamespace(leaving)
	cm.SetName("late")
	g.Eventually(func(g Gomega) {
		err := applyAs(k8s, cm)
		g.Expect(err).To(HaveOccurred())
		refusal = classify(t, err, services.WriteApply, cm)
		g.Expect(refusal.Reason).To(Equal(iamv1alpha1.ReasonNamespaceTerminating))
	}).WithTimeout(timeout).Should(Succeed())
	g.Expect(refusal.Expected).To(BeTrue())
	g.Expect(refusal.Message).To(ContainSubstring("namespace " + leaving + " is being deleted"))

	// A CRD being deleted (held by a finalizer on one of its objects)
	// takes no new object: a 403 that is not about RBAC.
	held := widget(gvk, ns, "held", map[string]any{"size": int64(1)})
	held.SetFinalizers([]string{"shop.tenantry.test/hold"})
	g.Expect(k8s.Create(ctx, held)).To(Succeed())
	g.Expect(k8s.Delete(ctx, crd)).To(Succeed())
	late := widget(gvk, ns, "late", map[string]any{"size": int64(1)})
	g.Eventually(func(g Gomega) {
		err := applyAs(k8s, late)
		g.Expect(err).To(HaveOccurred())
		refusal = classify(t, err, services.WriteApply, late)
		g.Expect(refusal.Reason).To(Equal(iamv1alpha1.ReasonKindTerminating))
	}).WithTimeout(timeout).Should(Succeed())
	g.Expect(refusal.Message).NotTo(ContainSubstring("ClusterRole"))

	// Once it is gone, the kind is not served, whatever a client's mapper
	// remembers.
	g.Expect(k8s.Patch(ctx, serviceObject(g, gvk, ns, "held"), client.RawPatch(types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`)))).To(Succeed())
	g.Eventually(func(g Gomega) {
		err := k8s.Get(ctx, client.ObjectKeyFromObject(crd), &apiextensionsv1.CustomResourceDefinition{})
		g.Expect(client.IgnoreNotFound(err)).To(Succeed())
		g.Expect(err).To(HaveOccurred())
	}).WithTimeout(timeout).Should(Succeed())
	g.Eventually(func(g Gomega) {
		err := applyAs(k8s, late)
		g.Expect(err).To(HaveOccurred())
		refusal = classify(t, err, services.WriteApply, late)
		g.Expect(refusal.Reason).To(Equal(iamv1alpha1.ReasonKindNotFound))
	}).WithTimeout(timeout).Should(Succeed())
}

// A provider whose CRD is deleted is named at once: its classes and the
// services of their users say KindNotFound, while the CRD is terminating
// and once it is gone, and deleting those users completes.
func TestVanishedProviderIsNamed(t *testing.T) {
	_, ns := startAccount(t)
	g := NewWithT(t)
	ctx := context.Background()
	gvk, crd := installWidgetKind(t)
	class := newServiceClass(t, "widget", map[string]any{
		"apiVersion": gvk.GroupVersion().String(), "kind": gvk.Kind, "spec": map[string]any{"size": 3, "owner": "${user.email}"},
	}, func(s *iamv1alpha1.ServiceClassSpec) { s.ProvisionWhileInvited = true })
	newSubscription(t, ns, "basic", map[string]int32{class.Name: 2})
	keys := make([]client.ObjectKey, 0, 2)
	for _, name := range []string{"alice", "bob"} {
		u := newUser(ns, name, name+"@example.com")
		u.Spec.Services = []iamv1alpha1.ServiceAssignment{assign(class.Name, nil)}
		keys = append(keys, createUser(t, u))
	}
	for _, key := range keys {
		eventuallyUser(t, key, func(g Gomega, u *iamv1alpha1.User) {
			g.Expect(serviceStatus(u, class.Name).Phase).To(Equal(iamv1alpha1.ServicePhaseReady), describeServices(u))
		})
	}
	// Someone holds alice's widget, so the CRD stays terminating.
	name := "alice-" + class.Name
	g.Expect(k8s.Patch(ctx, serviceObject(g, gvk, ns, name), client.RawPatch(types.MergePatchType,
		[]byte(`{"metadata":{"finalizers":["shop.tenantry.test/hold"]}}`)))).To(Succeed())

	classSays := func(g Gomega, want string) string {
		got := &iamv1alpha1.ServiceClass{}
		g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(class), got)).To(Succeed())
		ready := conditions.Get(got, iamv1alpha1.ReadyCondition)
		g.Expect(ready).NotTo(BeNil())
		g.Expect(ready.Status).To(Equal(metav1.ConditionFalse))
		g.Expect(ready.Reason).To(Equal(iamv1alpha1.ReasonKindNotFound))
		g.Expect(ready.Message).To(ContainSubstring(want))
		return ready.Message
	}
	usersSay := func(message string) {
		for _, key := range keys {
			g.Eventually(func(g Gomega) {
				u := getUser(g, key)
				st := serviceStatus(u, class.Name)
				g.Expect(st.Reason).To(Equal(iamv1alpha1.ReasonKindNotFound), describeServices(u))
				g.Expect(st.Message).To(HavePrefix(message))
				g.Expect(st.Message).NotTo(ContainSubstring("ClusterRole"))
			}).WithTimeout(timeoutVanished).Should(Succeed())
		}
	}

	g.Expect(k8s.Delete(ctx, crd)).To(Succeed())
	var message string
	g.Eventually(func(g Gomega) { message = classSays(g, "is being deleted") }).WithTimeout(timeoutVanished).Should(Succeed())
	usersSay(message)

	g.Expect(k8s.Patch(ctx, serviceObject(g, gvk, ns, name), client.RawPatch(types.MergePatchType,
		[]byte(`{"metadata":{"finalizers":null}}`)))).To(Succeed())
	g.Eventually(func(g Gomega) { message = classSays(g, "was deleted") }).WithTimeout(timeoutVanished).Should(Succeed())
	usersSay(message)

	for _, key := range keys {
		g.Expect(k8s.Delete(ctx, getUser(g, key))).To(Succeed())
	}
	g.Eventually(func(g Gomega) {
		users := &iamv1alpha1.UserList{}
		g.Expect(k8s.List(ctx, users, client.InNamespace(ns))).To(Succeed())
		names := make([]string, 0, len(users.Items))
		for _, u := range users.Items {
			names = append(names, u.Name+": "+strings.Join(u.Finalizers, ","))
		}
		g.Expect(names).To(BeEmpty(), "deleting the users completes")
	}).WithTimeout(timeout).Should(Succeed())
}

// timeoutVanished is how soon a vanished provider must be named.
const timeoutVanished = 10 * time.Second
