package webhook

import (
	"context"
	"fmt"

	admissionv1 "k8s.io/api/admission/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/history"
)

// +kubebuilder:webhook:path=/mutate-iam-tenantry-io-v1alpha1-balancetransaction,mutating=true,failurePolicy=fail,sideEffects=None,groups=iam.tenantry.io,resources=balancetransactions,verbs=create,versions=v1alpha1,name=mbalancetransaction.iam.tenantry.io,admissionReviewVersions=v1

// TransactionAdopter stores a new transaction already adopted by its user:
// with the ledger's finalizer and an owner reference to the User, which the
// ledger would otherwise add in a write of its own before applying it. A
// transaction whose user does not exist (yet) is stored as it came; the
// ledger adopts it if the user appears in time.
type TransactionAdopter struct {
	// Reader should read past the cache: an owner reference to a User that
	// a stale cache still holds, deleted and created again since, would let
	// the garbage collector take the transaction.
	Reader client.Reader
	Scheme *runtime.Scheme
}

var _ admission.Defaulter[*iamv1alpha1.BalanceTransaction] = &TransactionAdopter{}

// Default adopts a transaction being created and stamps who created it
// (the ledger's own record of the refill or charge, shown in the user's
// history), replacing any value the request carried.
func (a *TransactionAdopter) Default(ctx context.Context, tx *iamv1alpha1.BalanceTransaction) error {
	req, err := admission.RequestFromContext(ctx)
	if err != nil || req.Operation != admissionv1.Create {
		return nil
	}
	if tx.Annotations == nil {
		tx.Annotations = map[string]string{}
	}
	tx.Annotations[iamv1alpha1.RequesterAnnotation] = history.RequesterOf(req.UserInfo).Username
	user := &iamv1alpha1.User{}
	err = a.Reader.Get(ctx, client.ObjectKey{Namespace: tx.Namespace, Name: tx.Spec.User}, user)
	switch {
	case apierrors.IsNotFound(err):
		return nil
	case err != nil:
		return fmt.Errorf("read user %s: %w", tx.Spec.User, err)
	case !user.DeletionTimestamp.IsZero():
		return nil // the ledger discards what a leaving user had
	}
	// Not a controller reference, as the ledger's own adoption: the User
	// does not manage the transaction, but a cluster's garbage collector
	// removes it with the User.
	if err := controllerutil.SetOwnerReference(user, tx, a.Scheme); err != nil {
		return fmt.Errorf("own transaction by user %s: %w", user.Name, err)
	}
	controllerutil.AddFinalizer(tx, iamv1alpha1.TransactionFinalizer)
	return nil
}

// isCreate reports whether the admission request being answered creates
// the object.
func isCreate(ctx context.Context) bool {
	req, err := admission.RequestFromContext(ctx)
	return err == nil && req.Operation == admissionv1.Create
}
