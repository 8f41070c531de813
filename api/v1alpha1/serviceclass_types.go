package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// ServiceScope says where a service's object lives.
// +kubebuilder:validation:Enum=Namespaced;Cluster
type ServiceScope string

const (
	// ServiceScopeNamespaced puts the object in the user's namespace (the
	// account), owned by the User.
	ServiceScopeNamespaced ServiceScope = "Namespaced"
	// ServiceScopeCluster makes a cluster-scoped object. It cannot be owned
	// by a namespaced User, so only the finalizer removes it.
	ServiceScopeCluster ServiceScope = "Cluster"
)

// ServiceClassSpec describes one kind of service a platform offers and the
// object that provisions one such service for one user.
type ServiceClassSpec struct {
	// displayName is the service's name as people read it, e.g. "Mailbox".
	// It is one line of text: control characters (line breaks, tabs, NUL,
	// U+007F-U+009F) are refused at admission.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:XValidation:rule="!self.matches('[\\\\x00-\\\\x1F\\\\x7F-\\\\x9F]')",message="displayName must be one line of text: no line breaks, tabs or other control characters"
	DisplayName string `json:"displayName"`

	// columnName is the short name that heads the service's column in
	// listings and summaries, e.g. "mailbox".
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=16
	// +kubebuilder:validation:Pattern=`^[a-z][a-z0-9-]*$`
	ColumnName string `json:"columnName"`

	// scope is Namespaced (the default: the object lives in the user's
	// namespace) or Cluster. It must match the kind's own scope.
	// +optional
	// +kubebuilder:default=Namespaced
	Scope ServiceScope `json:"scope,omitempty"`

	// template is the object to create for each assignment: apiVersion,
	// kind, and whatever else the kind needs. In every string value,
	// ${user.name}, ${user.email}, ${user.fullName}, ${account} (the user's
	// namespace), ${assignment} (the assignment's name) and ${params.KEY}
	// (the assignment's parameters) are replaced. metadata.name may use them
	// too; when absent the name is <user>-<assignment> (prefixed with the
	// account for a cluster-scoped object). metadata.namespace is always the
	// user's namespace for a Namespaced class, and ignored otherwise.
	// +required
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:EmbeddedResource
	// +kubebuilder:validation:XValidation:rule="has(self.apiVersion) && self.apiVersion != '' && has(self.kind) && self.kind != ''",message="template needs an apiVersion and a kind"
	Template runtime.RawExtension `json:"template"`

	// defaultParameters fill ${params.KEY} for assignments that do not set
	// KEY, so a service can be assigned without parameters; an assignment's
	// own parameters win.
	// +optional
	// +kubebuilder:validation:MaxProperties=16
	// +kubebuilder:validation:XValidation:rule="self.all(k, k.matches('^[A-Za-z][A-Za-z0-9_]*$') && self[k].size() <= 256)",message="parameter names are letters, digits and '_' (starting with a letter) and values at most 256 characters"
	DefaultParameters map[string]string `json:"defaultParameters,omitempty"`

	// readiness says how to tell a provisioned object is ready. Without it,
	// the kstatus rules GitOps tools use apply (a ConfigMap is ready once it
	// exists; a custom resource once its Ready condition is True, or when it
	// has no conditions and its observedGeneration is current).
	// +optional
	Readiness *ServiceReadiness `json:"readiness,omitempty"`

	// provisionWhileInvited provisions the service as soon as the user is
	// created. By default a service is provisioned once the person accepted
	// the invitation: nothing is spent on someone who never comes.
	// +optional
	ProvisionWhileInvited bool `json:"provisionWhileInvited,omitempty"`

	// suspendWhenDisabled is merged into the rendered object while the user
	// is Disabled, e.g. {"spec": {"suspended": true}}, and taken out again
	// when the user is enabled. Without it a Disabled user keeps their
	// services unchanged.
	// +optional
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:Type=object
	SuspendWhenDisabled *runtime.RawExtension `json:"suspendWhenDisabled,omitempty"`

	// whenUserDeleted is what happens to the service while its user is
	// deleted softly (spec.state Deleted): Suspend (the default) keeps the
	// object, with suspendWhenDisabled merged in as for a disabled user, so
	// a restored user finds it as it was; Remove deletes it and frees its
	// seat, and a restored user gets a new one.
	// +optional
	// +kubebuilder:default=Suspend
	WhenUserDeleted ServiceDeletionPolicy `json:"whenUserDeleted,omitempty"`
}

// ServiceDeletionPolicy says what a soft delete of its user does to a service.
// +kubebuilder:validation:Enum=Suspend;Remove
type ServiceDeletionPolicy string

const (
	// ServiceSuspendWhenUserDeleted keeps the service, suspended.
	ServiceSuspendWhenUserDeleted ServiceDeletionPolicy = "Suspend"
	// ServiceRemoveWhenUserDeleted removes the service and frees its seat.
	ServiceRemoveWhenUserDeleted ServiceDeletionPolicy = "Remove"
)

// RemovedWhileDeleted says whether a soft-deleted user loses the service.
func (s *ServiceClassSpec) RemovedWhileDeleted() bool {
	return s.WhenUserDeleted == ServiceRemoveWhenUserDeleted
}

// ServiceReadiness names the condition that says a service is ready.
type ServiceReadiness struct {
	// conditionType is the type of the object's status condition that is
	// True once the service is ready, e.g. Ready or Available.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=316
	ConditionType string `json:"conditionType"`
}

// ServiceClassStatus is what the controller observed about the class.
type ServiceClassStatus struct {
	// conditions: Ready is True while the template's kind is served by the
	// API server with the scope the class says.
	// +optional
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=8
	Conditions []metav1.Condition `json:"conditions,omitempty"`
	// observedGeneration is the generation of the spec last checked.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// resource is the plural resource the template's kind is served as,
	// e.g. configmaps or mailboxes.example.com.
	// +optional
	// +kubebuilder:validation:MaxLength=317
	Resource string `json:"resource,omitempty"`
}

// ServiceClass is one kind of service a platform offers (a mailbox, a
// virtual server, storage) and how to provision it for one user. It is
// cluster-scoped: one definition serves every account.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=svcclass,categories=tenantry
// +kubebuilder:printcolumn:name="Display Name",type=string,JSONPath=`.spec.displayName`
// +kubebuilder:printcolumn:name="Column",type=string,JSONPath=`.spec.columnName`
// +kubebuilder:printcolumn:name="Kind",type=string,JSONPath=`.spec.template.kind`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="Message",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].message`,priority=1
// +kubebuilder:validation:XValidation:rule="self.metadata.name.size() <= 63 && self.metadata.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')",message="metadata.name must be a DNS label: at most 63 lower case letters, digits and '-'"
type ServiceClass struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	// +required
	Spec ServiceClassSpec `json:"spec"`
	// +optional
	Status ServiceClassStatus `json:"status,omitempty"`
}

// ServiceClassList is a list of ServiceClasses.
// +kubebuilder:object:root=true
type ServiceClassList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ServiceClass `json:"items"`
}
