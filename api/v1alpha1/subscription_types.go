package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// SubscribedService is how many of one service class an account bought.
type SubscribedService struct {
	// serviceClass names the ServiceClass. A ServiceClass's name is a DNS
	// label, so anything else is refused at admission: it could never resolve.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:XValidation:rule="self.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')",message="serviceClass must be the name of a ServiceClass: lower case letters, digits and '-'"
	ServiceClass string `json:"serviceClass"`
	// quantity is how many users may hold the service at once.
	// +required
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=1000000
	Quantity int32 `json:"quantity"`
}

// SubscriptionSpec is what the customer bought.
// +kubebuilder:validation:XValidation:rule="!has(self.validFrom) || !has(self.validUntil) || self.validFrom < self.validUntil",message="validFrom must be before validUntil"
type SubscriptionSpec struct {
	// services lists each service class bought and its quantity.
	// +required
	// +listType=map
	// +listMapKey=serviceClass
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=32
	Services []SubscribedService `json:"services"`
	// validFrom is when seats may first be given out; absent means at once.
	// +optional
	ValidFrom *metav1.Time `json:"validFrom,omitempty"`
	// validUntil is when no more seats are given out. Services already
	// provisioned are kept: taking a customer's mailboxes away is an
	// administrator's decision, not a clock's.
	// +optional
	ValidUntil *metav1.Time `json:"validUntil,omitempty"`
}

// ServiceUsage is how much of one subscribed service is given out.
type ServiceUsage struct {
	// serviceClass names the ServiceClass.
	// +required
	// +kubebuilder:validation:MaxLength=63
	ServiceClass string `json:"serviceClass"`
	// quantity repeats spec's quantity, for a reader of status alone.
	// +optional
	Quantity int32 `json:"quantity"`
	// used is the number of seats given out: len(holders).
	// +optional
	Used int32 `json:"used"`
	// holders are the assignments holding a seat, as <user>/<assignment>.
	// Only the controller gives out seats, one subscription at a time, so
	// two administrators racing for the last seat cannot both get it.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=1000000
	// +kubebuilder:validation:items:MaxLength=128
	Holders []string `json:"holders,omitempty"`
	// refused are the assignments that asked for a seat when none was left,
	// as <user>/<assignment>; each gets one when a seat frees up, oldest
	// user first.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=1000000
	// +kubebuilder:validation:items:MaxLength=128
	Refused []string `json:"refused,omitempty"`
}

// SubscriptionStatus is what the controller gave out.
type SubscriptionStatus struct {
	// conditions: Ready is True while the subscription is within its
	// validity dates and no class is over its quantity.
	// +optional
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=8
	Conditions []metav1.Condition `json:"conditions,omitempty"`
	// observedGeneration is the generation of the spec last reconciled.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// services is the usage of each subscribed class.
	// +optional
	// +listType=map
	// +listMapKey=serviceClass
	// +kubebuilder:validation:MaxItems=32
	Services []ServiceUsage `json:"services,omitempty"`
	// summary is used/quantity per class, e.g. "mailbox:3/10 vps:1/2".
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Summary string `json:"summary,omitempty"`
}

// Subscription is what a customer account bought: how many users may hold
// each service class. Users' spec.services draw seats from it.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=sub,categories=tenantry
// +kubebuilder:printcolumn:name="Used",type=string,JSONPath=`.status.summary`
// +kubebuilder:printcolumn:name="Valid Until",type=date,JSONPath=`.spec.validUntil`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="Message",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].message`,priority=1
type Subscription struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	// +required
	Spec SubscriptionSpec `json:"spec"`
	// +optional
	Status SubscriptionStatus `json:"status,omitempty"`
}

// SubscriptionList is a list of Subscriptions.
// +kubebuilder:object:root=true
type SubscriptionList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Subscription `json:"items"`
}
