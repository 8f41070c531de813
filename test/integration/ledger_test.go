package integration

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

func newTransaction(namespace, name, user string, kind iamv1alpha1.TransactionType, amount string) *iamv1alpha1.BalanceTransaction {
	return &iamv1alpha1.BalanceTransaction{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
		Spec: iamv1alpha1.BalanceTransactionSpec{
			User: user, Type: kind, Amount: amount, Currency: "USD", Description: "test " + name,
		},
	}
}

func createTransaction(t testing.TB, tx *iamv1alpha1.BalanceTransaction) client.ObjectKey {
	t.Helper()
	if err := k8s.Create(context.Background(), tx); err != nil {
		t.Fatalf("create transaction %s: %v", tx.Name, err)
	}
	return client.ObjectKeyFromObject(tx)
}

func eventuallyTransaction(t *testing.T, key client.ObjectKey, phase iamv1alpha1.TransactionPhase) *iamv1alpha1.BalanceTransaction {
	t.Helper()
	tx := &iamv1alpha1.BalanceTransaction{}
	NewWithT(t).Eventually(func(g Gomega) {
		g.Expect(k8s.Get(context.Background(), key, tx)).To(Succeed())
		g.Expect(tx.Status.Phase).To(Equal(phase))
	}).WithTimeout(timeout).Should(Succeed())
	return tx
}

func eventuallyBalance(t testing.TB, key client.ObjectKey, amount string, count int64) *iamv1alpha1.User {
	t.Helper()
	return eventuallyUser(t, key, func(g Gomega, u *iamv1alpha1.User) {
		g.Expect(u.Status.Balance).NotTo(BeNil())
		g.Expect(u.Status.Balance.Amount).To(Equal(amount))
		g.Expect(u.Status.Balance.Count).To(Equal(count))
	})
}

// ledgerAccount starts a manager and creates a user whose ledger is ready.
func ledgerAccount(t testing.TB) (ns string, user client.ObjectKey) {
	t.Helper()
	smtp := startSMTP(t)
	startManager(t, testOptions(t, smtp))
	ns = newNamespace(t)
	user = createUser(t, newUser(ns, "alice", "alice@ledger.example"))
	eventuallyBalance(t, user, "0.00", 0)
	return ns, user
}

func TestRefillsAndCancellingTheLatest(t *testing.T) {
	ns, userKey := ledgerAccount(t)
	g := NewWithT(t)
	for i, amount := range []string{"10.00", "2.50", "0.25"} {
		key := createTransaction(t, newTransaction(ns, fmt.Sprintf("refill-%d", i+1), "alice", iamv1alpha1.TransactionRefill, amount))
		tx := eventuallyTransaction(t, key, iamv1alpha1.TransactionApplied)
		g.Expect(tx.Status.Sequence).To(BeEquivalentTo(i + 1))
		g.Expect(tx.Finalizers).To(ContainElement(iamv1alpha1.TransactionFinalizer))
	}
	user := eventuallyBalance(t, userKey, "12.75", 3)
	g.Expect(user.Status.Balance.Currency).To(Equal("USD"))
	g.Expect(user.Status.Balance.LatestSequence).To(BeEquivalentTo(3))
	g.Expect(user.Status.Balance.LatestTransaction).To(Equal("refill-3"))
	last := &iamv1alpha1.BalanceTransaction{}
	g.Expect(k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "refill-3"}, last)).To(Succeed())
	g.Expect(last.Status.BalanceAfter).To(Equal("12.75"))

	// Only the latest can be cancelled: the API server refuses the others
	// and names the one that can go, and nothing changes.
	expectCancelRefused(t, ns, "refill-1", "that is refill-3 (sequence 3)")
	eventuallyBalance(t, userKey, "12.75", 3)

	// Cancel: delete the latest. The balance goes back, the transaction
	// goes away, and the one before becomes the latest.
	g.Expect(k8s.Delete(context.Background(), last)).To(Succeed())
	user = eventuallyBalance(t, userKey, "12.50", 2)
	g.Expect(user.Status.Balance.LatestTransaction).To(Equal("refill-2"))
	g.Expect(user.Status.Balance.LatestSequence).To(BeEquivalentTo(2))
	g.Eventually(func() bool {
		return apierrors.IsNotFound(k8s.Get(context.Background(), client.ObjectKeyFromObject(last), &iamv1alpha1.BalanceTransaction{}))
	}).WithTimeout(timeout).Should(BeTrue())

	expectCancelRefused(t, ns, "refill-1", "that is refill-2 (sequence 2)")

	// The previous one can now be cancelled in turn.
	g.Expect(k8s.Delete(context.Background(), &iamv1alpha1.BalanceTransaction{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "refill-2"}})).To(Succeed())
	user = eventuallyBalance(t, userKey, "10.00", 1)
	g.Expect(user.Status.Balance.LatestTransaction).To(Equal("refill-1"))

	// A new transaction never reuses a sequence.
	key := createTransaction(t, newTransaction(ns, "refill-4", "alice", iamv1alpha1.TransactionRefill, "1.00"))
	g.Expect(eventuallyTransaction(t, key, iamv1alpha1.TransactionApplied).Status.Sequence).To(BeEquivalentTo(4))
	eventuallyBalance(t, userKey, "11.00", 2)

	expectEvents(t, userKey, "TransactionRefillApplied", "TransactionCancelled")
}

