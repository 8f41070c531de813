package console

import (
	"fmt"
	"slices"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/stats"
)

// phaseWords say what each status means for the person behind the user.
var phaseWords = map[string]string{
	string(iamv1alpha1.UserPhaseInvited):  "Invited: the person has not accepted the invitation yet.",
	string(iamv1alpha1.UserPhaseActive):   "Active: the person can sign in and has the access of their role.",
	string(iamv1alpha1.UserPhaseUpdating): "Updating: a change is being carried out.",
	string(iamv1alpha1.UserPhaseDisabled): "Disabled: the person cannot sign in and has no access until enabled again.",
	string(iamv1alpha1.UserPhaseLocked):   "Locked: too many failed sign-ins keep the person out for a while.",
	string(iamv1alpha1.UserPhaseRevoked):  "Revoked: the person's role does not exist or cannot be granted, so they have no access.",
	string(iamv1alpha1.UserPhaseDeleted):  "Deleted, restorable: the person has no access and is out of the listings until restored or purged.",
	string(iamv1alpha1.UserPhaseDeleting): "Being deleted: the person's access and services are being removed.",
	pendingStatus:                         "Pending: the operator has not looked at this user yet.",
}

// conditionView is one condition of the user, in words.
type conditionView struct {
	Type    string
	Status  badge
	Reason  string
	Message string
	Since   string
}

// conditionViews are the user's conditions, Ready first.
func conditionViews(conds []metav1.Condition) []conditionView {
	sorted := slices.Clone(conds)
	slices.SortStableFunc(sorted, func(a, b metav1.Condition) int {
		switch {
		case a.Type == iamv1alpha1.ReadyCondition:
			return -1
		case b.Type == iamv1alpha1.ReadyCondition:
			return 1
		}
		return strings.Compare(a.Type, b.Type)
	})
	views := make([]conditionView, 0, len(sorted))
	for _, c := range sorted {
		status := badge{Text: "Unknown", Class: badgeNeutral}
		switch c.Status {
		case metav1.ConditionTrue:
			status = badge{Text: "Yes", Class: badgeSuccess}
		case metav1.ConditionFalse:
			status = badge{Text: "No", Class: badgeWarning}
		}
		views = append(views, conditionView{Type: splitWords(c.Type), Status: status, Reason: splitWords(c.Reason),
			Message: sentence(c.Message), Since: c.LastTransitionTime.UTC().Format("2006-01-02 15:04")})
	}
	return views
}

