package selfservice

import (
	"context"
	"errors"
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
	// MaxWait bounds a request's wait for a slot and for the CPU budget.
	// It stays well under the HTTP server's write timeout (30s), so that a
	// queued request is refused with an answer the client can retry, not
	// cut off without one.
	MaxWait time.Duration
	// cpu, when set, bounds the CPU time hashing takes on average.
	cpu *cpuBudget
}

// hashBudgetBurst is how far ahead of its budget hashing may run after a
// quiet spell: a few logins arriving together are not made to wait, a
// storm is.
const hashBudgetBurst = 2 * time.Second

// cpuBudget keeps hashing to cpus CPUs' worth of time on average. Each
// hash moves paidUntil on by its time divided by cpus (a 300ms hash at half
// a CPU owes 600ms); a hash may start while paidUntil is at most burst
// ahead of now.
type cpuBudget struct {
	cpus  float64
	burst time.Duration

	mu        sync.Mutex
	paidUntil time.Time
}

// wait returns once a hash may start, or at once with an error when that
// would be after ctx's deadline.
func (b *cpuBudget) wait(ctx context.Context) error {
	b.mu.Lock()
	delay := time.Until(b.paidUntil.Add(-b.burst))
	b.mu.Unlock()
	if delay <= 0 {
		return nil
	}
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < delay {
		return errBudgetSpent
	}
	timer := time.NewTimer(delay)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// charge records a hash that took took.
func (b *cpuBudget) charge(took time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if now := time.Now(); b.paidUntil.Before(now) {
		b.paidUntil = now
	}
	b.paidUntil = b.paidUntil.Add(time.Duration(float64(took) / b.cpus))
}

var errBudgetSpent = errors.New("the password hashing budget is spent")

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

// LimitCPU bounds hashing to cpus CPUs' worth of time on average (0.5 is
// half a CPU), however many requests wait: the rest of the process's CPU
// stays with the controllers during a login storm.
func (g *HashGate) LimitCPU(cpus float64) *HashGate {
	g.cpu = &cpuBudget{cpus: cpus, burst: hashBudgetBurst}
	return g
}

// do runs hash when a slot is free and the CPU budget allows; false means
// the server is saturated (the queue is full or the wait ran out, or the
// client went away) and hash did not run.
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
	waitCtx, cancel := context.WithTimeout(ctx, g.MaxWait)
	defer cancel()
	select {
	case g.slots <- struct{}{}:
	case <-waitCtx.Done():
		return false
	}
	defer func() { <-g.slots }()
	// A wait the budget cannot end before MaxWait fails at once.
	if g.cpu != nil && g.cpu.wait(waitCtx) != nil {
		return false
	}
	began := time.Now()
	hash()
	if g.cpu != nil {
		// Wall time: a hash is all CPU, and under contention this
		// overcharges, which errs on the controllers' side.
		g.cpu.charge(time.Since(began))
	}
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
