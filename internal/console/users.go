package console

import (
	"net/http"

	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/stats"
)

// usersContent is the users grid.
type usersContent struct {
	Query   gridQuery
	Columns []headerCell
	Rows    []row
	// Total counts the users the query kept, out of All.
	Total, All int
	// Deleted counts the soft-deleted users the grid leaves out; DeletedHref
	// shows them.
	Deleted     int
	DeletedHref string
	// Statuses are the choices of the status filter.
	Statuses []string
	Problem  string
	// TableHref and TilesHref switch the view, keeping the rest.
	TableHref, TilesHref string
	// EventsHref is the live stream of this grid's users.
	EventsHref  string
	Permissions Permissions
}

// headerCell is a column's header: its link sorts by it.
type headerCell struct {
	column
	Href string
	// AriaSort is ascending or descending for the sorted column.
	AriaSort string
}

// headers are the columns' headers for q.
func headers(columns []column, q gridQuery) []headerCell {
	cells := make([]headerCell, 0, len(columns))
	for _, col := range columns {
		h := headerCell{column: col}
		if col.Sort != "" {
			h.Href = q.sortHref(col.Sort)
			if q.Sort == col.Sort {
				h.AriaSort = "ascending"
				if q.Desc {
					h.AriaSort = "descending"
				}
			}
		}
		cells = append(cells, h)
	}
	return cells
}

// serveUsers is the users grid: a table or tiles, sorted, filtered and
// searched as its query says.
func (c *Console) serveUsers(w http.ResponseWriter, r *http.Request, v *visit) {
	ctx := r.Context()
	q := parseGridQuery(r.URL.Query())
	content := usersContent{
		Query: q, Statuses: filterStatuses,
		TableHref: q.viewHref(viewTable), TilesHref: q.viewHref(viewTiles),
		Permissions: v.permissions(ctx),
	}
	users := &iamv1alpha1.UserList{}
	if err := v.client.List(ctx, users, client.InNamespace(v.person.Namespace)); err != nil {
		content.Problem = explainError(err, access{Verb: verbList, Resource: resourceUsers}).Message
		c.render(w, r, http.StatusOK, "users.html", v.view("Users", navUsers, content))
		return
	}
	// Subscriptions and classes only add columns: a person who may not
	// read them still sees every service the users hold.
	subs, _ := v.subscriptions(ctx)
	columns := gridColumns(subs, v.serviceClasses(ctx), users.Items)
	content.Columns = headers(columns, q)
	now := c.clock.Now()
	kept := q.selectUsers(users.Items)
	for i := range kept {
		content.Rows = append(content.Rows, userRow(&kept[i], columns, now))
	}
	content.Total, content.All = len(kept), len(users.Items)
	if q.Status == "" {
		for i := range users.Items {
			if stats.Deleted(&users.Items[i]) {
				content.Deleted++
			}
		}
		deleted := q
		deleted.Status = string(iamv1alpha1.UserPhaseDeleted)
		content.DeletedHref = deleted.href()
	}
	if content.Permissions.MayWatchUsers {
		events := q
		events.View, events.Sort, events.Desc = viewTable, sortName, false
		content.EventsHref = pathUserEvents
		if values := events.values(); len(values) > 0 {
			content.EventsHref += "?" + values.Encode()
		}
	}
	page := v.view("Users", navUsers, content)
	page.Scripts = []string{"live.js"}
	c.render(w, r, http.StatusOK, "users.html", page)
}
