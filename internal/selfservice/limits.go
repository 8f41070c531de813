package selfservice

import (
	"context"
	"net"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// HashGate caps the password hashes computed at once. bcrypt is slow on
// purpose; without a cap a login storm would take every CPU from the
// controllers. Requests beyond the cap wait in a queue of bounded length,
// for at most MaxWait; when the queue is full, or the wait runs out, they
// are refused with 429 and Retry-After.
type HashGate struct {
	slots chan struct{}
	queue chan struct{}
	// MaxWait bounds a request's wait for a slot. It stays well under the
	// HTTP server's write timeout (30s), so that a queued request is
	// refused with an answer the client can retry, not cut off without one.
	MaxWait time.Duration
}

// DefaultHashWait is how long a request waits for a hash slot by default.
const DefaultHashWait = 10 * time.Second

// NewHashGate lets concurrent hashes run at once and queued more wait.
func NewHashGate(concurrent, queued int) *HashGate {
	return &HashGate{
		slots:   make(chan struct{}, max(concurrent, 1)),
		queue:   make(chan struct{}, max(concurrent, 1)+max(queued, 0)),
		MaxWait: DefaultHashWait,
	}
}

// do runs hash when a slot is free; false means the server is saturated
// (the queue is full or the wait ran out, or the client went away) and
// hash did not run.
func (g *HashGate) do(ctx context.Context, hash func()) bool {
	if g == nil {
		hash()
		return true
	}
	select {
	case g.queue <- struct{}{}:
	default:
		return false
	}
	defer func() { <-g.queue }()
	wait := time.NewTimer(g.MaxWait)
	defer wait.Stop()
	select {
	case g.slots <- struct{}{}:
	case <-wait.C:
		return false
	case <-ctx.Done():
		return false
	}
	defer func() { <-g.slots }()
	hash()
	return true
}

// RateLimits slow down guessing: one limit across all clients, so that
// spreading guesses over many users and addresses does not multiply them,
// and one per client address.
type RateLimits struct {
	// Global is shared by every request that checks a password or code.
	Global *rate.Limiter
	// PerClient is the rate and burst of each client address.
	PerClient      rate.Limit
	PerClientBurst int

	mu      sync.Mutex
	clients map[string]*rate.Limiter
}

// maxTrackedClients bounds the memory the per-client limits use; when
// reached, the table starts afresh, which forgives everyone at once rather
// than letting many addresses exhaust memory.
const maxTrackedClients = 10000

// NewRateLimits builds the limits; a zero rate turns a limit off.
func NewRateLimits(global rate.Limit, globalBurst int, perClient rate.Limit, perClientBurst int) *RateLimits {
	l := &RateLimits{PerClient: perClient, PerClientBurst: perClientBurst, clients: map[string]*rate.Limiter{}}
	if global > 0 {
		l.Global = rate.NewLimiter(global, max(globalBurst, 1))
	}
	return l
}

// allow takes a token for the request's client and from the global limit;
// false means the request must be refused with 429.
func (l *RateLimits) allow(r *http.Request, now time.Time) bool {
	if l == nil {
		return true
	}
	if l.PerClient > 0 {
		if !l.client(clientAddress(r)).AllowN(now, 1) {
			return false
		}
	}
	return l.Global == nil || l.Global.AllowN(now, 1)
}

func (l *RateLimits) client(addr string) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	lim, ok := l.clients[addr]
	if !ok {
		if len(l.clients) >= maxTrackedClients {
			l.clients = map[string]*rate.Limiter{}
		}
		lim = rate.NewLimiter(l.PerClient, max(l.PerClientBurst, 1))
		l.clients[addr] = lim
	}
	return lim
}

// clientAddress is the address the connection came from. Forwarding
// headers are not trusted: anyone can set them.
func clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
