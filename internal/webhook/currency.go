package webhook

import (
	"fmt"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// currencyViolation says why the change from old to next sets a currency
// the user's ledger is not kept in, or "" when it does not. The schema
// keeps spec.currency from changing once set, but a user created without
// one has its ledger opened in the manager's default currency: setting
// another one later would be stored while the ledger stays in the old one,
// and every transaction in the new currency would then be rejected.
// Setting the ledger's own currency, or leaving the field as it was, is
// fine, so that users stored before this rule can still be changed.
func currencyViolation(old, next *iamv1alpha1.User) string {
	balance := old.Status.Balance
	if next.Spec.Currency == old.Spec.Currency || next.Spec.Currency == "" || balance == nil || balance.Currency == "" {
		return ""
	}
	if next.Spec.Currency == balance.Currency {
		return ""
	}
	return fmt.Sprintf("the balance of user %s is kept in %s; the currency cannot change once the ledger has opened",
		old.Name, balance.Currency)
}
