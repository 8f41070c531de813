package console

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// column is one column of the users grid. Key names its cells, in the
// page and in the live updates alike (data-key), so that live.js finds
// the cell an update is for.
type column struct {
	Key   string
	Label string
	// Title says more than the label where it is short (a service's
	// display name).
	Title string
	// Sort is the ?sort= key of a sortable column.
	Sort    string
	Numeric bool
}

// The keys of the grid's fixed columns: live.js finds a cell by its key
// (data-key), and console.css styles a tile's entry by it
// (user-tile-<key>).
const (
	columnName      = "name"
	columnEmail     = "email"
	columnRole      = "role"
	columnStatus    = "status"
	columnLastLogin = "lastLogin"
	columnTwoFactor = "twoFactor"
	columnBalance   = "balance"
	columnCreated   = "created"
)

// serviceKeyPrefix starts the key of a service's column; the rest is the
// ServiceClass's name, whatever heads the column.
const serviceKeyPrefix = "service:"

// labelCreated names a user's creation time, in the grid and on the
// profile alike.
const labelCreated = "Created"

// fixedColumns are the grid's columns before and after the services.
var (
	leadingColumns = []column{
		{Key: columnName, Label: "Name", Sort: sortName},
		{Key: columnEmail, Label: "Email", Sort: sortEmail},
		{Key: columnRole, Label: "Role"},
		{Key: columnStatus, Label: "Status", Sort: sortStatus},
		{Key: columnLastLogin, Label: "Last login", Sort: sortLastLogin},
		{Key: columnTwoFactor, Label: "2FA"},
	}
	trailingColumns = []column{
		{Key: columnBalance, Label: "Balance", Sort: sortBalance, Numeric: true},
		{Key: columnCreated, Label: labelCreated, Sort: sortCreated},
	}
)

// cell is one cell of a user's row (or tile): its text, and a link or a
// badge's colour where it has one. Every value is text: the pages and
// live.js put it in the document as text, never as markup.
type cell struct {
	Key string `json:"key"`
	// Label is the column's, for the tiles, which have no header.
	Label string `json:"-"`
	Text  string `json:"text"`
	Href  string `json:"href,omitempty"`
	Badge string `json:"badge,omitempty"`
	// Title is the exact value behind a short one (a time).
	Title   string `json:"title,omitempty"`
	Numeric bool   `json:"-"`
}

// row is one user of the grid.
type row struct {
	Name  string `json:"name"`
	Cells []cell `json:"cells"`
}

// userHref is the address of a user's profile.
func userHref(name string) string {
	return pathUsers + "/" + url.PathEscape(name)
}

// userRow is u's row under columns at now.
func userRow(u *iamv1alpha1.User, columns []column, now time.Time) row {
	r := row{Name: u.Name, Cells: make([]cell, 0, len(columns))}
	for _, col := range columns {
		c := cell{Key: col.Key, Label: col.Label, Numeric: col.Numeric}
		switch col.Key {
		case columnName:
			c.Text, c.Href = displayName(u), userHref(u.Name)
			if u.Spec.FullName != "" && u.Spec.FullName != u.Name {
				c.Title = u.Name
			}
		case columnEmail:
			c.Text = u.Spec.Email
		case columnRole:
			c.Text = orDash(u.Spec.Role)
		case columnStatus:
			b := statusBadge(statusOf(u))
			c.Text, c.Badge = b.Text, b.Class
		case columnLastLogin:
			c.Text, c.Title = since(u.Status.LastLoginTime.IsZero(), func() time.Time { return u.Status.LastLoginTime.Time }, now)
		case columnTwoFactor:
			c.Text = twoFactorText(u)
		case columnBalance:
			c.Text = balanceText(u.Status.Balance)
		case columnCreated:
			c.Text, c.Title = u.CreationTimestamp.Format(time.DateOnly), u.CreationTimestamp.UTC().Format(time.RFC3339)
		default:
			c.Text = serviceCellText(u, strings.TrimPrefix(col.Key, serviceKeyPrefix))
		}
		r.Cells = append(r.Cells, c)
	}
	return r
}

// displayName is how a user is named on the pages: their full name, or
// the object's name before they have one.
func displayName(u *iamv1alpha1.User) string {
	if u.Spec.FullName != "" {
		return u.Spec.FullName
	}
	return u.Name
}

// since says how long ago t was, and t itself as its title.
func since(missing bool, t func() time.Time, now time.Time) (text, title string) {
	if missing {
		return "Never", ""
	}
	return ago(now.Sub(t())), t().UTC().Format(time.RFC3339)
}

// ago says how long ago something happened, in the largest whole unit.
func ago(d time.Duration) string {
	plural := func(n int, unit string) string {
		if n == 1 {
			return "1 " + unit + " ago"
		}
		return fmt.Sprintf("%d %ss ago", n, unit)
	}
	switch {
	case d < time.Minute:
		return "Just now"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute")
	case d < 48*time.Hour:
		return plural(int(d/time.Hour), "hour")
	default:
		return plural(int(d/(24*time.Hour)), "day")
	}
}

// twoFactorText says whether the user signs in with a second factor, and
// whether they must but have not enrolled yet.
func twoFactorText(u *iamv1alpha1.User) string {
	switch {
	case u.Status.TwoFactor == iamv1alpha1.TwoFactorEnabled:
		return "On"
	case u.Spec.RequireTwoFactor:
		return "Required, not set up"
	default:
		return "Off"
	}
}

// balanceText is the balance with its currency, or a dash.
func balanceText(b *iamv1alpha1.BalanceStatus) string {
	if b == nil || b.Amount == "" {
		return "—"
	}
	return strings.TrimSpace(b.Amount + " " + b.Currency)
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
