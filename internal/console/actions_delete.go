package console

import (
	"net/http"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/stats"
)

// confirmContent is the page that asks a person to confirm a deletion by
// typing the user's email or name, as the portal's "are you sure" does
// and `kubectl tenantry delete` asks.
type confirmContent struct {
	Action      string
	Name        string
	DisplayName string
	Email       string
	Href        string
	// Purge deletes for good; otherwise the user stays restorable.
	Purge    bool
	Services []serviceTile
	Typed    string
	Problem  string
	// Allowed says the person's role lets them try; without it the page
	// says so and shows no form.
	Allowed bool
}

// serveConfirm asks to confirm the deletion (action delete or purge).
func (c *Console) serveConfirm(action string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, v *visit) {
		u, ok := c.getUser(w, r, v, r.PathValue("name"))
		if !ok {
			return
		}
		c.showConfirm(w, r, v, u, action, http.StatusOK, "", "")
	}
}

func (c *Console) showConfirm(w http.ResponseWriter, r *http.Request, v *visit, u *iamv1alpha1.User, action string, status int, typed, problem string) {
	o := offerFor(offerInput{Perms: v.permissions(r.Context()), User: u, Person: v.person, Now: c.clock.Now()})
	content := confirmContent{
		Action: action, Name: u.Name, DisplayName: displayName(u), Email: u.Spec.Email, Href: userHref(u.Name),
		Purge: action == actionPurge, Services: serviceTiles(u), Typed: typed, Problem: problem,
		Allowed: (action == actionDelete && o.Delete) || (action == actionPurge && o.Purge),
	}
	title := "Delete " + displayName(u)
	if content.Purge {
		title = "Delete " + displayName(u) + " for good"
	}
	c.render(w, r, status, "confirm.html", v.view(title, navUsers, content))
}

// serveDelete deletes the user once the form confirms it: softly (spec.state
// Deleted, restorable) as `kubectl tenantry delete --soft` does, or, for a
// purge, for good as `kubectl tenantry delete` does.
func (c *Console) serveDelete(action string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, v *visit) {
		u, ok := c.getUser(w, r, v, r.PathValue("name"))
		if !ok {
			return
		}
		typed := r.PostForm.Get("confirm")
		if !confirms(u, typed) {
			c.showConfirm(w, r, v, u, action, http.StatusUnprocessableEntity, typed,
				"Type the user's email or name exactly as shown to confirm.")
			return
		}
		if action == actionPurge && !stats.Deleted(u) {
			// A purge is of a soft-deleted user: one that is not could
			// still be restored, and the person confirmed a purge.
			c.showConfirm(w, r, v, u, action, http.StatusConflict, typed, "The user is not deleted (restorable) any more: someone restored them. Reload their profile.")
			return
		}
		var err error
		notice := noticePurged
		if action == actionDelete {
			var patch []byte
			if patch, err = specPatch(map[string]any{"state": iamv1alpha1.UserStateDeleted}, ""); err == nil {
				err = v.client.Patch(r.Context(), u, client.RawPatch(types.MergePatchType, patch))
			}
			notice = noticeDeleted
		} else {
			err = v.client.Delete(r.Context(), u)
		}
		if err != nil {
			p := explainError(err, access{Verb: verbOf(action), Resource: resourceUsers, Name: u.Name})
			c.showConfirm(w, r, v, u, action, httpStatusOf(err), typed, p.Message)
			return
		}
		redirectWithNotice(w, r, userHref(u.Name), notice)
	}
}
