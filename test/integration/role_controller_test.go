package integration

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
	authorizationv1 "k8s.io/api/authorization/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/rand"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/rbac"
)

var readConfigMaps = rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"get", "list"}}

// newRole is a role of the test's own, so that deleting it disturbs no
// other test.
func newRole(t *testing.T, manageUsers bool, rules ...rbacv1.PolicyRule) *iamv1alpha1.Role {
	t.Helper()
	role := &iamv1alpha1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: "role-" + rand.String(6)},
		Spec:       iamv1alpha1.RoleSpec{DisplayName: "Test role", ManageUsers: manageUsers, Rules: rules},
	}
	if err := k8s.Create(context.Background(), role); err != nil {
		t.Fatalf("create role: %v", err)
	}
	t.Cleanup(func() { _ = k8s.Delete(context.Background(), role) })
	return role
}

func getClusterRole(g Gomega, name string) *rbacv1.ClusterRole {
	cr := &rbacv1.ClusterRole{}
	g.Expect(k8s.Get(context.Background(), client.ObjectKey{Name: name}, cr)).To(Succeed())
	return cr
}

// can asks the API server's own authorizer whether the person may do verb
// on resource in namespace, exactly as `kubectl auth can-i --as` does.
func can(g Gomega, person, verb, group, resource, namespace string) bool {
	sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		User: person,
		ResourceAttributes: &authorizationv1.ResourceAttributes{
			Namespace: namespace, Verb: verb, Group: group, Resource: resource,
		},
	}}
	g.Expect(k8s.Create(context.Background(), sar)).To(Succeed())
	return sar.Status.Allowed
}

// eventuallyCan waits for RBAC to say allowed (or not): the authorizer
// learns of new bindings through its own informers.
func eventuallyCan(t *testing.T, person, verb, resource, namespace string, allowed bool) {
	t.Helper()
	NewWithT(t).Eventually(func(g Gomega) bool {
		return can(g, person, verb, iamv1alpha1.GroupVersion.Group, resource, namespace)
	}).WithTimeout(timeout).Should(Equal(allowed), "%s %s %s in %s", person, verb, resource, namespace)
}

func TestRoleIsRenderedAsClusterRole(t *testing.T) {
	smtp := startSMTP(t)
	tm := startManager(t, testOptions(t, smtp))
	tm.smtp = smtp
	role := newRole(t, true, readConfigMaps)
	name := rbac.ClusterRoleName(role.Name)
	g := NewWithT(t)

	g.Eventually(func(g Gomega) {
		cr := getClusterRole(g, name)
		g.Expect(cr.Rules).To(HaveLen(2), "its rules and the authority over users")
		g.Expect(cr.Rules[0]).To(Equal(readConfigMaps))
		g.Expect(cr.Rules[1].Resources).To(ContainElements("users", "balancetransactions"))
		g.Expect(cr.Rules[1].Verbs).To(ContainElements("create", "update", "delete"))
		g.Expect(metav1.IsControlledBy(cr, role)).To(BeTrue())
		got := &iamv1alpha1.Role{}
		g.Expect(k8s.Get(context.Background(), client.ObjectKeyFromObject(role), got)).To(Succeed())
		g.Expect(got.Status.ObservedGeneration).To(Equal(got.Generation))
		g.Expect(meta.IsStatusConditionTrue(got.Status.Conditions, iamv1alpha1.ReadyCondition)).To(BeTrue())
		g.Expect(got.Status.ClusterRoleName).To(Equal(name))
	}).WithTimeout(timeout).Should(Succeed())

	t.Run("a changed spec changes the ClusterRole", func(t *testing.T) {
		g := NewWithT(t)
		got := &iamv1alpha1.Role{}
		g.Expect(k8s.Get(context.Background(), client.ObjectKeyFromObject(role), got)).To(Succeed())
		patch := client.MergeFrom(got.DeepCopy())
		got.Spec.ManageUsers = false
		g.Expect(k8s.Patch(context.Background(), got, patch)).To(Succeed())
		g.Eventually(func(g Gomega) {
			g.Expect(getClusterRole(g, name).Rules).To(Equal([]rbacv1.PolicyRule{readConfigMaps}))
		}).WithTimeout(timeout).Should(Succeed())
	})

	t.Run("the status counts the holders", func(t *testing.T) {
		ns := newNamespace(t)
		for _, name := range []string{"ann", "ben"} {
			user := newUser(ns, name, name+"@count.example")
			user.Spec.Role = role.Name
			createUser(t, user)
		}
		NewWithT(t).Eventually(func(g Gomega) int32 {
			got := &iamv1alpha1.Role{}
			g.Expect(k8s.Get(context.Background(), client.ObjectKeyFromObject(role), got)).To(Succeed())
			return got.Status.Users
		}).WithTimeout(timeout).Should(BeEquivalentTo(2))
	})
}

