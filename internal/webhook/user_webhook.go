package webhook

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// The markers generate config/webhook/manifests.yaml. Both webhooks fail
// closed: a rule that is skipped whenever the manager is down is no rule.
// They cover users only, never their status, so the operator's own status
// writes do not pass through them. The validating one records the owner
// removals it admits (see owner_removals.go), except on a dry run.
//
// +kubebuilder:webhook:path=/mutate-iam-tenantry-io-v1alpha1-user,mutating=true,failurePolicy=fail,sideEffects=None,groups=iam.tenantry.io,resources=users,verbs=create;update,versions=v1alpha1,name=muser.iam.tenantry.io,admissionReviewVersions=v1
// +kubebuilder:webhook:path=/validate-iam-tenantry-io-v1alpha1-user,mutating=false,failurePolicy=fail,sideEffects=NoneOnDryRun,groups=iam.tenantry.io,resources=users,verbs=create;update;delete,versions=v1alpha1,name=vuser.iam.tenantry.io,admissionReviewVersions=v1
//
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get

// UserWebhook defaults and validates Users.
type UserWebhook struct {
	// Reader reads past the cache: two users admitted one after the other
	// must each see the other, which a cache that lags cannot promise.
	Reader client.Reader
	// Cache, when set, is read first for what a moment's lag cannot make
	// wrong (see serviceWarnings and roleWarnings); a read that would refuse
	// or warn is confirmed with Reader.
	Cache client.Reader
	// Writer records admitted owner removals and deletions.
	Writer client.Client
	// FirstUserRole is the role of the first user of an account that names
	// none; it is also the role the last-owner rule protects.
	FirstUserRole string
	// DefaultRole is the role of later users that name none.
	DefaultRole string
	// Clock tells the time; tests move it.
	Clock clock.PassiveClock
}

// ownerRemovalAttempts bounds how often one admission takes its turn again
// when other removals of owners in the account keep coming first.
const ownerRemovalAttempts = 5

var (
	_ admission.Defaulter[*iamv1alpha1.User] = &UserWebhook{}
	_ admission.Validator[*iamv1alpha1.User] = &UserWebhook{}
)

// Default puts the cleanup finalizer on a new user, gives a user without a
// role the first user's role or the default one, and then records the
// write in the user's history (history.go). Two users created at the same
// moment in an empty account may both become owners; that leaves the
// account with owners, never without.
func (w *UserWebhook) Default(ctx context.Context, user *iamv1alpha1.User) error {
	if err := w.defaultRole(ctx, user); err != nil {
		return err
	}
	return w.stampChange(ctx, user)
}

func (w *UserWebhook) defaultRole(ctx context.Context, user *iamv1alpha1.User) error {
	if isCreate(ctx) {
		// The user is stored with the finalizer the User controller would
		// otherwise add in a write of its own, before anything the user
		// will own exists.
		controllerutil.AddFinalizer(user, iamv1alpha1.UserFinalizer)
	}
	if user.Spec.Role != "" {
		return nil
	}
	// Two users are enough to tell whether another one exists, however
	// large the account.
	others, err := w.accountUsers(ctx, user.Namespace, client.Limit(2))
	if err != nil {
		return err
	}
	user.Spec.Role = defaultRole(user, others, w.FirstUserRole, w.DefaultRole)
	return nil
}

// ValidateCreate refuses services the account's subscriptions cannot give
// (see services.go). A role or subscription that does not exist (yet) is
// admitted, since GitOps applies in any order, with a warning; the status
// reports it until it appears.
func (w *UserWebhook) ValidateCreate(ctx context.Context, user *iamv1alpha1.User) (admission.Warnings, error) {
	warnings, err := w.serviceWarnings(ctx, nil, user)
	if err != nil {
		return nil, err
	}
	return append(w.roleWarnings(ctx, user.Spec.Role), warnings...), nil
}

