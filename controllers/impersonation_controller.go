package controllers

import (
	"context"
	"fmt"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/rbac"
)

// ImpersonationReconciler renders, per account, the RBAC that lets the
// account's active user managers impersonate exactly its other active
// users, so that `kubectl --as` is allowed where the self-service "log in
// as" is, and refused across accounts. A request names the account (the
// namespace); the objects are cluster-scoped because impersonation is.
type ImpersonationReconciler struct {
	client.Client
	Identity rbac.Identity
}

// +kubebuilder:rbac:groups=rbac.authorization.k8s.io,resources=clusterrolebindings,verbs=get;list;watch;create;update;patch;delete
//
// The manager needs no impersonate right of its own to grant one: escalate
// and bind on clusterroles (see the Role controller) pass the API server's
// escalation check, and holding impersonate on every user would make the
// operator's ServiceAccount able to act as anyone.

// Reconcile compares the account's rendered RBAC with what exists.
func (r *ImpersonationReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	account := req.Name
	members, err := r.members(ctx, account)
	if err != nil {
		return ctrl.Result{}, err
	}
	role, binding := rbac.ImpersonationRBAC(account, members, r.Identity)
	name := rbac.ImpersonationName(account)
	if role == nil {
		// Binding first: a binding to a missing role grants nothing.
		if err := r.deleteIfOurs(ctx, &rbacv1.ClusterRoleBinding{}, name); err != nil {
			return ctrl.Result{}, err
		}
		return ctrl.Result{}, r.deleteIfOurs(ctx, &rbacv1.ClusterRole{}, name)
	}
	if err := r.applyRole(ctx, role); err != nil {
		return ctrl.Result{}, err
	}
	return ctrl.Result{}, r.applyBinding(ctx, binding)
}

// members gathers what the rules need of each user of the account.
func (r *ImpersonationReconciler) members(ctx context.Context, account string) ([]rbac.Member, error) {
	users := &iamv1alpha1.UserList{}
	if err := r.List(ctx, users, client.InNamespace(account)); err != nil {
		return nil, fmt.Errorf("list users of account %s: %w", account, err)
	}
	members := make([]rbac.Member, 0, len(users.Items))
	for i := range users.Items {
		m, err := rbac.ReadMember(ctx, r.Client, &users.Items[i])
		if err != nil {
			return nil, err
		}
		members = append(members, m)
	}
	return members, nil
}

func (r *ImpersonationReconciler) applyRole(ctx context.Context, want *rbacv1.ClusterRole) error {
	have := &rbacv1.ClusterRole{}
	err := r.Get(ctx, client.ObjectKeyFromObject(want), have)
	switch {
	case apierrors.IsNotFound(err):
		return ignoreExists(r.Create(ctx, want))
	case err != nil:
		return fmt.Errorf("get cluster role %s: %w", want.Name, err)
	case rbac.ImpersonationRoleCurrent(have, want):
		return nil
	}
	updated := have.DeepCopy()
	updated.Rules = want.Rules
	updated.Labels = mergeLabels(updated.Labels, want.Labels)
	return r.Update(ctx, updated)
}

func (r *ImpersonationReconciler) applyBinding(ctx context.Context, want *rbacv1.ClusterRoleBinding) error {
	have := &rbacv1.ClusterRoleBinding{}
	err := r.Get(ctx, client.ObjectKeyFromObject(want), have)
	switch {
	case apierrors.IsNotFound(err):
		return ignoreExists(r.Create(ctx, want))
	case err != nil:
		return fmt.Errorf("get cluster role binding %s: %w", want.Name, err)
	case rbac.ImpersonationBindingCurrent(have, want):
		return nil
	case have.RoleRef != want.RoleRef:
		// roleRef is immutable: replace the binding.
		if err := r.Delete(ctx, have); client.IgnoreNotFound(err) != nil {
			return err
		}
		return ignoreExists(r.Create(ctx, want))
	}
	updated := have.DeepCopy()
	updated.Subjects = want.Subjects
	updated.Labels = mergeLabels(updated.Labels, want.Labels)
	return r.Update(ctx, updated)
}

// deleteIfOurs deletes the named object when the cache holds it, which it
// does only for objects carrying Tenantry's label: another's object of the
// same name is never touched.
func (r *ImpersonationReconciler) deleteIfOurs(ctx context.Context, obj client.Object, name string) error {
	if err := r.Get(ctx, client.ObjectKey{Name: name}, obj); err != nil {
		return client.IgnoreNotFound(err)
	}
	if obj.GetLabels()[iamv1alpha1.ManagedByLabel] != iamv1alpha1.ManagedBy {
		return nil
	}
	return client.IgnoreNotFound(r.Delete(ctx, obj))
}