func TestRolesGrantRealAccess(t *testing.T) {
	smtp := startSMTP(t)
	tm := startManager(t, testOptions(t, smtp))
	tm.smtp = smtp
	ns, otherNS := newNamespace(t), newNamespace(t)
	owner := newUser(ns, "olivia", "olivia@access.example")
	owner.Spec.Role = "owner"
	ownerKey := inviteAndAccept(t, tm, owner)
	managerKey := inviteAndAccept(t, tm, newUser(ns, "max", "max@access.example"))

	user := eventuallyUser(t, ownerKey, func(g Gomega, u *iamv1alpha1.User) {
		g.Expect(condition(u, iamv1alpha1.RoleBoundCondition).Status).To(Equal(metav1.ConditionTrue))
	})
	binding := &rbacv1.RoleBinding{}
	g := NewWithT(t)
	g.Expect(k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: rbac.RoleBindingName("olivia")}, binding)).To(Succeed())
	g.Expect(binding.RoleRef.Name).To(Equal(rbac.ClusterRoleName("owner")))
	g.Expect(binding.Subjects).To(ConsistOf(rbacv1.Subject{Kind: "User", APIGroup: rbacv1.GroupName, Name: "olivia@access.example"}))
	g.Expect(metav1.IsControlledBy(binding, user)).To(BeTrue())

	eventuallyCan(t, "olivia@access.example", "create", "users", ns, true)
	eventuallyCan(t, "olivia@access.example", "delete", "users", ns, true)
	eventuallyCan(t, "max@access.example", "list", "users", ns, true)
	// Refilling a balance is managing users, too.
	eventuallyCan(t, "olivia@access.example", "create", "balancetransactions", ns, true)
	eventuallyCan(t, "max@access.example", "list", "balancetransactions", ns, true)
	g.Expect(can(g, "max@access.example", "create", iamv1alpha1.GroupVersion.Group, "balancetransactions", ns)).To(BeFalse(), "a manager cannot refill")
	g.Expect(can(g, "max@access.example", "create", iamv1alpha1.GroupVersion.Group, "users", ns)).To(BeFalse(), "a manager cannot invite")
	g.Expect(can(g, "olivia@access.example", "create", iamv1alpha1.GroupVersion.Group, "users", otherNS)).To(BeFalse(), "nobody reaches another account")
	g.Expect(can(g, "olivia@access.example", "get", "", "secrets", ns)).To(BeFalse(), "credential Secrets stay out of reach")

	t.Run("an invited user has no binding", func(t *testing.T) {
		key := createUser(t, newUser(ns, "ivy", "ivy@access.example"))
		u := eventuallyUser(t, key, func(g Gomega, u *iamv1alpha1.User) {
			g.Expect(condition(u, iamv1alpha1.RoleBoundCondition).Reason).To(Equal(iamv1alpha1.ReasonNotActive))
		})
		NewWithT(t).Expect(u.Status.Phase).To(Equal(iamv1alpha1.UserPhaseInvited))
		NewWithT(t).Expect(can(NewWithT(t), "ivy@access.example", "list", iamv1alpha1.GroupVersion.Group, "users", ns)).To(BeFalse())
	})

	t.Run("a role change swaps the binding", func(t *testing.T) {
		setRole(t, managerKey, "owner")
		eventuallyCan(t, "max@access.example", "create", "users", ns, true)
		setRole(t, managerKey, "manager")
		eventuallyCan(t, "max@access.example", "create", "users", ns, false)
		eventuallyUser(t, managerKey, hasPhase(iamv1alpha1.UserPhaseActive))
		expectEvents(t, managerKey, "RoleBound", "RoleChanged")
	})

	t.Run("a disabled owner loses access and gets it back", func(t *testing.T) {
		// A second owner keeps the account managed while olivia is away.
		setRole(t, managerKey, "owner")
		setState(t, ownerKey, iamv1alpha1.UserStateDisabled)
		eventuallyCan(t, "olivia@access.example", "list", "users", ns, false)
		setState(t, ownerKey, iamv1alpha1.UserStateActive)
		eventuallyCan(t, "olivia@access.example", "create", "users", ns, true)
	})

	t.Run("a deleted owner loses access", func(t *testing.T) {
		g := NewWithT(t)
		g.Expect(k8s.Delete(context.Background(), getUser(g, ownerKey))).To(Succeed())
		g.Eventually(func() bool {
			return apierrors.IsNotFound(k8s.Get(context.Background(), ownerKey, &iamv1alpha1.User{}))
		}).WithTimeout(timeout).Should(BeTrue(), "user gone")
		err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: rbac.RoleBindingName("olivia")}, &rbacv1.RoleBinding{})
		g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "binding gone, got %v", err)
		eventuallyCan(t, "olivia@access.example", "create", "users", ns, false)
	})
}

