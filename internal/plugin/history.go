package plugin

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/labels"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

func newHistoryCommand(o *options) *cobra.Command {
	return &cobra.Command{
		Use:   "history USER",
		Short: "The user's changes and ledger, newest first: what happened, when, and who asked",
		Example: `  kubectl tenantry history alice -n acme
  kubectl tenantry history carol -n acme     # also after carol was deleted, for the history's retention`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.runHistory(cmd.Context(), args[0])
		},
	}
}

// historyEntry is one line of a user's history: a change record or a
// ledger entry.
type historyEntry struct {
	time    time.Time
	what    string
	by      string
	details string
	// ledger and order break ties within a second (the resolution of a
	// transaction's creation time): ledger entries by sequence, newest
	// first, before the change records, by sequence too.
	ledger bool
	order  int64
}

func (o *options) runHistory(ctx context.Context, user string) error {
	c, ns, err := o.clientIn()
	if err != nil {
		return err
	}
	changes := &iamv1alpha1.UserChangeList{}
	if err := c.list(ctx, changes, ns, labels.Set{iamv1alpha1.UserLabel: user}.String()); err != nil {
		return explain(err, access{verbList, userChangesResource, ns})
	}
	txs, err := userTransactions(ctx, c, ns, user)
	if err != nil {
		return err
	}
	entries := historyEntries(changes.Items, txs)
	if len(entries) == 0 {
		_, err := fmt.Fprintf(o.streams.Out, "No history for user %s in namespace %s.\n", user, ns)
		return err
	}
	return printHistory(o.streams.Out, entries)
}

// historyEntries merges the change records and the transactions into one
// timeline, newest first. A record names its requester; a transaction the
// creator admission stamped on it.
func historyEntries(changes []iamv1alpha1.UserChange, txs []iamv1alpha1.BalanceTransaction) []historyEntry {
	entries := make([]historyEntry, 0, len(changes)+len(txs))
	for _, ch := range changes {
		by := ch.Spec.Requester.Username
		if ch.Spec.Requester.Actor != "" {
			by += " (as " + ch.Spec.Requester.Actor + ")"
		}
		entries = append(entries, historyEntry{time: ch.Spec.Time.Time, what: string(ch.Spec.Action), by: by, details: ch.Spec.Summary,
			order: ch.Spec.Sequence})
	}
	for _, tx := range txs {
		details := fmt.Sprintf("%s %s %s", tx.Name, tx.Spec.Amount, tx.Spec.Currency)
		switch {
		case tx.DeletionTimestamp != nil:
			details += ", being cancelled"
		case tx.Status.Phase == iamv1alpha1.TransactionApplied:
			details += fmt.Sprintf(": balance %s %s (seq %d)", tx.Status.BalanceAfter, tx.Spec.Currency, tx.Status.Sequence)
		case tx.Status.Phase != "":
			details += ", " + string(tx.Status.Phase)
		default:
			details += ", Pending"
		}
		if tx.Spec.Description != "" {
			details += " — " + tx.Spec.Description
		}
		entries = append(entries, historyEntry{time: tx.CreationTimestamp.Time, what: string(tx.Spec.Type),
			by: orDash(tx.Annotations[iamv1alpha1.RequesterAnnotation]), details: details, ledger: true, order: tx.Status.Sequence})
	}
	sort.SliceStable(entries, func(i, j int) bool {
		a, b := entries[i], entries[j]
		as, bs := a.time.Truncate(time.Second), b.time.Truncate(time.Second)
		switch {
		case !a.ledger && !b.ledger && !a.time.Equal(b.time):
			return a.time.After(b.time) // change records carry microseconds
		case !as.Equal(bs):
			return as.After(bs)
		case a.ledger != b.ledger:
			return a.ledger
		default:
			return a.order > b.order
		}
	})
	return entries
}

func printHistory(out io.Writer, entries []historyEntry) error {
	w := tabwriter.NewWriter(out, 0, 4, 3, ' ', 0)
	_, _ = fmt.Fprintln(w, "TIME\tWHAT\tBY\tDETAILS")
	for _, e := range entries {
		_, _ = fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", e.time.UTC().Format("2006-01-02 15:04:05"), e.what, e.by,
			strings.ReplaceAll(e.details, "\t", " "))
	}
	return w.Flush()
}
