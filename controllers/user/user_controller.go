package user

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/event"

	"golang.org/x/time/rate"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/mail"
	"github.com/tenantry-io/tenantry/internal/rbac"
	"github.com/tenantry-io/tenantry/internal/reconcile"
)

// Reconciler drives each User through its phases: it keeps the user's
// credential Secret, sends the invitation email exactly once per intent,
// notices the accepted invitation, binds an active user to its role, and
// removes what the user owned on deletion. It writes all of a User's status
// but status.balance, which belongs to the LedgerReconciler (it only opens
// an absent one, see openLedger); both patch only what they changed, guarded
// by the resourceVersion, so neither overwrites the other.
type Reconciler struct {
	client.Client
	// APIReader reads past the cache, only to tell a stale cache from an
	// interrupted send.
	APIReader client.Reader
	Recorder  events.EventRecorder

	Mailer    mail.Sender
	Templates *mail.Templates
	// SendLimiter caps how fast invitations leave, across all users.
	SendLimiter *rate.Limiter
	Invitations InvitationSettings
	// PasswordResets shape the password reset emails; they share the
	// invitation's mailer, send limit, Message-ID domain and backoff.
	PasswordResets PasswordResetSettings
	// Identity says how a user's RoleBinding names the person; the zero
	// value means rbac.Identity{}.OrDefault().
	Identity rbac.Identity
	// DefaultCurrency is the ledger's currency for users that name none
	// (see openLedger).
	DefaultCurrency string

	// Services provision and remove the user's assigned services.
	Services ServiceSettings
	// History bounds the change history filed for each user.
	History HistorySettings
	// CredentialsNamespace is where the credential Secrets live: the
	// operator's own namespace, out of every account's reach.
	CredentialsNamespace string
	// DeletionRetention is how long a soft-deleted user can be restored
	// before it is deleted for real; zero means DefaultDeletionRetention.
	DeletionRetention time.Duration
	// watches starts a watch on each kind of service object on first use.
	watches *serviceWatches
	// ownSecretWrites keeps the controller's own writes of credential
	// Secrets from waking their users again.
	ownSecretWrites *ownWrites

	// Clock tells the time; tests move it.
	Clock clock.PassiveClock
}

// InvitationSettings shape the invitation emails.
type InvitationSettings struct {
	// TTL is how long an invitation link works.
	TTL time.Duration
	// AcceptURL is the base of the link; the token is added as ?token=.
	AcceptURL string
	// MessageIDDomain ends every deterministic Message-ID.
	MessageIDDomain string
	// Backoff spaces the retries of a temporarily failed delivery.
	Backoff reconcile.Backoff
	// UnconfirmedGrace is the least wait before an attempt whose outcome
	// was never recorded is sent again (see DefaultUnconfirmedGrace).
	UnconfirmedGrace time.Duration
}

// PasswordResetSettings shape the password reset emails.
type PasswordResetSettings struct {
	// TTL is how long a reset link works.
	TTL time.Duration
	// URL is the base of the link; the token is added as ?token=.
	URL string
	// Templates render the email; nil means the built-in ones.
	Templates *mail.Templates
}

// userScope carries one reconcile's inputs and verdicts between the
// sub-reconcilers.
type userScope struct {
	user   *iamv1alpha1.User
	secret *corev1.Secret
	// secretUnsaved is set while secret is a new Secret not yet created;
	// writeSecret creates it.
	secretUnsaved bool
	now           time.Time
	// reconciling and stalled are this pass's kstatus verdicts; nil clears
	// the condition.
	reconciling *reconcile.Verdict
	stalled     *reconcile.Verdict
	// cacheBehind is set when the pass found the cache older than the API
	// server; it then writes nothing and looks again soon.
	cacheBehind bool
	// userCurrent is set once the pass read the user's resourceVersion
	// past the cache and found it the one it works on (userIsCurrent).
	userCurrent bool
	// attemptedSend is set once an email may have left: its outcome must be
	// recorded even if the status write meets a conflict.
	attemptedSend bool
	// events wait for the status write: each is recorded only if the
	// write makes the change it reports (see statusEvent).
	events []statusEvent
}

// subReconciler is one step of a normal reconcile.
type subReconciler func(ctx context.Context, s *userScope) (ctrl.Result, error)

// +kubebuilder:rbac:groups=iam.tenantry.io,resources=users,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=iam.tenantry.io,resources=users/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=iam.tenantry.io,resources=users/finalizers,verbs=update
// Credential Secrets live in the operator's own namespace only (see
// credentials.SecretKey): the manager may not read any other Secret.
// +kubebuilder:rbac:groups="",namespace=system,resources=secrets,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=iam.tenantry.io,resources=roles,verbs=get;list;watch
// +kubebuilder:rbac:groups=rbac.authorization.k8s.io,resources=rolebindings,verbs=get;list;watch;create;update;patch;delete

