package controllers_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
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
	ns := newNamespace(t)
	first := createUser(t, withoutRole(newUser(ns, "fay", "fay@first.example")))
	second := createUser(t, withoutRole(newUser(ns, "gus", "gus@first.example")))
	g.Expect(getUser(g, first).Spec.Role).To(Equal("owner"))
	g.Expect(getUser(g, second).Spec.Role).To(Equal("manager"))

	// A role someone wrote is kept, even on the first user.
	other := newNamespace(t)
	named := createUser(t, withRole(newUser(other, "hal", "hal@first.example"), "manager"))
	g.Expect(getUser(g, named).Spec.Role).To(Equal("manager"))
}

func TestTwoUsersCreatedAtOnceLeaveAnOwner(t *testing.T) {
	g := NewWithT(t)
	ns := newNamespace(t)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		wg.Go(func() {
			errs[i] = k8s.Create(context.Background(), withoutRole(newUser(ns, fmt.Sprintf("twin-%d", i), fmt.Sprintf("twin%d@race.example", i))))
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
	ns := newNamespace(t)
	key := createUser(t, withRole(newUser(ns, "uma", "uma@unknown.example"), "not-yet-applied"))
	NewWithT(t).Expect(getUser(NewWithT(t), key).Spec.Role).To(Equal("not-yet-applied"))
}

func TestLastOwnerRule(t *testing.T) {
	ns := newNamespace(t)
	alice := createUser(t, withRole(newUser(ns, "alice", "alice@last.example"), "owner"))
	createUser(t, withRole(newUser(ns, "bob", "bob@last.example"), "manager"))
	disabledOwner := withRole(newUser(ns, "dot", "dot@last.example"), "owner")
	disabledOwner.Spec.State = iamv1alpha1.UserStateDisabled
	createUser(t, disabledOwner)

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
		expectRefused(t, changeUser(g, alice, func(u *iamv1alpha1.User) { u.Spec.Role = "manager" }), `given the role "manager"`)
	})
	t.Run("the last owner cannot be disabled", func(t *testing.T) {
		g := NewWithT(t)
		expectRefused(t, changeUser(g, alice, func(u *iamv1alpha1.User) { u.Spec.State = iamv1alpha1.UserStateDisabled }), "disabled")
	})
	t.Run("the last owner cannot be deleted", func(t *testing.T) {
		g := NewWithT(t)
		expectRefused(t, k8s.Delete(context.Background(), getUser(g, alice)), "deleted")
		g.Expect(getUser(g, alice).DeletionTimestamp).To(BeNil())
	})
	t.Run("other changes to the last owner are allowed", func(t *testing.T) {
		g := NewWithT(t)
		g.Expect(changeUser(g, alice, func(u *iamv1alpha1.User) { u.Spec.Phone = "15550100" })).To(Succeed())
	})
	t.Run("deleting the account deletes its last owner", func(t *testing.T) {
		deleteAccount(t, ns)
	})
}

func TestOwnerCanLeaveWhenAnotherRemains(t *testing.T) {
	g := NewWithT(t)
	ns := newNamespace(t)
	alice := createUser(t, withRole(newUser(ns, "alice", "alice@two.example"), "owner"))
	bob := createUser(t, withRole(newUser(ns, "bob", "bob@two.example"), "owner"))

	g.Expect(changeUser(g, alice, func(u *iamv1alpha1.User) { u.Spec.Role = "manager" })).To(Succeed(), "bob still owns the account")
	// Now bob is the last one.
	err := k8s.Delete(context.Background(), getUser(g, bob))
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
		ns := newNamespace(t)
		alice := createUser(t, withRole(newUser(ns, "alice", "alice@turns.example"), "owner"))
		bob := createUser(t, withRole(newUser(ns, "bob", "bob@turns.example"), "owner"))

		var wg sync.WaitGroup
		var demoteErr, deleteErr error
		start := make(chan struct{})
		wg.Go(func() {
			user := getUser(g, alice)
			patch := client.MergeFrom(user.DeepCopy())
			user.Spec.Role = "manager"
			<-start
			demoteErr = k8s.Patch(ctx, user, patch)
		})
		wg.Go(func() {
			user := getUser(g, bob)
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
	ns := newNamespace(t)
	alice := createUser(t, withRole(newUser(ns, "alice", "alice@dry.example"), "owner"))
	bob := createUser(t, withRole(newUser(ns, "bob", "bob@dry.example"), "owner"))

	g.Expect(k8s.Delete(ctx, getUser(g, alice), client.DryRunAll)).To(Succeed())
	g.Expect(k8s.Delete(ctx, getUser(g, bob))).To(Succeed(), "alice is still an owner")
	err := k8s.Delete(ctx, getUser(g, alice))
	g.Expect(err).To(MatchError(ContainSubstring("last-owner rule")))
}
