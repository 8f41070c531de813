package user

import (
	"slices"
	"sync"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
)

// ownWrites remembers the credential Secrets this controller just wrote,
// with the resourceVersion each write returned. The watch event of that
// very write would wake the user for a pass that finds nothing to do (the
// pass that wrote it carried on with what it wrote): one extra pass per new
// user, and per invitation sent. A write by anyone else (the self-service
// API accepting the invitation) has another resourceVersion and wakes it.
type ownWrites struct {
	mu sync.Mutex
	// versions are, per object, the versions of its last few own writes
	// whose events have not come yet: a pass may write a Secret twice
	// (the invitation's intent, then its outcome), and each event comes.
	versions map[types.NamespacedName][]string
}

// ownWritesKept bounds the versions kept per object: an event the informer
// skipped (it lists again after a watch ends) leaves its version behind.
const ownWritesKept = 4

func newOwnWrites() *ownWrites {
	return &ownWrites{versions: map[types.NamespacedName][]string{}}
}

// wrote records the version obj is at after this controller's write. A
// reconciler set up without a watch (in a test) has nothing to record.
func (o *ownWrites) wrote(obj client.Object) {
	if o == nil {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	key := client.ObjectKeyFromObject(obj)
	kept := append(o.versions[key], obj.GetResourceVersion())
	o.versions[key] = kept[max(0, len(kept)-ownWritesKept):]
}

// isOwn says whether obj is at the version this controller's last write
// left it, and forgets that write: its event comes once.
func (o *ownWrites) isOwn(obj client.Object) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	key := client.ObjectKeyFromObject(obj)
	kept := o.versions[key]
	i := slices.Index(kept, obj.GetResourceVersion())
	if i < 0 {
		return false
	}
	// Versions before this one will not come any more.
	if kept = kept[i+1:]; len(kept) == 0 {
		delete(o.versions, key)
	} else {
		o.versions[key] = kept
	}
	return true
}

// awaitCache is called by a pass that met a stale cache (its write of the
// object conflicted): the events still to come of the object's earlier
// own writes are the cache catching up, the very news that pass waits
// for, so they wake the user after all.
func (o *ownWrites) awaitCache(obj client.Object) {
	if o == nil {
		return
	}
	o.forget(obj)
}

// forget drops what is remembered of a deleted object.
func (o *ownWrites) forget(obj client.Object) {
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.versions, client.ObjectKeyFromObject(obj))
}

// othersWrites passes the events of every write but this controller's own.
func (o *ownWrites) othersWrites() predicate.Funcs {
	return predicate.Funcs{
		CreateFunc: func(e event.CreateEvent) bool { return !o.isOwn(e.Object) },
		UpdateFunc: func(e event.UpdateEvent) bool { return !o.isOwn(e.ObjectNew) },
		DeleteFunc: func(e event.DeleteEvent) bool { o.forget(e.Object); return true },
	}
}
