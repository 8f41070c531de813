package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// UserState is the state an administrator wants a user in.
// +kubebuilder:validation:Enum=Active;Disabled;Deleted
type UserState string

const (
	// UserStateActive lets the person log in once the invitation is accepted.
	UserStateActive UserState = "Active"
	// UserStateDisabled keeps the person out: no login, no invitation.
	UserStateDisabled UserState = "Disabled"
	// UserStateDeleted deletes the user softly: no login, no access, no
	// sessions, services suspended or removed as their class says, out of
	// the listings and counts; restorable (set Active or Disabled again)
	// with its balance and history until the manager's --deletion-retention
	// has passed, when the operator deletes it for real.
	UserStateDeleted UserState = "Deleted"
)

// KeepsOut says whether the state keeps the person out: no login, no
// access, no email. Disabled and Deleted do.
func (s UserState) KeepsOut() bool {
	return s == UserStateDisabled || s == UserStateDeleted
}

// ProfileType says whom the billing details describe.
// +kubebuilder:validation:Enum=Individual;LegalEntity
type ProfileType string

const (
	ProfileTypeIndividual  ProfileType = "Individual"
	ProfileTypeLegalEntity ProfileType = "LegalEntity"
)

// UserSpec is who the person is and what an administrator wants for them.
// +kubebuilder:validation:XValidation:rule="!has(self.phoneExtension) || has(self.phone)",message="phoneExtension needs a phone"
type UserSpec struct {
	// fullName is the person's name as shown to others and used in emails.
	// It is one line of text: control characters (line breaks, tabs, NUL,
	// U+007F-U+009F) are refused at admission.
	// +required
	// +kubebuilder:validation:MinLength=2
	// +kubebuilder:validation:MaxLength=50
	// +kubebuilder:validation:XValidation:rule="self.trim() == self",message="fullName must not start or end with spaces"
	// +kubebuilder:validation:XValidation:rule="!self.matches('[\\\\x00-\\\\x1F\\\\x7F-\\\\x9F]')",message="fullName must be one line of text: no line breaks, tabs or other control characters"
	FullName string `json:"fullName"`

	// email is where the invitation goes and what the person logs in with.
	// It is one line of text: control characters (line breaks, tabs, NUL,
	// U+007F-U+009F) are refused at admission.
	// +required
	// +kubebuilder:validation:MinLength=3
	// +kubebuilder:validation:MaxLength=254
	// +kubebuilder:validation:XValidation:rule="self.matches('^[^@\\\\s]+@[^@\\\\s]+\\\\.[^@\\\\s.]+$')",message="email must be a valid address such as alice@example.com"
	// +kubebuilder:validation:XValidation:rule="!self.matches('[\\\\x00-\\\\x1F\\\\x7F-\\\\x9F]')",message="email must be one line of text: no line breaks, tabs or other control characters"
	Email string `json:"email"`

	// phone is the person's phone number, digits only (no spaces or +).
	// +optional
	// +kubebuilder:validation:MaxLength=20
	// +kubebuilder:validation:XValidation:rule="self.matches('^[0-9]+$')",message="phone must contain digits only"
	Phone string `json:"phone,omitempty"`

	// phoneExtension is the extension to dial after phone, digits only.
	// +optional
	// +kubebuilder:validation:MaxLength=10
	// +kubebuilder:validation:XValidation:rule="self.matches('^[0-9]+$')",message="phoneExtension must contain digits only"
	PhoneExtension string `json:"phoneExtension,omitempty"`

	// state is Active (the default), Disabled or Deleted. A disabled person
	// cannot log in or accept an invitation; setting it back to Active
	// restores them. Deleted is a soft delete: the user is out of the
	// listings and loses all access, and can be restored (Active or
	// Disabled) until the retention has passed, when it is deleted for real.
	// +optional
	// +kubebuilder:default=Active
	State UserState `json:"state,omitempty"`

	// role is the name of the Role the person holds in this account.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:XValidation:rule="self.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')",message="role must be the name of a Role: lower case letters, digits and '-'"
	Role string `json:"role,omitempty"`

	// currency is the ISO 4217 code of the user's balance; empty means the
	// manager's default (--default-currency). It cannot change once set.
	// +optional
	// +kubebuilder:validation:MaxLength=3
	// +kubebuilder:validation:XValidation:rule="self.matches('^[A-Z]{3}$')",message="currency must be an ISO 4217 code such as USD"
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="currency cannot change: the ledger is kept in one currency"
	Currency string `json:"currency,omitempty"`

	// profile holds the billing details customer portals keep.
	// +optional
	Profile *UserProfile `json:"profile,omitempty"`

	// requireTwoFactor, when true, lets the person log in only with a
	// second factor: until they enrol, a login gets no session, only the
	// right to enrol. The manager's --require-two-factor does the same for
	// every user.
	// +optional
	RequireTwoFactor bool `json:"requireTwoFactor,omitempty"`

	// services are the services assigned to the person, each drawn from
	// one of the account's Subscriptions and provisioned from its
	// ServiceClass. Removing an entry removes the service.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:XValidation:rule="self.all(a, self.exists_one(b, (has(b.name) ? b.name : b.serviceClass) == (has(a.name) ? a.name : a.serviceClass)))",message="each service needs its own name: give a second service of the same class a name"
	Services []ServiceAssignment `json:"services,omitempty"`
}

