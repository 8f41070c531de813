package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// TransactionType says which way money moves.
// +kubebuilder:validation:Enum=Refill;Charge
type TransactionType string

const (
	// TransactionRefill adds the amount to the balance.
	TransactionRefill TransactionType = "Refill"
	// TransactionCharge takes the amount from the balance; never below zero.
	TransactionCharge TransactionType = "Charge"
)

// BalanceTransactionSpec is one movement of a user's balance. It cannot be
// changed after creation: a wrong transaction is cancelled (deleted, if it is
// the latest) and a new one created.
// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="spec is immutable: cancel the transaction and create a new one"
// +kubebuilder:validation:XValidation:rule="!self.amount.contains('.') || self.amount.split('.')[1].size() <= (self.currency in ['BIF','CLP','DJF','GNF','ISK','JPY','KMF','KRW','PYG','RWF','UGX','UYI','VND','VUV','XAF','XOF','XPF'] ? 0 : self.currency in ['BHD','IQD','JOD','KWD','LYD','OMR','TND'] ? 3 : self.currency in ['CLF','UYW'] ? 4 : 2)",message="amount has more fraction digits than the currency allows (2 for most currencies, 0 for JPY, 3 for KWD)"
type BalanceTransactionSpec struct {
	// user is the name of the User, in the same namespace, whose balance moves.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:XValidation:rule="self.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')",message="user must be the name of a User"
	User string `json:"user"`

	// type is Refill or Charge.
	// +required
	Type TransactionType `json:"type"`

	// amount is a positive decimal in the currency's major unit, such as
	// "12.50", with no more fraction digits than the currency has.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=24
	// +kubebuilder:validation:XValidation:rule="self.matches('^[0-9]+(\\\\.[0-9]+)?$')",message="amount must be a positive decimal number such as 12.50 (digits and one '.', no sign)"
	// +kubebuilder:validation:XValidation:rule="!self.matches('^[0.]+$')",message="amount must be greater than zero"
	// +kubebuilder:validation:XValidation:rule="self.split('.')[0].size() <= 15",message="amount must have at most 15 digits before the decimal point"
	Amount string `json:"amount"`

	// currency is the ISO 4217 code of the amount; it must be the user's
	// ledger currency.
	// +required
	// +kubebuilder:validation:XValidation:rule="self.matches('^[A-Z]{3}$')",message="currency must be an ISO 4217 code such as USD"
	// +kubebuilder:validation:MaxLength=3
	Currency string `json:"currency"`

	// description says what the money is for; people read it in the audit trail.
	// It is one line of text: control characters (line breaks, tabs, NUL,
	// U+007F-U+009F) are refused at admission.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:XValidation:rule="!self.matches('[\\\\x00-\\\\x1F\\\\x7F-\\\\x9F]')",message="description must be one line of text: no line breaks, tabs or other control characters"
	Description string `json:"description,omitempty"`

	// idempotencyKey makes a retried request harmless: a second transaction
	// of the same user with the same key is rejected.
	// It is one line of text: control characters (line breaks, tabs, NUL,
	// U+007F-U+009F) are refused at admission.
	// +optional
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:XValidation:rule="!self.matches('[\\\\x00-\\\\x1F\\\\x7F-\\\\x9F]')",message="idempotencyKey must be one line of text: no line breaks, tabs or other control characters"
	IdempotencyKey string `json:"idempotencyKey,omitempty"`
}

// TransactionPhase says where a transaction is.
// +kubebuilder:validation:Enum=Pending;Applied;Rejected
type TransactionPhase string

const (
	TransactionPending  TransactionPhase = "Pending"
	TransactionApplied  TransactionPhase = "Applied"
	TransactionRejected TransactionPhase = "Rejected"
)

// BalanceTransactionStatus is what the ledger did with the transaction.
type BalanceTransactionStatus struct {
	// phase is Pending, Applied or Rejected.
	// +optional
	Phase TransactionPhase `json:"phase,omitempty"`

	// sequence numbers the user's applied transactions 1, 2, 3 …; a
	// sequence is never given twice, even after a cancel.
	// +optional
	Sequence int64 `json:"sequence,omitempty"`

	// balanceAfter is the user's balance right after this transaction.
	// +optional
	// +kubebuilder:validation:MaxLength=32
	BalanceAfter string `json:"balanceAfter,omitempty"`

	// appliedTime is when the transaction moved the balance.
	// +optional
	AppliedTime *metav1.Time `json:"appliedTime,omitempty"`

	// conditions explain the phase; Ready is True once applied.
	// +optional
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=8
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// observedGeneration is the generation last handled.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
}

