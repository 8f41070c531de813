package webhook_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/testsupport"
)

// These tests go through the admission webhooks the suite serves; no
// controller needs to run for them.

func withoutRole(u *iamv1alpha1.User) *iamv1alpha1.User {
	u.Spec.Role = ""
	return u
}

func withRole(u *iamv1alpha1.User, role string) *iamv1alpha1.User {
	u.Spec.Role = role
	return u
}

func TestFirstUserOfAnAccountBecomesOwner(t *testing.T) {
	g := NewWithT(t)
	ns := testsupport.NewNamespace(t, k8s)
	first := testsupport.CreateUser(t, k8s, withoutRole(testsupport.NewUser(ns, "fay", "fay@first.example")))
	second := testsupport.CreateUser(t, k8s, withoutRole(testsupport.NewUser(ns, "gus", "gus@first.example")))
	g.Expect(testsupport.GetUser(g, k8s, first).Spec.Role).To(Equal("owner"))
	g.Expect(testsupport.GetUser(g, k8s, second).Spec.Role).To(Equal("manager"))

	// A role someone wrote is kept, even on the first user.
	other := testsupport.NewNamespace(t, k8s)
	named := testsupport.CreateUser(t, k8s, withRole(testsupport.NewUser(other, "hal", "hal@first.example"), "manager"))
	g.Expect(testsupport.GetUser(g, k8s, named).Spec.Role).To(Equal("manager"))
}

func TestTwoUsersCreatedAtOnceLeaveAnOwner(t *testing.T) {
	g := NewWithT(t)
	ns := testsupport.NewNamespace(t, k8s)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		wg.Go(func() {
			errs[i] = k8s.Create(context.Background(), withoutRole(testsupport.NewUser(ns, fmt.Sprintf("twin-%d", i), fmt.Sprintf("twin%d@race.example", i))))
		})
	}
	wg.Wait()
	g.Expect(errs).To(HaveEach(Succeed()))
	users := &iamv1alpha1.UserList{}
	g.Expect(k8s.List(context.Background(), users, client.InNamespace(ns))).To(Succeed())
	var owners int
	for _, u := range users.Items {
		if u.Spec.Role == "owner" {
			owners++
		}
	}
	g.Expect(owners).To(BeNumerically(">=", 1), "the account has an owner")
}

func TestUnknownRoleIsAdmitted(t *testing.T) {
	ns := testsupport.NewNamespace(t, k8s)
	key := testsupport.CreateUser(t, k8s, withRole(testsupport.NewUser(ns, "uma", "uma@unknown.example"), "not-yet-applied"))
	NewWithT(t).Expect(testsupport.GetUser(NewWithT(t), k8s, key).Spec.Role).To(Equal("not-yet-applied"))
}

