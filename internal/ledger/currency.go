// Package ledger holds the exact arithmetic of balances: amounts are int64
// counts of a currency's minor unit (cents), parsed from and formatted to
// decimal strings, and every sum is checked for overflow. No float is ever
// involved.
package ledger

import iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"

// minorDigits lists the ISO 4217 currencies whose minor unit is not a
// hundredth. The CRD's CEL rule for amounts carries the same table.
var minorDigits = map[string]int{
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
	"RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
	"CLF": 4, "UYW": 4,
}

// FractionDigits is how many digits a currency has after the decimal point.
func FractionDigits(currency string) int {
	if d, ok := minorDigits[currency]; ok {
		return d
	}
	return 2
}

// UserCurrency is the currency of a user's ledger: the one its balance is
// kept in once opened, else the one its spec names, else the operator's
// default. A balance never changes currency, whatever the spec says later.
func UserCurrency(user *iamv1alpha1.User, defaultCurrency string) string {
	if b := user.Status.Balance; b != nil && b.Currency != "" {
		return b.Currency
	}
	if user.Spec.Currency != "" {
		return user.Spec.Currency
	}
	return defaultCurrency
}