// Reconcile gets the user, makes sure the finalizer is on, and then either
// removes what the user owned or runs the sub-reconcilers. The status is
// computed and written once, in the deferred patch, and only if it changed.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (result ctrl.Result, retErr error) {
	user := &iamv1alpha1.User{}
	if err := r.Get(ctx, req.NamespacedName, user); err != nil {
		return ctrl.Result{}, r.sweepIfMissing(ctx, req.NamespacedName, err)
	}
	before := user.DeepCopy()
	s := &userScope{user: user, now: r.Clock.Now()}

	// Runs last, after the status patch below.
	defer func() { result, retErr = reconcile.RequeueOnConflict(ctx, "user", result, retErr) }()
	defer func() {
		if s.cacheBehind {
			return // nothing learned that the API server does not know better
		}
		summarizeStatus(s, retErr)
		writeCtx, cancel := outcomeContext(ctx, s)
		defer cancel()
		written, err := r.patchUser(writeCtx, before, user, s.attemptedSend)
		// Events follow what was written, not what the pass read: a pass
		// that read a stale user and saw a change already recorded gets a
		// conflict here and records nothing.
		r.recordWritten(s, written)
		if err != nil {
			retErr = errors.Join(retErr, err)
		}
	}()

	if !user.DeletionTimestamp.IsZero() {
		return r.reconcileDelete(ctx, s)
	}
	// The finalizer is written before anything the user will own exists,
	// so nothing it owns can outlive a deletion that races with creation.
	if !controllerutil.ContainsFinalizer(user, iamv1alpha1.UserFinalizer) {
		if err := r.addFinalizer(ctx, user); err != nil {
			return ctrl.Result{}, err
		}
		before = user.DeepCopy()
	}

	return r.reconcileNormal(ctx, s, []subReconciler{
		r.fileChanges,
		r.openLedger,
		r.reconcileCredentials,
		r.reconcileSoftDelete,
		r.reconcileSessions,
		r.reconcileAcceptance,
		r.reconcileSignIn,
		r.reconcilePasswordReset,
		r.reconcileInvitation,
		r.reconcileRoleBinding,
		r.reconcileServices,
		r.sweepOrphanedServices,
		r.createCredentials,
	})
}

// reconcileNormal runs the sub-reconcilers in order, stopping at the first
// error, and asks to come back at the earliest time any of them named.
func (r *Reconciler) reconcileNormal(ctx context.Context, s *userScope, steps []subReconciler) (ctrl.Result, error) {
	var result ctrl.Result
	for _, step := range steps {
		stepResult, err := step(ctx, s)
		if err != nil {
			return ctrl.Result{}, err
		}
		result = reconcile.Earliest(result, stepResult)
	}
	return result, nil
}

// addFinalizer patches the finalizer on at once, guarded by the
// resourceVersion so a concurrent change to the list is retried, not lost.
func (r *Reconciler) addFinalizer(ctx context.Context, user *iamv1alpha1.User) error {
	patch := client.MergeFromWithOptions(user.DeepCopy(), client.MergeFromWithOptimisticLock{})
	controllerutil.AddFinalizer(user, iamv1alpha1.UserFinalizer)
	if err := r.Patch(ctx, user, patch); err != nil {
		return fmt.Errorf("add finalizer to user %s: %w", user.Name, err)
	}
	return nil
}

// SetupWithManager watches Users, the credential Secrets and RoleBindings
// they own, and Roles, so that a role's holders are revoked the moment it
// goes and bound the moment it comes. Status writes do not change a User's
// generation, so the controller does not wake itself up with its own status
// patches; nor do a Role's, since only its coming and going matter here.
// For services it watches ServiceClasses (a class that changes or becomes
// servable reaches the users of its class), Subscriptions (a seat given or
// refused reaches its user), and, from their first use, the kinds of the
// service objects themselves.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager, options controller.Options) error {
	r.ownSecretWrites = newOwnWrites()
	c, err := ctrl.NewControllerManagedBy(mgr).
		WithOptions(options).
		For(&iamv1alpha1.User{}, builder.WithPredicates(predicate.Or(
			predicate.GenerationChangedPredicate{},
			annotationsChanged,
			predicate.LabelChangedPredicate{},
		))).
		Watches(&corev1.Secret{}, r.ownSecretWrites.othersWrites(r.ownerOfCredentials)).
		Owns(&rbacv1.RoleBinding{}).
		Watches(&iamv1alpha1.Role{}, handler.EnqueueRequestsFromMapFunc(r.holdersOf),
			builder.WithPredicates(rbac.RoleComesOrGoes())).
		Watches(&iamv1alpha1.ServiceClass{}, handler.EnqueueRequestsFromMapFunc(r.usersOfClass),
			builder.WithPredicates(classChanged)).
		Watches(&iamv1alpha1.Subscription{}, seatVerdictsChanged).
		Named("user").
		Build(r)
	if err != nil {
		return err
	}
	r.watches = newServiceWatches(r.Services.Cache, c)
	return nil
}

// event records an event on the user, which `kubectl describe user` shows
// as its history.
func (r *Reconciler) event(user *iamv1alpha1.User, eventType, reason, action, note string) {
	reconcile.RecordEvent(r.Recorder, user, nil, eventType, reason, action, "%s", note)
}

// annotationsChanged passes a user whose annotations changed, leaving out
// the changes waiting to be filed in its history: the cache drops those
// once the status says they are filed (operator's trimUser), and that
// drop, no write of anyone's, would wake the user for a pass with nothing
// to do. A change worth filing always changes something else watched
// (the spec, a label or another annotation).
var annotationsChanged = predicate.Funcs{
	UpdateFunc: func(e event.UpdateEvent) bool {
		return !maps.EqualFunc(withoutPendingChanges(e.ObjectOld.GetAnnotations()), withoutPendingChanges(e.ObjectNew.GetAnnotations()),
			func(a, b string) bool { return a == b })
	},
	CreateFunc:  func(event.CreateEvent) bool { return false },
	DeleteFunc:  func(event.DeleteEvent) bool { return false },
	GenericFunc: func(event.GenericEvent) bool { return false },
}

func withoutPendingChanges(annotations map[string]string) map[string]string {
	if _, ok := annotations[iamv1alpha1.PendingChangesAnnotation]; !ok {
		return annotations
	}
	out := maps.Clone(annotations)
	delete(out, iamv1alpha1.PendingChangesAnnotation)
	return out
}
