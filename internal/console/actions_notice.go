package console

import (
	"net/http"
	"net/url"
)

// Notices are the flashes an action leaves on the page it redirects to.
// The address carries only their key, so that no text in a link can put
// words in the console's mouth.
const (
	noticeSaved         = "saved"
	noticeUnchanged     = "unchanged"
	noticeInvited       = "invited"
	noticeResent        = "resent"
	noticeDisabled      = "disabled"
	noticeEnabled       = "enabled"
	noticeUnlocked      = "unlocked"
	noticePasswordReset = "password-reset"
	noticeTwoFactor     = "2fa-reset"
	noticeRole          = "role"
	noticeServices      = "services"
	noticeRefilled      = "refilled"
	noticeCancelled     = "cancelled"
	noticeDeleted       = "deleted"
	noticeRestored      = "restored"
	noticePurged        = "purged"
	noticeDisconnected  = "disconnected"
)

var notices = map[string]string{
	noticeSaved:         "Your changes were saved.",
	noticeUnchanged:     "Nothing changed, so there was nothing to save.",
	noticeInvited:       "The user was created; the operator emails them the invitation.",
	noticeResent:        "A new invitation is on its way to the user.",
	noticeDisabled:      "The user is disabled: they cannot sign in until enabled again.",
	noticeEnabled:       "The user is enabled again.",
	noticeUnlocked:      "The user is unlocked; failed sign-ins before now no longer count.",
	noticePasswordReset: "A password reset email is on its way to the user.",
	noticeTwoFactor:     "The user's two-factor authentication was removed: their next sign-in needs the password only.",
	noticeRole:          "The role was changed.",
	noticeServices:      "The services were changed.",
	noticeRefilled:      "The refill was recorded; the balance moves once the ledger applies it.",
	noticeCancelled:     "The transaction is being cancelled; its amount comes off the balance once the ledger takes it back.",
	noticeDeleted:       "The user was deleted: no access, out of the listings, restorable until the retention ends.",
	noticeRestored:      "The user was restored.",
	noticePurged:        "The user is being deleted for good, with their access and services.",
	noticeDisconnected:  "You are yourself again: the log in as session ended.",
}

// noticeText is the flash of key, or "" for a key the console never sets.
func noticeText(key string) string {
	return notices[key]
}

// redirectWithNotice answers a form post that did what it asked: 303 to
// target with the notice, so that a reload repeats nothing.
func redirectWithNotice(w http.ResponseWriter, r *http.Request, target, notice string) {
	http.Redirect(w, r, target+"?"+url.Values{"notice": {notice}}.Encode(), http.StatusSeeOther)
}
