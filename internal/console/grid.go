package console

import (
	"cmp"
	"math/big"
	"net/url"
	"slices"
	"strings"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/stats"
)

// The grid's sort keys, as ?sort= names them.
const (
	sortName      = "name"
	sortEmail     = "email"
	sortStatus    = "status"
	sortLastLogin = "lastLogin"
	sortCreated   = "created"
	sortBalance   = "balance"
)

var sortKeys = []string{sortName, sortEmail, sortStatus, sortLastLogin, sortCreated, sortBalance}

// The grid's views, as ?view= names them.
const (
	viewTable = "table"
	viewTiles = "tiles"
)

// gridQuery is the state of the users grid, all of it in the URL so that
// a grid can be bookmarked, reloaded and used without JavaScript.
type gridQuery struct {
	Sort string
	// Desc reverses the sort (?order=desc).
	Desc bool
	// Status keeps the users of one status; "" keeps every user but the
	// soft-deleted, which only ?status=Deleted shows.
	Status string
	// Q keeps the users whose name, full name or email contains it,
	// whatever the case.
	Q    string
	View string
}

// parseGridQuery reads the grid's query; what it does not know falls back
// to the default (by name, ascending, every status, the table).
func parseGridQuery(v url.Values) gridQuery {
	q := gridQuery{Sort: sortName, View: viewTable, Desc: v.Get("order") == "desc", Q: strings.TrimSpace(v.Get("q"))}
	if s := v.Get("sort"); slices.Contains(sortKeys, s) {
		q.Sort = s
	}
	if s := v.Get("status"); slices.Contains(filterStatuses, s) {
		q.Status = s
	}
	if v.Get("view") == viewTiles {
		q.View = viewTiles
	}
	return q
}

// values is the query of q, without its defaults.
func (q gridQuery) values() url.Values {
	v := url.Values{}
	if q.Sort != sortName {
		v.Set("sort", q.Sort)
	}
	if q.Desc {
		v.Set("order", "desc")
	}
	if q.Status != "" {
		v.Set("status", q.Status)
	}
	if q.Q != "" {
		v.Set("q", q.Q)
	}
	if q.View != viewTable {
		v.Set("view", q.View)
	}
	return v
}

// href is the grid's address with q.
func (q gridQuery) href() string {
	if v := q.values(); len(v) > 0 {
		return pathUsers + "?" + v.Encode()
	}
	return pathUsers
}

// sortHref is the address a column header links to: sorted by key,
// ascending, or the other way when the grid is sorted by key already.
func (q gridQuery) sortHref(key string) string {
	next := q
	next.Desc = q.Sort == key && !q.Desc
	next.Sort = key
	return next.href()
}

// viewHref is the address of the grid in another view.
func (q gridQuery) viewHref(view string) string {
	next := q
	next.View = view
	return next.href()
}

// matches says whether the grid shows u.
func (q gridQuery) matches(u *iamv1alpha1.User) bool {
	switch {
	case q.Status == "" && stats.Deleted(u):
		return false
	case q.Status != "" && statusOf(u) != q.Status:
		return false
	case q.Q == "":
		return true
	}
	needle := strings.ToLower(q.Q)
	for _, hay := range []string{u.Name, u.Spec.FullName, u.Spec.Email} {
		if strings.Contains(strings.ToLower(hay), needle) {
			return true
		}
	}
	return false
}

// selectUsers are the users the grid shows, in its order. Ties keep the
// order by name, so that the grid does not shuffle on a reload.
func (q gridQuery) selectUsers(users []iamv1alpha1.User) []iamv1alpha1.User {
	kept := make([]iamv1alpha1.User, 0, len(users))
	for i := range users {
		if q.matches(&users[i]) {
			kept = append(kept, users[i])
		}
	}
	slices.SortStableFunc(kept, func(a, b iamv1alpha1.User) int {
		byKey := compareBy(q.Sort, &a, &b)
		if q.Desc {
			byKey = -byKey
		}
		return cmp.Or(byKey, strings.Compare(a.Name, b.Name))
	})
	return kept
}

// compareBy orders two users by one sort key. A user without a value
// (never signed in, no balance) comes before one with.
func compareBy(key string, a, b *iamv1alpha1.User) int {
	switch key {
	case sortEmail:
		return strings.Compare(strings.ToLower(a.Spec.Email), strings.ToLower(b.Spec.Email))
	case sortStatus:
		return cmp.Compare(statusRank(statusOf(a)), statusRank(statusOf(b)))
	case sortLastLogin:
		return compareTimes(a.Status.LastLoginTime.IsZero(), b.Status.LastLoginTime.IsZero(), func() int {
			return a.Status.LastLoginTime.Compare(b.Status.LastLoginTime.Time)
		})
	case sortCreated:
		return a.CreationTimestamp.Compare(b.CreationTimestamp.Time)
	case sortBalance:
		return compareBalances(a.Status.Balance, b.Status.Balance)
	default:
		return strings.Compare(a.Name, b.Name)
	}
}

// statusRank orders statuses as the filter lists them: Active, then the
// ones a person acts on, the soft-deleted last.
func statusRank(status string) int {
	if i := slices.Index(filterStatuses, status); i >= 0 {
		return i
	}
	return len(filterStatuses)
}

// compareTimes puts a missing time first, and compares present ones.
func compareTimes(aMissing, bMissing bool, compare func() int) int {
	switch {
	case aMissing && bMissing:
		return 0
	case aMissing:
		return -1
	case bMissing:
		return 1
	}
	return compare()
}

// compareBalances orders balances by currency, then amount as a decimal;
// no balance comes first.
func compareBalances(a, b *iamv1alpha1.BalanceStatus) int {
	amountA, okA := balanceAmount(a)
	amountB, okB := balanceAmount(b)
	return compareTimes(!okA, !okB, func() int {
		return cmp.Or(strings.Compare(a.Currency, b.Currency), amountA.Cmp(amountB))
	})
}

// balanceAmount is the balance as an exact decimal, if there is one.
func balanceAmount(b *iamv1alpha1.BalanceStatus) (*big.Rat, bool) {
	if b == nil || b.Amount == "" {
		return nil, false
	}
	return new(big.Rat).SetString(b.Amount)
}
