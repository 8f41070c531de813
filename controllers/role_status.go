package controllers

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// summarizeRoleStatus turns a pass's outcome into Ready and Stalled, and
// stamps observedGeneration only on success.
func summarizeRoleStatus(s *roleScope, reconcileErr error) {
	role := s.role
	ready := metav1.Condition{Type: iamv1alpha1.ReadyCondition, Status: metav1.ConditionTrue,
		Reason: iamv1alpha1.ReasonClusterRoleReady, Message: fmt.Sprintf("cluster role %s grants the role's rules", role.Status.ClusterRoleName)}
	switch {
	case s.stalled != nil:
		ready.Status, ready.Reason, ready.Message = metav1.ConditionFalse, s.stalled.reason, s.stalled.message
	case reconcileErr != nil:
		ready.Status, ready.Reason, ready.Message = metav1.ConditionFalse, iamv1alpha1.ReasonProgressing, fmt.Sprintf("retrying after an error: %v", reconcileErr)
	}
	setRoleCondition(role, ready)
	if s.stalled != nil {
		setRoleCondition(role, metav1.Condition{Type: iamv1alpha1.StalledCondition, Status: metav1.ConditionTrue,
			Reason: s.stalled.reason, Message: s.stalled.message})
	} else {
		meta.RemoveStatusCondition(&role.Status.Conditions, iamv1alpha1.StalledCondition)
	}
	if reconcileErr == nil {
		role.Status.ObservedGeneration = role.Generation
	}
}

func setRoleCondition(role *iamv1alpha1.Role, c metav1.Condition) {
	c.ObservedGeneration = role.Generation
	meta.SetStatusCondition(&role.Status.Conditions, c)
}

// patchRoleStatus writes the status only when the pass changed it, guarded
// by the resourceVersion the pass started from, as for users.
func (r *RoleReconciler) patchRoleStatus(ctx context.Context, before, role *iamv1alpha1.Role) error {
	if equality.Semantic.DeepEqual(before.Status, role.Status) {
		return nil
	}
	patch := client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{})
	if err := r.Status().Patch(ctx, role, patch); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("patch status of role %s: %w", role.Name, err)
	}
	return nil
}
