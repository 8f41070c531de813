package integration

import (
	"testing"

	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// TestCurrencyCannotChangeOnceTheLedgerOpened: a user created without a
// currency has its ledger opened in the manager's default; setting another
// currency afterwards would leave every later transaction rejected, so the
// API server refuses it and names the ledger's currency.
func TestCurrencyCannotChangeOnceTheLedgerOpened(t *testing.T) {
	ns, userKey := ledgerAccount(t)
	g := NewWithT(t)

	err := changeUser(g, userKey, func(u *iamv1alpha1.User) { u.Spec.Currency = "EUR" })
	g.Expect(apierrors.IsInvalid(err)).To(BeTrue(), "%v", err)
	g.Expect(err).To(MatchError(ContainSubstring(
		"spec.currency: Invalid value: \"EUR\": the balance of user alice is kept in USD; the currency cannot change once the ledger has opened")))
	g.Expect(getUser(g, userKey).Spec.Currency).To(BeEmpty())

	// Writing down the ledger's own currency is fine, and from then on the
	// schema keeps it.
	g.Expect(changeUser(g, userKey, func(u *iamv1alpha1.User) { u.Spec.Currency = "USD" })).To(Succeed())
	err = changeUser(g, userKey, func(u *iamv1alpha1.User) { u.Spec.Currency = "EUR" })
	g.Expect(err).To(MatchError(ContainSubstring("currency cannot change")))

	// Transactions in the ledger's currency still apply.
	createTransaction(t, newTransaction(ns, "refill", "alice", iamv1alpha1.TransactionRefill, "1.00"))
	eventuallyBalance(t, userKey, "1.00", 1)
}

// TestCurrencyCanBeSetBeforeTheLedgerOpens: with no ledger yet (no manager
// has opened it), a user without a currency may still be given one.
func TestCurrencyCanBeSetBeforeTheLedgerOpens(t *testing.T) {
	g := NewWithT(t)
	ns := newNamespace(t)
	key := createUser(t, newUser(ns, "erin", "erin@currency.example"))
	g.Expect(changeUser(g, key, func(u *iamv1alpha1.User) { u.Spec.Currency = "EUR" })).To(Succeed())
	g.Expect(getUser(g, key).Spec.Currency).To(Equal("EUR"))
}
