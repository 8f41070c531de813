package console

import "net/http"

// profileRoutes registers the user profile's pages (/console/users/{name}
// and what it edits in place).
func (c *Console) profileRoutes(mux *http.ServeMux) {}
