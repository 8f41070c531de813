package selfservice

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/tenantry-io/tenantry/internal/credentials"
)

func TestLoginStartsASessionAndLogoutEndsIt(t *testing.T) {
	m := newMember(t)
	clock := newFakeClock()
	s := signInServer(clock)

	token := loginOK(t, s, m)

	secret := m.current(t)
	sessions := credentials.ReadSessions(secret)
	if len(sessions) != 1 || sessions[0].TokenHash != credentials.HashToken(token) {
		t.Fatalf("sessions = %+v, want the hash of the new token", sessions)
	}
	if want := clock.Now().Add(DefaultSessionTTL); !sessions[0].Expiry.Equal(want) {
		t.Errorf("session expiry = %v, want %v", sessions[0].Expiry, want)
	}
	if got := credentials.LastLoginTime(secret); !got.Equal(clock.Now()) {
		t.Errorf("last login = %v, want %v", got, clock.Now())
	}
	expectSecretHolds(t, secret, token, strongPassword)

	ex := call(s, http.MethodGet, "/v1/sessions/current", token, nil)
	if ex.Code != http.StatusOK {
		t.Fatalf("current session: status %d; body: %s", ex.Code, ex.Body)
	}
	var current currentSessionBody
	_ = json.Unmarshal(ex.Body.Bytes(), &current)
	if current.User != m.user.Name || current.Email != m.user.Spec.Email || current.TwoFactor {
		t.Errorf("current session = %+v", current)
	}

	if ex := call(s, http.MethodDelete, "/v1/sessions/current", token, nil); ex.Code != http.StatusNoContent {
		t.Fatalf("logout: status %d; body: %s", ex.Code, ex.Body)
	}
	expectProblem(t, call(s, http.MethodGet, "/v1/sessions/current", token, nil), http.StatusUnauthorized, ReasonSessionInvalid)
	if got := credentials.ReadSessions(m.current(t)); len(got) != 0 {
		t.Errorf("sessions after logout = %+v", got)
	}
}

func TestSessionExpires(t *testing.T) {
	m := newMember(t)
	clock := newFakeClock()
	s := signInServer(clock)
	token := loginOK(t, s, m)

	clock.Step(DefaultSessionTTL)

	expectProblem(t, call(s, http.MethodGet, "/v1/sessions/current", token, nil), http.StatusUnauthorized, ReasonSessionInvalid)
}

// Whether the account, the email or the password was wrong, and whether
// the user never set a password, the answer is the same and takes a
// password hash's time: nothing tells who has an account.
func TestLoginFailuresCannotBeToldApart(t *testing.T) {
	m := newMember(t)
	invited := newInvitation(t)
	s := signInServer(newFakeClock())

	cases := map[string][3]string{
		"unknown account": {"no-such-account", m.user.Spec.Email, strongPassword},
		"unknown email":   {m.account(), "bob@example.com", strongPassword},
		"wrong password":  {m.account(), m.user.Spec.Email, strongPassword + "x"},
		"no password yet": {invited.user.Namespace, invited.user.Spec.Email, strongPassword},
	}
	var first *exchange
	for name, c := range cases {
		start := time.Now()
		ex := login(s, c[0], c[1], c[2])
		elapsed := time.Since(start)
		expectProblem(t, ex, http.StatusUnauthorized, ReasonLoginFailed)
		expectNoSecretsInLogs(t, ex, c[2])
		// bcrypt at the cost of real hashes takes far longer than this; a
		// shortcut for unknown users would not.
		if elapsed < 20*time.Millisecond {
			t.Errorf("%s: answered in %v, too fast to have checked a password hash", name, elapsed)
		}
		if first == nil {
			first = &ex
			continue
		}
		if ex.Body.String() != first.Body.String() {
			t.Errorf("%s: body %q differs from %q", name, ex.Body, first.Body)
		}
		for _, h := range []string{"Content-Type", "Content-Length", "Cache-Control", "Retry-After"} {
			if ex.Header().Get(h) != first.Header().Get(h) {
				t.Errorf("%s: header %s = %q, differs from %q", name, h, ex.Header().Get(h), first.Header().Get(h))
			}
		}
	}
}

