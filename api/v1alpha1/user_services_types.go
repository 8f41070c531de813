package v1alpha1

// ServiceAssignment gives a user one service of a class.
type ServiceAssignment struct {
	// name tells this assignment from the user's others; it defaults to the
	// serviceClass, so only a second service of the same class needs one.
	// It is part of the object's name and labels.
	// +optional
	// +kubebuilder:validation:MaxLength=40
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Name string `json:"name,omitempty"`
	// serviceClass names the ServiceClass to provision. A ServiceClass's
	// name is a DNS label, so anything else is refused at admission: it
	// could never resolve.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:XValidation:rule="self.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')",message="serviceClass must be the name of a ServiceClass: lower case letters, digits and '-'"
	ServiceClass string `json:"serviceClass"`
	// subscription names the account's Subscription the seat comes from. It
	// may be left out when exactly one Subscription of the account offers
	// the class. A Subscription's name is a DNS subdomain, so anything else
	// is refused at admission.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="self.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')",message="subscription must be the name of a Subscription: lower case letters, digits, '-' and '.'"
	Subscription string `json:"subscription,omitempty"`
	// parameters fill the class template's ${params.KEY} placeholders.
	// +optional
	// +kubebuilder:validation:MaxProperties=16
	// +kubebuilder:validation:XValidation:rule="self.all(k, k.matches('^[A-Za-z][A-Za-z0-9_]*$') && self[k].size() <= 256)",message="parameter names are letters, digits and '_' (starting with a letter) and values at most 256 characters"
	Parameters map[string]string `json:"parameters,omitempty"`
}

// AssignmentName is the assignment's name: name, or serviceClass when unset.
func (a ServiceAssignment) AssignmentName() string {
	if a.Name != "" {
		return a.Name
	}
	return a.ServiceClass
}

// ServicePhase is where one assigned service is.
// +kubebuilder:validation:Enum=Pending;Provisioning;Ready;Failed;Removing
type ServicePhase string

const (
	// ServicePhasePending waits for the person to accept the invitation or
	// for the subscription to give the assignment a seat.
	ServicePhasePending ServicePhase = "Pending"
	// ServicePhaseProvisioning: the object is applied and not ready yet.
	ServicePhaseProvisioning ServicePhase = "Provisioning"
	// ServicePhaseReady: the object is ready.
	ServicePhaseReady ServicePhase = "Ready"
	// ServicePhaseFailed: the service cannot be provisioned; the reason
	// and message say why (QuotaExceeded, ClassNotFound, KindNotFound, ...).
	ServicePhaseFailed ServicePhase = "Failed"
	// ServicePhaseRemoving: the object is being deleted and the user waits
	// for it to go.
	ServicePhaseRemoving ServicePhase = "Removing"
)

// ServiceObjectReference points at a service's object.
type ServiceObjectReference struct {
	// +required
	// +kubebuilder:validation:MaxLength=317
	APIVersion string `json:"apiVersion"`
	// +required
	// +kubebuilder:validation:MaxLength=63
	Kind string `json:"kind"`
	// namespace is empty for a cluster-scoped object.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	Namespace string `json:"namespace,omitempty"`
	// +required
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
}

// ServiceStatus is the state of one assigned service.
type ServiceStatus struct {
	// name is the assignment's name.
	// +required
	// +kubebuilder:validation:MaxLength=63
	Name string `json:"name"`
	// serviceClass is the assignment's class.
	// +required
	// +kubebuilder:validation:MaxLength=63
	ServiceClass string `json:"serviceClass"`
	// column is the class's columnName, kept so the summary survives the
	// class being deleted.
	// +optional
	// +kubebuilder:validation:MaxLength=16
	Column string `json:"column,omitempty"`
	// subscription is the Subscription the seat comes from, once known.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	Subscription string `json:"subscription,omitempty"`
	// object is the provisioned object, once applied. The finalizer removes
	// it even if the class is gone by then.
	// +optional
	Object *ServiceObjectReference `json:"object,omitempty"`
	// phase is Pending, Provisioning, Ready, Failed or Removing.
	// +required
	Phase ServicePhase `json:"phase"`
	// reason is a CamelCase word for the phase, e.g. QuotaExceeded.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	Reason string `json:"reason,omitempty"`
	// message says what is happening in a sentence.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Message string `json:"message,omitempty"`
}
