package team

import (
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/conditions"
	"github.com/tenantry-io/tenantry/internal/reconcile"
)

// summarizeTeamStatus sets Ready (and Stalled while true) from the pass,
// and stamps observedGeneration only on success.
func summarizeTeamStatus(s *teamScope, reconcileErr error) {
	team := s.team
	ready := s.ready
	if reconcileErr != nil {
		ready = metav1.Condition{Type: iamv1alpha1.ReadyCondition, Status: metav1.ConditionFalse,
			Reason: iamv1alpha1.ReasonProgressing, Message: fmt.Sprintf("retrying after an error: %v", reconcileErr)}
	}
	if ready.Type != "" {
		conditions.Set(team, ready)
	}
	reconcile.ApplyVerdict(team, iamv1alpha1.StalledCondition, s.stalled)
	if reconcileErr == nil {
		team.Status.ObservedGeneration = team.Generation
	}
}

// membersSummary lists the members for `kubectl get teams`, saying of
// each that is not bound why: "alice, bob (not active), carol (no such
// user)".
func membersSummary(members []iamv1alpha1.TeamMemberStatus) string {
	parts := make([]string, 0, len(members))
	for _, m := range members {
		switch m.State {
		case iamv1alpha1.TeamMemberNotActive:
			parts = append(parts, m.Name+" (not active)")
		case iamv1alpha1.TeamMemberNotFound:
			parts = append(parts, m.Name+" (no such user)")
		default:
			parts = append(parts, m.Name)
		}
	}
	summary := strings.Join(parts, ", ")
	if len(summary) > 1024 {
		summary = summary[:1020] + " …"
	}
	return summary
}

// missingMembers ends the Ready message with the members that are no
// user. A deleted user's name stays in spec.members, which is whoever
// wrote the team's (a person, or a GitOps pipeline that would put it back
// on its next sync), so the status is where its absence shows.
func missingMembers(members []iamv1alpha1.TeamMemberStatus) string {
	var names []string
	for _, m := range members {
		if m.State == iamv1alpha1.TeamMemberNotFound {
			names = append(names, m.Name)
		}
	}
	if len(names) == 0 {
		return ""
	}
	return "; bound to nothing, no such user: " + strings.Join(names, ", ")
}

// membersGone names the members that were users in the status before a
// write and are no user in the status written: the users deleted since.
// A name that never was a user is not news.
func membersGone(before, written []iamv1alpha1.TeamMemberStatus) []string {
	was := make(map[string]iamv1alpha1.TeamMemberState, len(before))
	for _, m := range before {
		was[m.Name] = m.State
	}
	var gone []string
	for _, m := range written {
		if state, ok := was[m.Name]; ok && state != iamv1alpha1.TeamMemberNotFound && m.State == iamv1alpha1.TeamMemberNotFound {
			gone = append(gone, m.Name)
		}
	}
	return gone
}
