package role

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/index"
	"github.com/tenantry-io/tenantry/internal/rbac"
	"github.com/tenantry-io/tenantry/internal/reconcile"
)

// Reconciler renders each Role as a ClusterRole and counts the users
// that hold it. It never holds a Role back from deletion: GitOps tools must
// be able to prune one, and the users who held it are revoked by the User
// controller, which watches Roles. The ClusterRole is owned by the Role, so
// the garbage collector removes it.
type Reconciler struct {
	client.Client
	// APIReader reads past the cache, which holds only the operator's own
	// ClusterRoles, to tell a name taken by someone else from a stale cache.
	APIReader client.Reader
	Recorder  events.EventRecorder
	// GrantCeiling names the ClusterRole that bounds what Roles may grant
	// (--grant-ceiling). The cache holds it: it carries the label of the
	// ClusterRoles the operator renders.
	GrantCeiling string
}

// roleScope carries one reconcile's verdicts to the status.
type roleScope struct {
	role    *iamv1alpha1.Role
	stalled *reconcile.Verdict
}

// +kubebuilder:rbac:groups=iam.tenantry.io,resources=roles,verbs=get;list;watch
// +kubebuilder:rbac:groups=iam.tenantry.io,resources=roles/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=iam.tenantry.io,resources=roles/finalizers,verbs=update
// The manager writes the ClusterRoles of Roles within the grant ceiling,
// which it holds; it holds neither escalate nor bind, so the API server
// refuses anything beyond the ceiling whatever the manager is made to ask.
// +kubebuilder:rbac:groups=rbac.authorization.k8s.io,resources=clusterroles,verbs=get;list;watch;create;update;patch;delete

// Reconcile brings the role's ClusterRole in line with its spec and
// records the outcome and the number of holders, once, in the deferred
// status patch.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (result ctrl.Result, retErr error) {
	role := &iamv1alpha1.Role{}
	if err := r.Get(ctx, req.NamespacedName, role); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !role.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, nil // the garbage collector takes the ClusterRole
	}
	before := role.DeepCopy()
	s := &roleScope{role: role}
	// Runs last, after the status patch below.
	defer func() { result, retErr = reconcile.RequeueOnConflict(ctx, "role", result, retErr) }()
	defer func() {
		summarizeRoleStatus(s, retErr)
		if err := r.patchRoleStatus(ctx, before, role); err != nil {
			retErr = errors.Join(retErr, err)
			return
		}
		r.warnBeyondCeiling(before, role)
	}()

	if err := r.countUsers(ctx, role); err != nil {
		return ctrl.Result{}, err
	}
	err := r.reconcileClusterRole(ctx, s)
	return ctrl.Result{}, err
}

// countUsers records how many users name the role, from the cache's
// index. Soft-deleted users are out of the account's counts until they
// are restored.
func (r *Reconciler) countUsers(ctx context.Context, role *iamv1alpha1.Role) error {
	users := &iamv1alpha1.UserList{}
	if err := r.List(ctx, users, client.MatchingFields{index.UserRoleField: role.Name}, client.UnsafeDisableDeepCopy); err != nil {
		return fmt.Errorf("list users of role %s: %w", role.Name, err)
	}
	held := int32(0)
	for i := range users.Items {
		if users.Items[i].Spec.State != iamv1alpha1.UserStateDeleted {
			held++
		}
	}
	role.Status.Users = held
	return nil
}

// reconcileClusterRole creates or corrects the ClusterRole. A ClusterRole
// of that name that Tenantry did not render is left alone and reported:
// taking it over could strip someone else's grants.
func (r *Reconciler) reconcileClusterRole(ctx context.Context, s *roleScope) error {
	role := s.role
	want := rbac.ClusterRole(role)
	role.Status.ClusterRoleName = want.Name
	if v, err := r.checkCeiling(ctx, want); v != nil || err != nil {
		s.stalled = v
		return err
	}
	have := &rbacv1.ClusterRole{}
	err := r.Get(ctx, client.ObjectKeyFromObject(want), have)
	switch {
	case apierrors.IsNotFound(err):
		err = r.Create(ctx, want)
		if v := escalationRefused(r.GrantCeiling, err); v != nil {
			s.stalled = v
			return nil
		}
		if apierrors.IsAlreadyExists(err) {
			// The cache holds only labelled ClusterRoles: this one is
			// either someone else's or not in the cache yet.
			if err = r.APIReader.Get(ctx, client.ObjectKeyFromObject(want), have); err == nil && !renderedFrom(have, role) {
				s.stalled = clusterRoleTaken(want.Name)
				return nil
			}
			return fmt.Errorf("create cluster role %s: the cache is behind, retrying", want.Name)
		}
		if err != nil {
			return fmt.Errorf("create cluster role %s: %w", want.Name, err)
		}
		r.event(role, corev1.EventTypeNormal, "ClusterRoleCreated", "created cluster role %s", want.Name)
		return nil
	case err != nil:
		return fmt.Errorf("get cluster role %s: %w", want.Name, err)
	case !renderedFrom(have, role):
		s.stalled = clusterRoleTaken(want.Name)
		return nil
	case rbac.ClusterRoleCurrent(have, want):
		return nil
	}
	// Rules, our labels and the owner are ours to set; anything else others
	// put on the object stays. A ClusterRole left by an earlier Role of the
	// same name (the garbage collector had not got to it) is adopted.
	have.Rules = want.Rules
	for k, v := range want.Labels {
		have.Labels[k] = v
	}
	have.OwnerReferences = want.OwnerReferences
	if err := r.Update(ctx, have); err != nil {
		if v := escalationRefused(r.GrantCeiling, err); v != nil {
			s.stalled = v
			return nil
		}
		return fmt.Errorf("update cluster role %s: %w", want.Name, err)
	}
	r.event(role, corev1.EventTypeNormal, "ClusterRoleUpdated", "updated cluster role %s", want.Name)
	return nil
}