func TestRoleDeletedWhileHeldRevokesAndComesBack(t *testing.T) {
	smtp := startSMTP(t)
	tm := startManager(t, testOptions(t, smtp))
	tm.smtp = smtp
	role := newRole(t, false, readConfigMaps)
	ns := newNamespace(t)
	user := newUser(ns, "rita", "rita@revoke.example")
	user.Spec.Role = role.Name
	key := inviteAndAccept(t, tm, user)
	eventuallyCanConfigMaps := func(allowed bool) {
		t.Helper()
		NewWithT(t).Eventually(func(g Gomega) bool {
			return can(g, "rita@revoke.example", "list", "", "configmaps", ns)
		}).WithTimeout(timeout).Should(Equal(allowed))
	}
	eventuallyCanConfigMaps(true)

	g := NewWithT(t)
	g.Expect(k8s.Delete(context.Background(), role)).To(Succeed())
	g.Eventually(func() bool {
		return apierrors.IsNotFound(k8s.Get(context.Background(), client.ObjectKeyFromObject(role), &iamv1alpha1.Role{}))
	}).WithTimeout(timeout).Should(BeTrue(), "the deletion of a held role is never blocked")
	revoked := eventuallyUser(t, key, hasPhase(iamv1alpha1.UserPhaseRevoked))
	g.Expect(condition(revoked, iamv1alpha1.RoleBoundCondition).Reason).To(Equal(iamv1alpha1.ReasonRoleNotFound))
	g.Expect(condition(revoked, iamv1alpha1.ReadyCondition).Status).To(Equal(metav1.ConditionFalse))
	eventuallyCanConfigMaps(false)

	recreated := &iamv1alpha1.Role{ObjectMeta: metav1.ObjectMeta{Name: role.Name}, Spec: role.Spec}
	g.Expect(k8s.Create(context.Background(), recreated)).To(Succeed())
	eventuallyUser(t, key, hasPhase(iamv1alpha1.UserPhaseActive))
	eventuallyCanConfigMaps(true)
	// envtest runs no garbage collector, so the old ClusterRole was still
	// there: the new Role adopts it.
	g.Eventually(func(g Gomega) {
		g.Expect(metav1.IsControlledBy(getClusterRole(g, rbac.ClusterRoleName(role.Name)), recreated)).To(BeTrue())
	}).WithTimeout(timeout).Should(Succeed())
}

func TestUserWithUnknownRoleIsRevokedUntilItAppears(t *testing.T) {
	smtp := startSMTP(t)
	tm := startManager(t, testOptions(t, smtp))
	tm.smtp = smtp
	ns := newNamespace(t)
	roleName := "later-" + rand.String(6)
	user := newUser(ns, "lou", "lou@later.example")
	user.Spec.Role = roleName
	key := createAndAccept(t, tm, user)
	eventuallyUser(t, key, hasPhase(iamv1alpha1.UserPhaseRevoked))

	role := &iamv1alpha1.Role{ObjectMeta: metav1.ObjectMeta{Name: roleName}, Spec: iamv1alpha1.RoleSpec{DisplayName: "Later", Rules: []rbacv1.PolicyRule{readConfigMaps}}}
	NewWithT(t).Expect(k8s.Create(context.Background(), role)).To(Succeed())
	t.Cleanup(func() { _ = k8s.Delete(context.Background(), role) })
	eventuallyUser(t, key, hasPhase(iamv1alpha1.UserPhaseActive))
}

func setRole(t *testing.T, key client.ObjectKey, role string) {
	t.Helper()
	g := NewWithT(t)
	g.Expect(changeUser(g, key, func(u *iamv1alpha1.User) { u.Spec.Role = role })).To(Succeed())
}
