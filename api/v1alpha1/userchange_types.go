package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// UserChangeAction names what a UserChange records.
// +kubebuilder:validation:Enum=Created;Updated;RoleChanged;ServicesChanged;Disabled;Enabled;SoftDeleted;Restored;Deleted;Purged;InvitationResent;Unlocked;PasswordResetRequested;TwoFactorReset;LoggedInAs;LogInAsEnded;TransactionCancelled
type UserChangeAction string

// The actions of a user's history. One admitted write can change several
// things; its action is the weightiest (see internal/history), and every
// field it changed is listed in spec.changes.
const (
	ChangeCreated         UserChangeAction = "Created"
	ChangeUpdated         UserChangeAction = "Updated"
	ChangeRoleChanged     UserChangeAction = "RoleChanged"
	ChangeServicesChanged UserChangeAction = "ServicesChanged"
	ChangeDisabled        UserChangeAction = "Disabled"
	ChangeEnabled         UserChangeAction = "Enabled"
	// ChangeSoftDeleted is spec.state set to Deleted; ChangeRestored is
	// spec.state set back from Deleted.
	ChangeSoftDeleted UserChangeAction = "SoftDeleted"
	ChangeRestored    UserChangeAction = "Restored"
	// ChangeDeleted is a hard delete (kubectl delete); ChangePurged is the
	// operator's delete of a soft-deleted user whose retention ended.
	ChangeDeleted UserChangeAction = "Deleted"
	ChangePurged  UserChangeAction = "Purged"
	// The administrator actions set through annotations.
	ChangeInvitationResent       UserChangeAction = "InvitationResent"
	ChangeUnlocked               UserChangeAction = "Unlocked"
	ChangePasswordResetRequested UserChangeAction = "PasswordResetRequested"
	ChangeTwoFactorReset         UserChangeAction = "TwoFactorReset"
	// ChangeLoggedInAs is a user manager starting a "log in as" session as
	// the user, through the self-service API.
	ChangeLoggedInAs UserChangeAction = "LoggedInAs"
	// ChangeLogInAsEnded is the end of that session: logged out, expired,
	// or ended with its actor's session or right; the summary says which.
	ChangeLogInAsEnded UserChangeAction = "LogInAsEnded"
	// ChangeTransactionCancelled is the cancel (delete) of the user's
	// latest applied balance transaction, recorded once the ledger took it
	// off the balance.
	ChangeTransactionCancelled UserChangeAction = "TransactionCancelled"
)

// Requester is who asked for a change, as the API server authenticated the
// request (or, for "log in as", as the self-service API authenticated the
// session).
type Requester struct {
	// username is the authenticated user name, e.g. alice@acme.example or
	// system:serviceaccount:flux-system:kustomize-controller.
	// +required
	// +kubebuilder:validation:MaxLength=512
	Username string `json:"username"`
	// uid is the authenticated user's UID, when the authenticator gives one.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	UID string `json:"uid,omitempty"`
	// groups are the authenticated user's groups.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:items:MaxLength=256
	Groups []string `json:"groups,omitempty"`
	// actor is the email of the user manager acting as the requester, when
	// the request came with a "log in as" token (user.extra
	// iam.tenantry.io/act).
	// +optional
	// +kubebuilder:validation:MaxLength=512
	Actor string `json:"actor,omitempty"`
}

// FieldChange is one field a change set, changed or removed. Values are
// shown as JSON would show them, shortened past 256 characters. A User
// holds no secret, so no value here is one.
type FieldChange struct {
	// path names the field, e.g. spec.role, spec.profile.bank,
	// spec.services[mailbox].parameters.size or
	// metadata.annotations[iam.tenantry.io/unlock].
	// +required
	// +kubebuilder:validation:MaxLength=512
	Path string `json:"path"`
	// old is the value before; absent for a field the change set.
	// +optional
	// +kubebuilder:validation:MaxLength=300
	Old string `json:"old,omitempty"`
	// new is the value after; absent for a field the change removed.
	// +optional
	// +kubebuilder:validation:MaxLength=300
	New string `json:"new,omitempty"`
}

// UserChangeSpec is one entry of a user's history. It is written once, by
// the operator, and never changed.
type UserChangeSpec struct {
	// user is the name of the User the change is about.
	// +required
	// +kubebuilder:validation:MaxLength=63
	User string `json:"user"`
	// userUID tells this user from an earlier one of the same name.
	// +required
	UserUID types.UID `json:"userUID"`
	// sequence numbers the changes admitted to the user: 1 for its
	// creation, one more for each change after. Records that did not come
	// through the User's admission (log in as, a cancelled transaction)
	// have none.
	// +optional
	// +kubebuilder:validation:Minimum=0
	Sequence int64 `json:"sequence,omitempty"`
	// action is what happened.
	// +required
	Action UserChangeAction `json:"action"`
	// requester is who asked for it.
	// +required
	Requester Requester `json:"requester"`
	// time is when it was admitted, to the microsecond, so that records
	// of the same second keep their order.
	// +required
	Time metav1.MicroTime `json:"time"`
	// changes are the fields it changed, with their old and new values.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=64
	Changes []FieldChange `json:"changes,omitempty"`
	// summary says it in one line, e.g. "spec.role: manager → owner".
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Summary string `json:"summary,omitempty"`
}

// UserChange records one admitted change to a User, or one administrator
// action on it, with who asked and what changed. The operator files it in
// the user's account once the API server has stored the change, keeps it
// for --history-retention and at most --history-limit per user, and prunes
// the rest; it is kept when the user is deleted.
// +kubebuilder:object:root=true
// +kubebuilder:resource:shortName=uchange,categories=tenantry
// +kubebuilder:selectablefield:JSONPath=`.spec.user`
// +kubebuilder:printcolumn:name="User",type=string,JSONPath=`.spec.user`
// +kubebuilder:printcolumn:name="Action",type=string,JSONPath=`.spec.action`
// +kubebuilder:printcolumn:name="Requester",type=string,JSONPath=`.spec.requester.username`
// +kubebuilder:printcolumn:name="Summary",type=string,JSONPath=`.spec.summary`
// +kubebuilder:printcolumn:name="Time",type=date,JSONPath=`.spec.time`
// +kubebuilder:printcolumn:name="Seq",type=integer,JSONPath=`.spec.sequence`,priority=1
// +kubebuilder:printcolumn:name="Actor",type=string,JSONPath=`.spec.requester.actor`,priority=1
type UserChange struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +required
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="a change record cannot be edited"
	Spec UserChangeSpec `json:"spec"`
}

// UserChangeList is a list of UserChanges.
// +kubebuilder:object:root=true
type UserChangeList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []UserChange `json:"items"`
}
