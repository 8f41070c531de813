package integration

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	. "github.com/onsi/gomega"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// The pieces of a platform that plugs its own operator in: a Mailbox custom
// resource kind, installed while the manager runs, and a small provider
// that makes mailboxes Ready and, like a real mail operator archiving mail,
// holds each deleted mailbox with its finalizer until the test releases it.

const providerFinalizer = "mail.tenantry.test/archive"

// installMailboxKind installs a Mailbox CRD in a group of the test's own and
// waits until the API server serves it.
func installMailboxKind(t *testing.T) (schema.GroupVersionKind, *apiextensionsv1.CustomResourceDefinition) {
	t.Helper()
	group := "mail" + rand.String(6) + ".tenantry.test"
	crd := &apiextensionsv1.CustomResourceDefinition{
		ObjectMeta: metav1.ObjectMeta{Name: "mailboxes." + group},
		Spec: apiextensionsv1.CustomResourceDefinitionSpec{
			Group: group,
			Names: apiextensionsv1.CustomResourceDefinitionNames{Plural: "mailboxes", Singular: "mailbox", Kind: "Mailbox", ListKind: "MailboxList"},
			Scope: apiextensionsv1.NamespaceScoped,
			Versions: []apiextensionsv1.CustomResourceDefinitionVersion{{
				Name: "v1", Served: true, Storage: true,
				Subresources: &apiextensionsv1.CustomResourceSubresources{Status: &apiextensionsv1.CustomResourceSubresourceStatus{}},
				Schema: &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: &apiextensionsv1.JSONSchemaProps{
					Type: "object", XPreserveUnknownFields: ptr.To(true),
				}},
			}},
		},
	}
	return serveCRD(t, crd), crd
}

// serveCRD creates a test's provider CRD, deletes it when the test ends,
// and waits until the API server serves its kind (version v1).
func serveCRD(t *testing.T, crd *apiextensionsv1.CustomResourceDefinition) schema.GroupVersionKind {
	t.Helper()
	ctx := context.Background()
	if err := k8s.Create(ctx, crd); err != nil {
		t.Fatalf("create CRD: %v", err)
	}
	t.Cleanup(func() { _ = k8s.Delete(context.Background(), crd) })
	gvk := schema.GroupVersionKind{Group: crd.Spec.Group, Version: "v1", Kind: crd.Spec.Names.Kind}
	NewWithT(t).Eventually(func(g Gomega) {
		list := &unstructured.UnstructuredList{}
		list.SetGroupVersionKind(gvk.GroupVersion().WithKind(crd.Spec.Names.ListKind))
		g.Expect(k8s.List(ctx, list)).To(Succeed())
	}).WithTimeout(timeout).Should(Succeed())
	return gvk
}

// mailboxProvider is the test's mail operator.
type mailboxProvider struct {
	gvk      schema.GroupVersionKind
	mu       sync.Mutex
	releases bool
	kick     chan struct{}
}

// startMailboxProvider runs the provider until the test ends: it puts its
// finalizer on every new mailbox and marks it Ready, and takes the
// finalizer off a deleted one only once release has been called.
func startMailboxProvider(t *testing.T, gvk schema.GroupVersionKind) *mailboxProvider {
	t.Helper()
	p := &mailboxProvider{gvk: gvk, kick: make(chan struct{}, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			p.watchOnce(ctx)
		}
	}()
	return p
}

// release lets the provider finish every deletion, now and later.
func (p *mailboxProvider) release() {
	p.mu.Lock()
	p.releases = true
	p.mu.Unlock()
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

func (p *mailboxProvider) releasing() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.releases
}

func (p *mailboxProvider) watchOnce(ctx context.Context) {
	list := &unstructured.UnstructuredList{}
	list.SetGroupVersionKind(p.gvk.GroupVersion().WithKind("MailboxList"))
	if err := k8s.List(ctx, list); err != nil {
		return
	}
	for i := range list.Items {
		p.handle(ctx, &list.Items[i])
	}
	w, err := k8s.Watch(ctx, list, &client.ListOptions{Raw: &metav1.ListOptions{ResourceVersion: list.GetResourceVersion()}})
	if err != nil {
		return
	}
	defer w.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.kick:
			return // list again, to release what is waiting
		case ev, ok := <-w.ResultChan():
			if !ok {
				return
			}
			if obj, isObj := ev.Object.(*unstructured.Unstructured); isObj && ev.Type != watch.Deleted {
				p.handle(ctx, obj)
			}
		}
	}
}

