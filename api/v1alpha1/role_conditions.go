package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// Reasons of a Role's Ready and Stalled conditions.
const (
	ReasonClusterRoleReady = "ClusterRoleReady"
	ReasonClusterRoleTaken = "ClusterRoleTaken"
	// ReasonBeyondGrantCeiling says the role grants rules the cluster
	// administrator's grant ceiling does not hold, so the operator may not
	// hand them out; its message names them.
	ReasonBeyondGrantCeiling = "BeyondGrantCeiling"
	// ReasonGrantCeilingMissing says the grant ceiling the manager was
	// started with (--grant-ceiling) does not exist.
	ReasonGrantCeilingMissing = "GrantCeilingMissing"
)

// GetConditions returns the role's conditions.
func (r *Role) GetConditions() []metav1.Condition { return r.Status.Conditions }

// SetConditions replaces the role's conditions.
func (r *Role) SetConditions(c []metav1.Condition) { r.Status.Conditions = c }
