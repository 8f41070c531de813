package plugin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/duration"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/stats"
)

// tileListLimit is how many users the tile lists without a summary first,
// as the portal's Users tile does.
const tileListLimit = 3

func newUsersCommand(o *options) *cobra.Command {
	var allNamespaces, deleted bool
	out := newOutputFlags()
	cmd := &cobra.Command{
		Use:   "users",
		Short: "List an account's users with their role, phase, services, 2FA, last login and balance",
		Long: `List an account's users with their role, phase, services, 2FA, last login and balance,
as the portal's Users tile does: with more than three users, a summary of their phases and
the account's activity comes first, on stderr, so that stdout is the table alone.

The output flags are kubectl get's: -o wide adds each user's email and age, -o json and
yaml print the users as a List, -o name prints user.iam.tenantry.io/<name>, and jsonpath,
go-template and custom-columns read the User objects, as --sort-by does.`,
		Example: `  kubectl tenantry users -n acme
  kubectl tenantry users -A
  kubectl tenantry users -n acme --deleted     # the soft-deleted users, restorable until their purge
  kubectl tenantry users -n acme -o yaml
  kubectl tenantry users -n acme --sort-by=.status.lastLoginTime --no-headers
  kubectl tenantry users -A -o custom-columns=ACCOUNT:.metadata.namespace,EMAIL:.spec.email`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			return o.runUsers(cmd.Context(), allNamespaces, deleted, out)
		},
	}
	cmd.Flags().BoolVarP(&allNamespaces, "all-namespaces", "A", false, "list the users of every account")
	cmd.Flags().BoolVar(&deleted, "deleted", false, "list the soft-deleted users (spec.state Deleted) instead, with when each is purged")
	out.addFlags(cmd)
	return cmd
}

func (o *options) runUsers(ctx context.Context, allNamespaces, deleted bool, out *outputFlags) error {
	c, ns, err := o.clientOver(allNamespaces)
	if err != nil {
		return err
	}
	// One List per kind; a kind the caller may not read leaves its part of
	// the tile out with a note, as the portal hides a section. Other
	// formats are for scripts, which are better told that it failed.
	users := &iamv1alpha1.UserList{}
	if err := c.list(ctx, users, ns, ""); err != nil {
		if refusalOf(err) != refusedByRBAC || !out.table() {
			return explain(err, access{verbList, usersResource, ns})
		}
		note(o.streams.ErrOut, explain(err, access{verbList, usersResource, ns}))
		return nil
	}
	sortUsers(users.Items)
	all := users.Items
	var hidden int
	users.Items, hidden = splitDeleted(all, deleted)
	if hidden > 0 {
		note(o.streams.ErrOut, errors.New(hiddenNote(hidden)))
	}
	if len(users.Items) == 0 && out.tabular() {
		what := "users"
		if deleted {
			what = "soft-deleted users"
		}
		_, err := fmt.Fprintf(o.streams.ErrOut, "No %s %s.\n", what, where(ns))
		return err
	}
	if deleted {
		l, err := deletedListing(c.scheme, users.Items, allNamespaces, time.Now())
		if err != nil {
			return err
		}
		return out.printList(o.streams.Out, l)
	}
	return o.printTile(ctx, c, users.Items, all, allNamespaces, out)
}

