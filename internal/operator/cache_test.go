package operator

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

func TestTrimAppliedCopy(t *testing.T) {
	annotations := map[string]string{
		corev1.LastAppliedConfigAnnotation:     `{"kind":"User"}`,
		iamv1alpha1.ResendInvitationAnnotation: "1",
	}
	user := &iamv1alpha1.User{ObjectMeta: metav1.ObjectMeta{
		Name: "alice", Annotations: annotations,
		ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl"}},
	}}
	if _, err := trimAppliedCopy(user); err != nil {
		t.Fatal(err)
	}
	if user.ManagedFields != nil {
		t.Errorf("managed fields kept: %v", user.ManagedFields)
	}
	if _, ok := user.Annotations[corev1.LastAppliedConfigAnnotation]; ok {
		t.Errorf("kubectl's applied copy kept")
	}
	if user.Annotations[iamv1alpha1.ResendInvitationAnnotation] != "1" {
		t.Errorf("an annotation the controllers read was dropped: %v", user.Annotations)
	}
	if _, ok := annotations[corev1.LastAppliedConfigAnnotation]; !ok {
		t.Errorf("the map the object came with was changed in place")
	}
}