// BalanceTransaction moves a user's balance: a refill or a charge. Deleting
// the user's most recent applied transaction cancels it.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=btx,categories=tenantry
// +kubebuilder:selectablefield:JSONPath=`.spec.user`
// +kubebuilder:printcolumn:name="User",type=string,JSONPath=`.spec.user`
// +kubebuilder:printcolumn:name="Type",type=string,JSONPath=`.spec.type`
// +kubebuilder:printcolumn:name="Amount",type=string,JSONPath=`.spec.amount`
// +kubebuilder:printcolumn:name="Currency",type=string,JSONPath=`.spec.currency`
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Seq",type=integer,JSONPath=`.status.sequence`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="Balance After",type=string,JSONPath=`.status.balanceAfter`,priority=1
// +kubebuilder:printcolumn:name="Message",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].message`,priority=1
type BalanceTransaction struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +required
	Spec BalanceTransactionSpec `json:"spec"`
	// +optional
	Status BalanceTransactionStatus `json:"status,omitempty"`
}

// BalanceTransactionList is a list of BalanceTransactions.
// +kubebuilder:object:root=true
type BalanceTransactionList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []BalanceTransaction `json:"items"`
}

// BalanceStatus is a user's balance: the single source of truth. Every change
// to it is a resourceVersion-guarded write of the User's status.
type BalanceStatus struct {
	// amount is the balance, a decimal in the currency's major unit.
	// +optional
	// +kubebuilder:validation:MaxLength=32
	Amount string `json:"amount,omitempty"`

	// currency is the ledger's ISO 4217 code, fixed by the first transaction.
	// +optional
	// +kubebuilder:validation:MaxLength=3
	Currency string `json:"currency,omitempty"`

	// count is the number of applied transactions that make up the balance.
	// +optional
	Count int64 `json:"count,omitempty"`

	// latestSequence is the sequence of the most recent applied transaction:
	// the one that can be cancelled now.
	// +optional
	LatestSequence int64 `json:"latestSequence,omitempty"`

	// latestTransaction is that transaction's name.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	LatestTransaction string `json:"latestTransaction,omitempty"`

	// latestUID identifies that transaction across a delete and re-create
	// under the same name. Recording it is also what commits an apply.
	// +optional
	LatestUID types.UID `json:"latestUID,omitempty"`

	// lastSequence is the highest sequence ever given to this user's
	// transactions; sequences are never reused.
	// +optional
	LastSequence int64 `json:"lastSequence,omitempty"`

	// cancelledUID is the transaction whose cancel was committed last; its
	// finalizer comes off next.
	// +optional
	CancelledUID types.UID `json:"cancelledUID,omitempty"`
	// cancelRequest is a cancel of the latest transaction that admission
	// let through and the ledger has not carried out yet. Admission writes
	// it before the deletion is stored, guarded by the user's
	// resourceVersion, so a balance write planned without it conflicts
	// instead of applying a newer transaction over the one being cancelled.
	// +optional
	CancelRequest *CancelRequest `json:"cancelRequest,omitempty"`
}

// CancelRequest is a cancel that admission let through: the deletion of the
// user's latest applied transaction. The ledger applies nothing new while it
// stands, and clears it with the cancel's balance write.
type CancelRequest struct {
	// uid is the transaction being cancelled, the balance's latest when
	// admission let the deletion through.
	// +required
	UID types.UID `json:"uid"`
	// transaction is that transaction's name.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	Transaction string `json:"transaction,omitempty"`
	// admittedTime is when admission let the deletion through. A deletion
	// that is not stored soon after never will be (another admission step
	// refused it, or the request failed), so a request this old stops
	// holding the ledger back.
	// +required
	AdmittedTime metav1.Time `json:"admittedTime"`
	// requester is who asked for the cancel; the ledger files it in the
	// user's history once the cancel is carried out.
	// +optional
	Requester *Requester `json:"requester,omitempty"`
}