// expectCancelRefused deletes an applied transaction that is not the
// latest and expects admission to refuse it with a message naming the one
// that can be cancelled, leaving the transaction as it was.
func expectCancelRefused(t *testing.T, ns, name, latest string) {
	t.Helper()
	g := NewWithT(t)
	key := client.ObjectKey{Namespace: ns, Name: name}
	err := k8s.Delete(context.Background(), &iamv1alpha1.BalanceTransaction{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}})
	g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "deleting %s: %v", name, err)
	g.Expect(err).To(MatchError(ContainSubstring("only the most recent applied transaction of user alice can be cancelled: " + latest)))
	tx := &iamv1alpha1.BalanceTransaction{}
	g.Expect(k8s.Get(context.Background(), key, tx)).To(Succeed())
	g.Expect(tx.DeletionTimestamp).To(BeNil())
	g.Expect(tx.Status.Phase).To(Equal(iamv1alpha1.TransactionApplied))
}

func TestDeletingTheAccountTakesEveryTransaction(t *testing.T) {
	ns, userKey := ledgerAccount(t)
	for i := range 3 {
		createTransaction(t, newTransaction(ns, fmt.Sprintf("refill-%d", i), "alice", iamv1alpha1.TransactionRefill, "1.00"))
	}
	eventuallyBalance(t, userKey, "3.00", 3)

	// Admission lets the older applied transactions go too.
	deleteAccount(t, ns)
}

func TestRejectedTransactionsLeaveTheBalance(t *testing.T) {
	ns, userKey := ledgerAccount(t)
	g := NewWithT(t)
	createTransaction(t, newTransaction(ns, "refill", "alice", iamv1alpha1.TransactionRefill, "5.00"))
	eventuallyBalance(t, userKey, "5.00", 1)

	rejected := func(name string, tx *iamv1alpha1.BalanceTransaction, reason string) {
		t.Helper()
		got := eventuallyTransaction(t, createTransaction(t, tx), iamv1alpha1.TransactionRejected)
		g.Expect(condition2(got.Status.Conditions, iamv1alpha1.ReadyCondition).Reason).To(Equal(reason), name)
		g.Expect(got.Status.Sequence).To(BeZero())
	}
	rejected("charge beyond the balance", newTransaction(ns, "too-much", "alice", iamv1alpha1.TransactionCharge, "7.00"), iamv1alpha1.ReasonInsufficientFunds)
	euro := newTransaction(ns, "euro", "alice", iamv1alpha1.TransactionRefill, "1.00")
	euro.Spec.Currency = "EUR"
	rejected("other currency", euro, iamv1alpha1.ReasonCurrencyMismatch)

	keyed := newTransaction(ns, "keyed", "alice", iamv1alpha1.TransactionRefill, "1.00")
	keyed.Spec.IdempotencyKey = "order-42"
	eventuallyTransaction(t, createTransaction(t, keyed), iamv1alpha1.TransactionApplied)
	again := newTransaction(ns, "keyed-again", "alice", iamv1alpha1.TransactionRefill, "1.00")
	again.Spec.IdempotencyKey = "order-42"
	rejected("reused idempotency key", again, iamv1alpha1.ReasonDuplicateKey)

	createTransaction(t, newTransaction(ns, "charge", "alice", iamv1alpha1.TransactionCharge, "2.00"))
	eventuallyBalance(t, userKey, "4.00", 3)

	// Rejected transactions are deleted freely and change nothing.
	g.Expect(k8s.Delete(context.Background(), &iamv1alpha1.BalanceTransaction{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "too-much"}})).To(Succeed())
	g.Eventually(func() bool {
		return apierrors.IsNotFound(k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "too-much"}, &iamv1alpha1.BalanceTransaction{}))
	}).WithTimeout(timeout).Should(BeTrue())
	eventuallyBalance(t, userKey, "4.00", 3)
	expectEvents(t, userKey, "TransactionRejected", "TransactionChargeApplied")
}

