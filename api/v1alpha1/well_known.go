package v1alpha1

// The labels, annotations and finalizers Tenantry reads or writes, in one
// place, as k8s.io/api/core/v1/well_known_labels.go keeps Kubernetes' own.
// Every package that puts one on an object, or selects by one, uses these.

// Labels.
const (
	// ManagedByLabel marks every object the operator renders or creates
	// (credential Secrets, ClusterRoles, RoleBindings, Leases), with the
	// value ManagedBy, so it can tell them from anyone else's of the same name.
	ManagedByLabel = "app.kubernetes.io/managed-by"
	// ManagedBy is the value of ManagedByLabel on Tenantry's objects.
	ManagedBy = "tenantry"

	// UserLabel names the User a credential Secret or RoleBinding belongs
	// to. The manager caches only Secrets and RoleBindings carrying it, so it
	// never holds the rest of the cluster's in memory.
	UserLabel = "iam.tenantry.io/user"
	// RoleLabel names the Role a ClusterRole (or a user's RoleBinding) was
	// rendered from; the manager caches only ClusterRoles carrying it.
	RoleLabel = "iam.tenantry.io/role"

	// ServiceClassLabel marks every object provisioned for a user's service
	// with its ServiceClass. The manager watches only objects carrying it,
	// whatever their kind.
	ServiceClassLabel = "iam.tenantry.io/service-class"
	// ServiceLabel names the assignment (in the user's spec.services) an
	// object was provisioned for; UserLabel names the user.
	ServiceLabel = "iam.tenantry.io/service"
	// AccountLabel names the account (namespace) of the user a
	// cluster-scoped service object belongs to.
	AccountLabel = "iam.tenantry.io/account"

	// TeamLabel names the Team a RoleBinding was rendered for.
	TeamLabel = "iam.tenantry.io/team"

	// AggregateToManagerLabel, set to "true" on a ClusterRole, adds its
	// rules to the manager's own: a platform grants the operator the right
	// to provision its service kinds this way (config/rbac/services_role.yaml).
	AggregateToManagerLabel = "iam.tenantry.io/aggregate-to-manager"
)

// ServiceTemplateHashAnnotation on a provisioned object is a hash of what
// the operator last applied, so a restart re-applies nothing unchanged.
const ServiceTemplateHashAnnotation = "iam.tenantry.io/template-hash"

// ServiceFieldManager is the server-side apply field manager of provisioned
// objects: the fields it sets are the operator's, the rest are not.
const ServiceFieldManager = "tenantry"

// Annotations people set on a User. Each is an action, not a state: the
// operator acts once per new value (a timestamp is a good value) and says in
// status and an event that it did, so a GitOps tool that keeps setting the
// same value does not repeat the action on every sync.
const (
	// ResendInvitationAnnotation asks for a new invitation.
	ResendInvitationAnnotation = "iam.tenantry.io/resend-invitation"
	// UnlockAnnotation lifts a lockout after failed logins at once and
	// clears both failure counters (passwords and two-factor codes).
	UnlockAnnotation = "iam.tenantry.io/unlock"
	// ResetPasswordAnnotation sends the person a password reset email, as
	// a customer portal's "Reset password" action does.
	ResetPasswordAnnotation = "iam.tenantry.io/reset-password"
	// ResetTwoFactorAnnotation removes the person's two-factor enrolment and
	// recovery codes, for someone who lost their authenticator.
	ResetTwoFactorAnnotation = "iam.tenantry.io/reset-2fa"
)

// Annotations admission writes, never people: a value a request carries is
// replaced by admission's own.
const (
	// PendingChangesAnnotation on a User carries the changes admission let
	// through that the operator has not yet filed as UserChanges, as JSON
	// (see internal/history). It travels in the same write as the change,
	// so a write the API server refuses leaves no record behind.
	PendingChangesAnnotation = "iam.tenantry.io/pending-changes"
	// RequesterAnnotation on a BalanceTransaction names who created it, as
	// the API server authenticated the request.
	RequesterAnnotation = "iam.tenantry.io/requester"
)

// ActExtraKey is the key of user.extra that carries the actor of a "log in
// as" token, as the AuthenticationConfiguration of docs/guides/identity-and-login-as.md maps it.
const ActExtraKey = "iam.tenantry.io/act"

// Finalizers.
const (
	// UserFinalizer keeps a User until what it owned is removed.
	UserFinalizer = "iam.tenantry.io/user-cleanup"
	// TransactionFinalizer keeps an applied transaction until its cancel
	// has been taken off the balance.
	TransactionFinalizer = "iam.tenantry.io/ledger"
	// TeamFinalizer keeps a Team until its RoleBinding is removed.
	TeamFinalizer = "iam.tenantry.io/team-cleanup"
)
