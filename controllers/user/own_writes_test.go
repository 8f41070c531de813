package user

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
)

// TestOwnWritesWakeTheUserOnlyForOthersWrites plays, in order, the writes
// of a user's credential Secret and the events the informer delivers, and
// counts how often the user is woken.
func TestOwnWritesWakeTheUserOnlyForOthersWrites(t *testing.T) {
	secret := func(rv string) *corev1.Secret {
		return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "tenantry-system", Name: "acme.alice", ResourceVersion: rv}}
	}
	type step func(o *ownWrites, deliver func(any))
	writing := func(o *ownWrites, _ func(any)) { o.writing(secret("")) }
	wrote := func(rv string) step { return func(o *ownWrites, _ func(any)) { o.wrote(secret(rv)) } }
	failed := func(stale bool) step { return func(o *ownWrites, _ func(any)) { o.failed(secret(""), stale) } }
	created := func(rv string) step {
		return func(_ *ownWrites, h func(any)) { h(event.CreateEvent{Object: secret(rv)}) }
	}
	updated := func(rv string) step {
		return func(_ *ownWrites, h func(any)) { h(event.UpdateEvent{ObjectOld: secret("0"), ObjectNew: secret(rv)}) }
	}
	deleted := func(rv string) step {
		return func(_ *ownWrites, h func(any)) { h(event.DeleteEvent{Object: secret(rv)}) }
	}
	tests := []struct {
		name  string
		steps []step
		wakes int
	}{
		{"someone else's Secret", []step{created("1")}, 1},
		{"the controller's creation, its event after the answer", []step{writing, wrote("2"), created("2")}, 0},
		{"the controller's creation, its event before the answer", []step{writing, created("2"), wrote("2")}, 0},
		{"the same version again: an own write is dropped once", []step{writing, wrote("2"), created("2"), updated("2")}, 1},
		{"a pass's two writes, both events late", []step{writing, wrote("10"), writing, wrote("11"), created("10"), updated("11")}, 0},
		{"a pass's two writes, the first's event during the second", []step{writing, wrote("10"), writing, created("10"), wrote("11"), updated("11")}, 0},
		{"someone else's write while the controller's is under way", []step{writing, updated("4"), wrote("5"), updated("5")}, 1},
		{"someone else's write after the controller's", []step{writing, wrote("3"), updated("4")}, 1},
		{"an event during a write that failed", []step{writing, updated("6"), failed(false)}, 1},
		{"a write that conflicted waits for the earlier write's event", []step{writing, wrote("7"), writing, failed(true), updated("7")}, 1},
		{"a deletion", []step{writing, wrote("5"), deleted("5")}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := newOwnWrites()
			q := workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[ctrl.Request]())
			defer q.ShutDown()
			handler := o.othersWrites(func(_ context.Context, obj client.Object) []ctrl.Request {
				return []ctrl.Request{{NamespacedName: types.NamespacedName{Namespace: "acme", Name: "alice"}}}
			})
			wakes := 0
			deliver := func(e any) {
				switch e := e.(type) {
				case event.CreateEvent:
					handler.Create(context.Background(), e, q)
				case event.UpdateEvent:
					handler.Update(context.Background(), e, q)
				case event.DeleteEvent:
					handler.Delete(context.Background(), e, q)
				}
				// Count each wake: the queue folds a user queued twice.
				for q.Len() > 0 {
					req, _ := q.Get()
					q.Done(req)
					wakes++
				}
			}
			for _, s := range tt.steps {
				s(o, deliver)
				deliver(nil)
			}
			if wakes != tt.wakes {
				t.Errorf("woke the user %d times, want %d", wakes, tt.wakes)
			}
			if len(o.inFlight) != 0 || len(o.held) != 0 {
				t.Errorf("left writes under way %v, events held %v", o.inFlight, o.held)
			}
		})
	}
}
