package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TeamSpec is a group of an account's users, and the role every active
// member holds through it on top of their own.
type TeamSpec struct {
	// displayName is the team's name as people read it, e.g. "Support".
	// It is one line of text: control characters (line breaks, tabs, NUL,
	// U+007F-U+009F) are refused at admission.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:XValidation:rule="!self.matches('[\\\\x00-\\\\x1F\\\\x7F-\\\\x9F]')",message="displayName must be one line of text: no line breaks, tabs or other control characters"
	DisplayName string `json:"displayName"`

	// members are the names of the Users, in the team's namespace, who
	// belong to the team. A name that is no user (not yet, or not any
	// more: the operator never edits this list, so a deleted user's name
	// stays until someone removes it) is listed in the status as NotFound
	// and gets nothing; a user created later under that name is a member.
	// A User's name is a DNS label, so anything else is refused at
	// admission.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=256
	// +kubebuilder:validation:items:MaxLength=63
	// +kubebuilder:validation:items:XValidation:rule="self.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')",message="members must be names of Users: lower case letters, digits and '-'"
	Members []string `json:"members,omitempty"`

	// role, when set, is the name of a Role granted to every Active member
	// in the account, on top of the member's own role.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:XValidation:rule="self.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')",message="role must be the name of a Role: lower case letters, digits and '-'"
	Role string `json:"role,omitempty"`
}

// TeamMemberState says what a member gets from the team.
// +kubebuilder:validation:Enum=Active;NotActive;NotFound
type TeamMemberState string

const (
	// TeamMemberActive is an Active user: bound to the team's role.
	TeamMemberActive TeamMemberState = "Active"
	// TeamMemberNotActive is a user who is invited, disabled, deleted
	// softly or being deleted: bound to nothing.
	TeamMemberNotActive TeamMemberState = "NotActive"
	// TeamMemberNotFound names no User of the account: never created, or
	// deleted since.
	TeamMemberNotFound TeamMemberState = "NotFound"
)

// TeamMemberStatus is one member as the controller saw it.
type TeamMemberStatus struct {
	// name is the member's user name.
	// +required
	// +kubebuilder:validation:MaxLength=63
	Name string `json:"name"`
	// state is Active, NotActive or NotFound.
	// +required
	State TeamMemberState `json:"state"`
}

// TeamStatus is what the controller observed and did.
type TeamStatus struct {
	// conditions: Ready says whether the team's role is bound to its active
	// members.
	// +optional
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=8
	Conditions []metav1.Condition `json:"conditions,omitempty"`
	// observedGeneration is the generation of the spec last reconciled.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// members are the spec's members with what each gets.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=256
	Members []TeamMemberStatus `json:"members,omitempty"`
	// activeMembers counts the members bound to the team's role.
	// +optional
	// +kubebuilder:default=0
	// +kubebuilder:validation:Minimum=0
	ActiveMembers int32 `json:"activeMembers"`
	// membersSummary lists the members for `kubectl get teams`, e.g.
	// "alice, bob, carol (not active)".
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	MembersSummary string `json:"membersSummary,omitempty"`
	// roleBindingName names the RoleBinding that grants the team's role.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	RoleBindingName string `json:"roleBindingName,omitempty"`
}

// Team is a group of users in a customer account (the Team's namespace),
// optionally granting a role to every active member.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:categories=tenantry
// +kubebuilder:printcolumn:name="Display Name",type=string,JSONPath=`.spec.displayName`
// +kubebuilder:printcolumn:name="Role",type=string,JSONPath=`.spec.role`
// +kubebuilder:printcolumn:name="Active",type=integer,JSONPath=`.status.activeMembers`
// +kubebuilder:printcolumn:name="Members",type=string,JSONPath=`.status.membersSummary`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`,priority=1
// +kubebuilder:printcolumn:name="Message",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].message`,priority=1
// +kubebuilder:validation:XValidation:rule="self.metadata.name.size() <= 63 && self.metadata.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')",message="metadata.name must be a DNS label: at most 63 lower case letters, digits and '-'"
type Team struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +required
	Spec TeamSpec `json:"spec"`
	// +optional
	Status TeamStatus `json:"status,omitempty"`
}

// TeamList is a list of Teams.
// +kubebuilder:object:root=true
type TeamList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Team `json:"items"`
}

// Conditions reasons of a Team's Ready.
const (
	ReasonTeamBound        = "Bound"
	ReasonTeamNoRole       = "NoRole"
	ReasonTeamNoActive     = "NoActiveMembers"
	ReasonTeamBindingTaken = "RoleBindingTaken"
	// ReasonRoleNotFound (shared with users) says the team's role does not exist.
	// ReasonRoleNotGranted (shared with users) says the API server refused
	// to bind it.
)

// GetConditions returns the team's conditions.
func (t *Team) GetConditions() []metav1.Condition { return t.Status.Conditions }

// SetConditions replaces the team's conditions.
func (t *Team) SetConditions(c []metav1.Condition) { t.Status.Conditions = c }
