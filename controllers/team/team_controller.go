package team

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/handler"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/patch"
	"github.com/tenantry-io/tenantry/internal/rbac"
	"github.com/tenantry-io/tenantry/internal/reconcile"
)

// Reconciler renders each Team as one RoleBinding granting its role to
// its active members, and removes the binding when the team goes.
type Reconciler struct {
	client.Client
	Recorder events.EventRecorder
	// Identity says how a binding names a person, as for users' own.
	Identity rbac.Identity
}

// teamScope carries one pass's findings to the status.
type teamScope struct {
	team    *iamv1alpha1.Team
	active  int
	stalled *reconcile.Verdict
	ready   metav1.Condition
	// requeueAfter asks for another pass while the API server refuses to
	// bind the team's role.
	requeueAfter time.Duration
}

// +kubebuilder:rbac:groups=iam.tenantry.io,resources=teams,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=iam.tenantry.io,resources=teams/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=iam.tenantry.io,resources=teams/finalizers,verbs=update

// Reconcile gets the team, keeps its finalizer, binds its role to its
// active members (or removes the binding when the team is being deleted)
// and writes the status once, in the deferred patch, if it changed.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (result ctrl.Result, retErr error) {
	team := &iamv1alpha1.Team{}
	if err := r.Get(ctx, req.NamespacedName, team); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	defer func() { result, retErr = reconcile.RequeueOnConflict(ctx, "team", result, retErr) }()

	if !team.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, r.reconcileDelete(ctx, team)
	}
	if !controllerutil.ContainsFinalizer(team, iamv1alpha1.TeamFinalizer) {
		// Before the binding exists, so that nothing outlives the team.
		patchFinalizer := client.MergeFromWithOptions(team.DeepCopy(), client.MergeFromWithOptimisticLock{})
		controllerutil.AddFinalizer(team, iamv1alpha1.TeamFinalizer)
		if err := r.Patch(ctx, team, patchFinalizer); err != nil {
			return ctrl.Result{}, fmt.Errorf("add finalizer to team %s: %w", team.Name, err)
		}
	}
	before := team.DeepCopy()
	s := &teamScope{team: team}
	defer func() {
		summarizeTeamStatus(s, retErr)
		err := patch.Status(ctx, r.Client, before, team, client.MergeFromWithOptimisticLock{})
		if client.IgnoreNotFound(err) != nil {
			retErr = errors.Join(retErr, fmt.Errorf("patch status of team %s: %w", team.Name, err))
		}
		if err == nil {
			r.recordMembersGone(before, team)
		}
	}()
	err := r.reconcileBinding(ctx, s)
	return ctrl.Result{RequeueAfter: s.requeueAfter}, err
}

