// Package stats counts an account's users the way the portal's statistics
// do: by phase, how many were created in the last 7 and 30 days, and how
// many signed in within the last 30. The metrics and the kubectl plugin
// count with the same function, so both say the same.
package stats

import (
	"sort"
	"time"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// The windows the statistics look back over.
const (
	Week  = 7 * 24 * time.Hour
	Month = 30 * 24 * time.Hour
)

// Totals are one account's counts. Soft-deleted users (spec.state
// Deleted) are left out of every count but Deleted: they are out of the
// account until restored.
type Totals struct {
	Account string
	// Users counts the account's users that are not soft-deleted.
	Users int
	// ByPhase counts them by phase; "" is a user not reconciled yet.
	ByPhase map[iamv1alpha1.UserPhase]int
	// CreatedWeek and CreatedMonth count those created within 7 and 30 days.
	CreatedWeek, CreatedMonth int
	// SignedInMonth counts those who signed in within 30 days.
	SignedInMonth int
	// Deleted counts the soft-deleted users, restorable until their purge.
	Deleted int
}

// Deleted says whether a user is soft-deleted.
func Deleted(u *iamv1alpha1.User) bool { return u.Spec.State == iamv1alpha1.UserStateDeleted }

// ByAccount counts users per account, sorted by account.
func ByAccount(users []iamv1alpha1.User, now time.Time) []Totals {
	byNS := map[string]*Totals{}
	for i := range users {
		u := &users[i]
		t := byNS[u.Namespace]
		if t == nil {
			t = &Totals{Account: u.Namespace, ByPhase: map[iamv1alpha1.UserPhase]int{}}
			byNS[u.Namespace] = t
		}
		if Deleted(u) {
			t.Deleted++
			continue
		}
		t.Users++
		t.ByPhase[u.Status.Phase]++
		age := now.Sub(u.CreationTimestamp.Time)
		if age <= Week {
			t.CreatedWeek++
		}
		if age <= Month {
			t.CreatedMonth++
		}
		if last := u.Status.LastLoginTime; last != nil && now.Sub(last.Time) <= Month {
			t.SignedInMonth++
		}
	}
	out := make([]Totals, 0, len(byNS))
	for _, t := range byNS {
		out = append(out, *t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Account < out[j].Account })
	return out
}

// Sum adds several accounts' totals into one.
func Sum(all []Totals) Totals {
	sum := Totals{ByPhase: map[iamv1alpha1.UserPhase]int{}}
	for _, t := range all {
		sum.Users += t.Users
		sum.CreatedWeek += t.CreatedWeek
		sum.CreatedMonth += t.CreatedMonth
		sum.SignedInMonth += t.SignedInMonth
		sum.Deleted += t.Deleted
		for p, n := range t.ByPhase {
			sum.ByPhase[p] += n
		}
	}
	return sum
}