// UserProfile holds the billing details of a user.
type UserProfile struct {
	// type is Individual or LegalEntity.
	// +optional
	Type ProfileType `json:"type,omitempty"`

	// payerNumber is the tax or payer identification number.
	// It is one line of text: control characters (line breaks, tabs, NUL,
	// U+007F-U+009F) are refused at admission.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:XValidation:rule="!self.matches('[\\\\x00-\\\\x1F\\\\x7F-\\\\x9F]')",message="payerNumber must be one line of text: no line breaks, tabs or other control characters"
	PayerNumber string `json:"payerNumber,omitempty"`

	// legalAddress is the registered address.
	// It may span lines (LF, CR); other control characters (tabs, NUL,
	// U+007F-U+009F) are refused at admission.
	// +optional
	// +kubebuilder:validation:MaxLength=512
	// +kubebuilder:validation:XValidation:rule="!self.matches('[\\\\x00-\\\\x09\\\\x0B\\\\x0C\\\\x0E-\\\\x1F\\\\x7F-\\\\x9F]')",message="legalAddress may hold line breaks but no tabs or other control characters"
	LegalAddress string `json:"legalAddress,omitempty"`

	// postalAddress is where letters go, when not the legal address.
	// It may span lines (LF, CR); other control characters (tabs, NUL,
	// U+007F-U+009F) are refused at admission.
	// +optional
	// +kubebuilder:validation:MaxLength=512
	// +kubebuilder:validation:XValidation:rule="!self.matches('[\\\\x00-\\\\x09\\\\x0B\\\\x0C\\\\x0E-\\\\x1F\\\\x7F-\\\\x9F]')",message="postalAddress may hold line breaks but no tabs or other control characters"
	PostalAddress string `json:"postalAddress,omitempty"`

	// bank is the name of the bank.
	// It is one line of text: control characters (line breaks, tabs, NUL,
	// U+007F-U+009F) are refused at admission.
	// +optional
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:XValidation:rule="!self.matches('[\\\\x00-\\\\x1F\\\\x7F-\\\\x9F]')",message="bank must be one line of text: no line breaks, tabs or other control characters"
	Bank string `json:"bank,omitempty"`

	// bankAccount is the account number at that bank.
	// It is one line of text: control characters (line breaks, tabs, NUL,
	// U+007F-U+009F) are refused at admission.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:XValidation:rule="!self.matches('[\\\\x00-\\\\x1F\\\\x7F-\\\\x9F]')",message="bankAccount must be one line of text: no line breaks, tabs or other control characters"
	BankAccount string `json:"bankAccount,omitempty"`

	// additionalInfo is free text for the account's administrators.
	// It may span lines (LF, CR); other control characters (tabs, NUL,
	// U+007F-U+009F) are refused at admission.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:XValidation:rule="!self.matches('[\\\\x00-\\\\x09\\\\x0B\\\\x0C\\\\x0E-\\\\x1F\\\\x7F-\\\\x9F]')",message="additionalInfo may hold line breaks but no tabs or other control characters"
	AdditionalInfo string `json:"additionalInfo,omitempty"`

	// preferredMap is the map provider the person prefers (tracking platforms).
	// It is one line of text: control characters (line breaks, tabs, NUL,
	// U+007F-U+009F) are refused at admission.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:XValidation:rule="!self.matches('[\\\\x00-\\\\x1F\\\\x7F-\\\\x9F]')",message="preferredMap must be one line of text: no line breaks, tabs or other control characters"
	PreferredMap string `json:"preferredMap,omitempty"`

	// photoURL is an https URL of the person's photo; the photo lives elsewhere.
	// It is one line of text: control characters (line breaks, tabs, NUL,
	// U+007F-U+009F) are refused at admission.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="isURL(self) && url(self).getScheme() == 'https'",message="photoURL must be an https URL"
	// +kubebuilder:validation:XValidation:rule="!self.matches('[\\\\x00-\\\\x1F\\\\x7F-\\\\x9F]')",message="photoURL must be one line of text: no line breaks, tabs or other control characters"
	PhotoURL string `json:"photoURL,omitempty"`
}