func TestTransactionWaitsForItsUserThenIsRejected(t *testing.T) {
	smtp := startSMTP(t)
	opts := testOptions(t, smtp)
	opts.TransactionUserGrace = 2 * time.Second
	startManager(t, opts)
	ns := newNamespace(t)

	// Created before its user, as GitOps tools may: it waits, then applies.
	early := createTransaction(t, newTransaction(ns, "early", "bob", iamv1alpha1.TransactionRefill, "3.00"))
	userKey := createUser(t, newUser(ns, "bob", "bob@ledger.example"))
	eventuallyTransaction(t, early, iamv1alpha1.TransactionApplied)
	eventuallyBalance(t, userKey, "3.00", 1)

	// For a user that never comes, it is rejected after the grace period.
	orphan := eventuallyTransaction(t, createTransaction(t, newTransaction(ns, "orphan", "nobody", iamv1alpha1.TransactionRefill, "1.00")), iamv1alpha1.TransactionRejected)
	NewWithT(t).Expect(condition2(orphan.Status.Conditions, iamv1alpha1.ReadyCondition).Reason).To(Equal(iamv1alpha1.ReasonUserNotFound))
}

func TestDeletingAUserTakesItsTransactions(t *testing.T) {
	ns, userKey := ledgerAccount(t)
	g := NewWithT(t)
	for i := range 3 {
		createTransaction(t, newTransaction(ns, fmt.Sprintf("refill-%d", i), "alice", iamv1alpha1.TransactionRefill, "1.00"))
	}
	eventuallyBalance(t, userKey, "3.00", 3)

	g.Expect(k8s.Delete(context.Background(), getUser(g, userKey))).To(Succeed())
	g.Eventually(func(g Gomega) {
		list := &iamv1alpha1.BalanceTransactionList{}
		g.Expect(k8s.List(context.Background(), list, client.InNamespace(ns))).To(Succeed())
		g.Expect(list.Items).To(BeEmpty())
		g.Expect(apierrors.IsNotFound(k8s.Get(context.Background(), userKey, &iamv1alpha1.User{}))).To(BeTrue())
	}).WithTimeout(timeout).Should(Succeed())
}

// burst creates n refills of 1..n cents for one user from many goroutines at
// once and returns their exact sum in cents.
func burst(t testing.TB, ns, user string, n int) int64 {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	var sum int64
	for i := 1; i <= n; i++ {
		sum += int64(i)
		wg.Add(1)
		go func() {
			defer wg.Done()
			tx := newTransaction(ns, fmt.Sprintf("burst-%03d", i), user, iamv1alpha1.TransactionRefill, fmt.Sprintf("%d.%02d", i/100, i%100))
			errs <- k8s.Create(context.Background(), tx)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("create transaction: %v", err)
		}
	}
	return sum
}

