package console

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/rand"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// newConfigMapClass is a service class of ConfigMaps, ready as soon as
// they exist, shown in the grid's column column. Service classes are the
// cluster's: each test has one of its own.
func newConfigMapClass(t *testing.T, column string) *iamv1alpha1.ServiceClass {
	t.Helper()
	class := &iamv1alpha1.ServiceClass{
		ObjectMeta: metav1.ObjectMeta{Name: column + "-" + rand.String(5)},
		Spec: iamv1alpha1.ServiceClassSpec{
			DisplayName: "Mailbox", ColumnName: column,
			Template: runtime.RawExtension{Raw: []byte(`{"apiVersion":"v1","kind":"ConfigMap","data":{"address":"${user.email}"}}`)},
		},
	}
	if err := k8s.Create(context.Background(), class); err != nil {
		t.Fatalf("create service class: %v", err)
	}
	t.Cleanup(func() { _ = k8s.Delete(context.Background(), class) })
	return class
}

// newSubscription gives the account quantity seats of class.
func newSubscription(t *testing.T, ns, name, class string, quantity int32) {
	t.Helper()
	sub := &iamv1alpha1.Subscription{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	sub.Spec.Services = []iamv1alpha1.SubscribedService{{ServiceClass: class, Quantity: quantity}}
	if err := k8s.Create(context.Background(), sub); err != nil {
		t.Fatalf("create subscription: %v", err)
	}
}
