package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// Condition types of a User, besides Ready, Reconciling and Stalled. Its
// phase is computed from them.
const (
	// InvitationDeliveredCondition is True once the SMTP server accepted the
	// current invitation.
	InvitationDeliveredCondition = "InvitationDelivered"
	// EmailVerifiedCondition is True once the person accepted an invitation.
	EmailVerifiedCondition = "EmailVerified"
	// RoleBoundCondition is True while the user's role is bound to the
	// person's Kubernetes identity in the account. False says why not: the
	// role does not exist (the user is Revoked) or the user is not Active.
	RoleBoundCondition = "RoleBound"
	// LockedCondition is True while too many failed logins keep the person
	// out; its message says until when.
	LockedCondition = "Locked"
	// PasswordResetDeliveredCondition is True once the SMTP server accepted
	// the current password reset email. It exists only once a reset was
	// asked for.
	PasswordResetDeliveredCondition = "PasswordResetDelivered"
)

// Reasons of a User's conditions, PascalCase as metav1.Condition requires.
const (
	// InvitationDelivered reasons.
	ReasonDelivered            = "Delivered"
	ReasonDeliveryUnconfirmed  = "DeliveryUnconfirmed"
	ReasonSending              = "Sending"
	ReasonDeliveryFailed       = "DeliveryFailed"
	ReasonDeliveryRejected     = "DeliveryRejected"
	ReasonNotSentWhileDisabled = "NotSentWhileDisabled"

	// EmailVerified reasons.
	ReasonInvitationAccepted = "InvitationAccepted"
	ReasonAwaitingAcceptance = "AwaitingAcceptance"

	// Ready and Stalled reasons.
	ReasonActive            = "Active"
	ReasonInvitationPending = "InvitationPending"
	ReasonDisabled          = "Disabled"
	ReasonDeleting          = "Deleting"
	ReasonSoftDeleted       = "SoftDeleted"
	ReasonCredentialsFailed = "CredentialsFailed"

	// RoleBound reasons; RoleNotFound also explains a Revoked user's Ready.
	ReasonRoleBound        = "Bound"
	ReasonRoleNotFound     = "RoleNotFound"
	ReasonNotActive        = "NotActive"
	ReasonRoleBindingTaken = "RoleBindingTaken"
	// ReasonRoleNotGranted (shared with teams) says the API server refused
	// to bind the role: its ClusterRole goes beyond the grant ceiling or has
	// not been rendered, which the Role's own status explains.
	ReasonRoleNotGranted = "RoleNotGranted"

	// Locked reasons; a Locked user's Ready has reason Locked. The
	// PasswordResetDelivered condition uses the InvitationDelivered reasons.
	ReasonPasswordFailures = "PasswordFailures"
	ReasonCodeFailures     = "CodeFailures"
	ReasonNotLocked        = "NotLocked"
	ReasonLocked           = "Locked"
)

// GetConditions returns the user's conditions.
func (u *User) GetConditions() []metav1.Condition { return u.Status.Conditions }

// SetConditions replaces the user's conditions.
func (u *User) SetConditions(c []metav1.Condition) { u.Status.Conditions = c }

// ServicesReadyCondition is True when every assigned service is ready. False
// names the first service that is not and why; it exists only once the user
// has or had services.
const ServicesReadyCondition = "ServicesReady"

// Reasons of ServicesReady, and of each service in status.services.
const (
	ReasonServicesReady        = "ServicesReady"
	ReasonServicesProvisioning = "Provisioning"
	ReasonServicesRemoving     = "Removing"
	ReasonServicesPending      = "Pending"
	ReasonServiceFailed        = "ServiceFailed"
	ReasonRemovalTimedOut      = "RemovalTimedOut"

	ReasonAwaitingSeat          = "AwaitingSeat"
	ReasonQuotaExceeded         = "QuotaExceeded"
	ReasonClassNotFound         = "ClassNotFound"
	ReasonKindNotFound          = "KindNotFound"
	ReasonSubscriptionNotFound  = "SubscriptionNotFound"
	ReasonSubscriptionAmbiguous = "SubscriptionAmbiguous"
	ReasonNotSubscribed         = "NotSubscribed"
	ReasonRenderFailed          = "RenderFailed"
	ReasonApplyFailed           = "ApplyFailed"
	ReasonNotWatchable          = "NotWatchable"
	ReasonNotReady              = "NotReady"
	ReasonObjectReady           = "Ready"
	ReasonObjectDeleting        = "Deleting"
)
