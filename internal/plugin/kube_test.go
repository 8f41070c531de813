package plugin

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// The client finds an object's resource from its kind; the refusals name
// the same resources the way RBAC does. Both must agree with the API.
func TestEndpointIsTheResourceRBACNames(t *testing.T) {
	c := &kubeClient{scheme: scheme()}
	tests := []struct {
		name string
		obj  runtime.Object
		want string
	}{
		{"a user", &iamv1alpha1.User{}, usersResource},
		{"a list of users", &iamv1alpha1.UserList{}, usersResource},
		{"a transaction", &iamv1alpha1.BalanceTransaction{}, transactionsResource},
		{"service classes, a kind ending in s", &iamv1alpha1.ServiceClassList{}, serviceClassesResource},
		{"change records", &iamv1alpha1.UserChangeList{}, userChangesResource},
		{"a Secret, in the core group", &corev1.Secret{}, secretsResource},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gvk, err := c.kindOf(tt.obj)
			if err != nil {
				t.Fatal(err)
			}
			got := resourceOf(gvk.Kind)
			if gvk.Group != "" {
				got += "." + gvk.Group
			}
			if got != tt.want {
				t.Errorf("resource of %T = %q, want %q", tt.obj, got, tt.want)
			}
		})
	}
}