// splitWords turns a PascalCase name into words: EmailVerified is "Email
// verified".
func splitWords(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && r >= 'A' && r <= 'Z' {
			b.WriteByte(' ')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// conditionMessage is the message of the condition of type t, or "".
func conditionMessage(conds []metav1.Condition, t string) string {
	for _, c := range conds {
		if c.Type == t {
			return sentence(c.Message)
		}
	}
	return ""
}

// fact is a name and its value on the profile.
type fact struct {
	Name  string
	Value string
	Title string
}

// userFacts are what the profile says about u besides its editable
// fields: role, sign-in, invitation, balance, dates.
func userFacts(u *iamv1alpha1.User, now time.Time) []fact {
	lastLogin, lastLoginTitle := since(u.Status.LastLoginTime.IsZero(), func() time.Time { return u.Status.LastLoginTime.Time }, now)
	facts := []fact{
		{Name: "Name", Value: u.Name},
		{Name: "Role", Value: orDash(u.Spec.Role)},
		{Name: "Email verified", Value: yesNo(u.Status.EmailVerified)},
		{Name: "Two-factor", Value: twoFactorText(u)},
		{Name: "Last login", Value: lastLogin, Title: lastLoginTitle},
		{Name: labelCreated, Value: u.CreationTimestamp.UTC().Format("2006-01-02 15:04"), Title: u.CreationTimestamp.UTC().Format(time.RFC3339)},
	}
	if inv := u.Status.Invitation; inv != nil && !u.Status.EmailVerified {
		facts = append(facts, fact{Name: "Invitation", Value: invitationText(inv)})
	}
	if until := u.Status.LockedUntil; until != nil {
		facts = append(facts, fact{Name: "Locked until", Value: until.UTC().Format("2006-01-02 15:04 MST")})
	}
	if stats.Deleted(u) && u.Status.PurgeTime != nil {
		facts = append(facts, fact{Name: "Restorable until", Value: u.Status.PurgeTime.UTC().Format("2006-01-02 15:04 MST")})
	}
	return facts
}

// invitationText says where the current invitation stands.
func invitationText(inv *iamv1alpha1.InvitationStatus) string {
	switch {
	case inv.SentTime == nil && inv.LastErrorReason != "":
		return fmt.Sprintf("#%d to %s not delivered yet (%s, attempt %d)", inv.Number, inv.Email, splitWords(inv.LastErrorReason), inv.DeliveryAttempts)
	case inv.SentTime == nil:
		return fmt.Sprintf("#%d to %s is being sent", inv.Number, inv.Email)
	case inv.ExpiryTime != nil:
		return fmt.Sprintf("#%d sent to %s, valid until %s", inv.Number, inv.Email, inv.ExpiryTime.UTC().Format("2006-01-02 15:04 MST"))
	default:
		return fmt.Sprintf("#%d sent to %s", inv.Number, inv.Email)
	}
}

func yesNo(b bool) string {
	if b {
		return "Yes"
	}
	return "No"
}

// serviceTile is one of the user's services, with its phase.
type serviceTile struct {
	Name     string
	Class    string
	Phase    badge
	Message  string
	Object   string
	Assigned bool
}

// serviceTiles are the user's services: each one status knows, and each
// assigned one status does not know yet (Pending), by name.
func serviceTiles(u *iamv1alpha1.User) []serviceTile {
	assigned := map[string]bool{}
	for _, a := range u.Spec.Services {
		assigned[a.AssignmentName()] = true
	}
	var tiles []serviceTile
	known := map[string]bool{}
	for _, s := range u.Status.Services {
		known[s.Name] = true
		t := serviceTile{Name: s.Name, Class: s.ServiceClass, Phase: servicePhaseBadge(s.Phase), Message: sentence(s.Message), Assigned: assigned[s.Name]}
		if s.Object != nil {
			t.Object = s.Object.Kind + " " + s.Object.Name
		}
		tiles = append(tiles, t)
	}
	for _, a := range u.Spec.Services {
		if !known[a.AssignmentName()] {
			tiles = append(tiles, serviceTile{Name: a.AssignmentName(), Class: a.ServiceClass, Phase: servicePhaseBadge(iamv1alpha1.ServicePhasePending), Assigned: true})
		}
	}
	slices.SortFunc(tiles, func(a, b serviceTile) int { return strings.Compare(a.Name, b.Name) })
	return tiles
}

// servicePhaseBadge colours a service's phase.
func servicePhaseBadge(p iamv1alpha1.ServicePhase) badge {
	class := badgeInfo
	switch p {
	case iamv1alpha1.ServicePhaseReady:
		class = badgeSuccess
	case iamv1alpha1.ServicePhaseFailed:
		class = badgeDanger
	case iamv1alpha1.ServicePhaseRemoving:
		class = badgeWarning
	}
	return badge{Text: string(p), Class: class}
}

// teamView is a team the user is in.
type teamView struct {
	Name        string
	DisplayName string
	Role        string
	// State is what the user gets from the team.
	State badge
}

// teamsOf are the teams whose members name the user, by display name.
func teamsOf(teams []iamv1alpha1.Team, user string) []teamView {
	var views []teamView
	for _, t := range teams {
		if !slices.Contains(t.Spec.Members, user) {
			continue
		}
		v := teamView{Name: t.Name, DisplayName: t.Spec.DisplayName, Role: orDash(t.Spec.Role), State: badge{Text: "Pending", Class: badgeInfo}}
		for _, m := range t.Status.Members {
			if m.Name != user {
				continue
			}
			switch m.State {
			case iamv1alpha1.TeamMemberActive:
				v.State = badge{Text: "Active member", Class: badgeSuccess}
			case iamv1alpha1.TeamMemberNotActive:
				v.State = badge{Text: "Not active", Class: badgeNeutral}
			default:
				v.State = badge{Text: splitWords(string(m.State)), Class: badgeWarning}
			}
		}
		views = append(views, v)
	}
	slices.SortFunc(views, func(a, b teamView) int { return strings.Compare(a.DisplayName, b.DisplayName) })
	return views
}

// classChoice is a service class one can assign, with the seats left.
type classChoice struct {
	Class   string
	Service string
	Free    int32
	Total   int32
}

// classChoices are the classes of the account's subscriptions, each with
// its free seats summed over the subscriptions that sell it.
func classChoices(subs []subscriptionView) []classChoice {
	byClass := map[string]*classChoice{}
	var order []string
	for _, s := range subs {
		for _, seat := range s.Seats {
			c := byClass[seat.Class]
			if c == nil {
				c = &classChoice{Class: seat.Class, Service: seat.Service}
				byClass[seat.Class] = c
				order = append(order, seat.Class)
			}
			c.Free += seat.Free
			c.Total += seat.Quantity
		}
	}
	slices.Sort(order)
	choices := make([]classChoice, 0, len(order))
	for _, class := range order {
		choices = append(choices, *byClass[class])
	}
	return choices
}

// builtinRoles are the roles installed with the operator (config/roles):
// an account's users can rarely read Roles, which are cluster-scoped, so
// these and the roles its users hold are what the role pickers offer.
var builtinRoles = []string{"manager", "owner"}

// roleChoices are the roles one can pick: the Roles the person may read,
// the built-in ones, and every role a user of the account holds.
func roleChoices(readable []iamv1alpha1.Role, users []iamv1alpha1.User) []string {
	roles := slices.Clone(builtinRoles)
	for _, r := range readable {
		roles = append(roles, r.Name)
	}
	for _, u := range users {
		if u.Spec.Role != "" {
			roles = append(roles, u.Spec.Role)
		}
	}
	slices.Sort(roles)
	return slices.Compact(roles)
}
