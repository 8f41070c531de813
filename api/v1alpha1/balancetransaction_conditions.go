package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// Reasons of a BalanceTransaction's Ready condition.
const (
	ReasonApplied           = "Applied"
	ReasonWaitingForUser    = "WaitingForUser"
	ReasonUserNotFound      = "UserNotFound"
	ReasonCurrencyMismatch  = "CurrencyMismatch"
	ReasonInsufficientFunds = "InsufficientFunds"
	ReasonDuplicateKey      = "DuplicateIdempotencyKey"
	ReasonOverflow          = "BalanceOverflow"
	ReasonInvalidAmount     = "InvalidAmount"
)

// GetConditions returns the transaction's conditions.
func (t *BalanceTransaction) GetConditions() []metav1.Condition { return t.Status.Conditions }

// SetConditions replaces the transaction's conditions.
func (t *BalanceTransaction) SetConditions(c []metav1.Condition) { t.Status.Conditions = c }