func renderedFrom(cr *rbacv1.ClusterRole, role *iamv1alpha1.Role) bool {
	return cr.Labels[iamv1alpha1.RoleLabel] == role.Name && cr.Labels[iamv1alpha1.ManagedByLabel] == iamv1alpha1.ManagedBy
}

func clusterRoleTaken(name string) *reconcile.Verdict {
	return &reconcile.Verdict{Reason: iamv1alpha1.ReasonClusterRoleTaken, Message: fmt.Sprintf(
		"cluster role %s exists and was not made by Tenantry; delete or rename it", name)}
}

func (r *Reconciler) event(role *iamv1alpha1.Role, eventType, reason, format string, args ...any) {
	reconcile.RecordEvent(r.Recorder, role, nil, eventType, reason, "Reconcile", format, args...)
}

// SetupWithManager watches Roles, the ClusterRoles they own, the grant
// ceiling (a change may let a stalled Role through, or hold one back), and Users
// only when one starts or stops naming a role or being deleted softly,
// which is all the count depends on: the status writes of thousands of
// users wake no role.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager, options controller.Options) error {
	return ctrl.NewControllerManagedBy(mgr).
		WithOptions(options).
		For(&iamv1alpha1.Role{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Owns(&rbacv1.ClusterRole{}).
		Watches(&rbacv1.ClusterRole{}, handler.EnqueueRequestsFromMapFunc(r.allRoles),
			builder.WithPredicates(predicate.NewPredicateFuncs(func(o client.Object) bool { return o.GetName() == r.GrantCeiling }))).
		Watches(&iamv1alpha1.User{}, roleHoldersChanged{}).
		Named("role").
		Complete(r)
}

// roleHoldersChanged enqueues the roles a user event changes the count of.
type roleHoldersChanged struct{}

var _ handler.EventHandler = roleHoldersChanged{}

// roleCountDelay is how long a change of a role's holders waits before the
// role is counted again. The delay coalesces: a role already waiting is not
// queued twice, so a burst of a thousand new users rewrites their role's
// status a few times, not a thousand times, and the count is never more
// than this late.
const roleCountDelay = time.Second

func enqueueRole(q reconcile.RequestQueue, obj client.Object) {
	if user, ok := obj.(*iamv1alpha1.User); ok && user.Spec.Role != "" {
		q.AddAfter(ctrl.Request{NamespacedName: client.ObjectKey{Name: user.Spec.Role}}, roleCountDelay)
	}
}

func (roleHoldersChanged) Create(_ context.Context, e event.CreateEvent, q reconcile.RequestQueue) {
	enqueueRole(q, e.Object)
}

func (roleHoldersChanged) Update(_ context.Context, e event.UpdateEvent, q reconcile.RequestQueue) {
	oldUser, okOld := e.ObjectOld.(*iamv1alpha1.User)
	newUser, okNew := e.ObjectNew.(*iamv1alpha1.User)
	deleted := func(u *iamv1alpha1.User) bool { return u.Spec.State == iamv1alpha1.UserStateDeleted }
	if okOld && okNew && (oldUser.Spec.Role != newUser.Spec.Role || deleted(oldUser) != deleted(newUser)) {
		enqueueRole(q, oldUser)
		enqueueRole(q, newUser)
	}
}

func (roleHoldersChanged) Delete(_ context.Context, e event.DeleteEvent, q reconcile.RequestQueue) {
	enqueueRole(q, e.Object)
}

func (roleHoldersChanged) Generic(_ context.Context, e event.GenericEvent, q reconcile.RequestQueue) {
	enqueueRole(q, e.Object)
}
