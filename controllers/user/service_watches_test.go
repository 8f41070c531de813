package user

import (
	"context"
	"slices"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/event"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// TestServiceEventsWakeTheUserUnlessTheyEchoItsApply: the event of an
// object at the version the controller's own apply left it wakes nobody;
// any other version, and every deletion, wakes the object's user.
func TestServiceEventsWakeTheUserUnlessTheyEchoItsApply(t *testing.T) {
	object := func(rv string) *unstructured.Unstructured {
		obj := &unstructured.Unstructured{}
		obj.SetAPIVersion("v1")
		obj.SetKind("ConfigMap")
		obj.SetNamespace("acme")
		obj.SetName("alice-storage")
		obj.SetUID("uid-1")
		obj.SetResourceVersion(rv)
		obj.SetLabels(map[string]string{iamv1alpha1.UserLabel: "alice", iamv1alpha1.AccountLabel: "acme"})
		return obj
	}
	applied := object("7")
	tests := []struct {
		name string
		send func(w *serviceWatches, q workqueue.TypedRateLimitingInterface[ctrl.Request])
		want bool
	}{
		{"created as applied: the echo of the apply", func(w *serviceWatches, q workqueue.TypedRateLimitingInterface[ctrl.Request]) {
			w.handler().Create(context.Background(), event.CreateEvent{Object: object("7")}, q)
		}, false},
		{"updated to the applied version: the echo of the apply", func(w *serviceWatches, q workqueue.TypedRateLimitingInterface[ctrl.Request]) {
			w.handler().Update(context.Background(), event.UpdateEvent{ObjectOld: object("6"), ObjectNew: object("7")}, q)
		}, false},
		{"created at another version, no apply of it under way", func(w *serviceWatches, q workqueue.TypedRateLimitingInterface[ctrl.Request]) {
			w.handler().Create(context.Background(), event.CreateEvent{Object: object("5")}, q)
		}, true},
		{"changed since the apply: by its provider, or by hand", func(w *serviceWatches, q workqueue.TypedRateLimitingInterface[ctrl.Request]) {
			w.handler().Update(context.Background(), event.UpdateEvent{ObjectOld: object("7"), ObjectNew: object("8")}, q)
		}, true},
		{"created while the apply is under way, and the apply's own", func(w *serviceWatches, q workqueue.TypedRateLimitingInterface[ctrl.Request]) {
			w.writes.writing(object("9"))
			w.handler().Create(context.Background(), event.CreateEvent{Object: object("9")}, q)
			w.writes.wrote(object("9"))
		}, false},
		{"changed while the apply is under way, by someone else", func(w *serviceWatches, q workqueue.TypedRateLimitingInterface[ctrl.Request]) {
			w.writes.writing(object("9"))
			w.handler().Update(context.Background(), event.UpdateEvent{ObjectOld: object("7"), ObjectNew: object("8")}, q)
			w.writes.wrote(object("9"))
		}, true},
		{"changed while an apply is under way that fails", func(w *serviceWatches, q workqueue.TypedRateLimitingInterface[ctrl.Request]) {
			w.writes.writing(object("9"))
			w.handler().Update(context.Background(), event.UpdateEvent{ObjectOld: object("7"), ObjectNew: object("8")}, q)
			w.writes.failed(object("9"), false)
		}, true},
		{"deleted at the applied version", func(w *serviceWatches, q workqueue.TypedRateLimitingInterface[ctrl.Request]) {
			w.handler().Delete(context.Background(), event.DeleteEvent{Object: object("7")}, q)
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newServiceWatches(nil, nil)
			w.appliedAs(applied)
			q := workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[ctrl.Request]())
			defer q.ShutDown()
			tt.send(w, q)
			if woken := q.Len() == 1; woken != tt.want {
				t.Fatalf("woke the user: %v, want %v", woken, tt.want)
			}
			if tt.want {
				if req, _ := q.Get(); req.NamespacedName != (types.NamespacedName{Namespace: "acme", Name: "alice"}) {
					t.Errorf("woke %v, want acme/alice", req)
				}
			}
		})
	}
}

// TestServiceOwnerIndex: an object is found by the user and account it is
// labelled for, and an object missing either label by no user.
func TestServiceOwnerIndex(t *testing.T) {
	tests := []struct {
		name   string
		labels map[string]string
		want   []string
	}{
		{"labelled for a user of an account", map[string]string{iamv1alpha1.UserLabel: "alice", iamv1alpha1.AccountLabel: "acme"}, []string{"acme/alice"}},
		{"no account", map[string]string{iamv1alpha1.UserLabel: "alice"}, nil},
		{"no user", map[string]string{iamv1alpha1.AccountLabel: "acme"}, nil},
		{"no labels", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := &unstructured.Unstructured{}
			obj.SetLabels(tt.labels)
			if got := serviceOwnerOf(obj); !slices.Equal(got, tt.want) {
				t.Errorf("serviceOwnerOf = %q, want %q", got, tt.want)
			}
		})
	}
}
