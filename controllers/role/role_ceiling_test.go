package role

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// TestWarnBeyondCeilingOncePerWrittenTransition checks that the warning
// follows the status written: recorded when the write made the role
// stalled beyond the ceiling, not when the status it replaced said so
// already (a second pass over the same refusal).
func TestWarnBeyondCeilingOncePerWrittenTransition(t *testing.T) {
	role := func(reason, message string) *iamv1alpha1.Role {
		r := &iamv1alpha1.Role{}
		if reason != "" {
			r.Status.Conditions = []metav1.Condition{{Type: iamv1alpha1.StalledCondition, Status: metav1.ConditionTrue, Reason: reason, Message: message}}
		}
		return r
	}
	beyond := iamv1alpha1.ReasonBeyondGrantCeiling
	tests := []struct {
		name            string
		before, written *iamv1alpha1.Role
		want            int
	}{
		{name: "became stalled", before: role("", ""), written: role(beyond, "nodes"), want: 1},
		{name: "stalled already, same refusal", before: role(beyond, "nodes"), written: role(beyond, "nodes")},
		{name: "stalled already, another refusal", before: role(beyond, "nodes"), written: role(beyond, "nodes, secrets"), want: 1},
		{name: "ceiling missing", before: role("", ""), written: role(iamv1alpha1.ReasonGrantCeilingMissing, "missing"), want: 1},
		{name: "not stalled", before: role(beyond, "nodes"), written: role("", "")},
		{name: "stalled for another reason", before: role("", ""), written: role("Other", "other")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recorder := events.NewFakeRecorder(4)
			(&Reconciler{Recorder: recorder}).warnBeyondCeiling(tt.before, tt.written)
			if got := len(recorder.Events); got != tt.want {
				t.Errorf("recorded %d events, want %d", got, tt.want)
			}
		})
	}
}
