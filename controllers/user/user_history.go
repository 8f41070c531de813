package user

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/history"
)

// HistorySettings bound a user's change history.
type HistorySettings struct {
	// Limit is how many of a user's numbered changes are kept; filing one
	// more removes the oldest. Zero means DefaultHistoryLimit.
	Limit int64
}

// deletionAdmissionWindow is how long before the deletion shows a recorded
// deletion request may have been admitted: the API server stores an
// admitted request within its timeout (a minute at most). An older request
// was refused after admission, and a later deletion did not pass it.
const deletionAdmissionWindow = 90 * time.Second

// +kubebuilder:rbac:groups=iam.tenantry.io,resources=userchanges,verbs=create;delete

// fileChanges files the changes admission attached to the user (see
// internal/history) as UserChanges, in order, and notes the last one in
// status.history, which the pass's status write records. The user carries
// them only once the API server stored them, so each is a change that
// happened. Filing is idempotent: a record that exists was filed by a pass
// whose status write was lost.
func (r *Reconciler) fileChanges(ctx context.Context, s *userScope) (ctrl.Result, error) {
	user := s.user
	filed := history.FiledSequence(user)
	pending := history.Pending(user)
	for _, e := range pending {
		if e.Sequence <= filed {
			continue
		}
		if missed := e.Sequence - filed - 1; missed > 0 {
			s.announce(changesFiled, corev1.EventTypeWarning, "ChangesNotFiled", "FileHistory", fmt.Sprintf(
				"%d changes before change %d came faster than they could be filed and are not in the history", missed, e.Sequence))
		}
		if err := r.fileRecord(ctx, history.Record(user, history.RecordName(user, e.Sequence), e)); err != nil {
			return ctrl.Result{}, err
		}
		if err := r.dropBeyondLimit(ctx, user, e.Sequence); err != nil {
			return ctrl.Result{}, err
		}
		filed = e.Sequence
	}
	setFiledSequence(user, filed)
	// A deletion admitted but never stored was refused after admission.
	if h := user.Status.History; h != nil && h.DeleteRequest != nil && user.DeletionTimestamp.IsZero() &&
		s.now.Sub(h.DeleteRequest.AdmittedTime.Time) > deletionAdmissionWindow {
		h.DeleteRequest = nil
	}
	return ctrl.Result{}, nil
}

// fileDeletion files the user's deletion, once, on the first pass that
// sees it: as Purged when the operator deleted a soft-deleted user whose
// retention ended, as Deleted otherwise, with the requester admission
// recorded. A deletion admission did not see (the whole account being
// deleted, whose history goes with it) is not filed.
func (r *Reconciler) fileDeletion(ctx context.Context, s *userScope) error {
	user := s.user
	if user.Status.Phase == iamv1alpha1.UserPhaseDeleting || user.Status.History == nil {
		return nil // filed by the pass that first saw the deletion, or nothing to file
	}
	req := user.Status.History.DeleteRequest
	if req == nil || !admittedFor(req.AdmittedTime.Time, user.DeletionTimestamp.Time) {
		return nil
	}
	action, summary := iamv1alpha1.ChangeDeleted, "deleted"
	if user.Spec.State == iamv1alpha1.UserStateDeleted && user.Status.PurgeTime != nil && !s.now.Before(user.Status.PurgeTime.Time) {
		action, summary = iamv1alpha1.ChangePurged, "deleted for real after its retention"
	}
	if b := user.Status.Balance; b != nil && b.Amount != "" {
		summary += fmt.Sprintf(", with a balance of %s %s", b.Amount, b.Currency)
	}
	seq := history.FiledSequence(user) + 1
	e := history.Entry{Sequence: seq, Time: req.AdmittedTime, Action: action, Requester: req.Requester, Summary: summary}
	if err := r.fileRecord(ctx, history.Record(user, history.RecordName(user, seq), e)); err != nil {
		return err
	}
	setFiledSequence(user, seq)
	user.Status.History.DeleteRequest = nil
	return nil
}

// admittedFor says whether a deletion admitted at admitted can be the one
// stored at deleted (whole seconds: a deletionTimestamp has no fraction).
func admittedFor(admitted, deleted time.Time) bool {
	return !admitted.Truncate(time.Second).After(deleted) && deleted.Sub(admitted) <= deletionAdmissionWindow
}

// fileRecord creates one record; one that exists is filed already.
func (r *Reconciler) fileRecord(ctx context.Context, record *iamv1alpha1.UserChange) error {
	if err := r.Create(ctx, record); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("file change %d of user %s: %w", record.Spec.Sequence, record.Spec.User, err)
	}
	return nil
}

// dropBeyondLimit removes the numbered change that filing seq pushes out.
func (r *Reconciler) dropBeyondLimit(ctx context.Context, user *iamv1alpha1.User, seq int64) error {
	old := seq - r.History.Limit
	if old < 1 {
		return nil
	}
	record := &iamv1alpha1.UserChange{}
	record.Namespace, record.Name = user.Namespace, history.RecordName(user, old)
	if err := r.Delete(ctx, record); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("drop change %d of user %s beyond the history limit: %w", old, user.Name, err)
	}
	return nil
}

func setFiledSequence(user *iamv1alpha1.User, seq int64) {
	if seq == history.FiledSequence(user) {
		return
	}
	if user.Status.History == nil {
		user.Status.History = &iamv1alpha1.HistoryStatus{}
	}
	user.Status.History.FiledSequence = seq
}
