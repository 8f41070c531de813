package selfservice

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/credentials"
)

func TestCheckInvitation(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	const hash = "4f1c"
	secret := func(edit func(*corev1.Secret)) *corev1.Secret {
		s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{iamv1alpha1.UserLabel: "alice"}}}
		credentials.WriteInvitation(s, credentials.Invitation{Number: 1, TokenHash: hash, Expiry: now.Add(time.Hour)})
		if edit != nil {
			edit(s)
		}
		return s
	}
	tests := []struct {
		name   string
		secret *corev1.Secret
		want   *problem
	}{
		{"pending", secret(nil), nil},
		{"accepted", secret(func(s *corev1.Secret) {
			s.Data[credentials.KeyInvitationAcceptedTime] = []byte(now.Format(time.RFC3339))
		}), errTokenUsed},
		{"expired", secret(func(s *corev1.Secret) {
			s.Data[credentials.KeyInvitationExpiry] = []byte(now.Add(-time.Second).Format(time.RFC3339))
		}), errTokenExpired},
		{"expiring now", secret(func(s *corev1.Secret) {
			s.Data[credentials.KeyInvitationExpiry] = []byte(now.Format(time.RFC3339))
		}), errTokenExpired},
		{"no expiry", secret(func(s *corev1.Secret) { delete(s.Data, credentials.KeyInvitationExpiry) }), errTokenExpired},
		{"unreadable expiry", secret(func(s *corev1.Secret) { s.Data[credentials.KeyInvitationExpiry] = []byte("soon") }), errTokenExpired},
		{"another token", secret(func(s *corev1.Secret) { s.Data[credentials.KeyInvitationTokenHash] = []byte("9a2b") }), errTokenInvalid},
		{"an earlier attempt's token", secret(func(s *corev1.Secret) {
			s.Data[credentials.KeyInvitationTokenHash] = []byte("9a2b")
			s.Data[credentials.KeyInvitationEarlierTokenHashes] = []byte("77e0," + hash)
		}), nil},
		{"an earlier attempt's token, accepted", secret(func(s *corev1.Secret) {
			s.Data[credentials.KeyInvitationTokenHash] = []byte("9a2b")
			s.Data[credentials.KeyInvitationEarlierTokenHashes] = []byte(hash)
			s.Data[credentials.KeyInvitationAcceptedTime] = []byte(now.Format(time.RFC3339))
		}), errTokenUsed},
		{"no user label", secret(func(s *corev1.Secret) { s.Labels = nil }), errTokenInvalid},
		{"accepted and expired", secret(func(s *corev1.Secret) {
			s.Data[credentials.KeyInvitationAcceptedTime] = []byte(now.Add(-2 * time.Hour).Format(time.RFC3339))
			s.Data[credentials.KeyInvitationExpiry] = []byte(now.Add(-time.Hour).Format(time.RFC3339))
		}), errTokenUsed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := checkInvitation(tt.secret, hash, now); got != tt.want {
				t.Errorf("checkInvitation() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCheckUser(t *testing.T) {
	deleting := metav1.Now()
	user := func(edit func(*iamv1alpha1.User)) *iamv1alpha1.User {
		u := &iamv1alpha1.User{
			ObjectMeta: metav1.ObjectMeta{Namespace: "acme", Name: "alice", UID: "uid-1"},
			Spec:       iamv1alpha1.UserSpec{State: iamv1alpha1.UserStateActive},
		}
		if edit != nil {
			edit(u)
		}
		return u
	}
	madeFor := func(uid types.UID) *corev1.Secret {
		return credentials.NewSecret("tenantry-system", "acme", "alice", uid)
	}
	owned := madeFor("uid-1")
	tests := []struct {
		name   string
		user   *iamv1alpha1.User
		secret *corev1.Secret
		want   *problem
	}{
		{"active", user(nil), owned, nil},
		{"state defaulted", user(func(u *iamv1alpha1.User) { u.Spec.State = "" }), owned, nil},
		{"no owner UID", user(nil), &corev1.Secret{}, nil},
		{"missing", nil, owned, errTokenInvalid},
		{"being deleted", user(func(u *iamv1alpha1.User) { u.DeletionTimestamp = &deleting }), owned, errTokenInvalid},
		{"disabled", user(func(u *iamv1alpha1.User) { u.Spec.State = iamv1alpha1.UserStateDisabled }), owned, errUserDisabled},
		{"made for an earlier user of the same name", user(nil), madeFor("uid-0"), errTokenInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := checkUser(tt.user, tt.secret); got != tt.want {
				t.Errorf("checkUser() = %v, want %v", got, tt.want)
			}
		})
	}
}
