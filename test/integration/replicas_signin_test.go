package integration

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/credentials"
	"github.com/tenantry-io/tenantry/internal/operator"
	"github.com/tenantry-io/tenantry/internal/selfservice"
)

// A Service sends a person's requests to whichever replica it likes, so one
// person's logins, codes and logouts land on both. Every replica decides on
// its own cache but writes the credential Secret guarded by its
// resourceVersion; these tests prove that what one replica writes, the
// other respects.

// startReplicas starts two replicas of the manager as a Deployment of two
// runs them: leader election on, one SMTP server, a self-service API each.
// configure adjusts the options both are started with.
func startReplicas(t *testing.T, configure func(*operator.Options)) (a, b *testManager) {
	t.Helper()
	smtp := startSMTP(t)
	leaseNamespace := newNamespace(t)
	replica := func() *testManager {
		opts := testOptions(t, smtp)
		opts.LeaderElection.Enabled, opts.LeaderElection.Namespace = true, leaseNamespace
		if configure != nil {
			configure(&opts)
		}
		tm := startManager(t, opts)
		tm.smtp = smtp
		return tm
	}
	return replica(), replica()
}

// activeOnBoth makes a new user Active through its invitation and waits until
// both replicas let it log in. Each replica finds the user and its password
// in its own cache: until that cache holds the accepted password, a login
// there is refused as one for an unknown user, and counts nothing.
func activeOnBoth(t *testing.T, a, b *testManager) (*iamv1alpha1.User, client.ObjectKey) {
	t.Helper()
	user := newUser(newNamespace(t), "alice", "alice@replicas-signin.example")
	key := inviteAndAccept(t, a, user)
	for _, tm := range []*testManager{a, b} {
		NewWithT(t).Eventually(func(g Gomega) {
			answer := logIn(t, tm, user, strongPassword)
			g.Expect(answer.code).To(Equal(http.StatusCreated), answer.raw)
		}).WithTimeout(timeout).Should(Succeed())
	}
	return user, key
}

// lockoutOf reads the lockout state the replicas share from the user's
// credential Secret, past any cache.
func lockoutOf(g Gomega, key client.ObjectKey) credentials.Lockout {
	return credentials.ReadLockout(getSecret(g, key))
}

// loginOutcome is what one login sent from a goroutine of its own got back.
type loginOutcome struct {
	code   int
	reason string
	err    error
}

func (o loginOutcome) String() string {
	if o.err != nil {
		return "error: " + o.err.Error()
	}
	if o.reason == "" {
		return strconv.Itoa(o.code)
	}
	return fmt.Sprintf("%d %s", o.code, o.reason)
}

// logInAtOnce sends one login to each of targets (a replica may appear more
// than once), all released at the same moment, and counts the answers by
// status and reason. The goroutines report instead of stopping the test:
// only the test's own goroutine may.
func logInAtOnce(targets []*testManager, user *iamv1alpha1.User, password string, extra ...string) map[string]int {
	body := map[string]string{"account": user.Namespace, "email": user.Spec.Email, "password": password}
	for i := 0; i+1 < len(extra); i += 2 {
		body[extra[i]] = extra[i+1]
	}
	raw, _ := json.Marshal(body)
	outcomes := make([]loginOutcome, len(targets))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, tm := range targets {
		wg.Go(func() {
			<-start
			outcomes[i] = postLogin(tm.selfServiceURL, raw)
		})
	}
	close(start)
	wg.Wait()
	tally := map[string]int{}
	for _, o := range outcomes {
		tally[o.String()]++
	}
	return tally
}

