package rbac

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	rbacv1 "k8s.io/api/rbac/v1"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

func TestImpersonationRBAC(t *testing.T) {
	owner := Member{Email: "alice@example.com", Active: true, ManagesUsers: true}
	manager := Member{Email: "bob@example.com", Active: true}
	id := Identity{Kind: rbacv1.UserKind, Prefix: "tenantry:"}
	tests := []struct {
		name        string
		members     []Member
		wantActors  []string
		wantTargets []string
	}{{
		name:        "user managers may act as the others",
		members:     []Member{owner, manager, {Email: "carol@example.com", Active: true}},
		wantActors:  []string{"tenantry:alice@example.com"},
		wantTargets: []string{"tenantry:bob@example.com", "tenantry:carol@example.com"},
	}, {
		name:        "nobody acts as a user manager",
		members:     []Member{owner, {Email: "dave@example.com", Active: true, ManagesUsers: true}, manager},
		wantActors:  []string{"tenantry:alice@example.com", "tenantry:dave@example.com"},
		wantTargets: []string{"tenantry:bob@example.com"},
	}, {
		name:    "inactive users are no targets",
		members: []Member{owner, {Email: "bob@example.com"}},
	}, {
		name:    "a disabled user manager acts as nobody",
		members: []Member{{Email: "alice@example.com", ManagesUsers: true}, manager},
	}, {
		name:    "nobody acts as a person known to another account",
		members: []Member{owner, {Email: "bob@example.com", Active: true, InOtherAccounts: true}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			role, binding := ImpersonationRBAC("acme", tt.members, id)
			if tt.wantTargets == nil {
				if role != nil || binding != nil {
					t.Fatalf("rendered %+v and %+v, want nothing", role, binding)
				}
				return
			}
			if role.Name != "tenantry:impersonate:acme" || binding.RoleRef.Name != role.Name {
				t.Errorf("names: role %q, binding to %q", role.Name, binding.RoleRef.Name)
			}
			if role.Labels[iamv1alpha1.AccountLabel] != "acme" || binding.Labels[iamv1alpha1.ManagedByLabel] != "tenantry" {
				t.Errorf("labels: %v, %v", role.Labels, binding.Labels)
			}
			wantRule := []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"users"}, Verbs: []string{"impersonate"}, ResourceNames: tt.wantTargets}}
			if diff := cmp.Diff(wantRule, role.Rules); diff != "" {
				t.Errorf("rules (-want +got):\n%s", diff)
			}
			var actors []string
			for _, s := range binding.Subjects {
				if s.Kind != rbacv1.UserKind || s.APIGroup != rbacv1.GroupName {
					t.Errorf("subject %+v", s)
				}
				actors = append(actors, s.Name)
			}
			if diff := cmp.Diff(tt.wantActors, actors); diff != "" {
				t.Errorf("actors (-want +got):\n%s", diff)
			}
		})
	}
}

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