// printTile prints the users as the tile does, with all the account's
// users (the soft-deleted too) for its activity line.
func (o *options) printTile(ctx context.Context, c *kubeClient, users, all []iamv1alpha1.User, allNamespaces bool, out *outputFlags) error {
	// The service columns come from the ServiceClasses, which only the
	// table shows.
	classes := &iamv1alpha1.ServiceClassList{}
	if out.table() {
		if err := c.list(ctx, classes, "", ""); err != nil {
			if refusalOf(err) != refusedByRBAC {
				return explain(err, access{verbList, serviceClassesResource, ""})
			}
			note(o.streams.ErrOut, fmt.Errorf("%w; service columns come from the users' status alone",
				explain(err, access{verbList, serviceClassesResource, ""})))
		}
	}
	now := time.Now()
	l, err := userListing(c.scheme, users, serviceColumns(classes.Items, users), allNamespaces, now)
	if err != nil {
		return err
	}
	// Sorted first: a sort field that is wrong fails before the summary.
	if err := out.sort(l); err != nil {
		return err
	}
	if out.table() && len(users) > tileListLimit {
		_, _ = fmt.Fprintf(o.streams.ErrOut, "%s\n%s\n", summaryLine(users), activityLine(stats.Sum(stats.ByAccount(all, now))))
	}
	return out.printSorted(o.streams.Out, l)
}

// hiddenNote says how many soft-deleted users the tile leaves out.
func hiddenNote(n int) string {
	if n == 1 {
		return "1 soft-deleted user is not listed; --deleted lists it"
	}
	return fmt.Sprintf("%d soft-deleted users are not listed; --deleted lists them", n)
}

// where says which accounts a listing covered: ns, or every one for "".
func where(ns string) string {
	if ns == "" {
		return "in any namespace"
	}
	return "in namespace " + ns
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

// deletedListing lists soft-deleted users with when they were deleted
// and when they are purged unless restored.
func deletedListing(s *runtime.Scheme, users []iamv1alpha1.User, withAccount bool, now time.Time) (*listing, error) {
	l := &listing{columns: columns(withAccount, "Name", "Email", "Role", "Balance", "Deleted", "Purged After")}
	l.columns = append(l.columns, wideColumn("Age"))
	for i := range users {
		u := &users[i]
		cells := []any{u.Name, u.Spec.Email, u.Spec.Role, balance(*u), timestamp(u.Status.DeletedTime), timestamp(u.Status.PurgeTime), age(u, now)}
		if withAccount {
			cells = append([]any{u.Namespace}, cells...)
		}
		item, err := objectItem(s, u, cells...)
		if err != nil {
			return nil, err
		}
		l.items = append(l.items, item)
	}
	return l, nil
}

// age is how long ago the object was created, as kubectl's AGE says it.
func age(obj metav1.Object, now time.Time) string {
	created := obj.GetCreationTimestamp()
	if created.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(now.Sub(created.Time))
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
	parts := []string{plural(len(users), "user", "users")}
	order := append([]iamv1alpha1.UserPhase{}, phaseOrder...)
	order = append(order, pendingPhase)
	for _, phase := range order {
		if counts[phase] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[phase], phase))
		}
	}
	return strings.Join(parts, " · ")
}

// plural is "<n> <one>" or "<n> <many>", as n says.
func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
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

// userListing is the tile's table: a column per service between the
// phase and 2FA, and with -o wide each user's email and age.
func userListing(s *runtime.Scheme, users []iamv1alpha1.User, services []string, withAccount bool, now time.Time) (*listing, error) {
	names := make([]string, 0, len(services)+6)
	names = append(names, "Name", "Role", "Phase")
	for _, c := range services {
		names = append(names, strings.ToUpper(c))
	}
	names = append(names, "2FA", "Last Login", "Balance")
	l := &listing{columns: columns(withAccount, names...)}
	l.columns = append(l.columns, wideColumn("Email"), wideColumn("Age"))
	for i := range users {
		u := &users[i]
		cells := make([]any, 0, len(l.columns))
		if withAccount {
			cells = append(cells, u.Namespace)
		}
		cells = append(cells, u.Name, u.Spec.Role, orDash(string(u.Status.Phase)))
		for _, c := range services {
			cells = append(cells, serviceCell(*u, c))
		}
		cells = append(cells, orDash(string(u.Status.TwoFactor)), lastLogin(*u, now), balance(*u), u.Spec.Email, age(u, now))
		item, err := objectItem(s, u, cells...)
		if err != nil {
			return nil, err
		}
		l.items = append(l.items, item)
	}
	return l, nil
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
