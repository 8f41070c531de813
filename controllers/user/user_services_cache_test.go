package user

import (
	"context"
	"errors"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// unsyncedCache is a cache whose watch of every kind never syncs, as when
// the operator may not list and watch it: reads wait until their context
// ends.
type unsyncedCache struct{ cache.Cache }

func (unsyncedCache) Get(ctx context.Context, _ client.ObjectKey, _ client.Object, _ ...client.GetOption) error {
	<-ctx.Done()
	return ctx.Err()
}

func TestServiceReadGivesUpOnAKindItCannotWatch(t *testing.T) {
	r := &Reconciler{Services: ServiceSettings{Cache: unsyncedCache{}, CacheWait: 50 * time.Millisecond}}
	obj := &unstructured.Unstructured{}
	obj.SetAPIVersion("mail.example.com/v1")
	obj.SetKind("Mailbox")
	err := r.cachedService(context.Background(), client.ObjectKey{Namespace: "acme", Name: "alice-mailbox"}, obj)
	if !errors.Is(err, errNotWatchable) {
		t.Fatalf("err = %v, want errNotWatchable", err)
	}

	// A reconcile that is itself stopping is not a kind it cannot watch.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := r.cachedService(ctx, client.ObjectKey{Namespace: "acme", Name: "alice-mailbox"}, obj); errors.Is(err, errNotWatchable) {
		t.Fatalf("a cancelled reconcile reported %v", err)
	}
}
