package console

import (
	"slices"
	"strings"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/stats"
)

// tileListLimit is how many users the Users tile lists by name; from one
// more on it shows their count, as the portal's tile does.
const tileListLimit = 3

// usersTile is the home page's Users tile.
type usersTile struct {
	// Total counts the account's users, the soft-deleted left out.
	Total int
	// Listed are the users by name, when there are at most tileListLimit.
	Listed []tileUser
	// Statuses count the users of each status but Active, in statusOrder;
	// a status nobody is in is left out.
	Statuses []statusCount
}

// tileUser is one user the tile lists.
type tileUser struct {
	Name     string
	FullName string
	Status   badge
}

// statusCount is how many users are in one status.
type statusCount struct {
	Status badge
	Count  int
}

// buildUsersTile is the UX1 rule of the Users tile: up to three users are
// listed by name and status, from four on only their total shows; in both
// cases the statuses other than Active follow with their counts, those
// with no users left out. Soft-deleted users are out of the account.
func buildUsersTile(users []iamv1alpha1.User) usersTile {
	var tile usersTile
	counts := map[string]int{}
	var kept []*iamv1alpha1.User
	for i := range users {
		u := &users[i]
		if stats.Deleted(u) {
			continue
		}
		kept = append(kept, u)
		counts[statusOf(u)]++
	}
	tile.Total = len(kept)
	if tile.Total <= tileListLimit {
		slices.SortFunc(kept, func(a, b *iamv1alpha1.User) int { return strings.Compare(a.Name, b.Name) })
		for _, u := range kept {
			tile.Listed = append(tile.Listed, tileUser{Name: u.Name, FullName: u.Spec.FullName, Status: statusBadge(statusOf(u))})
		}
	}
	for _, status := range statusOrder {
		if counts[status] > 0 {
			tile.Statuses = append(tile.Statuses, statusCount{Status: statusBadge(status), Count: counts[status]})
		}
	}
	return tile
}
