package selfservice

import (
	"net/http"
	"strings"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Server answers the self-service API. Its zero value is not usable: Client
// and APIReader are required.
type Server struct {
	// Client is the manager's cached client: reads come from the informer
	// cache (and its token-hash index), writes go to the API server.
	Client client.Client
	// APIReader reads past the cache. It is used only after a write conflict
	// proved the cache stale.
	APIReader client.Reader
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Handler returns the routes of the self-service API:
//
//	GET  /healthz                          "ok"
//	GET  /v1/invitations/accept?token=...  the page to set a password
//	POST /v1/invitations/accept            accept the invitation (JSON or form)
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", serveHealthz)
	mux.HandleFunc("/v1/invitations/accept", s.serveAccept)
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		_ = writeProblemJSON(w, errNotFound)
	})
	return securityHeaders(mux)
}

func serveHealthz(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		methodNotAllowed(w, http.MethodGet, http.MethodHead)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok"))
}

func methodNotAllowed(w http.ResponseWriter, allowed ...string) {
	allow := strings.Join(allowed, ", ")
	w.Header().Set("Allow", allow)
	_ = writeProblemJSON(w, &problem{http.StatusMethodNotAllowed, ReasonMethodNotAllowed,
		"Use " + allow + " at this address."})
}
