package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// Reasons of a Role's Ready and Stalled conditions.
const (
	ReasonClusterRoleReady = "ClusterRoleReady"
	ReasonClusterRoleTaken = "ClusterRoleTaken"
)

// GetConditions returns the role's conditions.
func (r *Role) GetConditions() []metav1.Condition { return r.Status.Conditions }

// SetConditions replaces the role's conditions.
func (r *Role) SetConditions(c []metav1.Condition) { r.Status.Conditions = c }
