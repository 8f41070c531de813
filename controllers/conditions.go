package controllers

import (
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// setCondition sets a condition stamped with the user's generation.
// meta.SetStatusCondition keeps lastTransitionTime unless the status flips,
// so setting the same condition twice changes nothing and writes nothing.
func setCondition(user *iamv1alpha1.User, conditionType string, status metav1.ConditionStatus, reason, message string) {
	meta.SetStatusCondition(&user.Status.Conditions, metav1.Condition{
		Type:               conditionType,
		Status:             status,
		Reason:             reason,
		Message:            message,
		ObservedGeneration: user.Generation,
	})
}

// markTrue and markFalse shorten the common calls.
func markTrue(user *iamv1alpha1.User, conditionType, reason, message string) {
	setCondition(user, conditionType, metav1.ConditionTrue, reason, message)
}

func markFalse(user *iamv1alpha1.User, conditionType, reason, message string) {
	setCondition(user, conditionType, metav1.ConditionFalse, reason, message)
}

func clearCondition(user *iamv1alpha1.User, conditionType string) {
	meta.RemoveStatusCondition(&user.Status.Conditions, conditionType)
}

// deliveryReasonIs reports whether the InvitationDelivered condition has
// the reason.
func deliveryReasonIs(user *iamv1alpha1.User, reason string) bool {
	c := meta.FindStatusCondition(user.Status.Conditions, iamv1alpha1.InvitationDeliveredCondition)
	return c != nil && c.Reason == reason
}
