package testsupport

import (
	"context"
	"testing"
	"time"

	"github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// NewUser is a manager of the account: tests about other things can delete
// or disable it without meeting the last-owner rule.
func NewUser(namespace, name, email string) *iamv1alpha1.User {
	return &iamv1alpha1.User{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
		Spec:       iamv1alpha1.UserSpec{FullName: "Alice Example", Email: email, Role: "manager"},
	}
}

// CreateUser creates the user through admission and fails the test if the
// API server refuses it.
func CreateUser(t testing.TB, c client.Client, user *iamv1alpha1.User) client.ObjectKey {
	t.Helper()
	if err := c.Create(context.Background(), user); err != nil {
		t.Fatalf("create user: %v", err)
	}
	return client.ObjectKeyFromObject(user)
}

// GetUser reads the user as the API server holds it.
func GetUser(g gomega.Gomega, c client.Client, key client.ObjectKey) *iamv1alpha1.User {
	user := &iamv1alpha1.User{}
	g.Expect(c.Get(context.Background(), key, user)).To(gomega.Succeed())
	return user
}

// ChangeUser applies change to the user as the API server holds it and
// patches the difference; it returns the API server's answer.
func ChangeUser(g gomega.Gomega, c client.Client, key client.ObjectKey, change func(u *iamv1alpha1.User)) error {
	user := GetUser(g, c, key)
	patch := client.MergeFrom(user.DeepCopy())
	change(user)
	return c.Patch(context.Background(), user, patch)
}

// DeleteAccount deletes a customer account the way a cluster does. envtest
// runs no namespace controller, so after marking the namespace for deletion
// it does that controller's work: delete the account's balance transactions
// and users, older transactions and last owners included, and wait until
// they are gone.
func DeleteAccount(t testing.TB, c client.Client, ns string) {
	t.Helper()
	g := gomega.NewWithT(t)
	ctx := context.Background()
	g.Expect(c.Delete(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(gomega.Succeed())
	g.Expect(c.DeleteAllOf(ctx, &iamv1alpha1.BalanceTransaction{}, client.InNamespace(ns))).To(gomega.Succeed())
	g.Expect(c.DeleteAllOf(ctx, &iamv1alpha1.User{}, client.InNamespace(ns))).To(gomega.Succeed())
	g.Eventually(func(g gomega.Gomega) {
		txs := &iamv1alpha1.BalanceTransactionList{}
		g.Expect(c.List(ctx, txs, client.InNamespace(ns))).To(gomega.Succeed())
		g.Expect(txs.Items).To(gomega.BeEmpty())
		users := &iamv1alpha1.UserList{}
		g.Expect(c.List(ctx, users, client.InNamespace(ns))).To(gomega.Succeed())
		g.Expect(users.Items).To(gomega.BeEmpty())
	}).WithTimeout(Timeout).Should(gomega.Succeed())
}

// Timeout bounds every wait for the operator in the suites.
const Timeout = 30 * time.Second

// EventsOn lists the events recorded on a User, as "reason: note".
func EventsOn(g gomega.Gomega, c client.Reader, user *iamv1alpha1.User) []string {
	list := &eventsv1.EventList{}
	g.Expect(c.List(context.Background(), list, client.InNamespace(user.Namespace))).To(gomega.Succeed())
	var out []string
	for _, e := range list.Items {
		if e.Regarding.Kind == "User" && e.Regarding.Name == user.Name {
			out = append(out, e.Reason+": "+e.Note)
		}
	}
	return out
}
