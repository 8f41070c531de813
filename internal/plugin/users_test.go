package plugin

import (
	"testing"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

func withPhase(phase iamv1alpha1.UserPhase) iamv1alpha1.User {
	return iamv1alpha1.User{Status: iamv1alpha1.UserStatus{Phase: phase}}
}

func TestSummaryLineCountsEveryPhaseButActive(t *testing.T) {
	tests := []struct {
		name  string
		users []iamv1alpha1.User
		want  string
	}{
		{"all active: the total only", []iamv1alpha1.User{withPhase("Active"), withPhase("Active")}, "2 users"},
		{"phases in the order a person acts on them", []iamv1alpha1.User{
			withPhase("Locked"), withPhase("Invited"), withPhase("Active"), withPhase("Invited"),
		}, "4 users · 2 Invited · 1 Locked"},
		{"a user without a phase yet is Pending", []iamv1alpha1.User{withPhase(""), withPhase("Disabled")}, "2 users · 1 Disabled · 1 Pending"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := summaryLine(tt.users); got != tt.want {
				t.Errorf("summaryLine() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestServiceCellIsReadyOverAssigned(t *testing.T) {
	user := iamv1alpha1.User{Status: iamv1alpha1.UserStatus{Services: []iamv1alpha1.ServiceStatus{
		{Name: "a", Column: "mailbox", Phase: iamv1alpha1.ServicePhaseReady},
		{Name: "b", Column: "mailbox", Phase: iamv1alpha1.ServicePhaseProvisioning},
		{Name: "c", Column: "storage", Phase: iamv1alpha1.ServicePhaseFailed},
	}}}
	for column, want := range map[string]string{"mailbox": "1/2", "storage": "0/1", "vm": ""} {
		if got := serviceCell(user, column); got != want {
			t.Errorf("serviceCell(%s) = %q, want %q", column, got, want)
		}
	}
}

func TestServiceColumnsJoinClassesAndStatus(t *testing.T) {
	classes := []iamv1alpha1.ServiceClass{{Spec: iamv1alpha1.ServiceClassSpec{ColumnName: "storage"}}}
	users := []iamv1alpha1.User{{Status: iamv1alpha1.UserStatus{Services: []iamv1alpha1.ServiceStatus{
		{Column: "mailbox"}, {Column: "storage"}, {Column: ""},
	}}}}
	got := serviceColumns(classes, users)
	if len(got) != 2 || got[0] != "mailbox" || got[1] != "storage" {
		t.Errorf("serviceColumns() = %v, want [mailbox storage]", got)
	}
}

func TestSummaryLineSaysOneUser(t *testing.T) {
	if got := summaryLine([]iamv1alpha1.User{withPhase("Invited")}); got != "1 user · 1 Invited" {
		t.Errorf("summaryLine() = %q", got)
	}
}