// expectExactLedger checks the invariants: every transaction applied once,
// sequences 1..n with no gap or repeat, and the exact sum.
func expectExactLedger(t *testing.T, ns string, userKey client.ObjectKey, n int, sumCents int64) {
	t.Helper()
	want := fmt.Sprintf("%d.%02d", sumCents/100, sumCents%100)
	NewWithT(t).Eventually(func(g Gomega) {
		list := &iamv1alpha1.BalanceTransactionList{}
		g.Expect(k8s.List(context.Background(), list, client.InNamespace(ns))).To(Succeed())
		g.Expect(list.Items).To(HaveLen(n))
		seqs := make([]int, 0, len(list.Items))
		for _, tx := range list.Items {
			g.Expect(tx.Status.Phase).To(Equal(iamv1alpha1.TransactionApplied), tx.Name)
			seqs = append(seqs, int(tx.Status.Sequence))
		}
		sort.Ints(seqs)
		for i, s := range seqs {
			g.Expect(s).To(Equal(i+1), "sequences must be 1..%d with no gap or repeat", n)
		}
	}).WithTimeout(2 * time.Minute).Should(Succeed())
	user := eventuallyBalance(t, userKey, want, int64(n))
	NewWithT(t).Expect(user.Status.Balance.LastSequence).To(BeEquivalentTo(n))
}

func TestConcurrentBurstAppliesEachTransactionOnce(t *testing.T) {
	ns, userKey := ledgerAccount(t)
	const n = 200
	sum := burst(t, ns, "alice", n)
	expectExactLedger(t, ns, userKey, n, sum)
}

func TestLedgerSurvivesManagerRestartsMidBurst(t *testing.T) {
	smtp := startSMTP(t)
	opts := testOptions(t, smtp)
	tm := startManager(t, opts)
	ns := newNamespace(t)
	userKey := createUser(t, newUser(ns, "carol", "carol@ledger.example"))
	eventuallyBalance(t, userKey, "0.00", 0)

	const n = 150
	sum := burst(t, ns, "carol", n)
	// Stop the manager whenever the ledger has moved on a little, wherever
	// it is in a step, and start a new one.
	for restart := 1; restart <= 4; restart++ {
		NewWithT(t).Eventually(func(g Gomega) {
			g.Expect(ptrBalanceCount(getUser(g, userKey))).To(BeNumerically(">=", restart*25))
		}).WithTimeout(timeout).Should(Succeed())
		tm.stop(t)
		tm = startManager(t, opts)
	}
	expectExactLedger(t, ns, userKey, n, sum)
}

func TestSchemaRejectsInvalidTransactions(t *testing.T) {
	ns := newNamespace(t)
	tests := []struct {
		name    string
		amount  string
		cur     string
		message string
	}{
		{"too many decimals", "12.345", "USD", "amount has more fraction digits than the currency allows"},
		{"decimals on yen", "100.5", "JPY", "amount has more fraction digits than the currency allows"},
		{"zero", "0.00", "USD", "amount must be greater than zero"},
		{"negative", "-5.00", "USD", "amount must be a positive decimal number"},
		{"letters", "ten", "USD", "amount must be a positive decimal number"},
		{"beyond int64", "99999999999999999999", "USD", "amount must have at most 15 digits before the decimal point"},
		{"lower-case currency", "1.00", "usd", "currency must be an ISO 4217 code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tx := newTransaction(ns, "bad", "alice", iamv1alpha1.TransactionRefill, tt.amount)
			tx.Spec.Currency = tt.cur
			err := k8s.Create(context.Background(), tx, client.DryRunAll)
			NewWithT(t).Expect(err).To(HaveOccurred())
			NewWithT(t).Expect(err.Error()).To(ContainSubstring(tt.message))
		})
	}
	t.Run("the spec cannot change", func(t *testing.T) {
		g := NewWithT(t)
		key := createTransaction(t, newTransaction(ns, "fixed", "nobody", iamv1alpha1.TransactionRefill, "1.00"))
		tx := &iamv1alpha1.BalanceTransaction{}
		g.Expect(k8s.Get(context.Background(), key, tx)).To(Succeed())
		tx.Spec.Amount = "100.00"
		err := k8s.Update(context.Background(), tx)
		g.Expect(err).To(HaveOccurred())
		g.Expect(err.Error()).To(ContainSubstring("spec is immutable"))
	})
}

func ptrBalanceCount(u *iamv1alpha1.User) int {
	if u.Status.Balance == nil {
		return 0
	}
	return int(u.Status.Balance.Count)
}

func condition2(conditions []metav1.Condition, conditionType string) metav1.Condition {
	for _, c := range conditions {
		if c.Type == conditionType {
			return c
		}
	}
	return metav1.Condition{}
}
