package rbac

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

func newUser(name, email, role string) *iamv1alpha1.User {
	return &iamv1alpha1.User{
		ObjectMeta: metav1.ObjectMeta{Namespace: "acme", Name: name, UID: "user-uid"},
		Spec:       iamv1alpha1.UserSpec{FullName: "Alice Example", Email: email, Role: role},
	}
}

func TestRoleBinding(t *testing.T) {
	tests := []struct {
		name        string
		user        *iamv1alpha1.User
		identity    Identity
		wantName    string
		wantRoleRef string
		wantSubject rbacv1.Subject
	}{
		{
			name:        "the email is the user name by default",
			user:        newUser("alice", "alice@acme.example", "owner"),
			identity:    Identity{}.OrDefault(),
			wantName:    "tenantry:user:alice",
			wantRoleRef: "tenantry:role:owner",
			wantSubject: rbacv1.Subject{Kind: "User", APIGroup: "rbac.authorization.k8s.io", Name: "alice@acme.example"},
		},
		{
			name:        "the prefix matches the API server's --oidc-username-prefix",
			user:        newUser("bob", "bob@acme.example", "manager"),
			identity:    Identity{Kind: "User", Prefix: "oidc:"},
			wantName:    "tenantry:user:bob",
			wantRoleRef: "tenantry:role:manager",
			wantSubject: rbacv1.Subject{Kind: "User", APIGroup: "rbac.authorization.k8s.io", Name: "oidc:bob@acme.example"},
		},
		{
			name:        "a group per person, for authenticators that map them so",
			user:        newUser("carol", "carol@acme.example", "viewer"),
			identity:    Identity{Kind: "Group", Prefix: "person:"},
			wantName:    "tenantry:user:carol",
			wantRoleRef: "tenantry:role:viewer",
			wantSubject: rbacv1.Subject{Kind: "Group", APIGroup: "rbac.authorization.k8s.io", Name: "person:carol@acme.example"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := RoleBinding(tt.user, tt.identity)
			if got.Name != tt.wantName || got.Namespace != tt.user.Namespace {
				t.Errorf("binding %s/%s, want %s/%s", got.Namespace, got.Name, tt.user.Namespace, tt.wantName)
			}
			wantRef := rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: tt.wantRoleRef}
			if got.RoleRef != wantRef {
				t.Errorf("roleRef = %+v, want %+v", got.RoleRef, wantRef)
			}
			if diff := cmp.Diff([]rbacv1.Subject{tt.wantSubject}, got.Subjects); diff != "" {
				t.Errorf("subjects (-want +got):\n%s", diff)
			}
			if got.Labels[iamv1alpha1.UserLabel] != tt.user.Name || got.Labels[iamv1alpha1.RoleLabel] != tt.user.Spec.Role {
				t.Errorf("labels = %v", got.Labels)
			}
			owner := metav1.GetControllerOf(got)
			if owner == nil || owner.Kind != "User" || owner.UID != tt.user.UID {
				t.Errorf("controller = %+v, want the User", owner)
			}
		})
	}
}

func TestRoleBindingCurrent(t *testing.T) {
	want := RoleBinding(newUser("alice", "alice@acme.example", "owner"), Identity{}.OrDefault())
	tests := []struct {
		name   string
		mutate func(rb *rbacv1.RoleBinding)
		want   bool
	}{
		{"identical", func(*rbacv1.RoleBinding) {}, true},
		{"another role", func(rb *rbacv1.RoleBinding) { rb.RoleRef.Name = ClusterRoleName("manager") }, false},
		{"another email", func(rb *rbacv1.RoleBinding) { rb.Subjects[0].Name = "old@acme.example" }, false},
		{"a second subject added by hand", func(rb *rbacv1.RoleBinding) {
			rb.Subjects = append(rb.Subjects, rbacv1.Subject{Kind: "User", Name: "mallory"})
		}, false},
		{"owned by an earlier user of the same name", func(rb *rbacv1.RoleBinding) { rb.OwnerReferences[0].UID = "old" }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			have := want.DeepCopy()
			tt.mutate(have)
			if got := RoleBindingCurrent(have, want); got != tt.want {
				t.Errorf("RoleBindingCurrent = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestIdentityValidate(t *testing.T) {
	for kind, wantErr := range map[string]bool{"User": false, "Group": false, "ServiceAccount": true, "": true} {
		if err := (Identity{Kind: kind}).Validate(); (err != nil) != wantErr {
			t.Errorf("Validate(%q) = %v, want error %v", kind, err, wantErr)
		}
	}
}

func TestIdentityOrDefault(t *testing.T) {
	tests := []struct {
		name string
		id   Identity
		want Identity
	}{
		{"none set is the email as a User", Identity{}, Identity{Kind: rbacv1.UserKind}},
		{"a kind set is kept", Identity{Kind: rbacv1.GroupKind}, Identity{Kind: rbacv1.GroupKind}},
		{"a prefix is kept with its kind", Identity{Kind: rbacv1.UserKind, Prefix: "oidc:"}, Identity{Kind: rbacv1.UserKind, Prefix: "oidc:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.id.OrDefault(); got != tt.want {
				t.Errorf("OrDefault() = %+v, want %+v", got, tt.want)
			}
		})
	}
}
