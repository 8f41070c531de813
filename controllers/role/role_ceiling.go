package role

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/conditions"
	"github.com/tenantry-io/tenantry/internal/rbac"
	"github.com/tenantry-io/tenantry/internal/reconcile"
)

// checkCeiling says whether the ClusterRole a Role renders fits the grant
// ceiling. A Role that does not is held back whole, never applied half-way:
// the ClusterRole keeps what it granted before (nothing, for a new Role)
// and the Role says which rules it may not grant.
func (r *Reconciler) checkCeiling(ctx context.Context, want *rbacv1.ClusterRole) (*reconcile.Verdict, error) {
	ceiling := &rbacv1.ClusterRole{}
	err := r.Get(ctx, client.ObjectKey{Name: r.GrantCeiling}, ceiling)
	if apierrors.IsNotFound(err) {
		return &reconcile.Verdict{Reason: iamv1alpha1.ReasonGrantCeilingMissing, Message: fmt.Sprintf(
			"the grant ceiling, cluster role %s, does not exist: it bounds what roles may grant, so none is granted "+
				"until a cluster administrator installs it (config/rbac/grant_ceiling.yaml)", r.GrantCeiling)}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get the grant ceiling %s: %w", r.GrantCeiling, err)
	}
	missing := rbac.BeyondCeiling(ceiling.Rules, want.Rules)
	if len(missing) == 0 {
		return nil, nil
	}
	return &reconcile.Verdict{Reason: iamv1alpha1.ReasonBeyondGrantCeiling, Message: rbac.BeyondCeilingMessage(r.GrantCeiling, missing)}, nil
}

// escalationMessage is how the API server's RBAC escalation check begins
// its refusal of a role that grants what its writer does not hold.
const escalationMessage = "attempting to grant RBAC permissions not currently held"

// escalationRefused turns the API server's refusal to write a ClusterRole
// beyond what the manager holds into the same verdict as checkCeiling's:
// the cache may have shown a ceiling larger than the one in force.
func escalationRefused(ceiling string, err error) *reconcile.Verdict {
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), escalationMessage) {
		return nil
	}
	msg := err.Error()
	if i := strings.Index(msg, escalationMessage); i >= 0 {
		msg = msg[i:]
	}
	return &reconcile.Verdict{Reason: iamv1alpha1.ReasonBeyondGrantCeiling, Message: fmt.Sprintf(
		"the API server refused the role's cluster role, which grants more than the grant ceiling %s: %s", ceiling, msg)}
}

// warnBeyondCeiling records the event of a Role that has just gone beyond
// the ceiling (or found it missing), once per transition. It is called
// after the status write and compares the status written with the one it
// replaced: a pass that read a stale Role and saw the same refusal gets a
// conflict instead, and records nothing.
func (r *Reconciler) warnBeyondCeiling(before, written *iamv1alpha1.Role) {
	c := conditions.Get(written, iamv1alpha1.StalledCondition)
	if c == nil || c.Status != metav1.ConditionTrue ||
		(c.Reason != iamv1alpha1.ReasonBeyondGrantCeiling && c.Reason != iamv1alpha1.ReasonGrantCeilingMissing) {
		return
	}
	if p := conditions.Get(before, iamv1alpha1.StalledCondition); p != nil && p.Status == c.Status && p.Reason == c.Reason && p.Message == c.Message {
		return
	}
	r.event(written, corev1.EventTypeWarning, c.Reason, "%s", c.Message)
}

// allRoles enqueues every Role: the grant ceiling changed.
func (r *Reconciler) allRoles(ctx context.Context, _ client.Object) []ctrl.Request {
	roles := &iamv1alpha1.RoleList{}
	if err := r.List(ctx, roles); err != nil {
		return nil
	}
	requests := make([]ctrl.Request, 0, len(roles.Items))
	for i := range roles.Items {
		requests = append(requests, ctrl.Request{NamespacedName: client.ObjectKey{Name: roles.Items[i].Name}})
	}
	return requests
}
