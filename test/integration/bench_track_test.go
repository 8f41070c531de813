package integration

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// doneTracker follows the objects of one namespace through a watch and
// notes when each is first seen done. A benchmark waits on it instead of
// listing every object again and again, which at 10,000 objects would load
// the API server more than the operator being measured. With the time each
// object was created it gives the latency from creation to done.
type doneTracker struct {
	mu      sync.Mutex
	created map[string]time.Time
	done    map[string]time.Time
	changed chan struct{}
	// stop ends the watch.
	stop context.CancelFunc
}

// trackDone starts watching list's kind in ns until the benchmark ends.
func trackDone(b *testing.B, list client.ObjectList, ns string, isDone func(client.Object) bool) *doneTracker {
	b.Helper()
	t := &doneTracker{created: map[string]time.Time{}, done: map[string]time.Time{}, changed: make(chan struct{}, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	t.stop = cancel
	w, err := k8s.Watch(ctx, list, client.InNamespace(ns))
	if err != nil {
		b.Fatalf("watch: %v", err)
	}
	go t.follow(ctx, b, w, list, ns, isDone)
	return t
}

// follow records done objects; a watch the API server ends is started
// again, and its first events (every object as it is now) catch up.
func (t *doneTracker) follow(ctx context.Context, b *testing.B, w watch.Interface, list client.ObjectList, ns string, isDone func(client.Object) bool) {
	for {
		for ev := range w.ResultChan() {
			obj, ok := ev.Object.(client.Object)
			if !ok || ev.Type == watch.Deleted || !isDone(obj) {
				continue
			}
			t.mu.Lock()
			if _, seen := t.done[obj.GetName()]; !seen {
				t.done[obj.GetName()] = time.Now()
			}
			t.mu.Unlock()
			select {
			case t.changed <- struct{}{}:
			default:
			}
		}
		if ctx.Err() != nil {
			return
		}
		var err error
		if w, err = k8s.Watch(ctx, list, client.InNamespace(ns)); err != nil {
			b.Errorf("watch again: %v", err)
			return
		}
	}
}

// createdNow notes that the benchmark just created name.
func (t *doneTracker) createdNow(name string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.created[name] = time.Now()
}

// wait blocks until n objects are done, allowing time in proportion to n.
func (t *doneTracker) wait(b *testing.B, what string, n int) {
	b.Helper()
	deadline := time.After(time.Minute + time.Duration(n)*100*time.Millisecond)
	for {
		t.mu.Lock()
		got := len(t.done)
		t.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-t.changed:
		case <-deadline:
			b.Fatalf("%s: %d of %d done", what, got, n)
		}
	}
}

// latency is the q-quantile of the time from creation to done, over the
// objects whose creation was noted.
func (t *doneTracker) latency(q float64) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	var all []time.Duration
	for name, created := range t.created {
		if done, ok := t.done[name]; ok {
			all = append(all, done.Sub(created))
		}
	}
	if len(all) == 0 {
		return 0
	}
	slices.Sort(all)
	return all[min(len(all)-1, int(q*float64(len(all))))]
}

// tenths are the rates, in objects per second, at which the first and the
// last tenth of the objects were done: from the start to the first tenth's
// last, and from the object before the last tenth to the last. Equal
// rates mean the thousandth object cost what the hundredth did.
func (t *doneTracker) tenths(start time.Time) (first, last float64) {
	t.mu.Lock()
	times := make([]time.Time, 0, len(t.done))
	for _, done := range t.done {
		times = append(times, done)
	}
	t.mu.Unlock()
	tenth := len(times) / 10
	if tenth < 2 {
		return 0, 0
	}
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	first = float64(tenth) / times[tenth-1].Sub(start).Seconds()
	last = float64(tenth) / times[len(times)-1].Sub(times[len(times)-tenth-1]).Seconds()
	return first, last
}
