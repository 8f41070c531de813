package plugin

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/stats"
)

func newStatsCommand(o *options) *cobra.Command {
	var allNamespaces bool
	cmd := &cobra.Command{
		Use:   "stats",
		Short: "Count an account's users: by phase, new in 7 and 30 days, signed in within 30 days",
		Example: `  kubectl tenantry stats -n acme
  kubectl tenantry stats -A`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return o.runStats(cmd.Context(), allNamespaces)
		},
	}
	cmd.Flags().BoolVarP(&allNamespaces, "all-namespaces", "A", false, "one row per account, and their total")
	return cmd
}

func (o *options) runStats(ctx context.Context, allNamespaces bool) error {
	c, ns, err := o.clientOver(allNamespaces)
	if err != nil {
		return err
	}
	users := &iamv1alpha1.UserList{}
	if err := c.list(ctx, users, ns, ""); err != nil {
		return explain(err, access{verbList, usersResource, ns})
	}
	totals := stats.ByAccount(users.Items, time.Now())
	if len(totals) == 0 {
		totals = []stats.Totals{{Account: ns, ByPhase: map[iamv1alpha1.UserPhase]int{}}}
	}
	if allNamespaces && len(totals) > 1 {
		sum := stats.Sum(totals)
		sum.Account = "(all)"
		totals = append(totals, sum)
	}
	return printStats(o.streams.Out, totals)
}

// printStats prints one row per account. USERS leaves the soft-deleted
// out; they have a column of their own.
func printStats(out io.Writer, totals []stats.Totals) error {
	w := tabwriter.NewWriter(out, 0, 4, 3, ' ', 0)
	_, _ = fmt.Fprintln(w, "ACCOUNT\tUSERS\tACTIVE\tINVITED\tLOCKED\tDISABLED\tDELETED\tNEW 7D\tNEW 30D\tSIGNED IN 30D")
	for _, t := range totals {
		active := t.ByPhase[iamv1alpha1.UserPhaseActive] + t.ByPhase[iamv1alpha1.UserPhaseUpdating]
		cells := []int{t.Users, active, t.ByPhase[iamv1alpha1.UserPhaseInvited], t.ByPhase[iamv1alpha1.UserPhaseLocked],
			t.ByPhase[iamv1alpha1.UserPhaseDisabled], t.Deleted, t.CreatedWeek, t.CreatedMonth, t.SignedInMonth}
		row := t.Account
		for _, n := range cells {
			row += "\t" + strconv.Itoa(n)
		}
		_, _ = fmt.Fprintln(w, row)
	}
	return w.Flush()
}
