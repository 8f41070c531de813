package integration

import (
	"context"
	"net/http"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/rbac"
)

func hasRoleBinding(g Gomega, key client.ObjectKey) bool {
	err := k8s.Get(context.Background(), client.ObjectKey{Namespace: key.Namespace, Name: rbac.RoleBindingName(key.Name)}, &rbacv1.RoleBinding{})
	g.Expect(client.IgnoreNotFound(err)).To(Succeed())
	return err == nil
}

func TestSoftDeleteRestoreThenPurge(t *testing.T) {
	smtp := startSMTP(t)
	opts := testOptions(t, smtp)
	clock := &offsetClock{}
	opts.Clock = clock
	opts.Records.DeletionRetention = time.Hour
	tm := startManager(t, opts)
	tm.smtp = smtp
	ns := newNamespace(t)
	user := newUser(ns, "frank", "frank@softdelete.example")
	key := inviteAndAccept(t, tm, user)
	createTransaction(t, newTransaction(ns, "frank-refill", "frank", iamv1alpha1.TransactionRefill, "10.00"))
	eventuallyBalance(t, key, "10.00", 1)
	session := logInOK(t, tm, user, strongPassword)
	g := NewWithT(t)

	// Deleted softly: no access, no session, no sign-in, out of reach of
	// the ledger, and a purge time an hour on.
	setState(t, key, iamv1alpha1.UserStateDeleted)
	deleted := eventuallyUser(t, key, func(g Gomega, u *iamv1alpha1.User) {
		g.Expect(u.Status.Phase).To(Equal(iamv1alpha1.UserPhaseDeleted))
		g.Expect(condition(u, iamv1alpha1.ReadyCondition).Reason).To(Equal(iamv1alpha1.ReasonSoftDeleted))
		g.Expect(u.Status.PurgeTime).NotTo(BeNil())
		g.Expect(hasRoleBinding(g, key)).To(BeFalse())
	})
	g.Expect(deleted.Status.PurgeTime.Sub(deleted.Status.DeletedTime.Time)).To(Equal(time.Hour))
	g.Expect(condition(deleted, iamv1alpha1.ReadyCondition).Message).To(ContainSubstring(deleted.Status.PurgeTime.UTC().Format(time.RFC3339)))
	g.Eventually(func() int { return selfService(t, tm, http.MethodGet, "/v1/sessions/current", session, nil).code }).
		WithTimeout(timeout).Should(Equal(http.StatusUnauthorized))
	expectAnswer(t, logIn(t, tm, user, strongPassword), http.StatusUnauthorized, "LoginFailed")
	err := k8s.Create(context.Background(), newTransaction(ns, "frank-refill-2", "frank", iamv1alpha1.TransactionRefill, "1.00"))
	g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "no balance moves for a deleted user: %v", err)

	// Restored: access and sign-in again, the balance as it was.
	setState(t, key, iamv1alpha1.UserStateActive)
	restored := eventuallyUser(t, key, func(g Gomega, u *iamv1alpha1.User) {
		g.Expect(u.Status.Phase).To(Equal(iamv1alpha1.UserPhaseActive))
		g.Expect(u.Status.DeletedTime).To(BeNil())
		g.Expect(hasRoleBinding(g, key)).To(BeTrue())
	})
	g.Expect(restored.Status.Balance.Amount).To(Equal("10.00"))
	g.Expect(restored.Status.Balance.Count).To(BeEquivalentTo(1))
	logInOK(t, tm, user, strongPassword)

	// Deleted softly again and not restored within the retention: the
	// operator deletes it for real, through the finalizer path.
	setState(t, key, iamv1alpha1.UserStateDeleted)
	eventuallyUser(t, key, hasPhase(iamv1alpha1.UserPhaseDeleted))
	clock.Add(2 * time.Hour)
	// The pass that would run at the purge time runs now.
	annotate(t, key, "test.tenantry.io/nudge", "1")
	g.Eventually(func() bool {
		return apierrors.IsNotFound(k8s.Get(context.Background(), key, &iamv1alpha1.User{}))
	}).WithTimeout(timeout).Should(BeTrue())

	g.Eventually(func(g Gomega) {
		steps := stepsOf(historyOf(g, ns, "frank"))
		actions := make([]iamv1alpha1.UserChangeAction, 0, len(steps))
		for _, s := range steps {
			actions = append(actions, s.action)
		}
		g.Expect(actions).To(Equal([]iamv1alpha1.UserChangeAction{
			iamv1alpha1.ChangeCreated, iamv1alpha1.ChangeSoftDeleted, iamv1alpha1.ChangeRestored,
			iamv1alpha1.ChangeSoftDeleted, iamv1alpha1.ChangePurged,
		}))
	}).WithTimeout(timeout).Should(Succeed())
	purged := historyOf(g, ns, "frank")[4]
	g.Expect(purged.Spec.Summary).To(ContainSubstring("10.00 USD"))
	g.Expect(purged.Spec.Requester.Username).NotTo(BeEmpty())
}

