package plugin

import (
	"fmt"
	"regexp"
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

	// Newest first: the ledger's entries with who made them, and the
	// user's creation.
	history := strings.Split(strings.TrimSpace(mustRun(t, "history", "gus", "-n", "ledger")), "\n")
	g.Expect(history).To(gomega.HaveLen(7))
	g.Expect(strings.Fields(history[0])).To(gomega.Equal([]string{"TIME", "WHAT", "BY", "DETAILS"}))
	applied := func(seq int) int {
		for i, line := range history {
			if strings.Contains(line, fmt.Sprintf("(seq %d)", seq)) {
				return i
			}
		}
		return -1
	}
	g.Expect(history[applied(1)]).To(gomega.MatchRegexp(`Refill\s+plugin-admin\s+gus-refill-\S+ 100.00 USD: balance 100.00 USD \(seq 1\) — welcome`))
	g.Expect(history[applied(2)]).To(gomega.MatchRegexp(`Charge\s+plugin-admin\s+gus-charge-\S+ 30.50 USD: balance 69.50 USD \(seq 2\)`))
	g.Expect(history[applied(3)]).To(gomega.MatchRegexp(`Refill\s+plugin-admin\s+gus-refill-\S+ 5 USD: balance 74.50 USD \(seq 3\)`))
	g.Expect(applied(3)).To(gomega.BeNumerically("<", applied(2)))
	g.Expect(applied(2)).To(gomega.BeNumerically("<", applied(1)))
	g.Expect(strings.Join(history, "\n")).To(gomega.MatchRegexp(`(?s)Rejected.*Rejected`))
	g.Expect(history[6]).To(gomega.MatchRegexp(`Created\s+\S+\s+Alice Example <gus@ledger.example>, role manager`))

	// No terminal and no --confirm: nothing is cancelled.
	r = run(t, "cancel", "gus", "-n", "ledger")
	g.Expect(r.err).To(gomega.HaveOccurred())
	g.Expect(r.stdout).To(gomega.MatchRegexp(`Cancel balancetransaction/gus-refill-\S+ \(#3, Refill 5 USD\) of user gus\?`))
	g.Expect(r.stderr).To(gomega.ContainSubstring("stdin is not a terminal, so nothing was changed; run again with --confirm"))

	g.Expect(mustRun(t, "cancel", "gus", "-n", "ledger", "--confirm", "--wait")).
		To(gomega.ContainSubstring("user/gus: balance 69.50 USD"))
	g.Expect(mustRun(t, "cancel", "gus", "-n", "ledger", "--confirm", "--wait")).
		To(gomega.ContainSubstring("user/gus: balance 100.00 USD"))
	// The cancelled transactions are gone from the ledger; their cancels
	// are in the history, newest first.
	history = strings.Split(strings.TrimSpace(mustRun(t, "history", "gus", "-n", "ledger")), "\n")
	line := func(pattern string) int {
		for i, l := range history {
			if regexp.MustCompile(pattern).MatchString(l) {
				return i
			}
		}
		return -1
	}
	chargeCancelled := line(`TransactionCancelled\s+plugin-admin\s+cancelled gus-charge-\S+ Charge 30.50 USD: balance 100.00 USD`)
	refillCancelled := line(`TransactionCancelled\s+plugin-admin\s+cancelled gus-refill-\S+ Refill 5 USD: balance 69.50 USD`)
	// A transaction's time has whole seconds only, so within a second the
	// two kinds of entries may interleave; the cancels keep their order.
	g.Expect(chargeCancelled).To(gomega.BeNumerically(">", 0))
	g.Expect(refillCancelled).To(gomega.BeNumerically(">", chargeCancelled), "newest first")
	g.Expect(strings.Join(history, "\n")).NotTo(gomega.MatchRegexp(`Charge\s+plugin-admin\s+gus-charge-\S+ 30.50`), "the cancelled charge is gone")
}