// UserPhase summarises where a user is in its lifecycle.
// +kubebuilder:validation:Enum=Invited;Active;Updating;Disabled;Locked;Revoked;Deleted;Deleting
type UserPhase string

const (
	UserPhaseInvited  UserPhase = "Invited"
	UserPhaseActive   UserPhase = "Active"
	UserPhaseUpdating UserPhase = "Updating"
	UserPhaseDisabled UserPhase = "Disabled"
	UserPhaseLocked   UserPhase = "Locked"
	UserPhaseRevoked  UserPhase = "Revoked"
	// UserPhaseDeleted is a soft-deleted user, restorable until its purge.
	UserPhaseDeleted  UserPhase = "Deleted"
	UserPhaseDeleting UserPhase = "Deleting"
)

// InvitationStatus is the invitation email's story. It is the controller's
// record of what it sent, so a restart neither forgets a delivery nor resets
// a retry backoff.
type InvitationStatus struct {
	// The delivery of the current invitation: its number (1 for the first,
	// one more for each resend or re-invitation after expiry), Message-ID,
	// attempts and when its link expires.
	EmailDelivery `json:",inline"`

	// email is the address this invitation was sent to.
	// +optional
	// +kubebuilder:validation:MaxLength=254
	Email string `json:"email,omitempty"`

	// resendRequest is the value of the iam.tenantry.io/resend-invitation
	// annotation this invitation answered.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	ResendRequest string `json:"resendRequest,omitempty"`

	// acceptedTime is when the person accepted the invitation.
	// +optional
	AcceptedTime *metav1.Time `json:"acceptedTime,omitempty"`
}

// EmailDelivery is the record every email the controller sends keeps in
// status, invitations and password resets alike: which email it is, how
// its delivery attempts went, and when its link stops working.
type EmailDelivery struct {
	// number counts the emails of this kind sent to this user.
	// +optional
	Number int32 `json:"number,omitempty"`

	// messageID is the deterministic Message-ID of the email: every attempt
	// of the same email carries the same one, so a mail system that sees it
	// twice can tell.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	MessageID string `json:"messageID,omitempty"`

	// sentTime is when the SMTP server accepted the email.
	// +optional
	SentTime *metav1.Time `json:"sentTime,omitempty"`

	// expiryTime is when the link in the email stops working.
	// +optional
	ExpiryTime *metav1.Time `json:"expiryTime,omitempty"`

	// deliveryAttempts counts finished attempts to deliver this email.
	// +optional
	DeliveryAttempts int32 `json:"deliveryAttempts,omitempty"`

	// nextAttemptTime is when a failed delivery is tried again.
	// +optional
	NextAttemptTime *metav1.Time `json:"nextAttemptTime,omitempty"`

	// lastErrorReason says why the last attempt failed, e.g. ConnectionFailed.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	LastErrorReason string `json:"lastErrorReason,omitempty"`
}

// TwoFactorState says whether a person logs in with a second factor.
// +kubebuilder:validation:Enum=Enabled;Disabled
type TwoFactorState string

const (
	TwoFactorEnabled  TwoFactorState = "Enabled"
	TwoFactorDisabled TwoFactorState = "Disabled"
)

// PasswordResetStatus is the password reset email's story, kept like the
// invitation's: what was sent, how delivery went, and which requests it
// answered, so a restart neither repeats nor forgets one.
type PasswordResetStatus struct {
	// The delivery of the current reset email: its number, Message-ID,
	// attempts and when its link expires.
	EmailDelivery `json:",inline"`

	// request is the value of the iam.tenantry.io/reset-password annotation
	// last answered.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	Request string `json:"request,omitempty"`

	// selfServiceRequest is the identifier of the last request made through
	// the self-service API that was answered. It is not a secret: the link's
	// token is never in status.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	SelfServiceRequest string `json:"selfServiceRequest,omitempty"`
}

