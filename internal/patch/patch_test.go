package patch

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

func TestStatusChanged(t *testing.T) {
	before := &iamv1alpha1.User{
		ObjectMeta: metav1.ObjectMeta{Name: "alice", ResourceVersion: "7"},
		Status:     iamv1alpha1.UserStatus{Phase: iamv1alpha1.UserPhaseInvited},
	}
	cases := []struct {
		name   string
		change func(u *iamv1alpha1.User)
		lock   bool
		want   bool
	}{
		{name: "nothing changed", change: func(*iamv1alpha1.User) {}, want: false},
		{name: "nothing changed, with the lock's resourceVersion in the patch", change: func(*iamv1alpha1.User) {}, lock: true, want: false},
		{name: "only the finalizers changed", change: func(u *iamv1alpha1.User) { u.Finalizers = []string{"x"} }, want: false},
		{name: "the phase changed", change: func(u *iamv1alpha1.User) { u.Status.Phase = iamv1alpha1.UserPhaseActive }, want: true},
		{name: "a condition appeared", lock: true, change: func(u *iamv1alpha1.User) {
			u.Status.Conditions = []metav1.Condition{{Type: "Ready", Status: metav1.ConditionTrue, Reason: "Active"}}
		}, want: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obj := before.DeepCopy()
			tc.change(obj)
			var opts []client.MergeFromOption
			if tc.lock {
				opts = append(opts, client.MergeFromWithOptimisticLock{})
			}
			data, got, err := statusPatch(client.MergeFromWithOptions(before, opts...), obj)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("statusPatch changed = %v, want %v", got, tc.want)
			}
			// The patch sent is the one computed: with the lock it must
			// carry the resourceVersion the pass read, or a newer object
			// would be overwritten instead of refusing the write.
			if locked := strings.Contains(string(data), `"resourceVersion":"7"`); locked != tc.lock {
				t.Errorf("patch %s carries the resourceVersion: %v, want %v", data, locked, tc.lock)
			}
		})
	}
}
