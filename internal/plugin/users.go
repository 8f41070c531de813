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
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/cli-runtime/pkg/printers"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/stats"
)

// tileListLimit is how many users the tile lists without a summary first,
// as the portal's Users tile does.
const tileListLimit = 3

// The -o formats besides the table.
const (
	outputJSON = "json"
	outputYAML = "yaml"
)

func newUsersCommand(o *options) *cobra.Command {
	var allNamespaces, deleted bool
	var output string
	cmd := &cobra.Command{
		Use:   "users",
		Short: "List an account's users with their role, phase, services, 2FA, last login and balance",
		Example: `  kubectl tenantry users -n acme
  kubectl tenantry users -A
  kubectl tenantry users -n acme --deleted     # the soft-deleted users, restorable until their purge
  kubectl tenantry users -n acme -o yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if output != "" && output != outputJSON && output != outputYAML {
				return fmt.Errorf("unknown output format %q: use json or yaml, or nothing for the table", output)
			}
			return o.runUsers(cmd.Context(), allNamespaces, deleted, output)
		},
	}
	cmd.Flags().BoolVarP(&allNamespaces, "all-namespaces", "A", false, "list the users of every account")
	cmd.Flags().BoolVar(&deleted, "deleted", false, "list the soft-deleted users (spec.state Deleted) instead, with when each is purged")
	cmd.Flags().StringVarP(&output, "output", "o", "", "json or yaml instead of the table")
	return cmd
}

func (o *options) runUsers(ctx context.Context, allNamespaces, deleted bool, output string) error {
	c, ns, err := o.clientOver(allNamespaces)
	if err != nil {
		return err
	}
	// One List per kind; a kind the caller may not read leaves its part of
	// the tile out with a note, as the portal hides a section.
	users := &iamv1alpha1.UserList{}
	if err := c.list(ctx, users, ns, ""); err != nil {
		if refusalOf(err) != refusedByRBAC {
			return explain(err, access{verbList, usersResource, ns})
		}
		note(o.streams.ErrOut, explain(err, access{verbList, usersResource, ns}))
		return nil
	}
	classes := &iamv1alpha1.ServiceClassList{}
	if err := c.list(ctx, classes, "", ""); err != nil {
		if refusalOf(err) != refusedByRBAC {
			return explain(err, access{verbList, serviceClassesResource, ""})
		}
		note(o.streams.ErrOut, fmt.Errorf("%w; service columns come from the users' status alone",
			explain(err, access{verbList, serviceClassesResource, ""})))
	}
	sortUsers(users.Items)
	all := users.Items
	var hidden int
	users.Items, hidden = splitDeleted(all, deleted)

	switch output {
	case outputJSON, outputYAML:
		users.SetGroupVersionKind(iamv1alpha1.GroupVersion.WithKind("UserList"))
		for i := range users.Items {
			users.Items[i].SetGroupVersionKind(iamv1alpha1.GroupVersion.WithKind("User"))
		}
		var p printers.ResourcePrinter = &printers.JSONPrinter{}
		if output == outputYAML {
			p = &printers.YAMLPrinter{}
		}
		return p.PrintObj(users, o.streams.Out)
	}
	if hidden > 0 {
		note(o.streams.ErrOut, fmt.Errorf("%d soft-deleted users are not listed; --deleted lists them", hidden))
	}
	if len(users.Items) == 0 {
		where := "in namespace " + ns
		if allNamespaces {
			where = "in any namespace"
		}
		what := "users"
		if deleted {
			what = "soft-deleted users"
		}
		_, err := fmt.Fprintf(o.streams.Out, "No %s %s.\n", what, where)
		return err
	}
	now := time.Now()
	if deleted {
		return printDeletedTable(o.streams.Out, users.Items, allNamespaces)
	}
	if len(users.Items) > tileListLimit {
		if _, err := fmt.Fprintf(o.streams.Out, "%s\n%s\n", summaryLine(users.Items), activityLine(stats.Sum(stats.ByAccount(all, now)))); err != nil {
			return err
		}
	}
	return printUserTable(o.streams.Out, users.Items, serviceColumns(classes.Items, users.Items), allNamespaces, now)
}

// splitDeleted keeps the users that are not soft-deleted (or, with
// deleted, only those that are), and says how many it left out.
func splitDeleted(users []iamv1alpha1.User, deleted bool) ([]iamv1alpha1.User, int) {
	kept := make([]iamv1alpha1.User, 0, len(users))
	for i := range users {
		if stats.Deleted(&users[i]) == deleted {
			kept = append(kept, users[i])
		}
	}
	if deleted {
		return kept, 0
	}
	return kept, len(users) - len(kept)
}

// activityLine is the tile's second line: the account's statistics, e.g.
// "3 new in 7 days · 5 new in 30 days · 8 signed in within 30 days".
func activityLine(t stats.Totals) string {
	return fmt.Sprintf("%d new in 7 days · %d new in 30 days · %d signed in within 30 days",
		t.CreatedWeek, t.CreatedMonth, t.SignedInMonth)
}

// printDeletedTable lists soft-deleted users with when they were deleted
// and when they are purged unless restored.
func printDeletedTable(out io.Writer, users []iamv1alpha1.User, withAccount bool) error {
	w := tabwriter.NewWriter(out, 0, 4, 3, ' ', 0)
	header := []string{"NAME", "EMAIL", "ROLE", "BALANCE", "DELETED", "PURGED AFTER"}
	if withAccount {
		header = append([]string{"ACCOUNT"}, header...)
	}
	_, _ = fmt.Fprintln(w, strings.Join(header, "\t"))
	for _, u := range users {
		row := []string{u.Name, u.Spec.Email, u.Spec.Role, balance(u), timestamp(u.Status.DeletedTime), timestamp(u.Status.PurgeTime)}
		if withAccount {
			row = append([]string{u.Namespace}, row...)
		}
		_, _ = fmt.Fprintln(w, strings.Join(row, "\t"))
	}
	return w.Flush()
}

// note prints why part of the output is missing, without failing.
func note(w io.Writer, err error) {
	_, _ = fmt.Fprintf(w, "Note: %v\n", err)
}

func sortUsers(users []iamv1alpha1.User) {
	sort.Slice(users, func(i, j int) bool {
		if users[i].Namespace != users[j].Namespace {
			return users[i].Namespace < users[j].Namespace
		}
		return users[i].Name < users[j].Name
	})
}

// phaseOrder is the order of the summary's counts: the phases a person acts
// on first.
var phaseOrder = []iamv1alpha1.UserPhase{
	iamv1alpha1.UserPhaseInvited, iamv1alpha1.UserPhaseLocked, iamv1alpha1.UserPhaseDisabled,
	iamv1alpha1.UserPhaseUpdating, iamv1alpha1.UserPhaseRevoked, iamv1alpha1.UserPhaseDeleting,
}

// pendingPhase names a user the operator has not given a phase yet.
const pendingPhase = "Pending"

// summaryLine is the tile's headline: the total and the count of every
// phase but Active, e.g. "12 users · 2 Invited · 1 Locked".
func summaryLine(users []iamv1alpha1.User) string {
	counts := map[iamv1alpha1.UserPhase]int{}
	for _, u := range users {
		phase := u.Status.Phase
		if phase == "" {
			phase = pendingPhase
		}
		counts[phase]++
	}
	parts := []string{fmt.Sprintf("%d users", len(users))}
	order := append([]iamv1alpha1.UserPhase{}, phaseOrder...)
	order = append(order, pendingPhase)
	for _, phase := range order {
		if counts[phase] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[phase], phase))
		}
	}
	return strings.Join(parts, " · ")
}

// serviceColumns are the service columns to show: every ServiceClass's,
// and any a user's status still names (a class being deleted, or one the
// caller may not list), sorted.
func serviceColumns(classes []iamv1alpha1.ServiceClass, users []iamv1alpha1.User) []string {
	seen := map[string]bool{}
	for _, c := range classes {
		seen[c.Spec.ColumnName] = true
	}
	for _, u := range users {
		for _, s := range u.Status.Services {
			if s.Column != "" {
				seen[s.Column] = true
			}
		}
	}
	columns := make([]string, 0, len(seen))
	for c := range seen {
		columns = append(columns, c)
	}
	sort.Strings(columns)
	return columns
}

// serviceCell is a user's count in one service column, ready/assigned, or
// blank when the user has none of it.
func serviceCell(u iamv1alpha1.User, column string) string {
	ready, assigned := 0, 0
	for _, s := range u.Status.Services {
		if s.Column != column {
			continue
		}
		assigned++
		if s.Phase == iamv1alpha1.ServicePhaseReady {
			ready++
		}
	}
	if assigned == 0 {
		return ""
	}
	return fmt.Sprintf("%d/%d", ready, assigned)
}

func printUserTable(out io.Writer, users []iamv1alpha1.User, columns []string, withAccount bool, now time.Time) error {
	w := tabwriter.NewWriter(out, 0, 4, 3, ' ', 0)
	header := make([]string, 0, len(columns)+7)
	if withAccount {
		header = append(header, "ACCOUNT")
	}
	header = append(header, "NAME", "ROLE", "PHASE")
	for _, c := range columns {
		header = append(header, strings.ToUpper(c))
	}
	header = append(header, "2FA", "LAST LOGIN", "BALANCE")
	_, _ = fmt.Fprintln(w, strings.Join(header, "\t"))
	for _, u := range users {
		row := make([]string, 0, len(header))
		if withAccount {
			row = append(row, u.Namespace)
		}
		row = append(row, u.Name, u.Spec.Role, orDash(string(u.Status.Phase)))
		for _, c := range columns {
			row = append(row, serviceCell(u, c))
		}
		row = append(row, orDash(string(u.Status.TwoFactor)), lastLogin(u, now), balance(u))
		_, _ = fmt.Fprintln(w, strings.Join(row, "\t"))
	}
	return w.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func lastLogin(u iamv1alpha1.User, now time.Time) string {
	if u.Status.LastLoginTime == nil {
		return "never"
	}
	return duration.HumanDuration(now.Sub(u.Status.LastLoginTime.Time)) + " ago"
}

func balance(u iamv1alpha1.User) string {
	b := u.Status.Balance
	if b == nil || b.Amount == "" {
		return "-"
	}
	return strings.TrimSpace(b.Amount + " " + b.Currency)
}