func TestWrongPasswordsLockTheUser(t *testing.T) {
	m := newMember(t)
	clock := newFakeClock()
	s := signInServer(clock)

	for i := range DefaultLockoutPolicy().Threshold {
		ex := login(s, m.account(), m.user.Spec.Email, "Wrong-Password-99")
		expectProblem(t, ex, http.StatusUnauthorized, ReasonLoginFailed)
		if i == 0 {
			expectNoSecretsInLogs(t, ex, "Wrong-Password-99")
		}
	}
	lockout := credentials.ReadLockout(m.current(t))
	wantUntil := clock.Now().Add(DefaultLockoutPolicy().Duration)
	if lockout.Password.Count != DefaultLockoutPolicy().Threshold || !lockout.Until.Equal(wantUntil) || lockout.By != credentials.LockedByPassword {
		t.Fatalf("lockout = %+v, want %d failures locking until %v", lockout, DefaultLockoutPolicy().Threshold, wantUntil)
	}

	// Wrong passwords learn nothing, and are not counted.
	expectProblem(t, login(s, m.account(), m.user.Spec.Email, "Wrong-Password-99"), http.StatusUnauthorized, ReasonLoginFailed)
	// The right password is refused, and told until when.
	ex := login(s, m.account(), m.user.Spec.Email, strongPassword)
	p := expectProblem(t, ex, http.StatusForbidden, ReasonUserLocked)
	if p.LockedUntil == nil || !p.LockedUntil.Equal(wantUntil) {
		t.Errorf("lockedUntil = %v, want %v", p.LockedUntil, wantUntil)
	}
	if got := credentials.ReadSessions(m.current(t)); len(got) != 0 {
		t.Errorf("a locked user got a session: %+v", got)
	}

	// When the lock runs out, the right password works and the count starts afresh.
	clock.Step(DefaultLockoutPolicy().Duration)
	loginOK(t, s, m)
	if got := credentials.ReadLockout(m.current(t)); got != (credentials.Lockout{}) {
		t.Errorf("lockout after a login = %+v, want none", got)
	}
}

func TestLockoutIsExactUnderConcurrentAttempts(t *testing.T) {
	m := newMember(t)
	s := signInServer(newFakeClock())
	threshold := DefaultLockoutPolicy().Threshold

	guess := func(n int) {
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				ex := login(s, m.account(), m.user.Spec.Email, "Wrong-Password-99")
				if ex.Code != http.StatusUnauthorized {
					t.Errorf("wrong password: status %d; body %s", ex.Code, ex.Body)
				}
			})
		}
		wg.Wait()
	}

	guess(int(threshold) - 1)
	lockout := credentials.ReadLockout(m.current(t))
	if lockout.Password.Count != threshold-1 || !lockout.Until.IsZero() {
		t.Fatalf("after %d concurrent failures: %+v, want that many counted and no lock", threshold-1, lockout)
	}

	guess(20)
	lockout = credentials.ReadLockout(m.current(t))
	if lockout.Password.Count != threshold || lockout.Until.IsZero() {
		t.Fatalf("after 20 more concurrent failures: %+v, want exactly %d counted and a lock", lockout, threshold)
	}
}

func TestDisabledUserCannotLogIn(t *testing.T) {
	m := newMember(t, disabled)
	s := signInServer(newFakeClock())

	expectProblem(t, login(s, m.account(), m.user.Spec.Email, "Wrong-Password-99"), http.StatusUnauthorized, ReasonLoginFailed)
	expectProblem(t, login(s, m.account(), m.user.Spec.Email, strongPassword), http.StatusForbidden, ReasonUserDisabled)
	if got := credentials.ReadSessions(m.current(t)); len(got) != 0 {
		t.Errorf("a disabled user got a session: %+v", got)
	}
}

