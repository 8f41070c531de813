package plugin

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/stats"
)

func newStatsCommand(o *options) *cobra.Command {
	var allNamespaces bool
	out := newOutputFlags()
	cmd := &cobra.Command{
		Use:   "stats",
		Short: "Count an account's users: by phase, new in 7 and 30 days, signed in within 30 days",
		Long: `Count an account's users: by phase, new in 7 and 30 days, signed in within 30 days.
USERS leaves the soft-deleted out; DELETED counts them. With -A, one row per account and
their total, (all).

The counts are no API objects, so -o json and yaml print them as a small record per
account under "items", the table's columns by name, and with -A their sum under "total":

  {"items": [{"account": "acme", "users": 2, "active": 2, "invited": 0, "locked": 0,
    "disabled": 0, "deleted": 0, "newIn7Days": 2, "newIn30Days": 2,
    "signedInWithin30Days": 1}], "total": {...}}

--sort-by, custom-columns, jsonpath and go-template read these records (e.g.
--sort-by=.users, -o jsonpath='{.items[*].account}'); -o name has no objects to name.`,
		Example: `  kubectl tenantry stats -n acme
  kubectl tenantry stats -A
  kubectl tenantry stats -A --sort-by=.users -o custom-columns=ACCOUNT:.account,USERS:.users`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			if out.format() == outputName {
				return fmt.Errorf("-o name names objects, and stats prints counts: use -o json or yaml")
			}
			return o.runStats(cmd.Context(), allNamespaces, out)
		},
	}
	cmd.Flags().BoolVarP(&allNamespaces, "all-namespaces", "A", false, "one row per account, and their total")
	out.addFlags(cmd)
	return cmd
}

func (o *options) runStats(ctx context.Context, allNamespaces bool, out *outputFlags) error {
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
	var sum *stats.Totals
	if allNamespaces && len(totals) > 1 {
		all := stats.Sum(totals)
		all.Account = "(all)"
		sum = &all
	}
	l, err := statsListing(totals, sum)
	if err != nil {
		return err
	}
	return out.printList(o.streams.Out, l)
}

// accountStats is one account's counts as -o json and yaml print them:
// the columns of the table, by name.
type accountStats struct {
	Account string `json:"account"`
	// Users counts the users that are not soft-deleted, and the next
	// four those of them in a phase (Active includes Updating).
	Users    int `json:"users"`
	Active   int `json:"active"`
	Invited  int `json:"invited"`
	Locked   int `json:"locked"`
	Disabled int `json:"disabled"`
	// Deleted counts the soft-deleted users.
	Deleted              int `json:"deleted"`
	NewIn7Days           int `json:"newIn7Days"`
	NewIn30Days          int `json:"newIn30Days"`
	SignedInWithin30Days int `json:"signedInWithin30Days"`
}

func newAccountStats(t stats.Totals) accountStats {
	return accountStats{
		Account: t.Account, Users: t.Users,
		Active:   t.ByPhase[iamv1alpha1.UserPhaseActive] + t.ByPhase[iamv1alpha1.UserPhaseUpdating],
		Invited:  t.ByPhase[iamv1alpha1.UserPhaseInvited],
		Locked:   t.ByPhase[iamv1alpha1.UserPhaseLocked],
		Disabled: t.ByPhase[iamv1alpha1.UserPhaseDisabled],
		Deleted:  t.Deleted, NewIn7Days: t.CreatedWeek, NewIn30Days: t.CreatedMonth, SignedInWithin30Days: t.SignedInMonth,
	}
}

// cells are the record's row of the table.
func (a accountStats) cells() []any {
	return []any{a.Account, a.Users, a.Active, a.Invited, a.Locked, a.Disabled, a.Deleted, a.NewIn7Days, a.NewIn30Days, a.SignedInWithin30Days}
}

// statsListing has one row per account and, when given, their sum last.
func statsListing(totals []stats.Totals, sum *stats.Totals) (*listing, error) {
	l := &listing{
		columns: columns(false, "Account", "Users", "Active", "Invited", "Locked", "Disabled", "Deleted", "New 7D", "New 30D", "Signed In 30D"),
		records: true,
	}
	for _, t := range totals {
		a := newAccountStats(t)
		item, err := recordItem(&a, a.cells()...)
		if err != nil {
			return nil, err
		}
		l.items = append(l.items, item)
	}
	if sum != nil {
		a := newAccountStats(*sum)
		item, err := recordItem(&a, a.cells()...)
		if err != nil {
			return nil, err
		}
		l.total = &item
	}
	return l, nil
}
