package user

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/event"
)

func TestOwnWritesPassOthersEvents(t *testing.T) {
	secret := func(rv string) *corev1.Secret {
		return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "tenantry-system", Name: "acme.alice", ResourceVersion: rv}}
	}
	o := newOwnWrites()
	p := o.othersWrites()
	if !p.Create(event.CreateEvent{Object: secret("1")}) {
		t.Error("a Secret this controller did not write was filtered out")
	}
	o.wrote(secret("2"))
	if p.Create(event.CreateEvent{Object: secret("2")}) {
		t.Error("the event of the controller's own creation woke the user")
	}
	if !p.Update(event.UpdateEvent{ObjectOld: secret("2"), ObjectNew: secret("2")}) {
		t.Error("a second event at the same version was filtered out: an own write is filtered once")
	}
	// A pass that writes twice: both events are its own.
	o.wrote(secret("10"))
	o.wrote(secret("11"))
	if p.Create(event.CreateEvent{Object: secret("10")}) || p.Update(event.UpdateEvent{ObjectOld: secret("10"), ObjectNew: secret("11")}) {
		t.Error("the events of a pass's two writes woke the user")
	}
	o.wrote(secret("3"))
	if !p.Update(event.UpdateEvent{ObjectOld: secret("3"), ObjectNew: secret("4")}) {
		t.Error("someone else's write after the controller's was filtered out")
	}
	o.wrote(secret("5"))
	if !p.Delete(event.DeleteEvent{Object: secret("5")}) {
		t.Error("a deletion was filtered out")
	}
	if len(o.versions) != 0 {
		t.Errorf("remembered after the deletion: %v", o.versions)
	}
}

func TestOwnWritesWakeAPassThatMetAStaleCache(t *testing.T) {
	secret := func(rv string) *corev1.Secret {
		return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "tenantry-system", Name: "acme.alice", ResourceVersion: rv}}
	}
	o := newOwnWrites()
	p := o.othersWrites()
	o.wrote(secret("7"))
	// The next pass read the Secret before its event came, and its write
	// conflicted: the event is the cache catching up, and must wake it.
	o.awaitCache(secret("6"))
	if !p.Update(event.UpdateEvent{ObjectOld: secret("6"), ObjectNew: secret("7")}) {
		t.Error("the event a conflicted pass waits for was filtered out")
	}
}
