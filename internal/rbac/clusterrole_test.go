package rbac

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

func newRole(name string, manageUsers bool, rules ...rbacv1.PolicyRule) *iamv1alpha1.Role {
	return &iamv1alpha1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: name, UID: "role-uid"},
		Spec:       iamv1alpha1.RoleSpec{DisplayName: name, ManageUsers: manageUsers, Rules: rules},
	}
}

var readPods = rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list"}}

func TestClusterRole(t *testing.T) {
	tests := []struct {
		name      string
		role      *iamv1alpha1.Role
		wantName  string
		wantRules []rbacv1.PolicyRule
	}{
		{
			name:      "rules are copied as written",
			role:      newRole("viewer", false, readPods),
			wantName:  "tenantry:role:viewer",
			wantRules: []rbacv1.PolicyRule{readPods},
		},
		{
			name:      "manageUsers adds the authority over users and balance transactions",
			role:      newRole("owner", true, readPods),
			wantName:  "tenantry:role:owner",
			wantRules: []rbacv1.PolicyRule{readPods, manageUsersRule},
		},
		{
			name:      "manageUsers alone is enough",
			role:      newRole("user-admin", true),
			wantName:  "tenantry:role:user-admin",
			wantRules: []rbacv1.PolicyRule{manageUsersRule},
		},
		{
			name:      "a role without rules grants nothing",
			role:      newRole("nobody", false),
			wantName:  "tenantry:role:nobody",
			wantRules: []rbacv1.PolicyRule{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ClusterRole(tt.role)
			if got.Name != tt.wantName {
				t.Errorf("name = %q, want %q", got.Name, tt.wantName)
			}
			if diff := cmp.Diff(tt.wantRules, got.Rules); diff != "" {
				t.Errorf("rules (-want +got):\n%s", diff)
			}
			if got.Labels[iamv1alpha1.RoleLabel] != tt.role.Name || got.Labels[iamv1alpha1.ManagedByLabel] != "tenantry" {
				t.Errorf("labels = %v", got.Labels)
			}
			owner := metav1.GetControllerOf(got)
			if owner == nil || owner.Kind != "Role" || owner.Name != tt.role.Name || owner.UID != tt.role.UID {
				t.Errorf("controller = %+v, want the Role", owner)
			}
		})
	}
}

func TestClusterRoleDoesNotShareRulesWithTheRole(t *testing.T) {
	role := newRole("owner", true, readPods)
	got := ClusterRole(role)
	got.Rules[0].Verbs[0] = "delete"
	got.Rules[1].Verbs[0] = "escalate"
	if role.Spec.Rules[0].Verbs[0] != "get" || manageUsersRule.Verbs[0] != "get" {
		t.Fatal("changing the rendered rules changed the Role or the manageUsers rule")
	}
}

func TestClusterRoleCurrent(t *testing.T) {
	want := ClusterRole(newRole("owner", true, readPods))
	tests := []struct {
		name   string
		mutate func(cr *rbacv1.ClusterRole)
		want   bool
	}{
		{"identical", func(*rbacv1.ClusterRole) {}, true},
		{"extra labels of others are kept", func(cr *rbacv1.ClusterRole) { cr.Labels["team"] = "a" }, true},
		{"a rule changed", func(cr *rbacv1.ClusterRole) { cr.Rules = cr.Rules[:1] }, false},
		{"a label missing", func(cr *rbacv1.ClusterRole) { delete(cr.Labels, iamv1alpha1.RoleLabel) }, false},
		{"owned by an earlier Role of the same name", func(cr *rbacv1.ClusterRole) { cr.OwnerReferences[0].UID = "old" }, false},
		{"not owned", func(cr *rbacv1.ClusterRole) { cr.OwnerReferences = nil }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			have := want.DeepCopy()
			tt.mutate(have)
			if got := ClusterRoleCurrent(have, want); got != tt.want {
				t.Errorf("ClusterRoleCurrent = %v, want %v", got, tt.want)
			}
		})
	}
}
