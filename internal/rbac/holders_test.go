package rbac

import (
	"errors"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// A refused binding is the role's fault only when the API server did not
// refuse it for another reason.
func TestBindingRefused(t *testing.T) {
	bindings := schema.GroupResource{Group: "rbac.authorization.k8s.io", Resource: "rolebindings"}
	terminating := apierrors.NewForbidden(bindings, "alice", errors.New("unable to create new content in namespace acme because it is being terminated"))
	terminating.ErrStatus.Details.Causes = []metav1.StatusCause{{Type: corev1.NamespaceTerminatingCause, Field: "metadata.namespace"}}
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"no error", nil, ""},
		{"not a refusal", apierrors.NewTimeoutError("slow", 1), ""},
		{"beyond the grant ceiling", apierrors.NewForbidden(bindings, "alice", errors.New("attempting to grant RBAC permissions not currently held")), iamv1alpha1.ReasonRoleNotGranted},
		{"the namespace being deleted", terminating, iamv1alpha1.ReasonNamespaceTerminating},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ""
			if v := BindingRefused("owner", tc.err); v != nil {
				got = v.Reason
				if v.Message == "" {
					t.Error("a verdict needs a message")
				}
			}
			if got != tc.want {
				t.Errorf("BindingRefused = %q, want %q", got, tc.want)
			}
		})
	}
}