// reconcileBinding decides who the team binds, and makes its RoleBinding
// say so, or removes it when there is nobody or nothing to bind.
func (r *Reconciler) reconcileBinding(ctx context.Context, s *teamScope) error {
	team := s.team
	members, emails, err := r.members(ctx, team)
	if err != nil {
		return err
	}
	team.Status.Members, team.Status.ActiveMembers = members, int32(len(emails))
	team.Status.MembersSummary = membersSummary(members)
	s.active = len(emails)

	missing := missingMembers(members)
	ready := func(status metav1.ConditionStatus, reason, message string) {
		s.ready = metav1.Condition{Type: iamv1alpha1.ReadyCondition, Status: status, Reason: reason, Message: message + missing}
	}
	if team.Spec.Role == "" {
		ready(metav1.ConditionTrue, iamv1alpha1.ReasonTeamNoRole, "the team grants no role: it only groups its members")
		return r.deleteBinding(ctx, team)
	}
	exists, err := rbac.RoleExists(ctx, r.Client, team.Spec.Role)
	switch {
	case err != nil:
		return err
	case !exists:
		ready(metav1.ConditionFalse, iamv1alpha1.ReasonRoleNotFound, fmt.Sprintf(
			"role %q does not exist: the team grants nothing until it does", team.Spec.Role))
		return r.deleteBinding(ctx, team)
	case len(emails) == 0:
		ready(metav1.ConditionTrue, iamv1alpha1.ReasonTeamNoActive, fmt.Sprintf(
			"no member is active: role %s is bound to nobody", team.Spec.Role))
		return r.deleteBinding(ctx, team)
	}
	want := rbac.TeamRoleBinding(team, emails, r.Identity.OrDefault())
	taken, err := r.ensureBinding(ctx, team, want)
	if v := rbac.BindingRefused(team.Spec.Role, err); v != nil {
		ready(metav1.ConditionFalse, v.Reason, v.Message)
		s.requeueAfter = rbac.RoleNotGrantedRequeue
		return nil
	}
	if err != nil {
		return err
	}
	if taken {
		msg := fmt.Sprintf("role binding %s exists and was not made by Tenantry; delete or rename it", want.Name)
		ready(metav1.ConditionFalse, iamv1alpha1.ReasonTeamBindingTaken, msg)
		s.stalled = &reconcile.Verdict{Reason: iamv1alpha1.ReasonTeamBindingTaken, Message: msg}
		return nil
	}
	team.Status.RoleBindingName = want.Name
	ready(metav1.ConditionTrue, iamv1alpha1.ReasonTeamBound, fmt.Sprintf(
		"role %s is bound to %d active members of %d", team.Spec.Role, len(emails), len(team.Spec.Members)))
	return nil
}

// members reads each member from the cache: who is active (and so bound)
// and who is not, or not a user at all.
func (r *Reconciler) members(ctx context.Context, team *iamv1alpha1.Team) ([]iamv1alpha1.TeamMemberStatus, []string, error) {
	members := make([]iamv1alpha1.TeamMemberStatus, 0, len(team.Spec.Members))
	var emails []string
	for _, name := range team.Spec.Members {
		user := &iamv1alpha1.User{}
		err := r.Get(ctx, client.ObjectKey{Namespace: team.Namespace, Name: name}, user)
		switch {
		case apierrors.IsNotFound(err):
			members = append(members, iamv1alpha1.TeamMemberStatus{Name: name, State: iamv1alpha1.TeamMemberNotFound})
		case err != nil:
			return nil, nil, fmt.Errorf("get member %s of team %s: %w", name, team.Name, err)
		case rbac.UserActive(user):
			members = append(members, iamv1alpha1.TeamMemberStatus{Name: name, State: iamv1alpha1.TeamMemberActive})
			emails = append(emails, user.Spec.Email)
		default:
			members = append(members, iamv1alpha1.TeamMemberStatus{Name: name, State: iamv1alpha1.TeamMemberNotActive})
		}
	}
	return members, emails, nil
}

// ensureBinding creates or corrects the team's binding; taken reports a
// binding of that name that is not the team's.
func (r *Reconciler) ensureBinding(ctx context.Context, team *iamv1alpha1.Team, want *rbacv1.RoleBinding) (taken bool, err error) {
	have := &rbacv1.RoleBinding{}
	err = r.Get(ctx, client.ObjectKeyFromObject(want), have)
	switch {
	case apierrors.IsNotFound(err):
		if err := r.Create(ctx, want); err != nil {
			if apierrors.IsAlreadyExists(err) {
				return true, nil // not in the cache, which holds only Tenantry's
			}
			return false, fmt.Errorf("create role binding of team %s: %w", team.Name, err)
		}
		r.event(team, "RoleBound", "BindRole", fmt.Sprintf(
			"bound role %s to %d active members", team.Spec.Role, len(want.Subjects)))
		return false, nil
	case err != nil:
		return false, fmt.Errorf("get role binding of team %s: %w", team.Name, err)
	case !metav1.IsControlledBy(have, team):
		return true, nil
	case rbac.RoleBindingCurrent(have, want):
		return false, nil
	case have.RoleRef != want.RoleRef:
		// roleRef cannot change: the binding is replaced.
		if err := r.Delete(ctx, have, client.Preconditions{UID: &have.UID}); client.IgnoreNotFound(err) != nil {
			return false, fmt.Errorf("replace role binding of team %s: %w", team.Name, err)
		}
		if err := r.Create(ctx, want); err != nil {
			return false, fmt.Errorf("replace role binding of team %s: %w", team.Name, err)
		}
		r.event(team, "RoleChanged", "BindRole", "the team now grants role "+team.Spec.Role)
		return false, nil
	}
	have.Subjects, have.Labels = want.Subjects, want.Labels
	if err := r.Update(ctx, have); err != nil {
		return false, fmt.Errorf("update role binding of team %s: %w", team.Name, err)
	}
	return false, nil
}

