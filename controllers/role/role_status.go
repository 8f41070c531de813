package role

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/conditions"
	"github.com/tenantry-io/tenantry/internal/patch"
	"github.com/tenantry-io/tenantry/internal/reconcile"
)

// summarizeRoleStatus turns a pass's outcome into Ready and Stalled, and
// stamps observedGeneration only on success.
func summarizeRoleStatus(s *roleScope, reconcileErr error) {
	role := s.role
	ready := metav1.Condition{Type: iamv1alpha1.ReadyCondition, Status: metav1.ConditionTrue,
		Reason: iamv1alpha1.ReasonClusterRoleReady, Message: fmt.Sprintf("cluster role %s grants the role's rules", role.Status.ClusterRoleName)}
	switch {
	case s.stalled != nil:
		ready.Status, ready.Reason, ready.Message = metav1.ConditionFalse, s.stalled.Reason, s.stalled.Message
	case reconcileErr != nil:
		ready.Status, ready.Reason, ready.Message = metav1.ConditionFalse, iamv1alpha1.ReasonProgressing, fmt.Sprintf("retrying after an error: %v", reconcileErr)
	}
	conditions.Set(role, ready)
	reconcile.ApplyVerdict(role, iamv1alpha1.StalledCondition, s.stalled)
	if reconcileErr == nil {
		role.Status.ObservedGeneration = role.Generation
	}
}

// patchRoleStatus writes the status only when the pass changed it, guarded
// by the resourceVersion the pass started from, as for users.
func (r *Reconciler) patchRoleStatus(ctx context.Context, before, role *iamv1alpha1.Role) error {
	err := patch.Status(ctx, r.Client, before, role, client.MergeFromWithOptimisticLock{})
	if client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("patch status of role %s: %w", role.Name, err)
	}
	return nil
}