// ValidateUpdate refuses to demote or disable the last active owner, to
// set a currency other than the one the user's ledger is kept in, and to
// assign services the account's subscriptions cannot give.
func (w *UserWebhook) ValidateUpdate(ctx context.Context, old, next *iamv1alpha1.User) (admission.Warnings, error) {
	if why := currencyViolation(old, next); why != "" {
		return nil, apierrors.NewInvalid(iamv1alpha1.GroupVersion.WithKind("User").GroupKind(), next.Name, field.ErrorList{
			field.Invalid(field.NewPath("spec", "currency"), next.Spec.Currency, why),
		})
	}
	if err := w.checkLastOwner(ctx, old, next); err != nil {
		return nil, err
	}
	warnings, err := w.serviceWarnings(ctx, old, next)
	if err != nil || old.Spec.Role == next.Spec.Role {
		return warnings, err
	}
	return append(w.roleWarnings(ctx, next.Spec.Role), warnings...), nil
}

// ValidateDelete refuses to delete the last active owner, and records an
// admitted deletion for the user's history.
func (w *UserWebhook) ValidateDelete(ctx context.Context, old *iamv1alpha1.User) (admission.Warnings, error) {
	if err := w.checkLastOwner(ctx, old, nil); err != nil {
		return nil, err
	}
	return nil, w.recordDeletion(ctx, old)
}

func (w *UserWebhook) checkLastOwner(ctx context.Context, old, next *iamv1alpha1.User) error {
	if !removesOwner(old, next, w.FirstUserRole) {
		return nil // the common case costs no read
	}
	// Deleting the account deletes its users, owners last or not: the rule
	// protects a living account, not one on its way out.
	terminating, err := accountLeaving(ctx, w.Reader, old.Namespace)
	if err != nil || terminating {
		return err
	}
	users := iamv1alpha1.GroupVersion.WithResource("users").GroupResource()
	for range ownerRemovalAttempts {
		// The record is read before the users: a removal stored after this
		// list was read must have written the record after this read, so
		// the write below fails and the turn is taken again.
		lease, removals, err := readOwnerRemovals(ctx, w.Reader, old.Namespace)
		if err != nil {
			return err
		}
		others, err := w.accountUsers(ctx, old.Namespace)
		if err != nil {
			return err
		}
		now := w.Clock.Now()
		gone := func(u *iamv1alpha1.User) bool { return removals.pending(&u.ObjectMeta, now) }
		if why := lastOwnerViolation(old, next, others, gone, w.FirstUserRole); why != "" {
			return apierrors.NewForbidden(users, old.Name, fmt.Errorf("%s", why))
		}
		if dryRun(ctx) {
			return nil
		}
		err = writeOwnerRemovals(ctx, w.Writer, old.Namespace, lease, removals.with(&old.ObjectMeta, now))
		if !apierrors.IsConflict(err) && !apierrors.IsAlreadyExists(err) {
			return err
		}
	}
	return apierrors.NewConflict(users, old.Name, fmt.Errorf(
		"other owners of account %s are being removed at the same moment; try again", old.Namespace))
}

// dryRun says whether the request only asks what would happen, so that
// nothing may be recorded.
func dryRun(ctx context.Context) bool {
	req, err := admission.RequestFromContext(ctx)
	return err == nil && req.DryRun != nil && *req.DryRun
}

func (w *UserWebhook) accountUsers(ctx context.Context, namespace string, opts ...client.ListOption) ([]iamv1alpha1.User, error) {
	users := &iamv1alpha1.UserList{}
	if err := w.Reader.List(ctx, users, append(opts, client.InNamespace(namespace))...); err != nil {
		return nil, fmt.Errorf("list the users of account %s: %w", namespace, err)
	}
	return users.Items, nil
}

// roleWarnings warns of a role that does not exist. Any other failure to
// read it only costs the warning; the status reports the role.
func (w *UserWebhook) roleWarnings(ctx context.Context, role string) admission.Warnings {
	if role == "" {
		return nil
	}
	err := w.cache().Get(ctx, client.ObjectKey{Name: role}, &iamv1alpha1.Role{})
	if apierrors.IsNotFound(err) && w.Cache != nil {
		// The role may be newer than the cache.
		err = w.Reader.Get(ctx, client.ObjectKey{Name: role}, &iamv1alpha1.Role{})
	}
	if apierrors.IsNotFound(err) {
		return admission.Warnings{fmt.Sprintf(
			"role %q does not exist: the user has no access until it does", role)}
	}
	return nil
}
