package console

import (
	"errors"
	"net/http"
)

// pathEndLogInAs ends a "log in as" (the banner's Disconnect button).
const pathEndLogInAs = "/console/log-in-as/end"

// serveLogInAs starts a "log in as" session of the user through the
// self-service server, which decides whether the person may (rbac.MayActAs),
// records it (event, UserChange) and switches the browser to it. From then
// on every page acts with the user's token that names the person as actor,
// so the API server audits the person acting for the user.
func (c *Console) serveLogInAs(w http.ResponseWriter, r *http.Request, v *visit) {
	name := r.PathValue("name")
	if err := c.sessions.StartLogInAs(w, r, name); err != nil {
		var se SessionError
		if errors.As(err, &se) && se.HTTPStatus() < http.StatusInternalServerError {
			c.refused(w, r, v, name, actionLogInAs, Problem{Message: sentence(se.Error())})
			return
		}
		c.sessionFailed(w, r, v, err)
		return
	}
	http.Redirect(w, r, pathHome, http.StatusSeeOther)
}

// serveEndLogInAs ends the "log in as" session and brings the actor back
// to the profile of the user they acted as, in their own console.
func (c *Console) serveEndLogInAs(w http.ResponseWriter, r *http.Request, v *visit) {
	if err := c.sessions.EndLogInAs(w, r); err != nil {
		c.sessionFailed(w, r, v, err)
		return
	}
	target := pathHome
	if v.person.Actor != nil {
		target = userHref(v.person.User)
	}
	redirectWithNotice(w, r, target, noticeDisconnected)
}
