package user

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/event"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

func TestAnnotationsChangedLeavesOutFiledChanges(t *testing.T) {
	user := func(annotations map[string]string) *iamv1alpha1.User {
		return &iamv1alpha1.User{ObjectMeta: metav1.ObjectMeta{Name: "alice", Annotations: annotations}}
	}
	pending := map[string]string{iamv1alpha1.PendingChangesAnnotation: `[{"seq":1}]`}
	tests := []struct {
		name     string
		old, new map[string]string
		want     bool
	}{
		{"the cache drops the filed changes", pending, nil, false},
		{"nothing changes", pending, pending, false},
		{"a person asks for a resend", pending, map[string]string{iamv1alpha1.PendingChangesAnnotation: `[{"seq":1}]`, iamv1alpha1.ResendInvitationAnnotation: "1"}, true},
		{"an annotation goes", map[string]string{"team": "blue"}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := annotationsChanged.Update(event.UpdateEvent{ObjectOld: user(tt.old), ObjectNew: user(tt.new)}); got != tt.want {
				t.Errorf("annotationsChanged = %v, want %v", got, tt.want)
			}
		})
	}
}
