package console

import "net/http"

// profileRoutes registers the user profile's pages (/console/users/{name}
// and what it edits in place).
func (c *Console) profileRoutes(mux *http.ServeMux) {
	mux.Handle("GET "+pathUsers+"/{name}", c.page(c.serveProfile))
	mux.Handle(actionPath(actionEdit), c.page(c.serveEdit))
	mux.Handle(actionPath(actionServices), c.page(c.serveServices))
}
