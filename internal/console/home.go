package console

import "net/http"

// serveHome is the account's home: the Users tile, the statistics and the
// subscriptions.
func (c *Console) serveHome(w http.ResponseWriter, r *http.Request, v *visit) {
	c.render(w, r, http.StatusOK, "home.html", v.view("Home", "home", nil))
}
