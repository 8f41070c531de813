// Package patch writes the status of Tenantry's objects, the one way every
// controller does it (after Cluster API's util/patch and Flux's
// runtime/patch): once per pass, as a JSON merge patch of what the pass
// changed, and not at all when it changed nothing, so a resync of
// unchanged objects sends no write.
package patch

import (
	"context"
	"encoding/json"
	"fmt"

	"k8s.io/apimachinery/pkg/types"

	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Status writes obj's status if it differs from before's. obj is updated
// with what the API server returns (its new resourceVersion among it).
//
// Pass client.MergeFromWithOptimisticLock{} when the pass decided from
// what may be a stale copy: the patch then carries before's
// resourceVersion and a newer object makes it fail with a conflict
// instead of being overwritten (a merge patch replaces whole lists, the
// conditions among them). The error is returned as it is, NotFound and
// Conflict included, so that each caller decides what they mean to it.
func Status(ctx context.Context, c client.Client, before, obj client.Object, opts ...client.MergeFromOption) error {
	data, changed, err := statusPatch(client.MergeFromWithOptions(before, opts...), obj)
	if err != nil || !changed {
		return err
	}
	// The patch is sent as computed here: asking the MergeFrom patch for
	// its data again would marshal and diff both copies a second time, a
	// cost every status write of every object pays.
	return c.Status().Patch(ctx, obj, client.RawPatch(types.MergePatchType, data))
}

// statusPatch computes the merge patch and reports whether it touches the
// status.
func statusPatch(p client.Patch, obj client.Object) ([]byte, bool, error) {
	data, err := p.Data(obj)
	if err != nil {
		return nil, false, fmt.Errorf("compute the status patch of %s: %w", obj.GetName(), err)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return nil, false, fmt.Errorf("read the status patch of %s: %w", obj.GetName(), err)
	}
	_, ok := fields["status"]
	return data, ok, nil
}