// deleteBinding removes the team's binding, if it has one.
func (r *Reconciler) deleteBinding(ctx context.Context, team *iamv1alpha1.Team) error {
	team.Status.RoleBindingName = ""
	binding := &rbacv1.RoleBinding{}
	key := client.ObjectKey{Namespace: team.Namespace, Name: rbac.TeamRoleBindingName(team.Name)}
	if err := r.Get(ctx, key, binding); err != nil {
		return client.IgnoreNotFound(err)
	}
	if !metav1.IsControlledBy(binding, team) {
		return nil
	}
	if err := r.Delete(ctx, binding, client.Preconditions{UID: &binding.UID}); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("delete role binding of team %s: %w", team.Name, err)
	}
	r.event(team, "RoleUnbound", "UnbindRole", "removed role binding "+binding.Name)
	return nil
}

// reconcileDelete takes the team's binding with it, then lets it go.
func (r *Reconciler) reconcileDelete(ctx context.Context, team *iamv1alpha1.Team) error {
	if !controllerutil.ContainsFinalizer(team, iamv1alpha1.TeamFinalizer) {
		return nil
	}
	if err := r.deleteBinding(ctx, team); err != nil {
		return err
	}
	p := client.MergeFromWithOptions(team.DeepCopy(), client.MergeFromWithOptimisticLock{})
	controllerutil.RemoveFinalizer(team, iamv1alpha1.TeamFinalizer)
	if err := r.Patch(ctx, team, p); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("remove finalizer of team %s: %w", team.Name, err)
	}
	return nil
}

// event records a Normal event about the team: nothing a team does is a
// failure a person must act on that its Ready condition does not say.
func (r *Reconciler) event(team *iamv1alpha1.Team, reason, action, note string) {
	reconcile.RecordEvent(r.Recorder, team, nil, corev1.EventTypeNormal, reason, action, "%s", note)
}

// SetupWithManager watches Teams, the RoleBindings they own, the users
// they name (whether each is active) and the roles they grant (whether
// each exists).
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager, options controller.Options) error {
	return ctrl.NewControllerManagedBy(mgr).
		WithOptions(options).
		For(&iamv1alpha1.Team{}).
		Owns(&rbacv1.RoleBinding{}).
		Watches(&iamv1alpha1.User{}, handler.EnqueueRequestsFromMapFunc(r.teamsOfUser),
			builder.WithPredicates(membershipMatters)).
		Watches(&iamv1alpha1.Role{}, handler.EnqueueRequestsFromMapFunc(r.teamsOfRole),
			builder.WithPredicates(rbac.RoleComesOrGoes())).
		Named("team").
		Complete(r)
}

// recordMembersGone records, once the status saying so is written, that a
// member's user was deleted: decided from what the write changed, so two
// passes that see the same deletion record it once.
func (r *Reconciler) recordMembersGone(before, written *iamv1alpha1.Team) {
	for _, name := range membersGone(before.Status.Members, written.Status.Members) {
		r.event(written, "MemberNotFound", "ObserveMembers", fmt.Sprintf(
			"user %s no longer exists: it stays in spec.members and is bound to nothing until a user of that name exists again", name))
	}
}
