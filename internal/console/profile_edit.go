package console

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// serveEdit saves one section of the profile: a merge patch of only what
// the form changed, guarded by the resourceVersion the form was shown at.
func (c *Console) serveEdit(w http.ResponseWriter, r *http.Request, v *visit) {
	name, section := r.PathValue("name"), r.PostForm.Get("section")
	if _, ok := sectionFields[section]; !ok {
		c.renderError(w, r, v, http.StatusBadRequest, "This form cannot be accepted", "The form names no part of the profile. Reload the page and try again.")
		return
	}
	u, ok := c.getUser(w, r, v, name)
	if !ok {
		return
	}
	patch, err := editPatch(u, section, r.PostForm)
	if err != nil {
		c.refused(w, r, v, name, actionEdit, err)
		return
	}
	if patch == nil {
		redirectWithNotice(w, r, userHref(name), noticeUnchanged)
		return
	}
	c.patchUser(w, r, v, name, actionEdit, patch, noticeSaved)
}

// getUser reads the named user as the person, or answers the request with
// why it cannot.
func (c *Console) getUser(w http.ResponseWriter, r *http.Request, v *visit, name string) (*iamv1alpha1.User, bool) {
	u := &iamv1alpha1.User{}
	if err := v.client.Get(r.Context(), client.ObjectKey{Namespace: v.person.Namespace, Name: name}, u); err != nil {
		p := explainError(err, access{Verb: verbGet, Resource: resourceUsers, Name: name})
		c.renderError(w, r, v, httpStatusOf(err), "User "+name, p.Message)
		return nil, false
	}
	return u, true
}

// serveServices adds a service to the user or removes one: spec.services
// is one list, replaced whole, so the write is guarded by the
// resourceVersion the page was shown at.
func (c *Console) serveServices(w http.ResponseWriter, r *http.Request, v *visit) {
	name := r.PathValue("name")
	u, ok := c.getUser(w, r, v, name)
	if !ok {
		return
	}
	patch, err := servicesPatch(u, r.PostForm)
	if err != nil {
		c.refused(w, r, v, name, actionServices, err)
		return
	}
	c.patchUser(w, r, v, name, actionServices, patch, noticeServices)
}

// servicesPatch is the merge patch of the services form: remove names an
// assignment to drop; otherwise serviceClass (and an optional
// serviceName, for a second service of a class) is one to add, as
// `kubectl tenantry invite --service` assigns it.
func servicesPatch(u *iamv1alpha1.User, form url.Values) ([]byte, error) {
	services := slices.Clone(u.Spec.Services)
	if remove := form.Get("remove"); remove != "" {
		kept := slices.DeleteFunc(services, func(a iamv1alpha1.ServiceAssignment) bool { return a.AssignmentName() == remove })
		if len(kept) == len(u.Spec.Services) {
			return nil, Problem{Message: "The user has no service " + remove + " any more. Reload the page to see their services."}
		}
		services = kept
	} else {
		class := strings.TrimSpace(form.Get("serviceClass"))
		if class == "" {
			return nil, Problem{Message: "Pick a service to add.", Fields: map[string]string{"serviceClass": "Pick a service."}}
		}
		services = append(services, iamv1alpha1.ServiceAssignment{ServiceClass: class, Name: strings.TrimSpace(form.Get("serviceName"))})
	}
	if services == nil {
		services = []iamv1alpha1.ServiceAssignment{}
	}
	return specPatch(map[string]any{"services": services}, form.Get(fieldResourceVersion))
}
