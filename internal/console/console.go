// Package console is the account console: the pages a customer
// administrator uses in a browser to see and manage the users of their
// account. It is mounted by the self-service server at /console/ and acts,
// for every read and write, as the signed-in person: with a token of
// Tenantry's issuer from Sessions.ClusterToken, sent to the API server as a
// bearer token. It never uses the manager's identity and never falls back to
// it, so RBAC, admission and CEL answer the console exactly as they answer
// kubectl.
package console

import (
	"fmt"
	"html/template"
	"net/http"
	"sync"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"k8s.io/utils/clock"
)

// Options are what New builds a console from.
type Options struct {
	// Sessions tells who is signed in and mints their cluster tokens.
	Sessions Sessions
	// Config reaches the API server anonymously: host and CA only
	// (rest.AnonymousClientConfig of the manager's). The person's token is
	// added per request; anything else in it is ignored.
	Config *rest.Config
	// Scheme and RESTMapper are shared by every request's client.
	Scheme     *runtime.Scheme
	RESTMapper meta.RESTMapper
	// Clock tells the time of the statistics and of the trust probe's cache.
	Clock clock.PassiveClock
	Log   logr.Logger
	// MaxStreamsPerSession bounds the live update streams one session may
	// hold open at once; 0 means defaultMaxStreamsPerSession.
	MaxStreamsPerSession int
}

// Console is the account console's http.Handler.
type Console struct {
	sessions  Sessions
	config    *rest.Config
	transport http.RoundTripper
	// broken is why the console can never work (its config is unusable).
	broken  error
	scheme  *runtime.Scheme
	mapper  meta.RESTMapper
	clock   clock.PassiveClock
	log     logr.Logger
	pages   map[string]*template.Template
	handler http.Handler
	trust   trustCache
	streams streamLimit
}

// New builds the console. It panics on a programming error (a missing
// option, a template that does not parse). A config the console cannot
// reach the API server with turns it off: Available says why.
func New(o Options) *Console {
	if o.Sessions == nil || o.Config == nil || o.Scheme == nil || o.RESTMapper == nil {
		panic("console: Sessions, Config, Scheme and RESTMapper are required")
	}
	// Only the host and the CA are kept: whatever credentials the config
	// carries, the console must never send them.
	anonymous := rest.AnonymousClientConfig(o.Config)
	transport, err := rest.TransportFor(anonymous)
	if err != nil {
		err = fmt.Errorf("the console cannot reach the API server: %w", err)
	}
	c := &Console{
		sessions: o.Sessions, config: anonymous, transport: transport, broken: err,
		scheme: o.Scheme, mapper: o.RESTMapper, clock: o.Clock, log: o.Log,
		streams: streamLimit{max: o.MaxStreamsPerSession, open: map[string]int{}},
	}
	if c.clock == nil {
		c.clock = clock.RealClock{}
	}
	c.pages = mustParsePages()
	if c.streams.max <= 0 {
		c.streams.max = defaultMaxStreamsPerSession
	}
	c.handler = c.routes()
	return c
}

// ServeHTTP serves the console's pages under /console/.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.handler.ServeHTTP(w, r)
}

// streamLimit counts the live update streams each session holds open.
type streamLimit struct {
	mu   sync.Mutex
	max  int
	open map[string]int
}

// acquire takes a stream for key, or says there are too many.
func (l *streamLimit) acquire(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[key] >= l.max {
		return false
	}
	l.open[key]++
	return true
}

// release gives key's stream back.
func (l *streamLimit) release(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[key] <= 1 {
		delete(l.open, key)
		return
	}
	l.open[key]--
}
