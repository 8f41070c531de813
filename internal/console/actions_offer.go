package console

import (
	"strings"
	"time"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/rbac"
	"github.com/tenantry-io/tenantry/internal/stats"
)

// offer is what a profile offers the person to do with the user: each
// action only where RBAC lets the person try it and the user's state makes
// it mean something. The API server still decides every one.
type offer struct {
	Edit           bool
	Resend         bool
	Disable        bool
	Enable         bool
	Unlock         bool
	ResetPassword  bool
	ResetTwoFactor bool
	ChangeRole     bool
	Refill         bool
	Delete         bool
	Restore        bool
	Purge          bool
	LogInAs        bool
}

// Any says whether the profile offers any action at all.
func (o offer) Any() bool {
	return o.Edit || o.Resend || o.Disable || o.Enable || o.Unlock || o.ResetPassword || o.ResetTwoFactor ||
		o.ChangeRole || o.Refill || o.Delete || o.Restore || o.Purge || o.LogInAs
}

// shows says whether the profile shows the form of action. A cancel's
// refusal always has its place, above the transactions.
func (o offer) shows(action string) bool {
	return map[string]bool{
		actionEdit: o.Edit, actionServices: o.Edit, actionResend: o.Resend, actionDisable: o.Disable, actionEnable: o.Enable,
		actionUnlock: o.Unlock, actionResetPassword: o.ResetPassword, actionResetTwoFactor: o.ResetTwoFactor,
		actionRole: o.ChangeRole, actionRefill: o.Refill, actionCancel: true, actionDelete: o.Delete,
		actionRestore: o.Restore, actionPurge: o.Purge, actionLogInAs: o.LogInAs,
	}[action]
}

// offerInput is what deciding the offer needs to know.
type offerInput struct {
	Perms  Permissions
	User   *iamv1alpha1.User
	Person *Person
	// TargetManagesUsers is true when the person may read the user's Role
	// and it has manageUsers: nobody may act as a user manager.
	TargetManagesUsers bool
	Now                time.Time
}

// offerFor decides the actions of a profile. A user being deleted offers
// nothing: there is nothing left to change.
func offerFor(in offerInput) offer {
	u, p := in.User, in.Perms
	if !u.DeletionTimestamp.IsZero() {
		return offer{}
	}
	if stats.Deleted(u) {
		return offer{
			Restore: p.MayEdit && (u.Status.PurgeTime == nil || in.Now.Before(u.Status.PurgeTime.Time)),
			Purge:   p.MayDelete,
		}
	}
	disabled := u.Spec.State == iamv1alpha1.UserStateDisabled
	return offer{
		Edit:           p.MayEdit,
		Resend:         p.MayEdit && !disabled && !u.Status.EmailVerified,
		Disable:        p.MayEdit && !disabled,
		Enable:         p.MayEdit && disabled,
		Unlock:         p.MayEdit && (u.Status.Phase == iamv1alpha1.UserPhaseLocked || u.Status.LockedUntil != nil),
		ResetPassword:  p.MayEdit && !disabled && u.Status.EmailVerified,
		ResetTwoFactor: p.MayEdit && u.Status.TwoFactor == iamv1alpha1.TwoFactorEnabled,
		ChangeRole:     p.MayEdit,
		Refill:         p.MayRefill,
		Delete:         p.MayEdit,
		LogInAs:        mayOfferLogInAs(in),
	}
}

// mayOfferLogInAs says whether the "log in as" button makes sense: the
// person may manage users and is acting as nobody already, and the user is
// someone else, active, and no user manager as far as the person can tell
// (the self-service server decides with rbac.MayActAs and says why not).
func mayOfferLogInAs(in offerInput) bool {
	u, person := in.User, in.Person
	return in.Perms.MayLogInAs() && person != nil && person.Actor == nil &&
		u.Name != person.User && !strings.EqualFold(u.Spec.Email, person.Email) &&
		rbac.UserActive(u) && !in.TargetManagesUsers
}

// buttonAction is an action the profile offers as a form of one button:
// its name (the form's id is action-<name>, it posts to <profile>/<name>),
// the button's words, a hint of what it does, and whether it is the page's
// primary action.
type buttonAction struct {
	Name, Label, Hint string
	Primary           bool
}

// Buttons are the one-button actions offered, in the order the profile
// shows them.
func (o offer) Buttons(displayName string) []buttonAction {
	all := []struct {
		offered bool
		button  buttonAction
	}{
		{o.LogInAs, buttonAction{actionLogInAs, "Log in as " + displayName, "See the account as this user sees it; what you do is recorded as you acting for them.", true}},
		{o.Resend, buttonAction{actionResend, "Resend invitation", "", false}},
		{o.Unlock, buttonAction{actionUnlock, "Unlock", "", false}},
		{o.ResetPassword, buttonAction{actionResetPassword, "Reset password", "Emails the user a link to choose a new password.", false}},
		{o.ResetTwoFactor, buttonAction{actionResetTwoFactor, "Reset two-factor", "Removes the user's authenticator and recovery codes.", false}},
		{o.Enable, buttonAction{actionEnable, "Enable", "", false}},
		{o.Disable, buttonAction{actionDisable, "Disable", "No sign-in and no access until enabled again.", false}},
		{o.Restore, buttonAction{actionRestore, "Restore", "Brings the user back with their balance, history and teams.", true}},
	}
	var buttons []buttonAction
	for _, a := range all {
		if a.offered {
			buttons = append(buttons, a.button)
		}
	}
	return buttons
}