func TestLastOwnerRule(t *testing.T) {
	ns := testsupport.NewNamespace(t, k8s)
	alice := testsupport.CreateUser(t, k8s, withRole(testsupport.NewUser(ns, "alice", "alice@last.example"), "owner"))
	testsupport.CreateUser(t, k8s, withRole(testsupport.NewUser(ns, "bob", "bob@last.example"), "manager"))
	disabledOwner := withRole(testsupport.NewUser(ns, "dot", "dot@last.example"), "owner")
	disabledOwner.Spec.State = iamv1alpha1.UserStateDisabled
	testsupport.CreateUser(t, k8s, disabledOwner)

	expectRefused := func(t *testing.T, err error, change string) {
		t.Helper()
		g := NewWithT(t)
		g.Expect(err).To(HaveOccurred())
		g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "%v", err)
		g.Expect(err.Error()).To(ContainSubstring("last-owner rule"))
		g.Expect(err.Error()).To(ContainSubstring("cannot be " + change))
	}
	t.Run("the last owner cannot be demoted", func(t *testing.T) {
		g := NewWithT(t)
		expectRefused(t, testsupport.ChangeUser(g, k8s, alice, func(u *iamv1alpha1.User) { u.Spec.Role = "manager" }), `given the role "manager"`)
	})
	t.Run("the last owner cannot be disabled", func(t *testing.T) {
		g := NewWithT(t)
		expectRefused(t, testsupport.ChangeUser(g, k8s, alice, func(u *iamv1alpha1.User) { u.Spec.State = iamv1alpha1.UserStateDisabled }), "disabled")
	})
	t.Run("the last owner cannot be deleted", func(t *testing.T) {
		g := NewWithT(t)
		expectRefused(t, k8s.Delete(context.Background(), testsupport.GetUser(g, k8s, alice)), "deleted")
		g.Expect(testsupport.GetUser(g, k8s, alice).DeletionTimestamp).To(BeNil())
	})
	t.Run("other changes to the last owner are allowed", func(t *testing.T) {
		g := NewWithT(t)
		g.Expect(testsupport.ChangeUser(g, k8s, alice, func(u *iamv1alpha1.User) { u.Spec.Phone = "15550100" })).To(Succeed())
	})
	t.Run("deleting the account may delete its last owner", func(t *testing.T) {
		// The deletion is admitted; the User controller, which this suite
		// does not run, then removes what alice owned and lets her go.
		g := NewWithT(t)
		ctx := context.Background()
		g.Expect(k8s.Delete(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(Succeed())
		g.Expect(k8s.DeleteAllOf(ctx, &iamv1alpha1.User{}, client.InNamespace(ns))).To(Succeed())
		g.Expect(testsupport.GetUser(g, k8s, alice).DeletionTimestamp).NotTo(BeNil())
	})
}

func TestOwnerCanLeaveWhenAnotherRemains(t *testing.T) {
	g := NewWithT(t)
	ns := testsupport.NewNamespace(t, k8s)
	alice := testsupport.CreateUser(t, k8s, withRole(testsupport.NewUser(ns, "alice", "alice@two.example"), "owner"))
	bob := testsupport.CreateUser(t, k8s, withRole(testsupport.NewUser(ns, "bob", "bob@two.example"), "owner"))

	g.Expect(testsupport.ChangeUser(g, k8s, alice, func(u *iamv1alpha1.User) { u.Spec.Role = "manager" })).To(Succeed(), "bob still owns the account")
	// Now bob is the last one.
	err := k8s.Delete(context.Background(), testsupport.GetUser(g, k8s, bob))
	g.Expect(err).To(MatchError(ContainSubstring("last-owner rule")))
}

// TestTwoOwnersRemovedAtOnceLeaveOne removes the only two owners of an
// account at the same moment, one demoted and one deleted, many times
// over: each webhook sees the other owner still there, so only taking
// turns keeps one of them.
func TestTwoOwnersRemovedAtOnceLeaveOne(t *testing.T) {
	for round := range 10 {
		g := NewWithT(t)
		ctx := context.Background()
		ns := testsupport.NewNamespace(t, k8s)
		alice := testsupport.CreateUser(t, k8s, withRole(testsupport.NewUser(ns, "alice", "alice@turns.example"), "owner"))
		bob := testsupport.CreateUser(t, k8s, withRole(testsupport.NewUser(ns, "bob", "bob@turns.example"), "owner"))

		var wg sync.WaitGroup
		var demoteErr, deleteErr error
		start := make(chan struct{})
		wg.Go(func() {
			user := testsupport.GetUser(g, k8s, alice)
			patch := client.MergeFrom(user.DeepCopy())
			user.Spec.Role = "manager"
			<-start
			demoteErr = k8s.Patch(ctx, user, patch)
		})
		wg.Go(func() {
			user := testsupport.GetUser(g, k8s, bob)
			<-start
			deleteErr = k8s.Delete(ctx, user)
		})
		close(start)
		wg.Wait()

		g.Expect([]error{demoteErr, deleteErr}).To(ContainElement(Succeed()), "round %d: one of them goes", round)
		g.Expect([]error{demoteErr, deleteErr}).To(ContainElement(MatchError(ContainSubstring("last-owner rule"))),
			"round %d: the other is refused (demote: %v, delete: %v)", round, demoteErr, deleteErr)
		owners := 0
		users := &iamv1alpha1.UserList{}
		g.Expect(k8s.List(ctx, users, client.InNamespace(ns))).To(Succeed())
		for _, u := range users.Items {
			if u.Spec.Role == "owner" && u.DeletionTimestamp.IsZero() {
				owners++
			}
		}
		g.Expect(owners).To(Equal(1), "round %d", round)
	}
}

// TestDryRunRemovalOfAnOwnerRecordsNothing: asking the API server what a
// removal would do (kubectl --dry-run=server) must not count the owner as
// gone for the next, real removal.
func TestDryRunRemovalOfAnOwnerRecordsNothing(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := testsupport.NewNamespace(t, k8s)
	alice := testsupport.CreateUser(t, k8s, withRole(testsupport.NewUser(ns, "alice", "alice@dry.example"), "owner"))
	bob := testsupport.CreateUser(t, k8s, withRole(testsupport.NewUser(ns, "bob", "bob@dry.example"), "owner"))

	g.Expect(k8s.Delete(ctx, testsupport.GetUser(g, k8s, alice), client.DryRunAll)).To(Succeed())
	g.Expect(k8s.Delete(ctx, testsupport.GetUser(g, k8s, bob))).To(Succeed(), "alice is still an owner")
	err := k8s.Delete(ctx, testsupport.GetUser(g, k8s, alice))
	g.Expect(err).To(MatchError(ContainSubstring("last-owner rule")))
}