func TestSoftDeletingTheLastOwnerIsRefused(t *testing.T) {
	_, ns := startAccount(t)
	owner := newUser(ns, "olga", "olga@softdelete.example")
	owner.Spec.Role = "owner"
	key := createUser(t, owner)
	g := NewWithT(t)
	g.Eventually(func() int64 { return filedSequence(g, key) }).WithTimeout(timeout).Should(BeEquivalentTo(1))
	err := changeUser(g, key, func(u *iamv1alpha1.User) { u.Spec.State = iamv1alpha1.UserStateDeleted })
	g.Expect(apierrors.IsForbidden(err)).To(BeTrue())
	g.Expect(err.Error()).To(ContainSubstring("cannot be deleted softly"))
	g.Expect(getUser(g, key).Spec.State).To(Equal(iamv1alpha1.UserStateActive))
	g.Expect(stepsOf(historyOf(g, ns, "olga"))).To(HaveLen(1), "a refused change leaves no record")
	g.Expect(getUser(g, key).Annotations[iamv1alpha1.PendingChangesAnnotation]).NotTo(ContainSubstring(`"seq":2`))
}

// A soft delete suspends the services of a class that says Suspend (the
// default), keeping the object and its seat, and removes those of a class
// that says Remove, freeing the seat; a restore brings both back.
func TestSoftDeleteSuspendsOrRemovesServicesByClass(t *testing.T) {
	_, ns := startAccount(t)
	kept := newConfigMapClass(t, "vault", func(s *iamv1alpha1.ServiceClassSpec) {
		s.ProvisionWhileInvited = true
		s.SuspendWhenDisabled = rawJSON(`{"data":{"suspended":"true"}}`)
	})
	dropped := newConfigMapClass(t, "scratch", func(s *iamv1alpha1.ServiceClassSpec) {
		s.ProvisionWhileInvited = true
		s.WhenUserDeleted = iamv1alpha1.ServiceRemoveWhenUserDeleted
	})
	newSubscription(t, ns, "basic", map[string]int32{kept.Name: 1, dropped.Name: 1})
	g := NewWithT(t)
	user := newUser(ns, "gina", "gina@softdelete.example")
	size := map[string]string{"size": "1Gi"}
	user.Spec.Services = []iamv1alpha1.ServiceAssignment{assign(kept.Name, size), assign(dropped.Name, size)}
	key := createUser(t, user)
	keptName, droppedName := "gina-"+kept.Name, "gina-"+dropped.Name
	var keptUID, droppedUID types.UID
	g.Eventually(func(g Gomega) {
		a, b := serviceObject(g, configMapGVK, ns, keptName), serviceObject(g, configMapGVK, ns, droppedName)
		g.Expect(a).NotTo(BeNil())
		g.Expect(b).NotTo(BeNil())
		keptUID, droppedUID = a.GetUID(), b.GetUID()
	}).WithTimeout(timeout).Should(Succeed())
	seats := func(g Gomega) string {
		sub := &iamv1alpha1.Subscription{}
		g.Expect(k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "basic"}, sub)).To(Succeed())
		return sub.Status.Summary
	}

	setState(t, key, iamv1alpha1.UserStateDeleted)
	g.Eventually(func(g Gomega) {
		a := serviceObject(g, configMapGVK, ns, keptName)
		g.Expect(a.Object["data"]).To(HaveKeyWithValue("suspended", "true"))
		g.Expect(a.GetUID()).To(Equal(keptUID))
		g.Expect(serviceObject(g, configMapGVK, ns, droppedName)).To(BeNil())
		g.Expect(seats(g)).To(ContainSubstring(dropped.Name + ":0/1"))
		g.Expect(seats(g)).To(ContainSubstring(kept.Name + ":1/1"))
	}).WithTimeout(timeout).Should(Succeed())

	setState(t, key, iamv1alpha1.UserStateActive)
	g.Eventually(func(g Gomega) {
		a := serviceObject(g, configMapGVK, ns, keptName)
		g.Expect(a.Object["data"]).NotTo(HaveKey("suspended"))
		g.Expect(a.GetUID()).To(Equal(keptUID), "a suspended service comes back as it was")
		b := serviceObject(g, configMapGVK, ns, droppedName)
		g.Expect(b).NotTo(BeNil(), "%s; seats %s", describeServices(getUser(g, key)), seats(g))
		g.Expect(b.GetUID()).NotTo(Equal(droppedUID), "a removed service is made again")
	}).WithTimeout(timeout).Should(Succeed())
}
