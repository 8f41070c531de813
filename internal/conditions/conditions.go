// Package conditions sets and reads the metav1.Conditions of Tenantry's
// objects, the one way every controller does it (after Cluster API's
// util/conditions). A condition set here is stamped with the object's
// generation, and keeps its lastTransitionTime unless its status flips
// (k8s.io/apimachinery's meta.SetStatusCondition does that part), so setting
// the same condition twice changes nothing and writes nothing.
package conditions

import (
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Getter is an object with conditions.
type Getter interface {
	GetGeneration() int64
	GetConditions() []metav1.Condition
}

// Setter is an object whose conditions can be set.
type Setter interface {
	Getter
	SetConditions([]metav1.Condition)
}

// Set adds or updates a condition, stamped with the object's generation.
func Set(obj Setter, c metav1.Condition) {
	c.ObservedGeneration = obj.GetGeneration()
	conditions := obj.GetConditions()
	meta.SetStatusCondition(&conditions, c)
	obj.SetConditions(conditions)
}

// MarkTrue sets a condition to True.
func MarkTrue(obj Setter, conditionType, reason, message string) {
	Set(obj, metav1.Condition{Type: conditionType, Status: metav1.ConditionTrue, Reason: reason, Message: message})
}

// MarkFalse sets a condition to False.
func MarkFalse(obj Setter, conditionType, reason, message string) {
	Set(obj, metav1.Condition{Type: conditionType, Status: metav1.ConditionFalse, Reason: reason, Message: message})
}

// MarkUnknown sets a condition to Unknown.
func MarkUnknown(obj Setter, conditionType, reason, message string) {
	Set(obj, metav1.Condition{Type: conditionType, Status: metav1.ConditionUnknown, Reason: reason, Message: message})
}

// Delete removes a condition; kstatus's Reconciling and Stalled exist only
// while they are true.
func Delete(obj Setter, conditionType string) {
	conditions := obj.GetConditions()
	meta.RemoveStatusCondition(&conditions, conditionType)
	obj.SetConditions(conditions)
}

// Get returns the condition, or nil.
func Get(obj Getter, conditionType string) *metav1.Condition {
	return meta.FindStatusCondition(obj.GetConditions(), conditionType)
}

// IsTrue reports whether the condition is present and True.
func IsTrue(obj Getter, conditionType string) bool {
	return meta.IsStatusConditionTrue(obj.GetConditions(), conditionType)
}

// HasReason reports whether the condition is present with the reason.
func HasReason(obj Getter, conditionType, reason string) bool {
	c := Get(obj, conditionType)
	return c != nil && c.Reason == reason
}

// Message returns the condition's message, or "" when it is absent.
func Message(obj Getter, conditionType string) string {
	if c := Get(obj, conditionType); c != nil {
		return c.Message
	}
	return ""
}