// ignoreExists explains an AlreadyExists: the cache holds only objects
// with Tenantry's label, so the object is either too new for the cache (the
// retry will compare it) or someone else's, which is never overwritten.
func ignoreExists(err error) error {
	if apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("an object of that name exists that the cache does not hold: not seen yet, or not labelled %s=%s and so left alone: %w",
			iamv1alpha1.ManagedByLabel, iamv1alpha1.ManagedBy, err)
	}
	return err
}

func mergeLabels(have, want map[string]string) map[string]string {
	if have == nil {
		have = map[string]string{}
	}
	for k, v := range want {
		have[k] = v
	}
	return have
}

// SetupWithManager reconciles an account when one of its users changes
// (and every account that knows the same email), when a role its users hold
// changes, and when its rendered objects are changed by someone else.
func (r *ImpersonationReconciler) SetupWithManager(mgr ctrl.Manager, options controller.Options) error {
	return ctrl.NewControllerManagedBy(mgr).
		WithOptions(options).
		Named("impersonation").
		Watches(&iamv1alpha1.User{}, r.userChanged(),
			builder.WithPredicates(predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool { return grantsMayDiffer(e.ObjectOld, e.ObjectNew) }})).
		Watches(&iamv1alpha1.Role{}, handler.EnqueueRequestsFromMapFunc(r.accountsOfRole),
			builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Watches(&rbacv1.ClusterRole{}, handler.EnqueueRequestsFromMapFunc(accountOfObject)).
		Watches(&rbacv1.ClusterRoleBinding{}, handler.EnqueueRequestsFromMapFunc(accountOfObject)).
		Complete(r)
}

// grantsMayDiffer lets through only the user updates that can change who
// may act as whom; the status writes of thousands of users wake nothing.
func grantsMayDiffer(oldObj, newObj client.Object) bool {
	o, okOld := oldObj.(*iamv1alpha1.User)
	n, okNew := newObj.(*iamv1alpha1.User)
	if !okOld || !okNew {
		return true
	}
	return o.Spec.Email != n.Spec.Email || o.Spec.Role != n.Spec.Role ||
		rbac.UserActive(o) != rbac.UserActive(n)
}

// userChanged enqueues the accounts a user event concerns: the user's own
// and every account that knows its email, before and after a change, since
// a changed email may stop or start sharing one with another account.
func (r *ImpersonationReconciler) userChanged() handler.EventHandler {
	enqueue := func(ctx context.Context, q requestQueue, objs ...client.Object) {
		for _, obj := range objs {
			for _, req := range r.accountsOfUser(ctx, obj) {
				q.Add(req)
			}
		}
	}
	return handler.Funcs{
		CreateFunc: func(ctx context.Context, e event.CreateEvent, q requestQueue) { enqueue(ctx, q, e.Object) },
		UpdateFunc: func(ctx context.Context, e event.UpdateEvent, q requestQueue) {
			enqueue(ctx, q, e.ObjectOld, e.ObjectNew)
		},
		DeleteFunc:  func(ctx context.Context, e event.DeleteEvent, q requestQueue) { enqueue(ctx, q, e.Object) },
		GenericFunc: func(ctx context.Context, e event.GenericEvent, q requestQueue) { enqueue(ctx, q, e.Object) },
	}
}

func (r *ImpersonationReconciler) accountsOfUser(ctx context.Context, obj client.Object) []reconcile.Request {
	user, ok := obj.(*iamv1alpha1.User)
	if !ok {
		return nil
	}
	accounts := map[string]bool{user.Namespace: true}
	same := &iamv1alpha1.UserList{}
	if err := r.List(ctx, same, client.MatchingFields{rbac.UserEmailField: strings.ToLower(user.Spec.Email)}, client.UnsafeDisableDeepCopy); err == nil {
		for _, other := range same.Items {
			accounts[other.Namespace] = true
		}
	}
	return accountRequests(accounts)
}

func (r *ImpersonationReconciler) accountsOfRole(ctx context.Context, obj client.Object) []reconcile.Request {
	users := &iamv1alpha1.UserList{}
	if err := r.List(ctx, users, client.MatchingFields{UserRoleField: obj.GetName()}, client.UnsafeDisableDeepCopy); err != nil {
		return nil
	}
	accounts := map[string]bool{}
	for _, u := range users.Items {
		accounts[u.Namespace] = true
	}
	return accountRequests(accounts)
}

func accountOfObject(_ context.Context, obj client.Object) []reconcile.Request {
	if account := obj.GetLabels()[iamv1alpha1.AccountLabel]; account != "" {
		return []reconcile.Request{{NamespacedName: client.ObjectKey{Name: account}}}
	}
	return nil
}

func accountRequests(accounts map[string]bool) []reconcile.Request {
	requests := make([]reconcile.Request, 0, len(accounts))
	for account := range accounts {
		requests = append(requests, reconcile.Request{NamespacedName: client.ObjectKey{Name: account}})
	}
	return requests
}
