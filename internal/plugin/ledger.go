package plugin

import (
	"context"
	"fmt"
	"sort"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/types"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// userTransactions are the user's transactions, oldest first: those the
// ledger numbered by sequence, then the rest by creation.
func userTransactions(ctx context.Context, c *kubeClient, ns, user string) ([]iamv1alpha1.BalanceTransaction, error) {
	list := &iamv1alpha1.BalanceTransactionList{}
	if err := c.list(ctx, list, ns, ""); err != nil {
		return nil, explain(err, access{verbList, transactionsResource, ns})
	}
	var txs []iamv1alpha1.BalanceTransaction
	for _, tx := range list.Items {
		if tx.Spec.User == user {
			txs = append(txs, tx)
		}
	}
	sort.SliceStable(txs, func(i, j int) bool {
		a, b := txs[i].Status.Sequence, txs[j].Status.Sequence
		if (a == 0) != (b == 0) {
			return a != 0
		}
		if a != b {
			return a < b
		}
		return txs[i].CreationTimestamp.Before(&txs[j].CreationTimestamp)
	})
	return txs, nil
}

func newCancelCommand(o *options) *cobra.Command {
	var confirmed bool
	cmd := &cobra.Command{
		Use:   "cancel USER",
		Short: "Cancel the user's latest applied transaction: its amount comes off (or back onto) the balance",
		Example: `  kubectl tenantry cancel alice -n acme            # asks y/N
  kubectl tenantry cancel alice -n acme --confirm --wait`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.runCancel(cmd.Context(), args[0], confirmed)
		},
	}
	cmd.Flags().BoolVar(&confirmed, "confirm", false, "cancel without asking")
	o.addWaitFlags(cmd)
	return cmd
}

func (o *options) runCancel(ctx context.Context, user string, confirmed bool) error {
	c, ns, err := o.clientIn()
	if err != nil {
		return err
	}
	txs, err := userTransactions(ctx, c, ns, user)
	if err != nil {
		return err
	}
	// Only the latest applied transaction may be cancelled (admission
	// refuses any other), so that is the one.
	var latest *iamv1alpha1.BalanceTransaction
	for i := range txs {
		if txs[i].Status.Phase == iamv1alpha1.TransactionApplied && txs[i].DeletionTimestamp == nil {
			latest = &txs[i]
		}
	}
	if latest == nil {
		return fmt.Errorf("user %s has no applied transaction to cancel", user)
	}
	question := fmt.Sprintf("Cancel balancetransaction/%s (#%d, %s %s %s) of user %s?",
		latest.Name, latest.Status.Sequence, latest.Spec.Type, latest.Spec.Amount, latest.Spec.Currency, user)
	if err := o.confirm(question, confirmed); err != nil {
		return err
	}
	if err := c.delete(ctx, latest, nil); err != nil {
		return explain(err, access{verbDelete, transactionsResource, ns})
	}
	_, _ = fmt.Fprintf(o.streams.Out, "balancetransaction/%s cancelled\n", latest.Name)
	if !o.wait {
		return nil
	}
	if err := o.waitForGone(ctx, c, latest, access{verbGet, transactionsResource, ns}); err != nil {
		return err
	}
	u := &iamv1alpha1.User{}
	if err := c.get(ctx, types.NamespacedName{Namespace: ns, Name: user}, u); err != nil {
		return explain(err, access{verbGet, usersResource, ns})
	}
	_, err = fmt.Fprintf(o.streams.Out, "user/%s: balance %s\n", user, balance(*u))
	return err
}
