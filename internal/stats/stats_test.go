package stats

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

func TestByAccount(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	user := func(ns string, phase iamv1alpha1.UserPhase, createdDaysAgo, loginDaysAgo int, state iamv1alpha1.UserState) iamv1alpha1.User {
		u := iamv1alpha1.User{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, CreationTimestamp: metav1.NewTime(now.AddDate(0, 0, -createdDaysAgo))},
			Spec:       iamv1alpha1.UserSpec{State: state},
			Status:     iamv1alpha1.UserStatus{Phase: phase},
		}
		if loginDaysAgo >= 0 {
			u.Status.LastLoginTime = &metav1.Time{Time: now.AddDate(0, 0, -loginDaysAgo)}
		}
		return u
	}
	users := []iamv1alpha1.User{
		user("acme", iamv1alpha1.UserPhaseActive, 2, 1, iamv1alpha1.UserStateActive),   // new this week, signed in
		user("acme", iamv1alpha1.UserPhaseActive, 20, 40, iamv1alpha1.UserStateActive), // new this month, signed in long ago
		user("acme", iamv1alpha1.UserPhaseInvited, 7, -1, iamv1alpha1.UserStateActive), // exactly a week old
		user("acme", iamv1alpha1.UserPhaseDisabled, 90, 29, iamv1alpha1.UserStateDisabled),
		user("acme", iamv1alpha1.UserPhaseDeleted, 1, 1, iamv1alpha1.UserStateDeleted), // counted only as deleted
		user("zeta", iamv1alpha1.UserPhaseActive, 31, 31, iamv1alpha1.UserStateActive),
	}
	got := ByAccount(users, now)
	want := []Totals{
		{Account: "acme", Users: 4, CreatedWeek: 2, CreatedMonth: 3, SignedInMonth: 2, Deleted: 1,
			ByPhase: map[iamv1alpha1.UserPhase]int{iamv1alpha1.UserPhaseActive: 2, iamv1alpha1.UserPhaseInvited: 1, iamv1alpha1.UserPhaseDisabled: 1}},
		{Account: "zeta", Users: 1, ByPhase: map[iamv1alpha1.UserPhase]int{iamv1alpha1.UserPhaseActive: 1}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ByAccount (-want +got):\n%s", diff)
	}
	if sum := Sum(got); sum.Users != 5 || sum.Deleted != 1 || sum.ByPhase[iamv1alpha1.UserPhaseActive] != 3 {
		t.Errorf("Sum = %+v", sum)
	}
}
