package user

import (
	"context"
	"slices"
	"sync"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"

	"github.com/tenantry-io/tenantry/internal/reconcile"
)

// ownWrites remembers the credential Secrets this controller just wrote,
// with the resourceVersion each write returned. The watch event of that
// very write would wake the user for a pass that finds nothing to do (the
// pass that wrote it carried on with what it wrote): one extra pass per new
// user, and per invitation sent. A write by anyone else (the self-service
// API accepting the invitation) has another resourceVersion and wakes it.
//
// The event of a write may come before the write has answered with its
// version: the API server sends both at once. An event of an object whose
// write is under way is therefore held until the write answers, and then
// dropped if it was the write's own, or passed on if it was not (or if the
// write failed, which tells nothing of it).
type ownWrites struct {
	mu sync.Mutex
	// versions are, per object, the versions of its last few own writes
	// whose events have not come yet: a pass may write a Secret twice
	// (the invitation's intent, then its outcome), and each event comes.
	versions map[types.NamespacedName][]string
	// inFlight counts, per object, the writes under way.
	inFlight map[types.NamespacedName]int
	// held are the events of an object that came while a write of it was
	// under way.
	held map[types.NamespacedName][]heldEvent
}

// heldEvent is an event waiting for a write's answer: its version, and
// how to wake its user should it not be the write's own.
type heldEvent struct {
	version string
	wake    func()
}

// ownWritesKept bounds the versions kept per object: an event the informer
// skipped (it lists again after a watch ends) leaves its version behind.
const ownWritesKept = 4

func newOwnWrites() *ownWrites {
	return &ownWrites{
		versions: map[types.NamespacedName][]string{},
		inFlight: map[types.NamespacedName]int{},
		held:     map[types.NamespacedName][]heldEvent{},
	}
}

// writing marks a write of obj as under way. Every call is followed by
// wrote or failed. A reconciler set up without a watch (in a test) has
// nothing to record.
func (o *ownWrites) writing(obj client.Object) {
	if o == nil {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.inFlight[client.ObjectKeyFromObject(obj)]++
}

// wrote records the version obj is at after this controller's write, and
// settles the events held meanwhile: the write's own is dropped, any other
// wakes the user.
func (o *ownWrites) wrote(obj client.Object) {
	if o == nil {
		return
	}
	o.mu.Lock()
	key := client.ObjectKeyFromObject(obj)
	held := o.endWrite(key)
	came := false
	var wake []func()
	for _, h := range held {
		switch {
		case h.version == obj.GetResourceVersion():
			came = true
		case o.dropOwn(key, h.version):
		default:
			wake = append(wake, h.wake)
		}
	}
	if !came {
		kept := append(o.versions[key], obj.GetResourceVersion())
		o.versions[key] = kept[max(0, len(kept)-ownWritesKept):]
	}
	o.mu.Unlock()
	for _, w := range wake {
		w()
	}
}

// failed ends a write that did not happen, or whose outcome is unknown:
// the events held meanwhile wake the user. staleCache says the write met a
// conflict: the pass read a cache older than the API server, and the
// events still to come of the object's earlier own writes are the cache
// catching up, the very news that pass waits for, so they wake it too.
func (o *ownWrites) failed(obj client.Object, staleCache bool) {
	if o == nil {
		return
	}
	o.mu.Lock()
	key := client.ObjectKeyFromObject(obj)
	held := o.endWrite(key)
	if staleCache {
		delete(o.versions, key)
	}
	o.mu.Unlock()
	for _, h := range held {
		h.wake()
	}
}

// endWrite ends one write of key under way and, once none is, hands over
// the events held meanwhile. The caller holds the lock.
func (o *ownWrites) endWrite(key types.NamespacedName) []heldEvent {
	if o.inFlight[key] > 1 {
		o.inFlight[key]--
		return nil
	}
	delete(o.inFlight, key)
	held := o.held[key]
	delete(o.held, key)
	return held
}

// dropOwn says whether version is one this controller's writes left key
// at, and forgets it and every version before it: their events come once,
// in order. The caller holds the lock.
func (o *ownWrites) dropOwn(key types.NamespacedName, version string) bool {
	kept := o.versions[key]
	i := slices.Index(kept, version)
	if i < 0 {
		return false
	}
	if kept = kept[i+1:]; len(kept) == 0 {
		delete(o.versions, key)
	} else {
		o.versions[key] = kept
	}
	return true
}

// arrived decides an event of obj: false when it is the echo of an own
// write, or is held until a write under way answers (wake is then called
// if it was not that write's); true when it wakes the user now.
func (o *ownWrites) arrived(obj client.Object, wake func()) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	key := client.ObjectKeyFromObject(obj)
	if o.dropOwn(key, obj.GetResourceVersion()) {
		return false
	}
	if o.inFlight[key] > 0 {
		o.held[key] = append(o.held[key], heldEvent{version: obj.GetResourceVersion(), wake: wake})
		return false
	}
	return true
}

// forget drops what is remembered of a deleted object.
func (o *ownWrites) forget(obj client.Object) {
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.versions, client.ObjectKeyFromObject(obj))
}

// othersWrites enqueues, by owner, the users of the events of every write
// but this controller's own.
func (o *ownWrites) othersWrites(owner handler.MapFunc) handler.EventHandler {
	enqueue := func(ctx context.Context, obj client.Object, q reconcile.RequestQueue) {
		for _, req := range owner(ctx, obj) {
			q.Add(req)
		}
	}
	unlessOwn := func(ctx context.Context, obj client.Object, q reconcile.RequestQueue) {
		if o.arrived(obj, func() { enqueue(ctx, obj, q) }) {
			enqueue(ctx, obj, q)
		}
	}
	return handler.Funcs{
		CreateFunc: func(ctx context.Context, e event.CreateEvent, q reconcile.RequestQueue) {
			unlessOwn(ctx, e.Object, q)
		},
		UpdateFunc: func(ctx context.Context, e event.UpdateEvent, q reconcile.RequestQueue) {
			unlessOwn(ctx, e.ObjectNew, q)
		},
		DeleteFunc: func(ctx context.Context, e event.DeleteEvent, q reconcile.RequestQueue) {
			o.forget(e.Object)
			enqueue(ctx, e.Object, q)
		},
		GenericFunc: func(ctx context.Context, e event.GenericEvent, q reconcile.RequestQueue) {
			enqueue(ctx, e.Object, q)
		},
	}
}
