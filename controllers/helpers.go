package controllers

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/conditions"
	"github.com/tenantry-io/tenantry/internal/metrics"
)

// The small pieces every reconciler here shares.

// verdict is a pass's finding for a kstatus condition (Reconciling or
// Stalled): a reason and a message. A nil verdict clears the condition,
// since kstatus conditions exist only while true.
type verdict struct{ reason, message string }

// applyVerdict sets the condition from v, or removes it when v is nil.
func applyVerdict(obj conditions.Setter, conditionType string, v *verdict) {
	if v == nil {
		conditions.Delete(obj, conditionType)
		return
	}
	conditions.MarkTrue(obj, conditionType, v.reason, v.message)
}

// recordEvent records an event when the reconciler has a recorder (the
// unit tests build some without one). Events are for transitions only.
func recordEvent(recorder events.EventRecorder, regarding, related runtime.Object, eventType, reason, action, format string, args ...any) {
	if recorder != nil {
		recorder.Eventf(regarding, related, eventType, reason, action, format, args...)
	}
}

// roleExists reads the Role from the cache, for a user's own binding and a
// team's alike. A Role being deleted counts as gone: its holders lose access
// as soon as the deletion is asked for. No name is no role.
func roleExists(ctx context.Context, c client.Reader, name string) (bool, error) {
	if name == "" {
		return false, nil
	}
	role := &iamv1alpha1.Role{}
	err := c.Get(ctx, client.ObjectKey{Name: name}, role)
	switch {
	case apierrors.IsNotFound(err):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("get role %s: %w", name, err)
	}
	return role.DeletionTimestamp.IsZero(), nil
}

// earliest merges two results, keeping the sooner requeue.
func earliest(a, b ctrl.Result) ctrl.Result {
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

// conflictRequeue is how soon a pass that met an optimistic-lock conflict
// runs again. A conflict means someone wrote the object after this pass
// read it: nothing was written, and the newer object is one cache update
// away, so the pass is simply run again shortly on fresh data.
const conflictRequeue = 50 * time.Millisecond

// requeueOnConflict turns an optimistic-lock conflict into a quiet requeue:
// conflicts are routine whenever two writers share an object (the User
// controller and the ledger share a User's status), so they are logged at
// debug level and counted in tenantry_reconcile_conflicts_total, not
// reported as errors with stack traces. Any other error is returned as is.
func requeueOnConflict(ctx context.Context, controller string, result ctrl.Result, err error) (ctrl.Result, error) {
	if err == nil || !onlyConflicts(err) {
		return result, err
	}
	metrics.RecordReconcileConflict(controller)
	ctrl.LoggerFrom(ctx).V(1).Info("conflict with a newer write, running again", "error", err.Error())
	return earliest(result, ctrl.Result{RequeueAfter: conflictRequeue}), nil
}

// onlyConflicts reports whether err is a conflict, or errors joined with
// errors.Join that are all conflicts: a real error beside a conflict must
// still be reported.
func onlyConflicts(err error) bool {
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range joined.Unwrap() {
			if !onlyConflicts(e) {
				return false
			}
		}
		return true
	}
	return apierrors.IsConflict(err)
}
