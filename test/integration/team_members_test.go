package integration

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// A team's spec is whoever wrote it: a GitOps pipeline would put back any
// name the operator took out, on every sync. A deleted member stays in
// spec.members; the status says it is no user, and the binding leaves it
// out.
func TestDeletedMemberStaysInTheTeamSpec(t *testing.T) {
	tm, ns := startAccount(t)
	ctx := context.Background()
	g := NewWithT(t)
	// bob, the first user, is the owner, so alice may be deleted.
	inviteAndAccept(t, tm, newUser(ns, "bob", "bob@team-members.example"))
	aliceKey := inviteAndAccept(t, tm, newUser(ns, "alice", "alice@team-members.example"))

	team := &iamv1alpha1.Team{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "support"},
		Spec:       iamv1alpha1.TeamSpec{DisplayName: "Support", Members: []string{"alice", "bob"}, Role: "owner"},
	}
	g.Expect(k8s.Create(ctx, team)).To(Succeed())
	teamKey := client.ObjectKeyFromObject(team)
	eventuallySupportBinds(t, ns, "alice@team-members.example", "bob@team-members.example")

	// The user's deletion completes without waiting on any team.
	g.Expect(k8s.Delete(ctx, getUser(g, aliceKey))).To(Succeed())
	g.Eventually(func() bool {
		return apierrors.IsNotFound(k8s.Get(ctx, aliceKey, &iamv1alpha1.User{}))
	}).WithTimeout(timeout).Should(BeTrue())

	eventuallySupportBinds(t, ns, "bob@team-members.example")
	g.Eventually(func(g Gomega) {
		live := &iamv1alpha1.Team{}
		g.Expect(k8s.Get(ctx, teamKey, live)).To(Succeed())
		g.Expect(live.Status.Members).To(ContainElement(iamv1alpha1.TeamMemberStatus{Name: "alice", State: iamv1alpha1.TeamMemberNotFound}))
		g.Expect(live.Status.MembersSummary).To(Equal("alice (no such user), bob"))
		g.Expect(live.Status.ActiveMembers).To(BeEquivalentTo(1))
		ready := teamReady(live)
		g.Expect(ready.Reason).To(Equal(iamv1alpha1.ReasonTeamBound))
		g.Expect(ready.Message).To(ContainSubstring("no such user: alice"))
	}).WithTimeout(timeout).Should(Succeed())
	g.Eventually(func(g Gomega) []string { return teamEventReasons(g, teamKey) }).WithTimeout(timeout).
		Should(ContainElement("MemberNotFound"))

	// Nobody wrote the spec: it is as created, at its first generation.
	live := &iamv1alpha1.Team{}
	g.Expect(k8s.Get(ctx, teamKey, live)).To(Succeed())
	g.Expect(live.Spec.Members).To(Equal([]string{"alice", "bob"}))
	g.Expect(live.Generation).To(BeEquivalentTo(1))

	// The spec names alice, so a new user of that name is a member: bound
	// once Active, like any member.
	createUser(t, newUser(ns, "alice", "alice.again@team-members.example"))
	g.Eventually(func(g Gomega) string {
		live := &iamv1alpha1.Team{}
		g.Expect(k8s.Get(ctx, teamKey, live)).To(Succeed())
		return live.Status.MembersSummary
	}).WithTimeout(timeout).Should(Equal("alice (not active), bob"))
}

// teamEventReasons lists the reasons of the events recorded about a team.
func teamEventReasons(g Gomega, key client.ObjectKey) []string {
	list := &eventsv1.EventList{}
	g.Expect(k8s.List(context.Background(), list, client.InNamespace(key.Namespace))).To(Succeed())
	var reasons []string
	for _, e := range list.Items {
		if e.Regarding.Kind == "Team" && e.Regarding.Name == key.Name {
			reasons = append(reasons, e.Reason)
		}
	}
	return reasons
}
