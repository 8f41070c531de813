package user

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/conditions"
	"github.com/tenantry-io/tenantry/internal/patch"
	"github.com/tenantry-io/tenantry/internal/reconcile"
)

// summarizeStatus turns a pass's verdicts into conditions, the phase and
// Ready. observedGeneration moves only when the pass succeeded, so a failed
// pass never claims to have handled the spec it failed on.
func summarizeStatus(s *userScope, reconcileErr error) {
	user := s.user
	if reconcileErr != nil && s.reconciling == nil {
		s.reconciling = &reconcile.Verdict{Reason: iamv1alpha1.ReasonProgressing, Message: fmt.Sprintf("retrying after an error: %v", reconcileErr)}
	}
	reconcile.ApplyVerdict(user, iamv1alpha1.ReconcilingCondition, s.reconciling)
	reconcile.ApplyVerdict(user, iamv1alpha1.StalledCondition, s.stalled)

	if reconcileErr == nil {
		user.Status.ObservedGeneration = user.Generation
	}
	user.Status.Phase = userPhase(user)
	conditions.Set(user, readyCondition(user.Status.Phase, user))
}

// patchUser writes what this pass changed: the status first, then the
// finalizer, so that removing the finalizer is the very last write. Nothing
// is sent when nothing changed, which keeps resyncs of unchanged users free.
// It returns the status write the API server accepted (nil when none was),
// from which the pass's events are recorded, even if the finalizer's write
// then fails.
func (r *Reconciler) patchUser(ctx context.Context, before, user *iamv1alpha1.User, mustRecord bool) (*statusWrite, error) {
	// The patch carries the resourceVersion the pass started from. A pass
	// that worked from a stale cache would otherwise overwrite a newer
	// status (a merge patch replaces the whole conditions list); this way
	// it gets a conflict and the queue runs it again on fresh data.
	prior, current := before, user.DeepCopy()
	err := patch.Status(ctx, r.Client, before, current, client.MergeFromWithOptimisticLock{})
	if apierrors.IsConflict(err) && mustRecord {
		prior, current, err = r.recordOnFreshCopy(ctx, user)
	}
	if err != nil {
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("patch status of user %s: %w", user.Name, err)
	}
	written := &statusWrite{prior: prior, written: current}
	// The finalizer list is shared with other controllers. The change is
	// applied to the freshest copy we have (the status patch returns one) and
	// guarded by its resourceVersion, so a concurrent change is retried, not
	// overwritten.
	base := current.DeepCopy()
	var changed bool
	if controllerutil.ContainsFinalizer(user, iamv1alpha1.UserFinalizer) {
		changed = controllerutil.AddFinalizer(current, iamv1alpha1.UserFinalizer)
	} else {
		changed = controllerutil.RemoveFinalizer(current, iamv1alpha1.UserFinalizer)
	}
	if !changed {
		return written, nil
	}
	finalizers := client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{})
	if err := r.Patch(ctx, current, finalizers); err != nil && !apierrors.IsNotFound(err) {
		return written, fmt.Errorf("patch finalizers of user %s: %w", user.Name, err)
	}
	return written, nil
}

// recordOnFreshCopy writes this pass's status onto the latest copy of the
// user, for a pass that attempted to send an email: its outcome must not be
// lost to a conflict with another writer of the status (the ledger writes
// status.balance). Such a pass worked from a fresh view of the invitation
// (its intent write was guarded by the Secret's resourceVersion), so its
// status is the newest; only the balance, which it does not own, is kept
// from the copy just read. Like Cluster API's patch helper, it re-reads and
// re-applies a few times before giving up. It returns the copy it wrote
// over (prior) and the user as written.
func (r *Reconciler) recordOnFreshCopy(ctx context.Context, user *iamv1alpha1.User) (prior, written *iamv1alpha1.User, err error) {
	for range recordAttempts {
		live := &iamv1alpha1.User{}
		if err = r.APIReader.Get(ctx, client.ObjectKeyFromObject(user), live); err != nil {
			return nil, nil, err
		}
		base := live.DeepCopy()
		balance := live.Status.Balance
		live.Status = *user.Status.DeepCopy()
		if balance != nil { // only an absent balance is this pass's to open
			live.Status.Balance = balance
		}
		if err = patch.Status(ctx, r.Client, base, live, client.MergeFromWithOptimisticLock{}); !apierrors.IsConflict(err) {
			return base, live, err
		}
	}
	return nil, nil, err
}

// recordAttempts bounds recordOnFreshCopy; each conflict means another
// writer just succeeded, so a few tries are plenty.
const recordAttempts = 5
