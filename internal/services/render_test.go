package services

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

func testClass(template string, mutate func(*iamv1alpha1.ServiceClass)) *iamv1alpha1.ServiceClass {
	c := &iamv1alpha1.ServiceClass{
		ObjectMeta: metav1.ObjectMeta{Name: "mailbox"},
		Spec:       iamv1alpha1.ServiceClassSpec{ColumnName: "mailbox", Template: runtime.RawExtension{Raw: []byte(template)}},
	}
	if mutate != nil {
		mutate(c)
	}
	return c
}

func testUser() *iamv1alpha1.User {
	return &iamv1alpha1.User{
		ObjectMeta: metav1.ObjectMeta{Namespace: "acme", Name: "alice", UID: "uid-1"},
		Spec:       iamv1alpha1.UserSpec{FullName: "Alice Example", Email: "alice@example.com"},
	}
}

func TestRenderFillsPlaceholdersNamesLabelsAndOwns(t *testing.T) {
	class := testClass(`{"apiVersion":"mail.example.com/v1","kind":"Mailbox","metadata":{"labels":{"tier":"${params.tier}"}},
		"spec":{"address":"${user.email}","display":"${user.fullName} (${account})","sizes":["${params.size}"],"n":3}}`, nil)
	obj, err := Render(Request{Class: class, User: testUser(), Assignment: iamv1alpha1.ServiceAssignment{
		ServiceClass: "mailbox", Parameters: map[string]string{"size": "5Gi", "tier": "gold"}}})
	if err != nil {
		t.Fatal(err)
	}
	if obj.GetName() != "alice-mailbox" || obj.GetNamespace() != "acme" {
		t.Errorf("name %s/%s, want acme/alice-mailbox", obj.GetNamespace(), obj.GetName())
	}
	spec, _, _ := unstructured.NestedMap(obj.Object, "spec")
	want := map[string]any{"address": "alice@example.com", "display": "Alice Example (acme)", "sizes": []any{"5Gi"}, "n": float64(3)}
	for k, v := range want {
		if got := spec[k]; !equalJSON(got, v) {
			t.Errorf("spec.%s = %#v, want %#v", k, got, v)
		}
	}
	labels := obj.GetLabels()
	for k, v := range map[string]string{"tier": "gold", iamv1alpha1.UserLabel: "alice", iamv1alpha1.ServiceLabel: "mailbox",
		iamv1alpha1.ServiceClassLabel: "mailbox", iamv1alpha1.AccountLabel: "acme", iamv1alpha1.ManagedByLabel: iamv1alpha1.ManagedBy} {
		if labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, labels[k], v)
		}
	}
	owners := obj.GetOwnerReferences()
	if len(owners) != 1 || owners[0].UID != "uid-1" || owners[0].Controller == nil || !*owners[0].Controller {
		t.Errorf("owner references %+v, want the user as controller", owners)
	}
	if obj.GetAnnotations()[iamv1alpha1.ServiceTemplateHashAnnotation] == "" {
		t.Error("no template hash annotation")
	}
}

func TestRenderHashChangesWithTheParameters(t *testing.T) {
	class := testClass(`{"apiVersion":"v1","kind":"ConfigMap","data":{"size":"${params.size}"}}`, nil)
	hash := func(size string) string {
		obj, err := Render(Request{Class: class, User: testUser(), Assignment: iamv1alpha1.ServiceAssignment{ServiceClass: "mailbox", Parameters: map[string]string{"size": size}}})
		if err != nil {
			t.Fatal(err)
		}
		return obj.GetAnnotations()[iamv1alpha1.ServiceTemplateHashAnnotation]
	}
	if first, again := hash("1"), hash("1"); first != again {
		t.Error("the same input renders different hashes")
	}
	if hash("1") == hash("2") {
		t.Error("a parameter change keeps the hash")
	}
}

