package console

import "net/http"

// defaultMaxStreamsPerSession bounds the live streams of one session: a
// few tabs, not a tab-opening loop.
const defaultMaxStreamsPerSession = 4

// serveUserEvents streams the account's users as they change.
func (c *Console) serveUserEvents(w http.ResponseWriter, r *http.Request, v *visit) {
	http.Error(w, "not yet", http.StatusNotImplemented)
}
