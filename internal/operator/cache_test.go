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

func TestTrimUserDropsFiledChangesOnly(t *testing.T) {
	pending := `[{"seq":3,"time":"2026-12-03T10:00:00.000000Z","action":"Updated","requester":{"username":"a"}}]`
	user := func(filed int64) *iamv1alpha1.User {
		return &iamv1alpha1.User{
			ObjectMeta: metav1.ObjectMeta{Name: "alice", Annotations: map[string]string{iamv1alpha1.PendingChangesAnnotation: pending}},
			Status:     iamv1alpha1.UserStatus{History: &iamv1alpha1.HistoryStatus{FiledSequence: filed}},
		}
	}
	unfiled := user(2)
	if _, err := trimUser(unfiled); err != nil {
		t.Fatal(err)
	}
	if unfiled.Annotations[iamv1alpha1.PendingChangesAnnotation] != pending {
		t.Errorf("a change not filed yet was dropped from the cache")
	}
	filed := user(3)
	if _, err := trimUser(filed); err != nil {
		t.Fatal(err)
	}
	if _, ok := filed.Annotations[iamv1alpha1.PendingChangesAnnotation]; ok {
		t.Errorf("a filed change is still cached")
	}
}
