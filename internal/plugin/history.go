package plugin

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

func newHistoryCommand(o *options) *cobra.Command {
	out := newOutputFlags()
	cmd := &cobra.Command{
		Use:   "history USER",
		Short: "The user's changes and ledger, newest first: what happened, when, and who asked",
		Long: `The user's changes and ledger, newest first: what happened, when, and who asked.

The output flags are kubectl get's, over the objects behind the lines: the user's
UserChanges and BalanceTransactions. -o json and yaml print them as one List, newest
first, -o name as userchange.iam.tenantry.io/<name> and
balancetransaction.iam.tenantry.io/<name>, and -o wide adds that name as OBJECT.`,
		Example: `  kubectl tenantry history alice -n acme
  kubectl tenantry history carol -n acme     # also after carol was deleted, for the history's retention
  kubectl tenantry history alice -n acme -o name`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			return o.runHistory(cmd.Context(), args[0], out)
		},
	}
	out.addFlags(cmd)
	return cmd
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
	// object is the record or transaction the entry is.
	object runtime.Object
}

func (o *options) runHistory(ctx context.Context, user string, out *outputFlags) error {
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
	if len(entries) == 0 && out.tabular() {
		_, err := fmt.Fprintf(o.streams.ErrOut, "No history for user %s in namespace %s.\n", user, ns)
		return err
	}
	l, err := historyListing(c.scheme, entries)
	if err != nil {
		return err
	}
	return out.printList(o.streams.Out, l)
}

// historyEntries merges the change records and the transactions into one
// timeline, newest first. A record names its requester; a transaction the
// creator admission stamped on it.
func historyEntries(changes []iamv1alpha1.UserChange, txs []iamv1alpha1.BalanceTransaction) []historyEntry {
	entries := make([]historyEntry, 0, len(changes)+len(txs))
	for i := range changes {
		ch := &changes[i]
		by := ch.Spec.Requester.Username
		if ch.Spec.Requester.Actor != "" {
			by += " (as " + ch.Spec.Requester.Actor + ")"
		}
		entries = append(entries, historyEntry{time: ch.Spec.Time.Time, what: string(ch.Spec.Action), by: by, details: ch.Spec.Summary,
			order: ch.Spec.Sequence, object: ch})
	}
	for i := range txs {
		tx := &txs[i]
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
			by: orDash(tx.Annotations[iamv1alpha1.RequesterAnnotation]), details: details, ledger: true, order: tx.Status.Sequence, object: tx})
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

// historyListing is a row per entry and, with -o wide, the object it is.
func historyListing(s *runtime.Scheme, entries []historyEntry) (*listing, error) {
	l := &listing{columns: columns(false, "Time", "What", "By", "Details")}
	l.columns = append(l.columns, wideColumn("Object"))
	for _, e := range entries {
		item, err := objectItem(s, e.object)
		if err != nil {
			return nil, err
		}
		item.cells = []any{e.time.UTC().Format("2006-01-02 15:04:05"), e.what, e.by, strings.ReplaceAll(e.details, "\t", " "), objectName(item.object)}
		l.items = append(l.items, item)
	}
	return l, nil
}

// objectName names an object as -o name does: kind.group/name.
func objectName(obj map[string]any) string {
	u := unstructured.Unstructured{Object: obj}
	gvk := u.GroupVersionKind()
	return strings.ToLower(gvk.GroupKind().String()) + "/" + u.GetName()
}
