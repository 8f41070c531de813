package v1alpha1

// Condition types of a User. Ready summarises the others; Reconciling and
// Stalled follow kstatus and are present only while true.
const (
	// ReadyCondition is True when the user is Active and everything the
	// controller owns for it is in place.
	ReadyCondition = "Ready"
	// InvitationDeliveredCondition is True once the SMTP server accepted the
	// current invitation.
	InvitationDeliveredCondition = "InvitationDelivered"
	// EmailVerifiedCondition is True once the person accepted an invitation.
	EmailVerifiedCondition = "EmailVerified"
	// RoleBoundCondition is True while the user's role is bound to the
	// person's Kubernetes identity in the account. False says why not: the
	// role does not exist (the user is Revoked) or the user is not Active.
	RoleBoundCondition = "RoleBound"
	// ReconcilingCondition is True while the controller is still working
	// towards the spec (sending, retrying, catching up after a change).
	ReconcilingCondition = "Reconciling"
	// StalledCondition is True when the controller cannot make progress
	// without a person (a permanent SMTP rejection, say).
	StalledCondition = "Stalled"
)

// Condition reasons, PascalCase as metav1.Condition requires.
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

	// Ready, Reconciling and Stalled reasons.
	ReasonActive            = "Active"
	ReasonInvitationPending = "InvitationPending"
	ReasonDisabled          = "Disabled"
	ReasonDeleting          = "Deleting"
	ReasonProgressing       = "Progressing"
	ReasonCredentialsFailed = "CredentialsFailed"
	// RoleBound reasons; RoleNotFound also explains a Revoked user's Ready.
	ReasonRoleBound        = "Bound"
	ReasonRoleNotFound     = "RoleNotFound"
	ReasonNotActive        = "NotActive"
	ReasonRoleBindingTaken = "RoleBindingTaken"
	// Role Ready reasons.
	ReasonClusterRoleReady = "ClusterRoleReady"
	ReasonClusterRoleTaken = "ClusterRoleTaken"
)

// Annotations people set on a User.
const (
	// ResendInvitationAnnotation asks for a new invitation whenever its value
	// changes (a timestamp is a good value).
	ResendInvitationAnnotation = "iam.tenantry.io/resend-invitation"
)

// Labels the operator puts on the RBAC objects it renders, so that it caches
// only those and can tell them from anyone else's.
const (
	// RoleLabel names the Role a ClusterRole was rendered from.
	RoleLabel = "iam.tenantry.io/role"
	// UserLabel names the User a RoleBinding (or credential Secret) belongs to.
	UserLabel = "iam.tenantry.io/user"
)

// UserFinalizer keeps a User until what it owned is removed.
const UserFinalizer = "iam.tenantry.io/user-cleanup"

// Reasons of a BalanceTransaction's Ready condition.
const (
	ReasonApplied           = "Applied"
	ReasonWaitingForUser    = "WaitingForUser"
	ReasonQueued            = "Queued"
	ReasonUserNotFound      = "UserNotFound"
	ReasonCurrencyMismatch  = "CurrencyMismatch"
	ReasonInsufficientFunds = "InsufficientFunds"
	ReasonDuplicateKey      = "DuplicateIdempotencyKey"
	ReasonOverflow          = "BalanceOverflow"
	ReasonInvalidAmount     = "InvalidAmount"
	ReasonCancelling        = "Cancelling"
	ReasonNotLatest         = "NotLatest"
)

// TransactionFinalizer keeps an applied transaction until its cancel has been
// taken off the balance.
const TransactionFinalizer = "iam.tenantry.io/ledger"
