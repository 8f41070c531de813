package webhook

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/history"
)

// The webhook also records every cancel it admits on the user's status (see
// recordCancel below), except on a dry run.
//
// +kubebuilder:webhook:path=/validate-iam-tenantry-io-v1alpha1-balancetransaction,mutating=false,failurePolicy=fail,sideEffects=NoneOnDryRun,groups=iam.tenantry.io,resources=balancetransactions,verbs=create;update;delete,versions=v1alpha1,name=vbalancetransaction.iam.tenantry.io,admissionReviewVersions=v1
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get;list;watch
// +kubebuilder:rbac:groups=iam.tenantry.io,resources=users/status,verbs=get;patch

// BalanceTransactionValidator refuses to delete an applied transaction that
// is not its user's most recent one: only the latest can be cancelled, so
// the balance can always be walked back one step at a time. It warns about
// a transaction created for a user that does not exist.
type BalanceTransactionValidator struct {
	// Reader should read past the cache: a decision about money is not made
	// on what a cache believes.
	Reader client.Reader
	// Writer records admitted cancels on the user's status. SetupWithManager
	// gives it the manager's client when it is nil.
	Writer client.StatusClient
	// UserGrace is how long the ledger waits for a transaction's user to be
	// created, as the manager is configured; it is only quoted in a warning.
	// Zero means the ledger's default of a minute.
	UserGrace time.Duration
	// Clock tells the time; tests move it.
	Clock clock.PassiveClock
}

// cancelAttempts bounds how often one admission takes its turn again when
// the user's status keeps changing between the read and the record.
const cancelAttempts = 5

// defaultUserGrace is the ledger's default wait for a transaction's user.
const defaultUserGrace = time.Minute

var _ admission.Validator[*iamv1alpha1.BalanceTransaction] = &BalanceTransactionValidator{}

// ValidateCreate admits every creation; the schema checks the fields. A
// transaction for a user that does not exist (yet) is admitted, since GitOps
// applies in any order, with a warning that says how long it will wait.
func (v *BalanceTransactionValidator) ValidateCreate(ctx context.Context, tx *iamv1alpha1.BalanceTransaction) (admission.Warnings, error) {
	user := &iamv1alpha1.User{}
	err := v.Reader.Get(ctx, client.ObjectKey{Namespace: tx.Namespace, Name: tx.Spec.User}, user)
	switch {
	case apierrors.IsNotFound(err):
		user = nil
	case err != nil:
		// Any other failure only costs the warning; the transaction's
		// status reports what the ledger finds.
		return nil, nil
	case user.Spec.State == iamv1alpha1.UserStateDeleted:
		return nil, apierrors.NewForbidden(transactions, tx.Name, fmt.Errorf(
			"user %s of account %s is deleted (softly); restore it (spec.state: Active) before moving its balance", tx.Spec.User, tx.Namespace))
	}
	return transactionWarnings(tx, user, v.userGrace()), nil
}

// transactionWarnings are the warnings for creating tx; user is nil when it
// does not exist.
func transactionWarnings(tx *iamv1alpha1.BalanceTransaction, user *iamv1alpha1.User, grace time.Duration) admission.Warnings {
	switch {
	case user == nil:
		return admission.Warnings{fmt.Sprintf("user %s does not exist in account %s (yet); the transaction waits %s for it and is then rejected",
			tx.Spec.User, tx.Namespace, grace)}
	case !user.DeletionTimestamp.IsZero():
		return admission.Warnings{fmt.Sprintf("user %s of account %s is being deleted; the transaction is deleted with it",
			tx.Spec.User, tx.Namespace)}
	}
	return nil
}

// ValidateUpdate keeps who created the transaction as admission stamped
// it; the schema keeps the spec immutable.
func (v *BalanceTransactionValidator) ValidateUpdate(_ context.Context, old, next *iamv1alpha1.BalanceTransaction) (admission.Warnings, error) {
	if was, is := old.Annotations[iamv1alpha1.RequesterAnnotation], next.Annotations[iamv1alpha1.RequesterAnnotation]; was != is {
		return nil, apierrors.NewInvalid(iamv1alpha1.GroupVersion.WithKind("BalanceTransaction").GroupKind(), next.Name, field.ErrorList{
			field.Forbidden(field.NewPath("metadata", "annotations").Key(iamv1alpha1.RequesterAnnotation),
				"says who created the transaction and cannot change"),
		})
	}
	return nil, nil
}

