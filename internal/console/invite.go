package console

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// pathInvite is the invitation form.
const pathInvite = pathUsers + "/new"

// inviteContent is the invitation form: what was typed, the roles and
// services to pick from, and the API server's words about each field.
type inviteContent struct {
	Name, FullName, Email, Role string
	Roles                       []string
	Services                    []classChoice
	Picked                      []string
	// ServicesProblem says why the services cannot be listed; the form
	// still invites without any.
	ServicesProblem string
	Problem         string
	Fields          map[string]string
	Allowed         bool
}

// Picks says whether the service class was picked.
func (c inviteContent) Picks(class string) bool { return slices.Contains(c.Picked, class) }

// serveInviteForm shows the invitation form.
func (c *Console) serveInviteForm(w http.ResponseWriter, r *http.Request, v *visit) {
	c.showInvite(w, r, v, http.StatusOK, url.Values{}, Problem{})
}

func (c *Console) showInvite(w http.ResponseWriter, r *http.Request, v *visit, status int, form url.Values, p Problem) {
	ctx := r.Context()
	content := inviteContent{
		Name: form.Get(fieldName), FullName: form.Get(fieldFullName), Email: form.Get(fieldEmail), Role: form.Get(fieldRole),
		Picked: form[fieldServices], Problem: p.Message, Fields: p.Fields,
		Allowed: v.permissions(ctx).MayInvite, Roles: v.roleChoices(ctx),
	}
	if subs, err := v.subscriptions(ctx); err != nil {
		content.ServicesProblem = explainError(err, access{Verb: verbList, Resource: resourceSubscriptions}).Message
	} else {
		content.Services = classChoices(subscriptionViews(subs, v.classDisplayNames(ctx)))
	}
	c.render(w, r, status, "invite.html", v.view("Invite a user", navUsers, content))
}

// invitedUser is the User an invitation form creates, as `kubectl
// tenantry invite` creates it: name, email, full name, role (empty for the
// account's default) and one assignment per service class picked.
func invitedUser(namespace string, form url.Values) *iamv1alpha1.User {
	u := &iamv1alpha1.User{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: strings.TrimSpace(form.Get(fieldName))},
		Spec: iamv1alpha1.UserSpec{
			Email: strings.TrimSpace(form.Get(fieldEmail)), FullName: strings.TrimSpace(form.Get(fieldFullName)), Role: form.Get(fieldRole),
		},
	}
	for _, class := range form[fieldServices] {
		u.Spec.Services = append(u.Spec.Services, iamv1alpha1.ServiceAssignment{ServiceClass: class})
	}
	return u
}

// serveInvite creates the user as the person; the operator then emails
// the invitation.
func (c *Console) serveInvite(w http.ResponseWriter, r *http.Request, v *visit) {
	u := invitedUser(v.person.Namespace, r.PostForm)
	if u.Name == "" {
		c.showInvite(w, r, v, http.StatusUnprocessableEntity, r.PostForm, Problem{
			Message: "Some fields need another value: see below each one.",
			Fields:  map[string]string{fieldName: "Give the user a name: lower case letters, digits and '-'."},
		})
		return
	}
	if err := v.client.Create(r.Context(), u); err != nil {
		c.showInvite(w, r, v, httpStatusOf(err), r.PostForm, explainError(err, access{Verb: verbCreate, Resource: resourceUsers, Name: u.Name}))
		return
	}
	redirectWithNotice(w, r, userHref(u.Name), noticeInvited)
}
