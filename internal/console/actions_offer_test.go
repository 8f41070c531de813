package console

import (
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

func TestOfferFor(t *testing.T) {
	now := time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC)
	owner := Permissions{MayEdit: true, MayDelete: true, MayRefill: true, MayCancel: true, MayInvite: true}
	reader := Permissions{MayListUsers: true}
	me := &Person{User: "olivia", Email: "olivia@acme.example"}
	active := func(change ...func(*iamv1alpha1.User)) *iamv1alpha1.User {
		u := &iamv1alpha1.User{Spec: iamv1alpha1.UserSpec{Email: "bob@acme.example", State: iamv1alpha1.UserStateActive},
			Status: iamv1alpha1.UserStatus{Phase: iamv1alpha1.UserPhaseActive, EmailVerified: true,
				Conditions: []metav1.Condition{{Type: iamv1alpha1.EmailVerifiedCondition, Status: metav1.ConditionTrue}}}}
		u.Name = "bob"
		for _, c := range change {
			c(u)
		}
		return u
	}
	activeOffer := offer{Edit: true, Disable: true, ResetPassword: true, ChangeRole: true, Refill: true, Delete: true, LogInAs: true}
	tests := []struct {
		name string
		in   offerInput
		want offer
	}{
		{name: "an owner on an active user", in: offerInput{Perms: owner, User: active(), Person: me}, want: activeOffer},
		{name: "a reader: nothing", in: offerInput{Perms: reader, User: active(), Person: me}, want: offer{}},
		{name: "an invited user: resend, no password reset, no log in as",
			in: offerInput{Perms: owner, Person: me, User: active(func(u *iamv1alpha1.User) {
				u.Status.Phase, u.Status.EmailVerified, u.Status.Conditions = iamv1alpha1.UserPhaseInvited, false, nil
			})},
			want: offer{Edit: true, Resend: true, Disable: true, ChangeRole: true, Refill: true, Delete: true}},
		{name: "a disabled user: enable, not disable",
			in: offerInput{Perms: owner, Person: me, User: active(func(u *iamv1alpha1.User) {
				u.Spec.State, u.Status.Phase = iamv1alpha1.UserStateDisabled, iamv1alpha1.UserPhaseDisabled
			})},
			want: offer{Edit: true, Enable: true, ChangeRole: true, Refill: true, Delete: true}},
		{name: "a locked user with two-factor: unlock and reset it",
			in: offerInput{Perms: owner, Person: me, User: active(func(u *iamv1alpha1.User) {
				u.Status.Phase, u.Status.TwoFactor = iamv1alpha1.UserPhaseLocked, iamv1alpha1.TwoFactorEnabled
			})},
			want: func() offer { o := activeOffer; o.Unlock, o.ResetTwoFactor = true, true; return o }()},
		{name: "soft-deleted within the retention: restore and purge",
			in: offerInput{Perms: owner, Person: me, Now: now, User: active(func(u *iamv1alpha1.User) {
				u.Spec.State, u.Status.PurgeTime = iamv1alpha1.UserStateDeleted, &metav1.Time{Time: now.Add(time.Hour)}
			})},
			want: offer{Restore: true, Purge: true}},
		{name: "soft-deleted past the retention: purge only",
			in: offerInput{Perms: owner, Person: me, Now: now, User: active(func(u *iamv1alpha1.User) {
				u.Spec.State, u.Status.PurgeTime = iamv1alpha1.UserStateDeleted, &metav1.Time{Time: now.Add(-time.Second)}
			})},
			want: offer{Purge: true}},
		{name: "being deleted: nothing",
			in:   offerInput{Perms: owner, Person: me, User: active(func(u *iamv1alpha1.User) { u.DeletionTimestamp = &metav1.Time{Time: now} })},
			want: offer{}},
		{name: "oneself: no log in as",
			in:   offerInput{Perms: owner, Person: &Person{User: "bob", Email: "bob@acme.example"}, User: active()},
			want: func() offer { o := activeOffer; o.LogInAs = false; return o }()},
		{name: "already acting as someone: no log in as",
			in:   offerInput{Perms: owner, Person: &Person{User: "carol", Actor: &Actor{User: "olivia"}}, User: active()},
			want: func() offer { o := activeOffer; o.LogInAs = false; return o }()},
		{name: "a user manager: no log in as",
			in:   offerInput{Perms: owner, Person: me, User: active(), TargetManagesUsers: true},
			want: func() offer { o := activeOffer; o.LogInAs = false; return o }()},
		{name: "refill and cancel rights alone: refill only",
			in:   offerInput{Perms: Permissions{MayRefill: true, MayCancel: true}, Person: me, User: active()},
			want: offer{Refill: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, offerFor(tt.in)); diff != "" {
				t.Errorf("offer (-want +got):\n%s", diff)
			}
		})
	}
}

func TestOfferedButtonsInTheProfilesOrder(t *testing.T) {
	o := offer{Disable: true, ResetPassword: true, LogInAs: true, Delete: true}
	buttons := o.Buttons("Ann")
	names := make([]string, 0, len(buttons))
	for _, b := range buttons {
		names = append(names, b.Name)
	}
	want := []string{actionLogInAs, actionResetPassword, actionDisable}
	if !slices.Equal(names, want) {
		t.Errorf("buttons = %v, want %v (delete is a link to its confirmation, not a button)", names, want)
	}
	if label := o.Buttons("Ann")[0].Label; label != "Log in as Ann" {
		t.Errorf("log in as reads %q", label)
	}
}