// ValidateDelete refuses to cancel anything but the latest applied
// transaction, and names the one that can be cancelled now. Pending and
// Rejected transactions, and those of a user or an account being deleted,
// always go. The cancel of the latest is recorded on the user before it is
// admitted, so that the ledger applies nothing over it (see
// controllers/ledger_cancel.go).
func (v *BalanceTransactionValidator) ValidateDelete(ctx context.Context, tx *iamv1alpha1.BalanceTransaction) (admission.Warnings, error) {
	for range cancelAttempts {
		user, err := v.cancelTarget(ctx, tx)
		if err != nil || user == nil || dryRun(ctx) {
			return nil, err
		}
		// The record carries the resourceVersion the decision was made
		// on: if the ledger moved the balance since, the write conflicts
		// and the decision is made again on the new balance.
		err = v.recordCancel(ctx, user, tx, requesterOf(ctx))
		if !apierrors.IsConflict(err) {
			return nil, err
		}
	}
	return nil, apierrors.NewConflict(transactions, tx.Name, fmt.Errorf(
		"the balance of user %s kept changing while the cancel was being recorded; try again", tx.Spec.User))
}

var transactions = schema.GroupResource{Group: iamv1alpha1.GroupVersion.Group, Resource: "balancetransactions"}

// cancelTarget decides whether tx may be deleted. It returns the user, as
// the API server holds it now, when the deletion cancels the user's latest
// transaction and must be recorded there first; nil when the deletion goes
// without a record; an error when it is refused.
func (v *BalanceTransactionValidator) cancelTarget(ctx context.Context, tx *iamv1alpha1.BalanceTransaction) (*iamv1alpha1.User, error) {
	if tx.Status.Phase == iamv1alpha1.TransactionRejected || !tx.DeletionTimestamp.IsZero() {
		// A transaction already being deleted had its deletion admitted
		// (and recorded) before; another request changes nothing.
		return nil, nil
	}
	if leaving, err := accountLeaving(ctx, v.Reader, tx.Namespace); err != nil || leaving {
		return nil, err
	}
	user := &iamv1alpha1.User{}
	if err := v.Reader.Get(ctx, client.ObjectKey{Namespace: tx.Namespace, Name: tx.Spec.User}, user); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("read user %s: %w", tx.Spec.User, err)
	}
	balance := user.Status.Balance
	switch {
	case !user.DeletionTimestamp.IsZero() || balance == nil:
		return nil, nil
	case balance.LatestUID == tx.UID:
		// Pending ones included: the ledger may have committed the
		// transaction and not marked it Applied yet.
		return user, nil
	case tx.Status.Phase != iamv1alpha1.TransactionApplied:
		// Not committed when read. Should the ledger commit it before the
		// deletion is stored, it is the latest and is cancelled next.
		return nil, nil
	case balance.LatestTransaction == "":
		return nil, apierrors.NewForbidden(transactions, tx.Name, fmt.Errorf(
			"only the most recent applied transaction of user %s can be cancelled, and %s is not it", tx.Spec.User, tx.Name))
	}
	return nil, apierrors.NewForbidden(transactions, tx.Name, fmt.Errorf(
		"only the most recent applied transaction of user %s can be cancelled: that is %s (sequence %d); cancel it first",
		tx.Spec.User, balance.LatestTransaction, balance.LatestSequence))
}

// recordCancel writes the admitted cancel of tx to the user's status,
// guarded by the resourceVersion the user was read at.
func (v *BalanceTransactionValidator) recordCancel(ctx context.Context, user *iamv1alpha1.User, tx *iamv1alpha1.BalanceTransaction, requester *iamv1alpha1.Requester) error {
	patch := client.MergeFromWithOptions(user.DeepCopy(), client.MergeFromWithOptimisticLock{})
	user.Status.Balance.CancelRequest = &iamv1alpha1.CancelRequest{
		UID: tx.UID, Transaction: tx.Name, AdmittedTime: metav1.NewTime(v.Clock.Now()), Requester: requester,
	}
	if err := v.Writer.Status().Patch(ctx, user, patch); err != nil {
		return fmt.Errorf("record the cancel of %s on user %s: %w", tx.Name, user.Name, err)
	}
	return nil
}

// requesterOf is who the API server authenticated the request being
// admitted as; nil outside an admission request.
func requesterOf(ctx context.Context) *iamv1alpha1.Requester {
	req, err := admission.RequestFromContext(ctx)
	if err != nil {
		return nil
	}
	r := history.RequesterOf(req.UserInfo)
	return &r
}

func (v *BalanceTransactionValidator) userGrace() time.Duration {
	if v.UserGrace > 0 {
		return v.UserGrace
	}
	return defaultUserGrace
}
