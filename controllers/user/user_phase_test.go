package user

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

func TestUserPhase(t *testing.T) {
	now := metav1.Now()
	cond := func(conditionType string, status metav1.ConditionStatus) metav1.Condition {
		return metav1.Condition{Type: conditionType, Status: status, Reason: "Test"}
	}
	verified := cond(iamv1alpha1.EmailVerifiedCondition, metav1.ConditionTrue)
	notVerified := cond(iamv1alpha1.EmailVerifiedCondition, metav1.ConditionFalse)
	reconciling := cond(iamv1alpha1.ReconcilingCondition, metav1.ConditionTrue)
	roleNotFound := metav1.Condition{Type: iamv1alpha1.RoleBoundCondition, Status: metav1.ConditionFalse, Reason: iamv1alpha1.ReasonRoleNotFound}
	notActive := metav1.Condition{Type: iamv1alpha1.RoleBoundCondition, Status: metav1.ConditionFalse, Reason: iamv1alpha1.ReasonNotActive}
	bound := metav1.Condition{Type: iamv1alpha1.RoleBoundCondition, Status: metav1.ConditionTrue, Reason: iamv1alpha1.ReasonRoleBound}
	locked := cond(iamv1alpha1.LockedCondition, metav1.ConditionTrue)
	notLocked := cond(iamv1alpha1.LockedCondition, metav1.ConditionFalse)

	tests := []struct {
		name       string
		deleting   bool
		state      iamv1alpha1.UserState
		conditions []metav1.Condition
		want       iamv1alpha1.UserPhase
	}{
		{name: "new user is invited", state: iamv1alpha1.UserStateActive, want: iamv1alpha1.UserPhaseInvited},
		{name: "waiting for acceptance is invited", state: iamv1alpha1.UserStateActive, conditions: []metav1.Condition{notVerified}, want: iamv1alpha1.UserPhaseInvited},
		{name: "accepted is active", state: iamv1alpha1.UserStateActive, conditions: []metav1.Condition{verified}, want: iamv1alpha1.UserPhaseActive},
		{name: "accepted and catching up is updating", state: iamv1alpha1.UserStateActive, conditions: []metav1.Condition{verified, reconciling}, want: iamv1alpha1.UserPhaseUpdating},
		{name: "sending an invitation is still invited", state: iamv1alpha1.UserStateActive, conditions: []metav1.Condition{notVerified, reconciling}, want: iamv1alpha1.UserPhaseInvited},
		{name: "disabled wins over active", state: iamv1alpha1.UserStateDisabled, conditions: []metav1.Condition{verified}, want: iamv1alpha1.UserPhaseDisabled},
		{name: "disabled wins over invited", state: iamv1alpha1.UserStateDisabled, want: iamv1alpha1.UserPhaseDisabled},
		{name: "accepted and bound is active", state: iamv1alpha1.UserStateActive, conditions: []metav1.Condition{verified, bound}, want: iamv1alpha1.UserPhaseActive},
		{name: "accepted without a role is revoked", state: iamv1alpha1.UserStateActive, conditions: []metav1.Condition{verified, roleNotFound}, want: iamv1alpha1.UserPhaseRevoked},
		{name: "revoked wins over updating", state: iamv1alpha1.UserStateActive, conditions: []metav1.Condition{verified, roleNotFound, reconciling}, want: iamv1alpha1.UserPhaseRevoked},
		{name: "invited wins over revoked", state: iamv1alpha1.UserStateActive, conditions: []metav1.Condition{notVerified, roleNotFound}, want: iamv1alpha1.UserPhaseInvited},
		{name: "disabled wins over revoked", state: iamv1alpha1.UserStateDisabled, conditions: []metav1.Condition{verified, roleNotFound}, want: iamv1alpha1.UserPhaseDisabled},
		{name: "unbound while not active is not revoked", state: iamv1alpha1.UserStateActive, conditions: []metav1.Condition{verified, notActive}, want: iamv1alpha1.UserPhaseActive},
		{name: "locked is locked", state: iamv1alpha1.UserStateActive, conditions: []metav1.Condition{verified, bound, locked}, want: iamv1alpha1.UserPhaseLocked},
		{name: "not locked is active", state: iamv1alpha1.UserStateActive, conditions: []metav1.Condition{verified, bound, notLocked}, want: iamv1alpha1.UserPhaseActive},
		{name: "locked wins over revoked", state: iamv1alpha1.UserStateActive, conditions: []metav1.Condition{verified, roleNotFound, locked}, want: iamv1alpha1.UserPhaseLocked},
		{name: "locked wins over updating", state: iamv1alpha1.UserStateActive, conditions: []metav1.Condition{verified, reconciling, locked}, want: iamv1alpha1.UserPhaseLocked},
		{name: "disabled wins over locked", state: iamv1alpha1.UserStateDisabled, conditions: []metav1.Condition{verified, locked}, want: iamv1alpha1.UserPhaseDisabled},
		{name: "invited wins over locked", state: iamv1alpha1.UserStateActive, conditions: []metav1.Condition{notVerified, locked}, want: iamv1alpha1.UserPhaseInvited},
		{name: "deleting wins over locked", deleting: true, state: iamv1alpha1.UserStateActive, conditions: []metav1.Condition{verified, locked}, want: iamv1alpha1.UserPhaseDeleting},
		{name: "deleting wins over everything", deleting: true, state: iamv1alpha1.UserStateDisabled, conditions: []metav1.Condition{verified}, want: iamv1alpha1.UserPhaseDeleting},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			user := &iamv1alpha1.User{Spec: iamv1alpha1.UserSpec{State: tt.state}}
			user.Status.Conditions = tt.conditions
			if tt.deleting {
				user.DeletionTimestamp = &now
			}
			if got := userPhase(user); got != tt.want {
				t.Errorf("userPhase() = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestReadyCondition(t *testing.T) {
	for _, phase := range []iamv1alpha1.UserPhase{
		iamv1alpha1.UserPhaseInvited, iamv1alpha1.UserPhaseActive, iamv1alpha1.UserPhaseUpdating,
		iamv1alpha1.UserPhaseDisabled, iamv1alpha1.UserPhaseDeleting, iamv1alpha1.UserPhaseRevoked,
		iamv1alpha1.UserPhaseLocked,
	} {
		t.Run(string(phase), func(t *testing.T) {
			got := readyCondition(phase, &iamv1alpha1.User{})
			wantTrue := phase == iamv1alpha1.UserPhaseActive
			if (got.Status == metav1.ConditionTrue) != wantTrue {
				t.Errorf("Ready status = %s for phase %s", got.Status, phase)
			}
			if got.Reason == "" {
				t.Errorf("Ready has no reason for phase %s", phase)
			}
		})
	}
}
