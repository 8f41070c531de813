package plugin

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

type transactionFlags struct {
	currency, description, idempotencyKey string
}

func newTransactionCommands(o *options) []*cobra.Command {
	transaction := func(use, short string, kind iamv1alpha1.TransactionType) *cobra.Command {
		f := &transactionFlags{}
		cmd := &cobra.Command{
			Use: use + " USER AMOUNT", Short: short,
			Example: fmt.Sprintf("  kubectl tenantry %s alice 10.00 -n acme --wait", use),
			Args:    cobra.ExactArgs(2),
			RunE: func(cmd *cobra.Command, args []string) error {
				return o.runTransaction(cmd.Context(), kind, args[0], args[1], f)
			},
		}
		cmd.Flags().StringVar(&f.currency, "currency", "", "ISO 4217 code; the user's ledger currency when empty")
		cmd.Flags().StringVar(&f.description, "description", "", "what the transaction is for")
		cmd.Flags().StringVar(&f.idempotencyKey, "idempotency-key", "",
			"a key the ledger applies at most once per user (a random one when empty); reuse it to retry safely")
		o.addWaitFlags(cmd)
		return cmd
	}
	return []*cobra.Command{
		transaction("refill", "Add AMOUNT to the user's balance", iamv1alpha1.TransactionRefill),
		transaction("charge", "Take AMOUNT off the user's balance (refused when it would go below zero)", iamv1alpha1.TransactionCharge),
	}
}

func (o *options) runTransaction(ctx context.Context, kind iamv1alpha1.TransactionType, userName, amount string, f *transactionFlags) error {
	c, ns, err := o.clientIn()
	if err != nil {
		return err
	}
	currency := f.currency
	if currency == "" {
		user := &iamv1alpha1.User{}
		if err := c.get(ctx, types.NamespacedName{Namespace: ns, Name: userName}, user); err != nil {
			return explain(err, access{verbGet, usersResource, ns})
		}
		if currency = ledgerCurrency(user); currency == "" {
			return fmt.Errorf("user %s has no ledger currency yet: give one with --currency", userName)
		}
	}
	suffix, err := randomSuffix()
	if err != nil {
		return err
	}
	key := f.idempotencyKey
	if key == "" {
		key = "kubectl-tenantry-" + suffix
	}
	tx := &iamv1alpha1.BalanceTransaction{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("%s-%s-%s", userName, strings.ToLower(string(kind)), suffix)},
		Spec: iamv1alpha1.BalanceTransactionSpec{
			User: userName, Type: kind, Amount: amount, Currency: currency,
			Description: f.description, IdempotencyKey: key,
		},
	}
	if err := c.create(ctx, tx); err != nil {
		return explain(err, access{verbCreate, transactionsResource, ns})
	}
	_, _ = fmt.Fprintf(o.streams.Out, "balancetransaction/%s created (%s %s %s, idempotency key %s)\n", tx.Name, kind, amount, currency, key)
	if !o.wait {
		return nil
	}
	if err := o.waitForTransaction(ctx, c, tx); err != nil {
		return err
	}
	if tx.Status.Phase == iamv1alpha1.TransactionRejected {
		return fmt.Errorf("balancetransaction/%s rejected: %s", tx.Name, readyMessage(tx))
	}
	_, err = fmt.Fprintf(o.streams.Out, "balancetransaction/%s: Applied as #%d, balance after %s %s\n",
		tx.Name, tx.Status.Sequence, tx.Status.BalanceAfter, tx.Spec.Currency)
	return err
}

// ledgerCurrency is the currency the user's transactions must be in.
func ledgerCurrency(u *iamv1alpha1.User) string {
	if u.Status.Balance != nil && u.Status.Balance.Currency != "" {
		return u.Status.Balance.Currency
	}
	return u.Spec.Currency
}

func randomSuffix() (string, error) {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate a name: %w", err)
	}
	return hex.EncodeToString(b), nil
}

func readyMessage(tx *iamv1alpha1.BalanceTransaction) string {
	for _, c := range tx.Status.Conditions {
		if c.Type == iamv1alpha1.ReadyCondition {
			return c.Reason + ": " + c.Message
		}
	}
	return "no reason given"
}
