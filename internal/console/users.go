package console

import "net/http"

// serveUsers is the users grid.
func (c *Console) serveUsers(w http.ResponseWriter, r *http.Request, v *visit) {
	c.render(w, r, http.StatusOK, "users.html", v.view("Users", "users", nil))
}
