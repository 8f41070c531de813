package integration

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"

	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/ledger"
)

// TestCancelsRacingNewTransactionsAreCarriedOut deletes the latest
// transaction right as a newer one is created, the way a person cancels a
// refill while a pipeline charges the account. Whatever the order the API
// server and the ledger see them in, a cancel that admission let through is
// carried out (the transaction goes and its amount leaves the balance) and a
// refused one names the newer transaction; the balance stays exact.
func TestCancelsRacingNewTransactionsAreCarriedOut(t *testing.T) {
	ns, userKey := ledgerAccount(t)
	ctx := context.Background()
	g := NewWithT(t)
	const rounds = 20
	var cents, count int64
	admitted := 0
	for round := 1; round <= rounds; round++ {
		first := newTransaction(ns, fmt.Sprintf("r%02d-first", round), "alice", iamv1alpha1.TransactionRefill, "10.00")
		eventuallyTransaction(t, createTransaction(t, first), iamv1alpha1.TransactionApplied)
		cents, count = cents+1000, count+1
		eventuallyBalance(t, userKey, money(cents), count)

		second := newTransaction(ns, fmt.Sprintf("r%02d-second", round), "alice", iamv1alpha1.TransactionRefill, "5.00")
		var createErr, deleteErr error
		if round%2 == 0 {
			// One after the other: the delete lands while the ledger is
			// in the middle of applying the new transaction.
			createErr = k8s.Create(ctx, second)
			deleteErr = k8s.Delete(ctx, first)
		} else {
			var wg sync.WaitGroup
			wg.Add(2)
			go func() { defer wg.Done(); createErr = k8s.Create(ctx, second) }()
			go func() { defer wg.Done(); deleteErr = k8s.Delete(ctx, first) }()
			wg.Wait()
		}
		g.Expect(createErr).To(Succeed(), "round %d", round)
		cents, count = cents+500, count+1
		if deleteErr == nil {
			admitted++
			cents, count = cents-1000, count-1
			g.Eventually(func() bool {
				return apierrors.IsNotFound(k8s.Get(ctx, client.ObjectKeyFromObject(first), &iamv1alpha1.BalanceTransaction{}))
			}).WithTimeout(timeout).Should(BeTrue(), "round %d: the admitted cancel of %s must be carried out", round, first.Name)
		} else {
			// Refused: the newer one was applied first, and is named.
			g.Expect(apierrors.IsForbidden(deleteErr)).To(BeTrue(), "round %d: %v", round, deleteErr)
			g.Expect(deleteErr).To(MatchError(ContainSubstring("that is " + second.Name)))
		}
		eventuallyTransaction(t, client.ObjectKeyFromObject(second), iamv1alpha1.TransactionApplied)
		eventuallyBalance(t, userKey, money(cents), count)
	}
	t.Logf("%d of %d cancels were admitted while a newer transaction was being applied", admitted, rounds)
	expectBalanceIsTheSumOfItsTransactions(t, ns, userKey)
}

// expectBalanceIsTheSumOfItsTransactions checks a settled ledger: every
// transaction left is applied, none is being deleted, their sequences are
// distinct, and the balance is exactly their sum.
func expectBalanceIsTheSumOfItsTransactions(t *testing.T, ns string, userKey client.ObjectKey) {
	t.Helper()
	g := NewWithT(t)
	list := &iamv1alpha1.BalanceTransactionList{}
	g.Expect(k8s.List(context.Background(), list, client.InNamespace(ns))).To(Succeed())
	var sum int64
	seqs := make([]int, 0, len(list.Items))
	for _, tx := range list.Items {
		g.Expect(tx.Status.Phase).To(Equal(iamv1alpha1.TransactionApplied), tx.Name)
		g.Expect(tx.DeletionTimestamp).To(BeNil(), "%s is stuck being deleted", tx.Name)
		amount, err := ledger.Parse(tx.Spec.Amount, tx.Spec.Currency)
		g.Expect(err).NotTo(HaveOccurred())
		sum += amount.Minor
		seqs = append(seqs, int(tx.Status.Sequence))
	}
	sort.Ints(seqs)
	for i := 1; i < len(seqs); i++ {
		g.Expect(seqs[i]).NotTo(Equal(seqs[i-1]), "sequence %d given twice", seqs[i])
	}
	user := getUser(g, userKey)
	g.Expect(user.Status.Balance.Amount).To(Equal(money(sum)))
	g.Expect(user.Status.Balance.Count).To(BeEquivalentTo(len(list.Items)))
	g.Expect(user.Status.Balance.CancelRequest).To(BeNil())
}

// TestAdmittedCancelIsRecordedBeforeItIsStored stops the ledger, so that
// what admission records can be seen: the cancel of the latest is written
// to the user's status (not on a dry run), and a transaction created after
// it is applied only once the cancel is carried out.
func TestAdmittedCancelIsRecordedBeforeItIsStored(t *testing.T) {
	ctx := context.Background()
	g := NewWithT(t)
	smtp := startSMTP(t)
	opts := testOptions(t, smtp)
	tm := startManager(t, opts)
	ns := newNamespace(t)
	userKey := createUser(t, newUser(ns, "alice", "alice@cancel.example"))
	eventuallyBalance(t, userKey, "0.00", 0)
	eventuallyTransaction(t, createTransaction(t, newTransaction(ns, "refill-1", "alice", iamv1alpha1.TransactionRefill, "10.00")), iamv1alpha1.TransactionApplied)
	latest := eventuallyTransaction(t, createTransaction(t, newTransaction(ns, "refill-2", "alice", iamv1alpha1.TransactionRefill, "2.50")), iamv1alpha1.TransactionApplied)
	eventuallyBalance(t, userKey, "12.50", 2)
	tm.stop(t)

	g.Expect(k8s.Delete(ctx, latest, client.DryRunAll)).To(Succeed())
	g.Expect(getUser(g, userKey).Status.Balance.CancelRequest).To(BeNil(), "a dry run records nothing")

	g.Expect(k8s.Delete(ctx, latest)).To(Succeed())
	req := getUser(g, userKey).Status.Balance.CancelRequest
	g.Expect(req).NotTo(BeNil(), "the admitted cancel is recorded on the user")
	g.Expect(req.UID).To(Equal(latest.UID))
	g.Expect(req.Transaction).To(Equal("refill-2"))
	g.Expect(req.AdmittedTime.IsZero()).To(BeFalse())

	newer := createTransaction(t, newTransaction(ns, "refill-3", "alice", iamv1alpha1.TransactionRefill, "1.00"))
	startManager(t, opts)
	g.Eventually(func() bool {
		return apierrors.IsNotFound(k8s.Get(ctx, client.ObjectKeyFromObject(latest), &iamv1alpha1.BalanceTransaction{}))
	}).WithTimeout(timeout).Should(BeTrue())
	g.Expect(eventuallyTransaction(t, newer, iamv1alpha1.TransactionApplied).Status.Sequence).To(BeEquivalentTo(3))
	user := eventuallyBalance(t, userKey, "11.00", 2)
	g.Expect(user.Status.Balance.CancelRequest).To(BeNil())
	g.Expect(user.Status.Balance.LatestTransaction).To(Equal("refill-3"))
}

// money formats cents as the ledger writes a USD amount.
func money(cents int64) string {
	return ledger.Amount{Minor: cents, Currency: "USD"}.String()
}
