package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// Reasons of a ServiceClass's Ready condition.
const (
	// ReasonKindServed: the API server serves the template's kind with the
	// class's scope.
	ReasonKindServed = "KindServed"
	// ReasonScopeMismatch: the kind is served, but namespaced where the
	// class says Cluster or the other way round.
	ReasonScopeMismatch = "ScopeMismatch"
	// ReasonInvalidTemplate: the template has no usable apiVersion/kind.
	ReasonInvalidTemplate = "InvalidTemplate"
)

// Reasons of a Subscription's Ready condition.
const (
	ReasonSubscriptionActive = "Active"
	ReasonNotYetValid        = "NotYetValid"
	ReasonExpired            = "Expired"
	ReasonOverQuota          = "OverQuota"
)

// GetConditions returns the class's conditions.
func (c *ServiceClass) GetConditions() []metav1.Condition { return c.Status.Conditions }

// SetConditions replaces the class's conditions.
func (c *ServiceClass) SetConditions(conds []metav1.Condition) { c.Status.Conditions = conds }

// GetConditions returns the subscription's conditions.
func (s *Subscription) GetConditions() []metav1.Condition { return s.Status.Conditions }

// SetConditions replaces the subscription's conditions.
func (s *Subscription) SetConditions(conds []metav1.Condition) { s.Status.Conditions = conds }
