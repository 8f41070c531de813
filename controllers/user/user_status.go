package user

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
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
func (r *Reconciler) patchUser(ctx context.Context, before, user *iamv1alpha1.User, mustRecord bool) error {
	// The patch carries the resourceVersion the pass started from. A pass
	// that worked from a stale cache would otherwise overwrite a newer
	// status (a merge patch replaces the whole conditions list); this way
	// it gets a conflict and the queue runs it again on fresh data.
	current := user.DeepCopy()
	err := patch.Status(ctx, r.Client, before, current, client.MergeFromWithOptimisticLock{})
	if apierrors.IsConflict(err) && mustRecord {
		current, err = r.recordOnFreshCopy(ctx, user)
	}
	if err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("patch status of user %s: %w", user.Name, err)
	}
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
		return nil
	}
	finalizers := client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{})
	if err := r.Patch(ctx, current, finalizers); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("patch finalizers of user %s: %w", user.Name, err)
	}
	return nil
}

// recordOnFreshCopy writes this pass's status onto the latest copy of the
// user, for a pass that attempted to send an email: its outcome must not be
// lost to a conflict with another writer of the status (the ledger writes
// status.balance). Such a pass worked from a fresh view of the invitation
// (its intent write was guarded by the Secret's resourceVersion), so its
// status is the newest; only the balance, which it does not own, is kept
// from the copy just read. Like Cluster API's patch helper, it re-reads and
// re-applies a few times before giving up.
func (r *Reconciler) recordOnFreshCopy(ctx context.Context, user *iamv1alpha1.User) (*iamv1alpha1.User, error) {
	var err error
	for range recordAttempts {
		live := &iamv1alpha1.User{}
		if err = r.APIReader.Get(ctx, client.ObjectKeyFromObject(user), live); err != nil {
			return nil, err
		}
		base := live.DeepCopy()
		balance := live.Status.Balance
		live.Status = *user.Status.DeepCopy()
		if balance != nil { // only an absent balance is this pass's to open
			live.Status.Balance = balance
		}
		if err = patch.Status(ctx, r.Client, base, live, client.MergeFromWithOptimisticLock{}); !apierrors.IsConflict(err) {
			return live, err
		}
	}
	return nil, err
}

// recordAttempts bounds recordOnFreshCopy; each conflict means another
// writer just succeeded, so a few tries are plenty.
const recordAttempts = 5

// recordPhaseChange leaves an event when the phase moves, so
// `kubectl describe user` tells the user's history. A new user's first
// phase is not an event of its own: the status shows it, and what the first
// pass did (the invitation sent) is, so a new user costs one event.
func (r *Reconciler) recordPhaseChange(before, user *iamv1alpha1.User) {
	from, to := before.Status.Phase, user.Status.Phase
	if from == to || from == "" {
		return
	}
	note := fmt.Sprintf("phase %s -> %s", from, to)
	if message := conditions.Message(user, iamv1alpha1.ReadyCondition); message != "" {
		note += ": " + message
	}
	r.event(user, corev1.EventTypeNormal, "Phase"+string(to), "Reconcile", note)
}
