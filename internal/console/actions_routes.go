package console

import "net/http"

// actionRoutes registers the actions on users (invite, disable, refill,
// log in as, ...): form posts that answer with a redirect to the page
// that shows their effect, or that page again with the API server's words.
func (c *Console) actionRoutes(mux *http.ServeMux) {
	mux.Handle("GET "+pathInvite, c.page(c.serveInviteForm))
	mux.Handle("POST "+pathInvite, c.page(c.serveInvite))
	for _, a := range userPatches {
		mux.Handle(actionPath(a.action), c.page(c.servePatch(a)))
	}
	mux.Handle(actionPath(actionRefill), c.page(c.serveRefill))
	mux.Handle(actionPath(actionCancel), c.page(c.serveCancel))
	for _, action := range []string{actionDelete, actionPurge} {
		mux.Handle("GET "+pathUsers+"/{name}/"+action, c.page(c.serveConfirm(action)))
		mux.Handle(actionPath(action), c.page(c.serveDelete(action)))
	}
	mux.Handle(actionPath(actionLogInAs), c.page(c.serveLogInAs))
	mux.Handle("POST "+pathEndLogInAs, c.page(c.serveEndLogInAs))
}
