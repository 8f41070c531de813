package webhook

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// +kubebuilder:webhook:path=/validate-iam-tenantry-io-v1alpha1-balancetransaction,mutating=false,failurePolicy=fail,sideEffects=None,groups=iam.tenantry.io,resources=balancetransactions,verbs=delete,versions=v1alpha1,name=vbalancetransaction.iam.tenantry.io,admissionReviewVersions=v1
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get;list;watch

// BalanceTransactionValidator refuses to delete an applied transaction that
// is not its user's most recent one: only the latest can be cancelled, so
// the balance can always be walked back one step at a time.
type BalanceTransactionValidator struct {
	// Reader should read past the cache: a decision about money is not made
	// on what a cache believes.
	Reader client.Reader
}

var _ admission.Validator[*iamv1alpha1.BalanceTransaction] = &BalanceTransactionValidator{}

// ValidateCreate admits every creation; the schema checks the fields.
func (v *BalanceTransactionValidator) ValidateCreate(context.Context, *iamv1alpha1.BalanceTransaction) (admission.Warnings, error) {
	return nil, nil
}

// ValidateUpdate admits every update; the schema keeps the spec immutable.
func (v *BalanceTransactionValidator) ValidateUpdate(context.Context, *iamv1alpha1.BalanceTransaction, *iamv1alpha1.BalanceTransaction) (admission.Warnings, error) {
	return nil, nil
}

// ValidateDelete refuses to cancel anything but the latest applied
// transaction, and names the one that can be cancelled now. Pending and
// Rejected transactions, and those of a user or an account being deleted,
// always go.
func (v *BalanceTransactionValidator) ValidateDelete(ctx context.Context, tx *iamv1alpha1.BalanceTransaction) (admission.Warnings, error) {
	if tx.Status.Phase != iamv1alpha1.TransactionApplied {
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
	if !user.DeletionTimestamp.IsZero() || balance == nil || balance.LatestUID == tx.UID {
		return nil, nil
	}
	gr := schema.GroupResource{Group: iamv1alpha1.GroupVersion.Group, Resource: "balancetransactions"}
	if balance.LatestTransaction == "" {
		return nil, apierrors.NewForbidden(gr, tx.Name, fmt.Errorf(
			"only the most recent applied transaction of user %s can be cancelled, and %s is not it", tx.Spec.User, tx.Name))
	}
	return nil, apierrors.NewForbidden(gr, tx.Name, fmt.Errorf(
		"only the most recent applied transaction of user %s can be cancelled: that is %s (sequence %d); cancel it first",
		tx.Spec.User, balance.LatestTransaction, balance.LatestSequence))
}
