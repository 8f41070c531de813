package historypruner

import (
	"context"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// historyPrunePage is how many records one list of the pruner reads: the
// pruner reads their metadata only, page by page, so that a cluster with a
// million records costs it no more memory than a page.
const historyPrunePage = 500

// Pruner deletes the change records older than the retention, in
// every account, once per interval on the leader. Records are not cached:
// only this reads them in bulk, rarely, so the manager holds none in
// memory.
type Pruner struct {
	// Reader lists past the cache; Writer deletes.
	Reader    client.Reader
	Writer    client.Writer
	Retention time.Duration
	Interval  time.Duration
	// Clock tells the time; tests move it.
	Clock clock.PassiveClock
}

// +kubebuilder:rbac:groups=iam.tenantry.io,resources=userchanges,verbs=get;list;delete

// Start prunes at once and then every interval until ctx ends. It runs
// only on the leader (a manager.Runnable that does not say otherwise).
func (p *Pruner) Start(ctx context.Context) error {
	log := ctrl.Log.WithName("history-pruner")
	ticker := time.NewTicker(p.Interval)
	defer ticker.Stop()
	for {
		pruned, err := p.Prune(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error(err, "cannot prune the change history; trying again at the next interval")
		case pruned > 0:
			log.Info("Pruned the change history", "records", pruned, "retention", p.Retention.String())
		}
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
	}
}

// Prune deletes every record created before the retention, and says how
// many it deleted.
func (p *Pruner) Prune(ctx context.Context) (int, error) {
	cutoff := p.Clock.Now().Add(-p.Retention)
	pruned := 0
	page := &metav1.PartialObjectMetadataList{}
	page.SetGroupVersionKind(iamv1alpha1.GroupVersion.WithKind("UserChangeList"))
	opts := []client.ListOption{client.Limit(historyPrunePage)}
	for {
		if err := p.Reader.List(ctx, page, opts...); err != nil {
			return pruned, fmt.Errorf("list change records: %w", err)
		}
		for i := range page.Items {
			record := &page.Items[i]
			if !record.CreationTimestamp.Time.Before(cutoff) {
				continue
			}
			record.SetGroupVersionKind(iamv1alpha1.GroupVersion.WithKind("UserChange"))
			uid := record.UID
			if err := p.Writer.Delete(ctx, record, client.Preconditions{UID: &uid}); client.IgnoreNotFound(err) != nil {
				return pruned, fmt.Errorf("delete change record %s/%s: %w", record.Namespace, record.Name, err)
			}
			pruned++
		}
		if page.Continue == "" {
			return pruned, nil
		}
		opts = []client.ListOption{client.Limit(historyPrunePage), client.Continue(page.Continue)}
	}
}
