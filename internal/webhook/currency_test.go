package webhook

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

func TestCurrencyViolation(t *testing.T) {
	userIn := func(spec, ledger string) *iamv1alpha1.User {
		u := &iamv1alpha1.User{ObjectMeta: metav1.ObjectMeta{Namespace: "acme", Name: "alice"}, Spec: iamv1alpha1.UserSpec{Currency: spec}}
		if ledger != "" {
			u.Status.Balance = &iamv1alpha1.BalanceStatus{Amount: "0.00", Currency: ledger}
		}
		return u
	}
	withSpec := func(u *iamv1alpha1.User, currency string) *iamv1alpha1.User {
		next := u.DeepCopy()
		next.Spec.Currency = currency
		return next
	}
	tests := []struct {
		name string
		old  *iamv1alpha1.User
		next *iamv1alpha1.User
		want string
	}{
		{"another currency on an opened ledger is refused, naming the ledger's", userIn("", "USD"), withSpec(userIn("", "USD"), "EUR"),
			"the balance of user alice is kept in USD; the currency cannot change once the ledger has opened"},
		{"the ledger's own currency may be written down", userIn("", "USD"), withSpec(userIn("", "USD"), "USD"), ""},
		{"before the ledger opens, any currency", userIn("", ""), withSpec(userIn("", ""), "EUR"), ""},
		{"an unchanged currency is never in the way", userIn("EUR", "USD"), userIn("EUR", "USD"), ""},
		{"leaving the currency out is not a change of the ledger", userIn("USD", "USD"), withSpec(userIn("USD", "USD"), ""), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := currencyViolation(tt.old, tt.next)
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Fatalf("currencyViolation = %q, want %q", got, tt.want)
			}
		})
	}
}
