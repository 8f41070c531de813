package console

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/stats"
)

// profileContent is a user's profile: everything about the user, the
// forms the person may use, and what the last action said.
type profileContent struct {
	Name        string
	DisplayName string
	Email       string
	Href        string
	Status      badge
	StatusWords string
	Facts       []fact
	Conditions  []conditionView
	Sections    []sectionView
	// ResourceVersion guards the forms that edit fields.
	ResourceVersion string

	Services       []serviceTile
	ServiceChoices []classChoice
	Teams          []teamView
	TeamsProblem   string

	History        []changeView
	HistoryProblem string

	Balance             string
	Currency            string
	Transactions        []transactionView
	TransactionsProblem string
	// RefillKey makes one refill form create at most one transaction.
	RefillKey string

	Role  string
	Roles []string
	Offer offer

	// Notice is the flash of the action that led here.
	Notice string
	// Problem is what the API server said of the last action, and
	// Problems what it said of each action or field, by the form's
	// action (disable, refill, ...) or the input's name.
	Problem  string
	Problems map[string]string
	// EditSection is the section whose refused edit Problems["edit"]
	// is about.
	EditSection string
	// Refill holds what was typed in a refused refill, and RefillProblems
	// what the API server said of its inputs, by name.
	RefillAmount, RefillDescription string
	RefillProblems                  map[string]string
}

// sectionView is one section of the profile: its fields with their values,
// editable or read.
type sectionView struct {
	ID     string
	Title  string
	Fields []fieldView
}

// fieldView is one field as the page shows it.
type fieldView struct {
	profileField
	ID       string
	Value    string
	Problem  string
	Editable bool
}

// profileState is what a profile shows besides the user: the action's
// outcome, and what was typed into a refused form.
type profileState struct {
	status  int
	notice  string
	problem Problem
	// action names the form the problem is about.
	action string
	// section and typed are a refused edit's section and form.
	section string
	typed   url.Values
}

var sectionTitles = map[string]string{sectionIdentity: "Identity and sign-in", sectionBilling: "Billing details"}

// serveProfile is a user's profile.
func (c *Console) serveProfile(w http.ResponseWriter, r *http.Request, v *visit) {
	c.showProfile(w, r, v, r.PathValue("name"), profileState{status: http.StatusOK, notice: noticeText(r.URL.Query().Get("notice"))})
}

// showProfile reads the user and everything around it as the person and
// renders the profile with state.
func (c *Console) showProfile(w http.ResponseWriter, r *http.Request, v *visit, name string, state profileState) {
	ctx := r.Context()
	u := &iamv1alpha1.User{}
	if err := v.client.Get(ctx, client.ObjectKey{Namespace: v.person.Namespace, Name: name}, u); err != nil {
		if apierrors.IsNotFound(err) && r.URL.Query().Get("notice") == noticePurged {
			c.renderError(w, r, v, http.StatusOK, "User deleted", "The user "+name+" was deleted for good, with their access and services.")
			return
		}
		p := explainError(err, access{Verb: verbGet, Resource: resourceUsers, Name: name})
		c.renderError(w, r, v, httpStatusOf(err), "User "+name, p.Message)
		return
	}
	content := c.profileContent(ctx, v, u, state)
	c.render(w, r, state.status, "profile.html", v.view(displayName(u), navUsers, content))
}

