package integration

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/rbac"
)

// teamSubjects is who the team's RoleBinding binds, nil without one.
func teamSubjects(g Gomega, ns, team string) []string {
	binding := &rbacv1.RoleBinding{}
	err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: rbac.TeamRoleBindingName(team)}, binding)
	if apierrors.IsNotFound(err) {
		return nil
	}
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(binding.RoleRef.Name).To(Equal(rbac.ClusterRoleName("owner")))
	names := []string{}
	for _, s := range binding.Subjects {
		names = append(names, s.Name)
	}
	return names
}

// eventuallySupportBinds waits until the support team binds exactly want.
func eventuallySupportBinds(t *testing.T, ns string, want ...string) {
	t.Helper()
	NewWithT(t).Eventually(func(g Gomega) []string { return teamSubjects(g, ns, "support") }).WithTimeout(timeout).Should(Equal(want))
}

func TestTeamBindingsFollowMembershipAndPhases(t *testing.T) {
	tm, ns := startAccount(t)
	ctx := context.Background()
	g := NewWithT(t)
	alice := newUser(ns, "alice", "alice@teams.example")
	aliceKey := inviteAndAccept(t, tm, alice)
	bob := newUser(ns, "bob", "bob@teams.example")
	bobKey := createUser(t, bob)

	team := &iamv1alpha1.Team{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "support"},
		Spec:       iamv1alpha1.TeamSpec{DisplayName: "Support", Members: []string{"alice", "bob", "ghost"}, Role: "owner"},
	}
	g.Expect(k8s.Create(ctx, team)).To(Succeed())
	teamKey := client.ObjectKeyFromObject(team)

	// Only the active member is bound; the status says why the others are not.
	eventuallySupportBinds(t, ns, "alice@teams.example")
	g.Eventually(func(g Gomega) {
		live := &iamv1alpha1.Team{}
		g.Expect(k8s.Get(ctx, teamKey, live)).To(Succeed())
		g.Expect(live.Status.ActiveMembers).To(BeEquivalentTo(1))
		g.Expect(live.Status.MembersSummary).To(Equal("alice, bob (not active), ghost (no such user)"))
		g.Expect(teamReady(live).Reason).To(Equal(iamv1alpha1.ReasonTeamBound))
	}).WithTimeout(timeout).Should(Succeed())

	acceptInvitation(t, tm, bobKey, bob)
	eventuallySupportBinds(t, ns, "alice@teams.example", "bob@teams.example")

	setState(t, aliceKey, iamv1alpha1.UserStateDisabled)
	eventuallySupportBinds(t, ns, "bob@teams.example")

	setState(t, bobKey, iamv1alpha1.UserStateDeleted)
	eventuallySupportBinds(t, ns)
	g.Eventually(func(g Gomega) string {
		live := &iamv1alpha1.Team{}
		g.Expect(k8s.Get(ctx, teamKey, live)).To(Succeed())
		return teamReady(live).Reason
	}).WithTimeout(timeout).Should(Equal(iamv1alpha1.ReasonTeamNoActive))

	// A restored member is a member again; a deleted one is bound to
	// nothing (team_members_test.go).
	setState(t, bobKey, iamv1alpha1.UserStateActive)
	setState(t, aliceKey, iamv1alpha1.UserStateActive)
	eventuallySupportBinds(t, ns, "alice@teams.example", "bob@teams.example")
	g.Expect(k8s.Delete(ctx, getUser(g, aliceKey))).To(Succeed())
	eventuallySupportBinds(t, ns, "bob@teams.example")

	// A deleted team takes its binding.
	g.Expect(k8s.Delete(ctx, team)).To(Succeed())
	g.Eventually(func() bool { return apierrors.IsNotFound(k8s.Get(ctx, teamKey, &iamv1alpha1.Team{})) }).WithTimeout(timeout).Should(BeTrue())
	eventuallySupportBinds(t, ns)
}

func teamReady(team *iamv1alpha1.Team) metav1.Condition {
	if c := apimeta.FindStatusCondition(team.Status.Conditions, iamv1alpha1.ReadyCondition); c != nil {
		return *c
	}
	return metav1.Condition{}
}
