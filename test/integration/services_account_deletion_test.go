package integration

import (
	"context"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// Deleting an account refuses every new object in its namespace; the
// manager takes that as the expected end of the account, not an error:
// no "Reconciler error" line names the namespace.
func TestAccountDeletionLogsNoReconcilerErrors(t *testing.T) {
	tm, ns := startAccount(t)
	class := newConfigMapClass(t, "files", func(s *iamv1alpha1.ServiceClassSpec) { s.ProvisionWhileInvited = true })
	newSubscription(t, ns, "basic", map[string]int32{class.Name: 3})
	for _, name := range []string{"alice", "bob", "carol"} {
		u := newUser(ns, name, name+"@account-deletion.example")
		u.Spec.Services = []iamv1alpha1.ServiceAssignment{assign(class.Name, map[string]string{"size": "1"})}
		if name == "alice" {
			inviteAndAccept(t, tm, u)
			continue
		}
		createUser(t, u)
	}
	for _, name := range []string{"alice", "bob", "carol"} {
		eventuallyUser(t, client.ObjectKey{Namespace: ns, Name: name}, func(g Gomega, u *iamv1alpha1.User) {
			g.Expect(serviceStatus(u, class.Name).Phase).To(Equal(iamv1alpha1.ServicePhaseReady), describeServices(u))
		})
	}

	g0 := NewWithT(t)
	g0.Expect(k8s.Create(context.Background(), &iamv1alpha1.Team{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "support"},
		Spec:       iamv1alpha1.TeamSpec{DisplayName: "Support", Members: []string{"alice", "bob"}, Role: "manager"},
	})).To(Succeed())
	createTransaction(t, newTransaction(ns, "refill-1", "alice", iamv1alpha1.TransactionRefill, "10"))
	eventuallyUser(t, client.ObjectKey{Namespace: ns, Name: "alice"}, func(g Gomega, u *iamv1alpha1.User) {
		g.Expect(u.Status.Balance).NotTo(BeNil())
		g.Expect(u.Status.Balance.Count).To(Equal(int64(1)))
	})

	// As the namespace controller does: the namespace is marked, and what
	// it holds is deleted while the users' finalizers still run.
	ctx := context.Background()
	g := NewWithT(t)
	g.Expect(k8s.Delete(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(Succeed())
	g.Expect(k8s.DeleteAllOf(ctx, &corev1.ConfigMap{}, client.InNamespace(ns))).To(Succeed())
	g.Expect(k8s.DeleteAllOf(ctx, &rbacv1.RoleBinding{}, client.InNamespace(ns))).To(Succeed())
	// The users see their objects go before they go themselves, and say
	// why they cannot be made again.
	for _, name := range []string{"alice", "bob", "carol"} {
		eventuallyUser(t, client.ObjectKey{Namespace: ns, Name: name}, func(g Gomega, u *iamv1alpha1.User) {
			st := serviceStatus(u, class.Name)
			g.Expect(st.Reason).To(Equal(iamv1alpha1.ReasonNamespaceTerminating), describeServices(u))
			g.Expect(st.Message).To(ContainSubstring("namespace " + ns + " is being deleted"))
		})
	}
	eventuallyUser(t, client.ObjectKey{Namespace: ns, Name: "alice"}, func(g Gomega, u *iamv1alpha1.User) {
		g.Expect(condition(u, iamv1alpha1.RoleBoundCondition).Reason).To(Equal(iamv1alpha1.ReasonNamespaceTerminating),
			"a binding refused because the namespace goes is not blamed on the role")
	})
	g.Expect(k8s.DeleteAllOf(ctx, &iamv1alpha1.Team{}, client.InNamespace(ns))).To(Succeed())
	g.Expect(k8s.DeleteAllOf(ctx, &iamv1alpha1.Subscription{}, client.InNamespace(ns))).To(Succeed())
	deleteAccount(t, ns)
	var errors []string
	for _, line := range strings.Split(managerLog.String(), "\n") {
		if strings.Contains(line, "Reconciler error") && strings.Contains(line, ns) {
			errors = append(errors, line)
		}
	}
	NewWithT(t).Expect(errors).To(BeEmpty(), "refusals of a namespace being deleted are expected")
}