// profileContent gathers the profile of u.
func (c *Console) profileContent(ctx context.Context, v *visit, u *iamv1alpha1.User, state profileState) profileContent {
	perms := v.permissions(ctx)
	now := c.clock.Now()
	content := profileContent{
		Name: u.Name, DisplayName: displayName(u), Email: u.Spec.Email, Href: userHref(u.Name),
		Status: statusBadge(statusOf(u)), StatusWords: phaseWords[statusOf(u)], Facts: userFacts(u, now),
		Conditions: conditionViews(u.Status.Conditions), ResourceVersion: u.ResourceVersion,
		Services: serviceTiles(u), Role: u.Spec.Role, Currency: ledgerCurrency(u), Balance: balanceText(u.Status.Balance),
		Notice: state.notice, Problem: state.problem.Message, Problems: map[string]string{}, RefillProblems: map[string]string{}, EditSection: state.section,
	}
	if ready := conditionMessage(u.Status.Conditions, iamv1alpha1.ReadyCondition); ready != "" && statusOf(u) != string(iamv1alpha1.UserPhaseActive) {
		content.StatusWords += " " + ready
	}
	content.Offer = offerFor(offerInput{Perms: perms, User: u, Person: v.person, TargetManagesUsers: v.managesUsers(ctx, u), Now: now})
	// The refusal goes next to the form it answers; a form the page does
	// not show (a post made by hand) gets it at the top.
	if state.action != "" && state.problem.Message != "" && content.Offer.shows(state.action) {
		content.Problems[state.action] = state.problem.Message
		content.Problem = ""
	}
	// A refused refill's causes name the transaction's fields (amount,
	// currency): they go next to the refill form's inputs, not to the
	// identity section's currency.
	fieldProblems := content.Problems
	if state.action == actionRefill {
		fieldProblems = content.RefillProblems
	}
	for field, message := range state.problem.Fields {
		fieldProblems[field] = message
	}
	content.Sections = profileSections(u, content.Offer.Edit, state, content.Problems)

	teams := &iamv1alpha1.TeamList{}
	if err := v.client.List(ctx, teams, client.InNamespace(u.Namespace)); err != nil {
		content.TeamsProblem = explainError(err, access{Verb: verbList, Resource: resourceTeams}).Message
	} else {
		content.Teams = teamsOf(teams.Items, u.Name)
	}
	changes := &iamv1alpha1.UserChangeList{}
	if err := v.client.List(ctx, changes, client.InNamespace(u.Namespace), client.MatchingLabels{iamv1alpha1.UserLabel: u.Name}); err != nil {
		content.HistoryProblem = explainError(err, access{Verb: verbList, Resource: resourceUserChanges}).Message
	} else {
		content.History = changeViews(changes.Items)
	}
	txs := &iamv1alpha1.BalanceTransactionList{}
	if err := v.client.List(ctx, txs, client.InNamespace(u.Namespace)); err != nil {
		content.TransactionsProblem = explainError(err, access{Verb: verbList, Resource: resourceTransactions}).Message
	} else {
		mine := userTransactions(txs.Items, u.Name)
		cancel := ""
		if perms.MayCancel && !stats.Deleted(u) && u.DeletionTimestamp.IsZero() {
			cancel = cancellable(u.Status.Balance, mine)
		}
		content.Transactions = transactionViews(mine, cancel)
	}
	if content.Offer.Refill {
		content.RefillKey = newRefillKey()
		if state.action == actionRefill && state.typed != nil {
			content.RefillAmount, content.RefillDescription = state.typed.Get("amount"), state.typed.Get("description")
		}
	}
	if content.Offer.ChangeRole {
		content.Roles = v.roleChoices(ctx)
	}
	if content.Offer.Edit {
		if subs, err := v.subscriptions(ctx); err == nil {
			content.ServiceChoices = classChoices(subscriptionViews(subs, v.classDisplayNames(ctx)))
		}
	}
	return content
}

// profileSections are the editable sections of u, with the values a
// refused edit typed in its own section.
func profileSections(u *iamv1alpha1.User, editable bool, state profileState, problems map[string]string) []sectionView {
	sections := make([]sectionView, 0, 2)
	for _, id := range []string{sectionIdentity, sectionBilling} {
		var typed url.Values
		if state.section == id {
			typed = state.typed
		}
		values := editValues(u, id, typed)
		s := sectionView{ID: id, Title: sectionTitles[id]}
		for _, f := range sectionFields[id] {
			s.Fields = append(s.Fields, fieldView{
				profileField: f, ID: "field-" + f.Name, Value: values[f.Name], Problem: problems[f.Name],
				Editable: editable && !f.settled(u),
			})
		}
		sections = append(sections, s)
	}
	return sections
}

// managesUsers says whether u's role manages users, as far as the person
// may read Roles: they are cluster-scoped, and an account's people rarely
// may, in which case the self-service server alone tells.
func (v *visit) managesUsers(ctx context.Context, u *iamv1alpha1.User) bool {
	role := &iamv1alpha1.Role{}
	if u.Spec.Role == "" || v.client.Get(ctx, client.ObjectKey{Name: u.Spec.Role}, role) != nil {
		return false
	}
	return role.Spec.ManageUsers
}

// roleChoices are the roles the person may pick for a user.
func (v *visit) roleChoices(ctx context.Context) []string {
	roles := &iamv1alpha1.RoleList{}
	if err := v.client.List(ctx, roles); err != nil {
		roles.Items = nil
	}
	users := &iamv1alpha1.UserList{}
	if err := v.client.List(ctx, users, client.InNamespace(v.person.Namespace)); err != nil {
		users.Items = nil
	}
	return roleChoices(roles.Items, users.Items)
}

// httpStatusOf is the HTTP status that answers a refused request: the API
// server's own, or 502 when it never answered.
func httpStatusOf(err error) int {
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		if code := int(status.Status().Code); code >= 400 && code < 600 {
			return code
		}
	}
	return http.StatusBadGateway
}
