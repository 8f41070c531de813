package v1alpha1

import (
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// RoleSpec is what holding a role lets a person do in their account.
type RoleSpec struct {
	// displayName is the role's name as people read it, e.g. "Account owner".
	// It is one line of text: control characters (line breaks, tabs, NUL,
	// U+007F-U+009F) are refused at admission.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:XValidation:rule="!self.matches('[\\\\x00-\\\\x1F\\\\x7F-\\\\x9F]')",message="displayName must be one line of text: no line breaks, tabs or other control characters"
	DisplayName string `json:"displayName"`
	// description says what the role is for.
	// It may span lines (LF, CR); other control characters (tabs, NUL,
	// U+007F-U+009F) are refused at admission.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:XValidation:rule="!self.matches('[\\\\x00-\\\\x09\\\\x0B\\\\x0C\\\\x0E-\\\\x1F\\\\x7F-\\\\x9F]')",message="description may hold line breaks but no tabs or other control characters"
	Description string `json:"description,omitempty"`
	// manageUsers lets holders invite, edit, disable and delete the users of
	// their account and change their roles.
	// +optional
	ManageUsers bool `json:"manageUsers,omitempty"`
	// rules are the Kubernetes permissions granted inside the account's
	// namespace, as in an RBAC Role.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=64
	Rules []rbacv1.PolicyRule `json:"rules,omitempty"`
	// permissions are application permissions the platform reads, such as
	// billing.refill; Kubernetes itself does not interpret them.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MaxLength=64
	// +kubebuilder:validation:items:Pattern=`^[a-z][a-z0-9]*([._-][a-z0-9]+)*$`
	Permissions []string `json:"permissions,omitempty"`
}

// RoleStatus is what the controller observed and did.
type RoleStatus struct {
	// conditions are the detailed observations; Ready says whether the
	// role's ClusterRole is in place.
	// +optional
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=8
	Conditions []metav1.Condition `json:"conditions,omitempty"`
	// observedGeneration is the generation of the spec last reconciled.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// clusterRoleName names the ClusterRole that holds the role's rules.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	ClusterRoleName string `json:"clusterRoleName,omitempty"`
	// users counts the users, in every account, whose spec.role names this
	// role. It is never left out when it is 0, so that `kubectl get` shows
	// 0 for a role nobody holds rather than an empty column: the API server
	// defaults it as soon as the role has a status, since a merge patch from
	// 0 to 0 would not carry it.
	// +optional
	// +kubebuilder:default=0
	// +kubebuilder:validation:Minimum=0
	Users int32 `json:"users"`
}

// Role is a set of permissions a user holds in their account. It is
// cluster-scoped: one definition serves every account.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=iamrole,categories=tenantry
// +kubebuilder:printcolumn:name="Display Name",type=string,JSONPath=`.spec.displayName`
// +kubebuilder:printcolumn:name="Manage Users",type=boolean,JSONPath=`.spec.manageUsers`
// +kubebuilder:printcolumn:name="Users",type=integer,JSONPath=`.status.users`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`,priority=1
// +kubebuilder:printcolumn:name="ClusterRole",type=string,JSONPath=`.status.clusterRoleName`,priority=1
// +kubebuilder:validation:XValidation:rule="self.metadata.name.size() <= 63 && self.metadata.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')",message="metadata.name must be a DNS label: at most 63 lower case letters, digits and '-'"
type Role struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	// +required
	Spec RoleSpec `json:"spec"`
	// +optional
	Status RoleStatus `json:"status,omitempty"`
}

// RoleList is a list of Roles.
// +kubebuilder:object:root=true
type RoleList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Role `json:"items"`
}