func TestLoginRateLimitPerClient(t *testing.T) {
	m := newMember(t)
	s := signInServer(newFakeClock())
	s.Limits = NewRateLimits(0, 0, rate.Every(time.Hour), 2)

	from := func(addr string) exchange {
		body := `{"account":"` + m.account() + `","email":"` + m.user.Spec.Email + `","password":"Wrong-Password-99"}`
		r := httptest.NewRequest(http.MethodPost, "/v1/sessions", stringReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.RemoteAddr = addr
		return serve(s, r)
	}
	expectProblem(t, from("192.0.2.1:1000"), http.StatusUnauthorized, ReasonLoginFailed)
	expectProblem(t, from("192.0.2.1:1001"), http.StatusUnauthorized, ReasonLoginFailed)
	ex := from("192.0.2.1:1002")
	expectProblem(t, ex, http.StatusTooManyRequests, ReasonTooManyRequests)
	if ex.Header().Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	// Another client is not slowed down by the first.
	expectProblem(t, from("192.0.2.2:1000"), http.StatusUnauthorized, ReasonLoginFailed)
	if got := credentials.ReadLockout(m.current(t)).Password.Count; got != 3 {
		t.Errorf("failures counted = %d, want 3: a refused request checks no password", got)
	}
}

func TestLoginGlobalRateLimit(t *testing.T) {
	m := newMember(t)
	s := signInServer(newFakeClock())
	s.Limits = NewRateLimits(rate.Every(time.Hour), 1, 0, 0)

	expectProblem(t, login(s, m.account(), m.user.Spec.Email, "Wrong-Password-99"), http.StatusUnauthorized, ReasonLoginFailed)
	expectProblem(t, login(s, m.account(), m.user.Spec.Email, strongPassword), http.StatusTooManyRequests, ReasonTooManyRequests)
}

// With every hash slot taken and no room to queue, a login is refused at
// once with 429 instead of piling up.
func TestSaturatedHashGateRefuses(t *testing.T) {
	m := newMember(t)
	s := signInServer(newFakeClock())
	s.Hashes = NewHashGate(1, 0)

	ex := whileAHashRuns(t, s.Hashes, func() exchange {
		return login(s, m.account(), m.user.Spec.Email, strongPassword)
	})
	expectProblem(t, ex, http.StatusTooManyRequests, ReasonServerBusy)

	loginOK(t, s, m)
}

// whileAHashRuns runs call while another request holds a slot of the gate
// for a hash that has not finished.
func whileAHashRuns(t *testing.T, g *HashGate, call func() exchange) exchange {
	t.Helper()
	hold, held, released := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() {
		defer close(released)
		g.do(t.Context(), func() { close(held); <-hold })
	}()
	<-held
	defer func() { close(hold); <-released }()
	return call()
}

// A login queued behind a hash that takes too long gives up after MaxWait
// with 429 and Retry-After: an answer the client can retry, before the
// HTTP server's write timeout would cut it off without one.
func TestQueuedLoginGivesUpInTime(t *testing.T) {
	m := newMember(t)
	s := signInServer(newFakeClock())
	s.Hashes = NewHashGate(1, 1)
	s.Hashes.MaxWait = 50 * time.Millisecond

	ex := whileAHashRuns(t, s.Hashes, func() exchange {
		return login(s, m.account(), m.user.Spec.Email, strongPassword)
	})
	expectProblem(t, ex, http.StatusTooManyRequests, ReasonServerBusy)
	if ex.Header().Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	loginOK(t, s, m)
}

// With a CPU budget, a hash waits until the time the ones before it took
// is paid back: at half a CPU, a 100ms hash is paid 200ms later.
func TestHashGateKeepsToItsCPUBudget(t *testing.T) {
	g := NewHashGate(4, 64).LimitCPU(0.5)
	g.cpu.burst = 0
	// A hash that took 100ms, as do charges it.
	g.cpu.charge(100 * time.Millisecond)
	// A request that may wait 50ms is refused at once.
	g.MaxWait = 50 * time.Millisecond
	began := time.Now()
	if g.do(t.Context(), func() {}) {
		t.Fatal("a hash ran before the budget was paid back")
	}
	if waited := time.Since(began); waited > 40*time.Millisecond {
		t.Errorf("refusing took %s; a wait that cannot succeed must fail at once", waited)
	}
	// One that may wait a second runs once the 200ms are paid.
	g.MaxWait = time.Second
	began = time.Now()
	if !g.do(t.Context(), func() {}) {
		t.Fatal("a hash was refused although the budget would be paid within its wait")
	}
	if waited := time.Since(began); waited < 100*time.Millisecond {
		t.Errorf("the hash waited only %s for a budget 200ms in debt", waited)
	}
	// Without a budget, nothing waits.
	if !NewHashGate(4, 64).do(t.Context(), func() {}) {
		t.Error("a gate without a budget refused")
	}
}