// UserStatus is what the controller observed and did.
type UserStatus struct {
	// phase summarises the conditions: Invited, Active, Updating, Disabled,
	// Locked, Revoked, Deleted or Deleting.
	// +optional
	Phase UserPhase `json:"phase,omitempty"`

	// conditions are the detailed observations; Ready summarises them.
	// +optional
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=16
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// observedGeneration is the generation of the spec last reconciled.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// emailVerified is true once the person proved they own the email by
	// accepting the invitation.
	// +optional
	EmailVerified bool `json:"emailVerified,omitempty"`

	// credentialsSecretName names the Secret that holds the person's
	// password hash and token hashes, never their plain values. It lives in
	// the operator's namespace (--credentials-namespace), out of reach of
	// the account, as <account>.<user>.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	CredentialsSecretName string `json:"credentialsSecretName,omitempty"`

	// invitation is the story of the invitation email.
	// +optional
	Invitation *InvitationStatus `json:"invitation,omitempty"`

	// balance is the user's balance, kept by the ledger from its
	// BalanceTransactions.
	// +optional
	Balance *BalanceStatus `json:"balance,omitempty"`

	// lastLoginTime is when the person last logged in. Logins within a
	// minute of the recorded one share its write.
	// +optional
	LastLoginTime *metav1.Time `json:"lastLoginTime,omitempty"`

	// lockedUntil is when a lockout after failed logins ends by itself;
	// set only while the user is Locked.
	// +optional
	LockedUntil *metav1.Time `json:"lockedUntil,omitempty"`

	// unlockRequest is the value of the iam.tenantry.io/unlock annotation
	// last acted on.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	UnlockRequest string `json:"unlockRequest,omitempty"`

	// twoFactor is Enabled once the person confirmed a TOTP authenticator.
	// +optional
	TwoFactor TwoFactorState `json:"twoFactor,omitempty"`

	// twoFactorResetRequest is the value of the iam.tenantry.io/reset-2fa
	// annotation last acted on.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	TwoFactorResetRequest string `json:"twoFactorResetRequest,omitempty"`

	// passwordReset is the story of the password reset email.
	// +optional
	PasswordReset *PasswordResetStatus `json:"passwordReset,omitempty"`

	// services is the state of each assigned service, and of each removed
	// one until its object is gone.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=64
	Services []ServiceStatus `json:"services,omitempty"`

	// servicesSummary is ready/assigned per service column, e.g.
	// "mailbox:1 vps:1/2" (the count alone when all are ready).
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	ServicesSummary string `json:"servicesSummary,omitempty"`

	// deletedTime is when the operator saw spec.state become Deleted; set
	// only while it is.
	// +optional
	DeletedTime *metav1.Time `json:"deletedTime,omitempty"`

	// purgeTime is when a soft-deleted user is deleted for real unless it
	// is restored first: deletedTime plus the manager's --deletion-retention.
	// +optional
	PurgeTime *metav1.Time `json:"purgeTime,omitempty"`

	// history is how far the user's changes have been filed as UserChanges.
	// +optional
	History *HistoryStatus `json:"history,omitempty"`
}

// HistoryStatus is the operator's place in a user's change history.
type HistoryStatus struct {
	// filedSequence is the sequence number of the last admitted change
	// filed as a UserChange; admission numbers the next one after it.
	// +optional
	// +kubebuilder:validation:Minimum=0
	FiledSequence int64 `json:"filedSequence,omitempty"`

	// deleteRequest is the deletion admission let through, with who asked,
	// recorded before the API server stored it. The operator files it as
	// the Deleted change once the deletion shows; one that never shows was
	// refused after admission and is not filed.
	// +optional
	DeleteRequest *DeleteRequest `json:"deleteRequest,omitempty"`
}

// DeleteRequest is an admitted deletion of a user.
type DeleteRequest struct {
	// requester is who asked for the deletion.
	// +required
	Requester Requester `json:"requester"`
	// admittedTime is when admission let it through.
	// +required
	AdmittedTime metav1.MicroTime `json:"admittedTime"`
}

// User is a person in a customer account (the User's namespace).
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=usr,categories=tenantry
// +kubebuilder:selectablefield:JSONPath=`.spec.state`
// +kubebuilder:printcolumn:name="Full Name",type=string,JSONPath=`.spec.fullName`
// +kubebuilder:printcolumn:name="Email",type=string,JSONPath=`.spec.email`
// +kubebuilder:printcolumn:name="Role",type=string,JSONPath=`.spec.role`
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Balance",type=string,JSONPath=`.status.balance.amount`
// +kubebuilder:printcolumn:name="Currency",type=string,JSONPath=`.status.balance.currency`
// +kubebuilder:printcolumn:name="Services",type=string,JSONPath=`.status.servicesSummary`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="2FA",type=string,JSONPath=`.status.twoFactor`,priority=1
// +kubebuilder:printcolumn:name="Last Login",type=date,JSONPath=`.status.lastLoginTime`,priority=1
// +kubebuilder:printcolumn:name="Locked Until",type=string,format=date-time,JSONPath=`.status.lockedUntil`,priority=1
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`,priority=1
// +kubebuilder:printcolumn:name="Message",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].message`,priority=1
// +kubebuilder:validation:XValidation:rule="self.metadata.name.size() <= 63 && self.metadata.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')",message="metadata.name must be a DNS label: at most 63 lower case letters, digits and '-'"
type User struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +required
	Spec UserSpec `json:"spec"`
	// +optional
	Status UserStatus `json:"status,omitempty"`
}

// UserList is a list of Users.
// +kubebuilder:object:root=true
type UserList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []User `json:"items"`
}