func (p *mailboxProvider) handle(ctx context.Context, mb *unstructured.Unstructured) {
	finalizers := mb.GetFinalizers()
	has := false
	for _, f := range finalizers {
		has = has || f == providerFinalizer
	}
	switch {
	case !mb.GetDeletionTimestamp().IsZero():
		if has && p.releasing() {
			mb.SetFinalizers(without(finalizers, providerFinalizer))
			_ = k8s.Update(ctx, mb)
		}
	case !has:
		mb.SetFinalizers(append(finalizers, providerFinalizer))
		_ = k8s.Update(ctx, mb)
	default:
		ready := map[string]any{"type": "Ready", "status": "True", "reason": "Provisioned", "message": "mailbox is live",
			"lastTransitionTime": metav1.Now().UTC().Format("2006-01-02T15:04:05Z")}
		conds, _, _ := unstructured.NestedSlice(mb.Object, "status", "conditions")
		if len(conds) == 1 {
			return
		}
		_ = unstructured.SetNestedSlice(mb.Object, []any{ready}, "status", "conditions")
		_ = k8s.Status().Update(ctx, mb)
	}
}

func without(list []string, item string) []string {
	var out []string
	for _, s := range list {
		if s != item {
			out = append(out, s)
		}
	}
	return out
}

// newServiceClass creates a class of the test's own from a template.
func newServiceClass(t testing.TB, column string, template map[string]any, tweak func(*iamv1alpha1.ServiceClassSpec)) *iamv1alpha1.ServiceClass {
	t.Helper()
	raw, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&unstructured.Unstructured{Object: template})
	if err != nil {
		t.Fatal(err)
	}
	data, err := (&unstructured.Unstructured{Object: raw}).MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	class := &iamv1alpha1.ServiceClass{
		ObjectMeta: metav1.ObjectMeta{Name: column + "-" + rand.String(5)},
		Spec: iamv1alpha1.ServiceClassSpec{
			DisplayName: strings.ToUpper(column[:1]) + column[1:], ColumnName: column,
			Template: runtime.RawExtension{Raw: data},
		},
	}
	if tweak != nil {
		tweak(&class.Spec)
	}
	if err := k8s.Create(context.Background(), class); err != nil {
		t.Fatalf("create service class: %v", err)
	}
	t.Cleanup(func() { _ = k8s.Delete(context.Background(), class) })
	return class
}

// newMailboxClass provisions Mailboxes, ready by their Ready condition.
func newMailboxClass(t *testing.T, gvk schema.GroupVersionKind, tweak func(*iamv1alpha1.ServiceClassSpec)) *iamv1alpha1.ServiceClass {
	return newServiceClass(t, "mailbox", map[string]any{
		"apiVersion": gvk.GroupVersion().String(), "kind": gvk.Kind,
		"spec": map[string]any{"address": "${user.email}", "quotaMB": "${params.quotaMB}", "owner": "${user.fullName}"},
	}, func(s *iamv1alpha1.ServiceClassSpec) {
		s.Readiness = &iamv1alpha1.ServiceReadiness{ConditionType: "Ready"}
		if tweak != nil {
			tweak(s)
		}
	})
}

// newConfigMapClass provisions ConfigMaps: ready as soon as they exist.
func newConfigMapClass(t *testing.T, column string, tweak func(*iamv1alpha1.ServiceClassSpec)) *iamv1alpha1.ServiceClass {
	return newServiceClass(t, column, map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap",
		"data": map[string]any{"email": "${user.email}", "account": "${account}", "size": "${params.size}"},
	}, tweak)
}

// newSubscription gives the account quantity seats of each class.
func newSubscription(t *testing.T, ns, name string, seats map[string]int32) {
	t.Helper()
	sub := &iamv1alpha1.Subscription{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	for class, quantity := range seats {
		sub.Spec.Services = append(sub.Spec.Services, iamv1alpha1.SubscribedService{ServiceClass: class, Quantity: quantity})
	}
	if err := k8s.Create(context.Background(), sub); err != nil {
		t.Fatalf("create subscription: %v", err)
	}
}

// serviceObject reads a service's object as the API server holds it; nil
// when it does not exist.
func serviceObject(g Gomega, gvk schema.GroupVersionKind, ns, name string) *unstructured.Unstructured {
	obj := &unstructured.Unstructured{}
	obj.SetGroupVersionKind(gvk)
	err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, obj)
	if apierrors.IsNotFound(err) {
		return nil
	}
	g.Expect(err).NotTo(HaveOccurred())
	return obj
}

// serviceStatus is the user's status entry for an assignment.
func serviceStatus(user *iamv1alpha1.User, name string) iamv1alpha1.ServiceStatus {
	for _, st := range user.Status.Services {
		if st.Name == name {
			return st
		}
	}
	return iamv1alpha1.ServiceStatus{}
}

func assign(class string, params map[string]string) iamv1alpha1.ServiceAssignment {
	return iamv1alpha1.ServiceAssignment{ServiceClass: class, Parameters: params}
}

var configMapGVK = schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}

func describeServices(u *iamv1alpha1.User) string {
	return fmt.Sprintf("%+v", u.Status.Services)
}

func rawJSON(s string) *runtime.RawExtension { return &runtime.RawExtension{Raw: []byte(s)} }
