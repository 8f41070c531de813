package console

import (
	"cmp"
	"slices"
	"time"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// changeView is one entry of a user's change history: what happened, who
// asked, and each field it changed.
type changeView struct {
	What    string
	By      string
	Summary string
	Changes []iamv1alpha1.FieldChange
	When    string
	// WhenTitle is the exact time.
	WhenTitle string
}

// changeWords say what each action of the history is, as a person says it.
var changeWords = map[iamv1alpha1.UserChangeAction]string{
	iamv1alpha1.ChangeCreated:                "Created",
	iamv1alpha1.ChangeUpdated:                "Updated",
	iamv1alpha1.ChangeRoleChanged:            "Role changed",
	iamv1alpha1.ChangeServicesChanged:        "Services changed",
	iamv1alpha1.ChangeDisabled:               "Disabled",
	iamv1alpha1.ChangeEnabled:                "Enabled",
	iamv1alpha1.ChangeSoftDeleted:            "Deleted (restorable)",
	iamv1alpha1.ChangeRestored:               "Restored",
	iamv1alpha1.ChangeDeleted:                "Deleted",
	iamv1alpha1.ChangePurged:                 "Purged",
	iamv1alpha1.ChangeInvitationResent:       "Invitation resent",
	iamv1alpha1.ChangeUnlocked:               "Unlocked",
	iamv1alpha1.ChangePasswordResetRequested: "Password reset sent",
	iamv1alpha1.ChangeTwoFactorReset:         "Two-factor reset",
	iamv1alpha1.ChangeLoggedInAs:             "Logged in as",
	iamv1alpha1.ChangeLogInAsEnded:           "Log in as ended",
	iamv1alpha1.ChangeTransactionCancelled:   "Transaction cancelled",
}

// requesterText names who asked for a change, and who acted for them in
// a "log in as".
func requesterText(r iamv1alpha1.Requester) string {
	if r.Actor != "" {
		return r.Username + " (acted for by " + r.Actor + ")"
	}
	return orDash(r.Username)
}

// changeViews are a user's change records, newest first: by the time
// they were admitted (to the microsecond), then by their sequence.
func changeViews(changes []iamv1alpha1.UserChange) []changeView {
	sorted := slices.Clone(changes)
	slices.SortStableFunc(sorted, func(a, b iamv1alpha1.UserChange) int {
		return cmp.Or(b.Spec.Time.Compare(a.Spec.Time.Time), cmp.Compare(b.Spec.Sequence, a.Spec.Sequence))
	})
	views := make([]changeView, 0, len(sorted))
	for _, ch := range sorted {
		what := changeWords[ch.Spec.Action]
		if what == "" {
			what = string(ch.Spec.Action)
		}
		views = append(views, changeView{
			What: what, By: requesterText(ch.Spec.Requester), Summary: ch.Spec.Summary, Changes: ch.Spec.Changes,
			When: ch.Spec.Time.UTC().Format("2006-01-02 15:04:05"), WhenTitle: ch.Spec.Time.UTC().Format(time.RFC3339Nano),
		})
	}
	return views
}
