package rbac

import "testing"

func TestMayActAs(t *testing.T) {
	owner := Member{Email: "alice@example.com", Active: true, ManagesUsers: true}
	user := Member{Email: "bob@example.com", Active: true}
	tests := []struct {
		name          string
		actor, target Member
		want          bool
	}{
		{"a user manager acts as a user", owner, user, true},
		{"a user acts as nobody", user, Member{Email: "carol@example.com", Active: true}, false},
		{"nobody acts as a user manager", owner, Member{Email: "dave@example.com", Active: true, ManagesUsers: true}, false},
		{"nobody acts as an inactive user", owner, Member{Email: "bob@example.com"}, false},
		{"an inactive manager acts as nobody", Member{Email: "alice@example.com", ManagesUsers: true}, user, false},
		{"nobody acts as a person of another account", owner, Member{Email: "bob@example.com", Active: true, InOtherAccounts: true}, false},
		{"nobody acts as themselves", owner, Member{Email: "ALICE@example.com", Active: true}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MayActAs(tt.actor, tt.target); got != tt.want {
				t.Errorf("MayActAs = %v, want %v", got, tt.want)
			}
		})
	}
}
