package webhook

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

func user(name, role string, state iamv1alpha1.UserState) iamv1alpha1.User {
	return iamv1alpha1.User{
		ObjectMeta: metav1.ObjectMeta{Namespace: "acme", Name: name},
		Spec:       iamv1alpha1.UserSpec{Role: role, State: state},
	}
}

func TestLastOwnerViolation(t *testing.T) {
	const active, disabled = iamv1alpha1.UserStateActive, iamv1alpha1.UserStateDisabled
	alice := user("alice", "owner", active)
	now := metav1.Now()
	deletingOwner := user("dora", "owner", active)
	deletingOwner.DeletionTimestamp = &now
	changed := func(role string, state iamv1alpha1.UserState) *iamv1alpha1.User {
		u := user("alice", role, state)
		return &u
	}
	tests := []struct {
		name     string
		old      iamv1alpha1.User
		next     *iamv1alpha1.User // nil deletes
		others   []iamv1alpha1.User
		wantRule string // "" allows; else a word the message must hold
	}{
		{"deleting the last owner", alice, nil, []iamv1alpha1.User{alice, user("bob", "manager", active)}, "cannot be deleted"},
		{"demoting the last owner", alice, changed("manager", active), []iamv1alpha1.User{alice}, `cannot be given the role "manager"`},
		{"disabling the last owner", alice, changed("owner", disabled), []iamv1alpha1.User{alice}, "cannot be disabled"},
		{"deleting an owner when another remains", alice, nil, []iamv1alpha1.User{alice, user("olga", "owner", active)}, ""},
		{"a disabled owner does not count", alice, nil, []iamv1alpha1.User{alice, user("olga", "owner", disabled)}, "cannot be deleted"},
		{"an owner being deleted does not count", alice, nil, []iamv1alpha1.User{alice, deletingOwner}, "cannot be deleted"},
		{"an invited owner counts", alice, nil, []iamv1alpha1.User{alice, user("ida", "owner", active)}, ""},
		{"editing the last owner otherwise", alice, changed("owner", active), []iamv1alpha1.User{alice}, ""},
		{"deleting a manager", user("bob", "manager", active), nil, []iamv1alpha1.User{alice}, ""},
		{"deleting a disabled owner", user("olga", "owner", disabled), nil, nil, ""},
		{"promoting to owner", user("bob", "manager", active), changed("owner", active), nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := lastOwnerViolation(&tt.old, tt.next, tt.others, func(*iamv1alpha1.User) bool { return false }, "owner")
			switch {
			case tt.wantRule == "" && got != "":
				t.Fatalf("refused: %s", got)
			case tt.wantRule != "" && !strings.Contains(got, tt.wantRule):
				t.Fatalf("got %q, want a refusal saying %q", got, tt.wantRule)
			case tt.wantRule != "" && !strings.Contains(got, "last-owner rule"):
				t.Fatalf("the refusal does not name the rule: %q", got)
			}
		})
	}
}

func TestOwnerRemovalsTakeTurns(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	alice := user("alice", "owner", iamv1alpha1.UserStateActive)
	alice.ResourceVersion = "10"
	bob := user("bob", "owner", iamv1alpha1.UserStateActive)
	bob.ResourceVersion = "11"
	others := []iamv1alpha1.User{alice, bob}

	// Removing bob is fine while alice is an owner...
	record := ownerRemovals{}
	gone := func(u *iamv1alpha1.User) bool { return record.pending(&u.ObjectMeta, now) }
	if why := lastOwnerViolation(&bob, nil, others, gone, "owner"); why != "" {
		t.Fatalf("refused with another owner left: %s", why)
	}
	// ...but once alice's removal is admitted, she no longer counts, even
	// though the list still shows her as she was.
	record = record.with(&alice.ObjectMeta, now)
	if why := lastOwnerViolation(&bob, nil, others, gone, "owner"); !strings.Contains(why, "last-owner rule") {
		t.Fatalf("bob's removal was not refused after alice's: %q", why)
	}

	tests := []struct {
		name    string
		alice   func(u *iamv1alpha1.User)
		at      time.Time
		pending bool
	}{
		{"as admitted, within the window", func(*iamv1alpha1.User) {}, now.Add(time.Second), true},
		{"changed since: the user speaks for itself", func(u *iamv1alpha1.User) { u.ResourceVersion = "12" }, now.Add(time.Second), false},
		{"after the window", func(*iamv1alpha1.User) {}, now.Add(removalWindow), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := alice.DeepCopy()
			tt.alice(u)
			if got := record.pending(&u.ObjectMeta, tt.at); got != tt.pending {
				t.Fatalf("pending = %v, want %v", got, tt.pending)
			}
		})
	}

	// Expired entries are dropped when the next removal is recorded.
	later := record.with(&bob.ObjectMeta, now.Add(removalWindow+time.Second))
	if _, kept := later["alice"]; kept || len(later) != 1 {
		t.Fatalf("record = %v, want only bob", later)
	}
}

func TestDefaultRole(t *testing.T) {
	newcomer := user("nina", "", iamv1alpha1.UserStateActive)
	tests := []struct {
		name   string
		others []iamv1alpha1.User
		want   string
	}{
		{"the first user of an account owns it", nil, "owner"},
		{"the first user, seeing itself on update", []iamv1alpha1.User{newcomer}, "owner"},
		{"later users get the default", []iamv1alpha1.User{user("alice", "owner", iamv1alpha1.UserStateActive)}, "manager"},
		{"even when the others are disabled", []iamv1alpha1.User{user("alice", "owner", iamv1alpha1.UserStateDisabled)}, "manager"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := defaultRole(&newcomer, tt.others, "owner", "manager"); got != tt.want {
				t.Errorf("defaultRole = %q, want %q", got, tt.want)
			}
		})
	}
}