func postLogin(baseURL string, body []byte) loginOutcome {
	resp, err := http.Post(baseURL+"/v1/sessions", "application/json", bytes.NewReader(body))
	if err != nil {
		return loginOutcome{err: err}
	}
	defer func() { _ = resp.Body.Close() }()
	var answer struct {
		Reason string `json:"reason"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&answer)
	return loginOutcome{code: resp.StatusCode, reason: answer.Reason}
}

// alternating is n targets taking turns between the replicas.
func alternating(n int, replicas ...*testManager) []*testManager {
	targets := make([]*testManager, n)
	for i := range targets {
		targets[i] = replicas[i%len(replicas)]
	}
	return targets
}

func TestReplicasCountWrongPasswordsTogether(t *testing.T) {
	const threshold = 4 // not the default, so the replicas must use the option
	a, b := startReplicas(t, func(o *operator.Options) { o.SignIn.LockoutThreshold = threshold })
	user, key := activeOnBoth(t, a, b)
	g := NewWithT(t)

	// One fewer than the threshold, taking turns, does not lock: the right
	// password works on the replica whose turn is next, and clears the count.
	for _, tm := range alternating(threshold-1, a, b) {
		expectAnswer(t, logIn(t, tm, user, wrongPassword), http.StatusUnauthorized, selfservice.ReasonLoginFailed)
	}
	lockout := lockoutOf(g, key)
	g.Expect(lockout.Password.Count).To(BeEquivalentTo(threshold-1), "every failure counted, whichever replica saw it")
	g.Expect(lockout.Until.IsZero()).To(BeTrue(), "locked before the threshold")
	next := alternating(threshold, a, b)[threshold-1]
	logInOK(t, next, user, strongPassword)
	g.Expect(lockoutOf(g, key).Password.Count).To(BeZero(), "a login clears the count")

	// The threshold, taking turns, locks: the right password is then refused
	// by both replicas, each at once, whatever its cache has seen yet.
	for _, tm := range alternating(threshold, a, b) {
		expectAnswer(t, logIn(t, tm, user, wrongPassword), http.StatusUnauthorized, selfservice.ReasonLoginFailed)
	}
	for name, tm := range map[string]*testManager{"A": a, "B": b} {
		answer := logIn(t, tm, user, strongPassword)
		g.Expect(answer.code).To(Equal(http.StatusForbidden), "replica %s: %s", name, answer.raw)
		g.Expect(answer.str("reason")).To(Equal(selfservice.ReasonUserLocked), "replica %s: %s", name, answer.raw)
		g.Expect(answer.str("lockedUntil")).NotTo(BeEmpty(), "replica %s: %s", name, answer.raw)
	}
	lockout = lockoutOf(g, key)
	g.Expect(lockout.Password.Count).To(BeEquivalentTo(threshold))
	g.Expect(lockout.By).To(Equal(credentials.LockedByPassword))
	eventuallyUser(t, key, isLocked)
}

func TestReplicasCountConcurrentWrongPasswords(t *testing.T) {
	const threshold = 10
	a, b := startReplicas(t, func(o *operator.Options) { o.SignIn.LockoutThreshold = threshold })
	user, key := activeOnBoth(t, a, b)
	g := NewWithT(t)

	// Both replicas write the same Secret at the same moment: a failure
	// counted on a copy someone else just changed must be counted again on
	// the new one, not lost and not answered with an error.
	below := threshold - 1
	g.Expect(logInAtOnce(alternating(below, a, b), user, wrongPassword)).
		To(Equal(map[string]int{"401 " + selfservice.ReasonLoginFailed: below}))
	lockout := lockoutOf(g, key)
	g.Expect(lockout.Password.Count).To(BeEquivalentTo(below), "failures lost between the replicas")
	g.Expect(lockout.Until.IsZero()).To(BeTrue(), "locked before the threshold")

	// More failures than the threshold, all at once, lock the user at
	// exactly the threshold: once it is locked, neither replica counts
	// more. (Each failure costs a password hash; a few more than the
	// threshold prove the point and keep every request within the server's
	// write timeout on a busy machine.)
	above := threshold + 4
	g.Expect(logInAtOnce(alternating(above, a, b), user, wrongPassword)).
		To(Equal(map[string]int{"401 " + selfservice.ReasonLoginFailed: above}))
	lockout = lockoutOf(g, key)
	g.Expect(lockout.Password.Count).To(BeEquivalentTo(threshold), "exactly the threshold counted")
	g.Expect(lockout.By).To(Equal(credentials.LockedByPassword))
	g.Expect(lockout.Until.IsZero()).To(BeFalse(), "not locked at the threshold")
	g.Expect(logInAtOnce([]*testManager{a, b}, user, strongPassword)).
		To(Equal(map[string]int{"403 " + selfservice.ReasonUserLocked: 2}))
	eventuallyUser(t, key, isLocked)
}

func TestReplicasAcceptATOTPCodeOnce(t *testing.T) {
	// Both replicas share one clock the test moves, so that the next time
	// step comes at once instead of in up to 30 seconds.
	clock := &offsetClock{}
	a, b := startReplicas(t, func(o *operator.Options) { o.Clock = clock })
	user, key := activeOnBoth(t, a, b)
	g := NewWithT(t)

	session := logInOK(t, a, user, strongPassword)
	enrolled := selfService(t, a, http.MethodPost, "/v1/totp/enroll", session, nil)
	g.Expect(enrolled.code).To(Equal(http.StatusOK), enrolled.raw)
	secret := enrolled.str("secret")
	confirmed := selfService(t, a, http.MethodPost, "/v1/totp/confirm", session, map[string]string{"code": code(t, secret, clock.Now())})
	g.Expect(confirmed.code).To(Equal(http.StatusOK), confirmed.raw)

	// A code accepted on A is refused on B, however far B's cache lags.
	clock.Add(30 * time.Second)
	first := code(t, secret, clock.Now())
	logInOK(t, a, user, strongPassword, "code", first)
	expectAnswer(t, logIn(t, b, user, strongPassword, "code", first), http.StatusUnauthorized, selfservice.ReasonCodeInvalid)

	// The next code, sent to both at once, is accepted by one of them only.
	clock.Add(30 * time.Second)
	at := clock.Now()
	second := code(t, secret, at)
	g.Expect(logInAtOnce([]*testManager{a, b}, user, strongPassword, "code", second)).
		To(Equal(map[string]int{"201": 1, "401 " + selfservice.ReasonCodeInvalid: 1}))
	g.Expect(string(getSecret(g, key).Data[credentials.KeyTOTPLastStep])).
		To(Equal(strconv.FormatInt(at.Unix()/30, 10)), "the step of the last accepted code")
}

func TestReplicasShareSessions(t *testing.T) {
	a, b := startReplicas(t, nil)
	user, _ := activeOnBoth(t, a, b)
	g := NewWithT(t)

	// A session works on the other replica the moment its login answered:
	// sessions are read past the cache, which has not seen it yet.
	fromA := logInOK(t, a, user, strongPassword)
	current := selfService(t, b, http.MethodGet, "/v1/sessions/current", fromA, nil)
	g.Expect(current.code).To(Equal(http.StatusOK), current.raw)
	g.Expect(current.str("namespace")).To(Equal(user.Namespace))
	g.Expect(current.str("user")).To(Equal(user.Name))
	fromB := logInOK(t, b, user, strongPassword)
	current = selfService(t, a, http.MethodGet, "/v1/sessions/current", fromB, nil)
	g.Expect(current.code).To(Equal(http.StatusOK), current.raw)

	// Signing out on B ends the session on A at once.
	loggedOut := selfService(t, b, http.MethodDelete, "/v1/sessions/current", fromA, nil)
	g.Expect(loggedOut.code).To(Equal(http.StatusNoContent), loggedOut.raw)
	expectAnswer(t, selfService(t, a, http.MethodGet, "/v1/sessions/current", fromA, nil), http.StatusUnauthorized, selfservice.ReasonSessionInvalid)
	expectAnswer(t, selfService(t, b, http.MethodGet, "/v1/sessions/current", fromA, nil), http.StatusUnauthorized, selfservice.ReasonSessionInvalid)

	// Only that session: the other one goes on, on both.
	for name, tm := range map[string]*testManager{"A": a, "B": b} {
		answer := selfService(t, tm, http.MethodGet, "/v1/sessions/current", fromB, nil)
		g.Expect(answer.code).To(Equal(http.StatusOK), "replica %s: %s", name, answer.raw)
	}
}
