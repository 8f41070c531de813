package user

import (
	"context"
	"fmt"
	"sync"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/source"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/services"
)

// serviceWatches starts, on first use, a watch on each kind of service
// object, so a service becoming ready, edited by someone (drift) or going
// reaches its user at once. The kinds are not known when the manager
// starts: a ServiceClass may name any kind, even one whose CRD is installed
// later. The watches run on the services cache, which holds only objects
// carrying ServiceClassLabel, so watching ConfigMaps for mailboxes does not
// cache the cluster's ConfigMaps.
type serviceWatches struct {
	cache      cache.Cache
	controller controller.Controller

	mu      sync.Mutex
	watched map[schema.GroupVersionKind]bool
	indexed map[schema.GroupVersionKind]bool
	// applied is the resourceVersion each object had after the operator's
	// last apply of it, by uid: an object still at that version holds
	// exactly what was applied, so it is not compared again, and an apply
	// answered with it changed nothing. Entries go with their objects.
	applied map[types.UID]string
	// writes holds the event of an object whose apply is under way until
	// the apply answers: an event that comes first is not known as the
	// apply's own yet, and would wake the user for a pass with nothing to
	// do.
	writes *ownWrites

	crdsOnce sync.Once
	crds     *services.CRDs
}

func newServiceWatches(c cache.Cache, owner controller.Controller) *serviceWatches {
	return &serviceWatches{cache: c, controller: owner, watched: map[schema.GroupVersionKind]bool{},
		indexed: map[schema.GroupVersionKind]bool{}, applied: map[types.UID]string{}, writes: newOwnWrites()}
}

// serviceOwnerField indexes the services cache by the user an object is
// labelled for, as "<account>/<user>": a user's pass finds its own objects
// by a lookup, where a label selector would read every labelled object of
// the account, once per pass of each of its users.
const serviceOwnerField = "tenantry.serviceOwner"

// serviceOwnerOf is the serviceOwnerField of a labelled service object.
func serviceOwnerOf(obj client.Object) []string {
	user, account := obj.GetLabels()[iamv1alpha1.UserLabel], obj.GetLabels()[iamv1alpha1.AccountLabel]
	if user == "" || account == "" {
		return nil
	}
	return []string{serviceOwner(account, user)}
}

func serviceOwner(account, user string) string { return account + "/" + user }

// ensure watches gvk, indexed by serviceOwnerField, unless it is watched
// already. Callers ensure only kinds the API server serves, so the watch
// does not wait for a kind that is not there.
func (w *serviceWatches) ensure(gvk schema.GroupVersionKind) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.watched[gvk] {
		return nil
	}
	obj := &unstructured.Unstructured{}
	obj.SetGroupVersionKind(gvk)
	if !w.indexed[gvk] {
		// IndexField does not wait for the informer to sync.
		if err := w.cache.IndexField(context.Background(), obj, serviceOwnerField, serviceOwnerOf); err != nil {
			return fmt.Errorf("index %s by user: %w", gvk, err)
		}
		w.indexed[gvk] = true
	}
	if err := w.controller.Watch(source.Kind[client.Object](w.cache, obj, w.handler())); err != nil {
		return err
	}
	w.watched[gvk] = true
	return nil
}

// handler enqueues a service object's user on every event but the echo of
// its own apply, and forgets a deleted object's applied version.
//
// An object at the version the controller's last apply left it is news to
// nobody: the pass that applied it read the object's readiness from the
// apply's answer and wrote it in the same status. Anything else that
// changes the object (its provider setting its status, an edit, a
// deletion) moves it to another version and wakes its user. An event that
// arrives while an apply of its object is under way is held until the
// apply answers (ownWrites), then dropped if it was the apply's own.
func (w *serviceWatches) handler() handler.EventHandler {
	enqueue := func(obj client.Object, q workqueue.TypedRateLimitingInterface[ctrl.Request]) {
		for _, req := range userOfService(context.Background(), obj) {
			q.Add(req)
		}
	}
	enqueueUnlessEcho := func(obj client.Object, q workqueue.TypedRateLimitingInterface[ctrl.Request]) {
		if !w.asApplied(obj) && w.writes.arrived(obj, func() { enqueue(obj, q) }) {
			enqueue(obj, q)
		}
	}
	return handler.Funcs{
		CreateFunc: func(_ context.Context, e event.CreateEvent, q workqueue.TypedRateLimitingInterface[ctrl.Request]) {
			enqueueUnlessEcho(e.Object, q)
		},
		UpdateFunc: func(_ context.Context, e event.UpdateEvent, q workqueue.TypedRateLimitingInterface[ctrl.Request]) {
			enqueueUnlessEcho(e.ObjectNew, q)
		},
		DeleteFunc: func(_ context.Context, e event.DeleteEvent, q workqueue.TypedRateLimitingInterface[ctrl.Request]) {
			w.forget(e.Object.GetUID())
			w.writes.forget(e.Object)
			enqueue(e.Object, q)
		},
		GenericFunc: func(_ context.Context, e event.GenericEvent, q workqueue.TypedRateLimitingInterface[ctrl.Request]) {
			enqueue(e.Object, q)
		},
	}
}

// appliedAs records the version an apply left obj at.
func (w *serviceWatches) appliedAs(obj client.Object) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.applied[obj.GetUID()] = obj.GetResourceVersion()
}

// asApplied says whether obj is at the version the last apply left it.
func (w *serviceWatches) asApplied(obj client.Object) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	rv, ok := w.applied[obj.GetUID()]
	return ok && rv == obj.GetResourceVersion()
}

func (w *serviceWatches) forget(uid types.UID) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.applied, uid)
}

// crdLookup reads CRDs' metadata through reader (the manager's cached
// client, whose CRD informer the ServiceClass controller started).
func (w *serviceWatches) crdLookup(reader client.Reader) services.CRDLookup {
	w.crdsOnce.Do(func() { w.crds = &services.CRDs{Reader: reader} })
	return w.crds.State
}

// userOfService maps a service object to its user by its labels, which
// work for cluster-scoped objects too (an owner reference cannot).
func userOfService(_ context.Context, obj client.Object) []ctrl.Request {
	labels := obj.GetLabels()
	user, account := labels[iamv1alpha1.UserLabel], labels[iamv1alpha1.AccountLabel]
	if user == "" || account == "" {
		return nil
	}
	return []ctrl.Request{{NamespacedName: types.NamespacedName{Namespace: account, Name: user}}}
}
