package webhook_test

import (
	"context"
	"sync"
	"testing"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/operator"
	"github.com/tenantry-io/tenantry/internal/testsupport"
)

// warningRecorder keeps the warnings the API server returns, as kubectl
// prints them.
type warningRecorder struct {
	mu    sync.Mutex
	texts []string
}

func (w *warningRecorder) HandleWarningHeaderWithContext(_ context.Context, _ int, _ string, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.texts = append(w.texts, text)
}

func (w *warningRecorder) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	texts := w.texts
	w.texts = nil
	return texts
}

// warningClient is a client that records the warnings it is given.
func warningClient(t *testing.T) (client.Client, *warningRecorder) {
	t.Helper()
	warnings := &warningRecorder{}
	config := rest.CopyConfig(cfg)
	config.WarningHandlerWithContext = warnings
	c, err := client.New(config, client.Options{Scheme: operator.Scheme()})
	if err != nil {
		t.Fatalf("create client: %v", err)
	}
	return c, warnings
}

// TestTransactionForAMissingUserIsAdmittedWithAWarning: GitOps tools apply
// in any order, so a transaction may come before its user; it is admitted,
// and the person applying it is told that it waits and for how long.
func TestTransactionForAMissingUserIsAdmittedWithAWarning(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := testsupport.NewNamespace(t, k8s)
	c, warnings := warningClient(t)

	g.Expect(c.Create(ctx, refill(ns, "early", "bob", "1.00"))).To(Succeed())
	g.Expect(warnings.take()).To(ConsistOf(
		"user bob does not exist in account " + ns + " (yet); the transaction waits 1m0s for it and is then rejected"))

	testsupport.CreateUser(t, k8s, testsupport.NewUser(ns, "bob", "bob@warning.example"))
	g.Expect(c.Create(ctx, refill(ns, "later", "bob", "1.00"))).To(Succeed())
	g.Expect(warnings.take()).To(BeEmpty())
}

// refill is a refill of amount USD for the user.
func refill(namespace, name, user, amount string) *iamv1alpha1.BalanceTransaction {
	return &iamv1alpha1.BalanceTransaction{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
		Spec:       iamv1alpha1.BalanceTransactionSpec{User: user, Type: iamv1alpha1.TransactionRefill, Amount: amount, Currency: "USD"},
	}
}
