package plugin

import (
	"strings"
	"testing"

	"github.com/onsi/gomega"

	"github.com/tenantry-io/tenantry/internal/testsupport"
)

func TestRefillChargeCancelAndHistoryMoveTheRealLedger(t *testing.T) {
	g := gomega.NewWithT(t)
	createAccount(t, "ledger")
	user := testsupport.NewUser("ledger", "gus", "gus@ledger.example")
	user.Spec.Currency = "USD"
	testsupport.CreateUser(t, k8s, user)

	g.Expect(mustRun(t, "refill", "gus", "100.00", "-n", "ledger", "--description", "welcome", "--wait")).
		To(gomega.MatchRegexp(`balancetransaction/gus-refill-[0-9a-f]{8}: Applied as #1, balance after 100.00 USD`))
	g.Expect(mustRun(t, "charge", "gus", "30.50", "-n", "ledger", "--wait")).
		To(gomega.MatchRegexp(`balancetransaction/gus-charge-[0-9a-f]{8}: Applied as #2, balance after 69.50 USD`))

	r := run(t, "charge", "gus", "1000", "-n", "ledger", "--wait")
	g.Expect(r.err).To(gomega.HaveOccurred(), "a charge past the balance is rejected")
	g.Expect(r.stderr).To(gomega.ContainSubstring("rejected: InsufficientFunds"))

	// The same idempotency key twice: the ledger applies it once.
	mustRun(t, "refill", "gus", "5", "-n", "ledger", "--idempotency-key", "card-42", "--wait")
	r = run(t, "refill", "gus", "5", "-n", "ledger", "--idempotency-key", "card-42", "--wait")
	g.Expect(r.err).To(gomega.HaveOccurred())
	g.Expect(r.stderr).To(gomega.ContainSubstring("DuplicateIdempotencyKey"))

	history := strings.Split(strings.TrimSpace(mustRun(t, "history", "gus", "-n", "ledger")), "\n")
	g.Expect(history).To(gomega.HaveLen(6))
	g.Expect(strings.Fields(history[0])).To(gomega.Equal([]string{"SEQ", "NAME", "TYPE", "AMOUNT", "BALANCE", "AFTER", "PHASE"}))
	g.Expect(history[1]).To(gomega.MatchRegexp(`^1\s+gus-refill-\S+\s+Refill\s+100.00 USD\s+100.00 USD\s+Applied`))
	g.Expect(history[2]).To(gomega.MatchRegexp(`^2\s+gus-charge-\S+\s+Charge\s+30.50 USD\s+69.50 USD\s+Applied`))
	g.Expect(history[3]).To(gomega.MatchRegexp(`^3\s+gus-refill-\S+\s+Refill\s+5 USD\s+74.50 USD\s+Applied`))
	g.Expect(history[4]).To(gomega.MatchRegexp(`^-\s+\S+\s+(Charge|Refill)\s+.*Rejected`))
	g.Expect(history[5]).To(gomega.MatchRegexp(`^-\s+\S+\s+(Charge|Refill)\s+.*Rejected`))

	// No terminal and no --confirm: nothing is cancelled.
	r = run(t, "cancel", "gus", "-n", "ledger")
	g.Expect(r.err).To(gomega.HaveOccurred())
	g.Expect(r.stdout).To(gomega.MatchRegexp(`Cancel balancetransaction/gus-refill-\S+ \(#3, Refill 5 USD\) of user gus\?`))
	g.Expect(r.stderr).To(gomega.ContainSubstring("stdin is not a terminal, so nothing was changed; run again with --confirm"))

	g.Expect(mustRun(t, "cancel", "gus", "-n", "ledger", "--confirm", "--wait")).
		To(gomega.ContainSubstring("user/gus: balance 69.50 USD"))
	g.Expect(mustRun(t, "cancel", "gus", "-n", "ledger", "--confirm", "--wait")).
		To(gomega.ContainSubstring("user/gus: balance 100.00 USD"))
	g.Expect(mustRun(t, "history", "gus", "-n", "ledger")).NotTo(gomega.ContainSubstring("30.50"), "the cancelled charge is gone")
}
