package user

import (
	"testing"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

func TestSessionsEndCause(t *testing.T) {
	user := func(state iamv1alpha1.UserState, annotations map[string]string, status iamv1alpha1.UserStatus) *iamv1alpha1.User {
		u := &iamv1alpha1.User{Spec: iamv1alpha1.UserSpec{State: state}, Status: status}
		u.Annotations = annotations
		return u
	}
	const stamp = "2026-12-07T03:00:00Z"
	tests := []struct {
		name string
		user *iamv1alpha1.User
		want string
	}{
		{"active, nothing asked", user(iamv1alpha1.UserStateActive, nil, iamv1alpha1.UserStatus{}), ""},
		{"disabled", user(iamv1alpha1.UserStateDisabled, nil, iamv1alpha1.UserStatus{}), "the user was disabled"},
		{"deleted softly", user(iamv1alpha1.UserStateDeleted, nil, iamv1alpha1.UserStatus{}), "the user was deleted"},
		{"two-factor reset asked",
			user(iamv1alpha1.UserStateActive, map[string]string{iamv1alpha1.ResetTwoFactorAnnotation: stamp}, iamv1alpha1.UserStatus{}),
			"an administrator reset two-factor"},
		{"two-factor reset answered already",
			user(iamv1alpha1.UserStateActive, map[string]string{iamv1alpha1.ResetTwoFactorAnnotation: stamp},
				iamv1alpha1.UserStatus{TwoFactorResetRequest: stamp}), ""},
		{"password reset asked",
			user(iamv1alpha1.UserStateActive, map[string]string{iamv1alpha1.ResetPasswordAnnotation: stamp}, iamv1alpha1.UserStatus{}),
			"an administrator reset the password"},
		{"password reset answered already",
			user(iamv1alpha1.UserStateActive, map[string]string{iamv1alpha1.ResetPasswordAnnotation: stamp},
				iamv1alpha1.UserStatus{PasswordReset: &iamv1alpha1.PasswordResetStatus{Request: stamp}}), ""},
		{"unlock ends nothing",
			user(iamv1alpha1.UserStateActive, map[string]string{iamv1alpha1.UnlockAnnotation: stamp}, iamv1alpha1.UserStatus{}), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sessionsEndCause(tt.user); got != tt.want {
				t.Errorf("sessionsEndCause() = %q, want %q", got, tt.want)
			}
		})
	}
}
