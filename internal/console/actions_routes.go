package console

import "net/http"

// actionRoutes registers the actions on users (invite, disable, refill,
// log in as, ...): form posts that answer with a redirect to the page
// that shows their effect, or that page again with the API server's words.
func (c *Console) actionRoutes(mux *http.ServeMux) {}
