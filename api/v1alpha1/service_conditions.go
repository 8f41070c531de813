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

// Reasons of a service in status.services when the API server refused to
// write (apply or delete) its object, one per true cause; see
// internal/services.ClassifyWriteError. A kind that is not served is
// ReasonKindNotFound.
const (
	// ReasonNotPermitted: the operator's RBAC does not let it write the
	// kind; a ClusterRole labelled AggregateToManagerLabel grants it.
	ReasonNotPermitted = "NotPermitted"
	// ReasonKindTerminating: the kind's CustomResourceDefinition is being
	// deleted, and the API server creates no new objects of it.
	ReasonKindTerminating = "KindTerminating"
	// ReasonNamespaceTerminating: the object's namespace is being deleted.
	ReasonNamespaceTerminating = "NamespaceTerminating"
	// ReasonAdmissionDenied: an admission webhook or policy denied the
	// write; the message is its own.
	ReasonAdmissionDenied = "AdmissionDenied"
	// ReasonInvalidObject: the object rendered from the template fails
	// the kind's validation; the message names the field.
	ReasonInvalidObject = "InvalidObject"
	// ReasonWriteConflict: someone wrote the object meanwhile; the write
	// is retried quietly.
	ReasonWriteConflict = "WriteConflict"
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
