package reconcile

import (
	"context"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/tenantry-io/tenantry/internal/metrics"
)

// Earliest merges two results, keeping the sooner requeue.
func Earliest(a, b ctrl.Result) ctrl.Result {
	switch {
	case a.RequeueAfter == 0:
		return b
	case b.RequeueAfter == 0:
		return a
	case b.RequeueAfter < a.RequeueAfter:
		return b
	default:
		return a
	}
}

// ConflictRequeue is how soon a pass that met an optimistic-lock conflict
// runs again. A conflict means someone wrote the object after this pass
// read it: nothing was written, and the newer object is one cache update
// away, so the pass is simply run again shortly on fresh data.
const ConflictRequeue = 50 * time.Millisecond

// RequeueOnConflict turns an optimistic-lock conflict into a quiet requeue:
// conflicts are routine whenever two writers share an object (the User
// controller and the ledger share a User's status), so they are logged at
// debug level and counted in tenantry_reconcile_conflicts_total, not
// reported as errors with stack traces. Any other error is returned as is.
func RequeueOnConflict(ctx context.Context, controller string, result ctrl.Result, err error) (ctrl.Result, error) {
	if err == nil || !OnlyConflicts(err) {
		return result, err
	}
	metrics.RecordReconcileConflict(controller)
	ctrl.LoggerFrom(ctx).V(1).Info("conflict with a newer write, running again", "err", err)
	return Earliest(result, ctrl.Result{RequeueAfter: ConflictRequeue}), nil
}

// OnlyConflicts reports whether err is a conflict, or errors joined with
// errors.Join that are all conflicts: a real error beside a conflict must
// still be reported.
func OnlyConflicts(err error) bool {
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range joined.Unwrap() {
			if !OnlyConflicts(e) {
				return false
			}
		}
		return true
	}
	return apierrors.IsConflict(err)
}
