package console

import (
	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/stats"
)

// pendingStatus names a user the operator has not given a phase yet.
const pendingStatus = "Pending"

// The design system's badge colours (internal/webui base.css): each says
// how a person should read a status, next to its word.
const (
	// badgeSuccess is green: all is well.
	badgeSuccess = "badge-success"
	// badgeInfo is blue: something is on its way.
	badgeInfo = "badge-info"
	// badgeWarning is amber: a person should look.
	badgeWarning = "badge-warning"
	// badgeDanger is red: a failure keeps someone out.
	badgeDanger = "badge-danger"
	// badgeNeutral is grey: an administrator's choice, or nothing known.
	badgeNeutral = "badge-neutral"
)

// badge is a status as the pages show it: its word, and the design
// system's colour for it (badgeSuccess, badgeInfo, ...), never colour
// alone.
type badge struct {
	Text  string
	Class string
}

// statusOf is the user's status: its phase, Deleted for a soft-deleted
// user whatever its phase says, or Pending before the first reconcile.
func statusOf(u *iamv1alpha1.User) string {
	if stats.Deleted(u) {
		return string(iamv1alpha1.UserPhaseDeleted)
	}
	if u.Status.Phase == "" {
		return pendingStatus
	}
	return string(u.Status.Phase)
}

// statusBadge colours a status: green for Active, blue while something is
// on its way, amber where a person should look, red where they are kept
// out by a failure, grey where an administrator chose to.
func statusBadge(status string) badge {
	class := badgeNeutral
	switch iamv1alpha1.UserPhase(status) {
	case iamv1alpha1.UserPhaseActive:
		class = badgeSuccess
	case iamv1alpha1.UserPhaseInvited, iamv1alpha1.UserPhaseUpdating:
		class = badgeInfo
	case iamv1alpha1.UserPhaseDeleting, pendingStatus:
		class = badgeWarning
	case iamv1alpha1.UserPhaseLocked, iamv1alpha1.UserPhaseRevoked:
		class = badgeDanger
	}
	return badge{Text: status, Class: class}
}

// statusOrder is the order statuses are counted in: the ones a person
// acts on first, as the kubectl plugin's summary has them.
var statusOrder = []string{
	string(iamv1alpha1.UserPhaseInvited), string(iamv1alpha1.UserPhaseLocked), string(iamv1alpha1.UserPhaseDisabled),
	string(iamv1alpha1.UserPhaseUpdating), string(iamv1alpha1.UserPhaseRevoked), string(iamv1alpha1.UserPhaseDeleting),
	pendingStatus,
}

// filterStatuses are the statuses the grid filters by, Active first and
// the soft-deleted last: they are out of the grid unless asked for.
var filterStatuses = append(append([]string{string(iamv1alpha1.UserPhaseActive)}, statusOrder...), string(iamv1alpha1.UserPhaseDeleted))
