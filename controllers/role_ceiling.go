package controllers

import (
	"context"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/conditions"
	"github.com/tenantry-io/tenantry/internal/rbac"
)

// checkCeiling says whether the ClusterRole a Role renders fits the grant
// ceiling. A Role that does not is held back whole, never applied half-way:
// the ClusterRole keeps what it granted before (nothing, for a new Role)
// and the Role says which rules it may not grant.
func (r *RoleReconciler) checkCeiling(ctx context.Context, want *rbacv1.ClusterRole) (*verdict, error) {
	ceiling := &rbacv1.ClusterRole{}
	err := r.Get(ctx, client.ObjectKey{Name: r.GrantCeiling}, ceiling)
	if apierrors.IsNotFound(err) {
		return &verdict{iamv1alpha1.ReasonGrantCeilingMissing, fmt.Sprintf(
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
	return &verdict{iamv1alpha1.ReasonBeyondGrantCeiling, rbac.BeyondCeilingMessage(r.GrantCeiling, missing)}, nil
}

// escalationMessage is how the API server's RBAC escalation check begins
// its refusal of a role that grants what its writer does not hold.
const escalationMessage = "attempting to grant RBAC permissions not currently held"

// escalationRefused turns the API server's refusal to write a ClusterRole
// beyond what the manager holds into the same verdict as checkCeiling's:
// the cache may have shown a ceiling larger than the one in force.
func escalationRefused(ceiling string, err error) *verdict {
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), escalationMessage) {
		return nil
	}
	msg := err.Error()
	if i := strings.Index(msg, escalationMessage); i >= 0 {
		msg = msg[i:]
	}
	return &verdict{iamv1alpha1.ReasonBeyondGrantCeiling, fmt.Sprintf(
		"the API server refused the role's cluster role, which grants more than the grant ceiling %s: %s", ceiling, msg)}
}

// roleNotGrantedRequeue is how often a user or team whose binding the API
// server refused tries again: the Role's status flipping to Ready wakes
// neither, since a role's status changes would wake all its holders.
const roleNotGrantedRequeue = 30 * time.Second

// bindingRefused tells the API server's refusal to bind a role whose
// ClusterRole the manager may not grant (beyond the grant ceiling, or not
// rendered at all because of it) from any other error. Such a binding is
// not the holder's fault: it waits for its Role, whose status says why.
func bindingRefused(role string, err error) *verdict {
	if !apierrors.IsForbidden(err) {
		return nil
	}
	return &verdict{iamv1alpha1.ReasonRoleNotGranted, fmt.Sprintf(
		"the operator may not grant role %s (its cluster role goes beyond the grant ceiling or does not exist yet): "+
			"`kubectl get roles.iam.tenantry.io %s` says why", role, role)}
}

// warnBeyondCeiling records the event of a Role that has just gone beyond
// the ceiling (or found it missing), once per transition: the status it
// started the pass with does not say so yet.
func (r *RoleReconciler) warnBeyondCeiling(role *iamv1alpha1.Role, v *verdict) {
	if v == nil || (v.reason != iamv1alpha1.ReasonBeyondGrantCeiling && v.reason != iamv1alpha1.ReasonGrantCeilingMissing) {
		return
	}
	if c := conditions.Get(role, iamv1alpha1.StalledCondition); c != nil && c.Reason == v.reason && c.Message == v.message {
		return
	}
	r.event(role, corev1.EventTypeWarning, v.reason, "%s", v.message)
}

// allRoles enqueues every Role: the grant ceiling changed.
func (r *RoleReconciler) allRoles(ctx context.Context, _ client.Object) []reconcile.Request {
	roles := &iamv1alpha1.RoleList{}
	if err := r.List(ctx, roles); err != nil {
		return nil
	}
	requests := make([]reconcile.Request, 0, len(roles.Items))
	for i := range roles.Items {
		requests = append(requests, reconcile.Request{NamespacedName: client.ObjectKey{Name: roles.Items[i].Name}})
	}
	return requests
}