func TestRenderClusterScopedIsPrefixedWithTheAccountAndNotOwned(t *testing.T) {
	class := testClass(`{"apiVersion":"example.com/v1","kind":"Bucket","metadata":{"namespace":"elsewhere"}}`, func(c *iamv1alpha1.ServiceClass) {
		c.Spec.Scope = iamv1alpha1.ServiceScopeCluster
	})
	obj, err := Render(Request{Class: class, User: testUser(), Assignment: iamv1alpha1.ServiceAssignment{Name: "backup", ServiceClass: "mailbox"}})
	if err != nil {
		t.Fatal(err)
	}
	if obj.GetName() != "acme-alice-backup" || obj.GetNamespace() != "" || len(obj.GetOwnerReferences()) != 0 {
		t.Errorf("got %s/%s owners %v; want cluster-scoped acme-alice-backup without owners", obj.GetNamespace(), obj.GetName(), obj.GetOwnerReferences())
	}
}

func TestRenderTakesTheClassDefaultsForMissingParameters(t *testing.T) {
	class := testClass(`{"apiVersion":"v1","kind":"ConfigMap","data":{"size":"${params.size}","tier":"${params.tier}"}}`, func(c *iamv1alpha1.ServiceClass) {
		c.Spec.DefaultParameters = map[string]string{"size": "5Gi", "tier": "basic"}
	})
	obj, err := Render(Request{Class: class, User: testUser(), Assignment: iamv1alpha1.ServiceAssignment{
		ServiceClass: "mailbox", Parameters: map[string]string{"tier": "gold"}}})
	if err != nil {
		t.Fatal(err)
	}
	data, _, _ := unstructured.NestedStringMap(obj.Object, "data")
	if data["size"] != "5Gi" || data["tier"] != "gold" {
		t.Errorf("data = %v, want the default size and the assignment's own tier", data)
	}
}

func TestRenderSuspendMergesIntoTheObject(t *testing.T) {
	class := testClass(`{"apiVersion":"v1","kind":"ConfigMap","data":{"a":"1","b":"2"}}`, func(c *iamv1alpha1.ServiceClass) {
		c.Spec.SuspendWhenDisabled = &runtime.RawExtension{Raw: []byte(`{"data":{"b":null,"suspended":"true"}}`)}
	})
	obj, err := Render(Request{Class: class, User: testUser(), Assignment: iamv1alpha1.ServiceAssignment{ServiceClass: "mailbox"}, Suspend: true})
	if err != nil {
		t.Fatal(err)
	}
	data, _, _ := unstructured.NestedStringMap(obj.Object, "data")
	if len(data) != 2 || data["a"] != "1" || data["suspended"] != "true" {
		t.Errorf("data = %v, want a=1 suspended=true", data)
	}
}

func TestRenderRefusesWhatItCannotFill(t *testing.T) {
	for name, tc := range map[string]struct{ template, want string }{
		"missing parameter":   {`{"apiVersion":"v1","kind":"ConfigMap","data":{"x":"${params.size}"}}`, "no parameter size"},
		"unknown placeholder": {`{"apiVersion":"v1","kind":"ConfigMap","data":{"x":"${user.phone}"}}`, "not a placeholder"},
		"no kind":             {`{"apiVersion":"v1"}`, "apiVersion and a kind"},
		"bad name":            {`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"${user.fullName}"}}`, "object name"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Render(Request{Class: testClass(tc.template, nil), User: testUser(), Assignment: iamv1alpha1.ServiceAssignment{ServiceClass: "mailbox"}})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestDefaultObjectNameFitsADNSLabel(t *testing.T) {
	long := strings.Repeat("a", 40)
	a, b := DefaultObjectName(long, long, "mailbox", false), DefaultObjectName(long, long, "mailbax", false)
	if len(a) > 63 || len(b) > 63 || a == b {
		t.Errorf("names %q and %q: want distinct names of at most 63 characters", a, b)
	}
}

func equalJSON(a, b any) bool {
	as, aok := a.([]any)
	bs, bok := b.([]any)
	if aok && bok {
		if len(as) != len(bs) {
			return false
		}
		for i := range as {
			if as[i] != bs[i] {
				return false
			}
		}
		return true
	}
	return a == b
}
