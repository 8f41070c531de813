//go:build chaos

package chaos

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/smtpcatcher"
)

const (
	// clientPace is how often the sign-in client sends a request: a steady
	// trickle of people, not a storm.
	clientPace = 150 * time.Millisecond
	// retryBudget bounds how long one request may be retried across the
	// replicas before it counts as failed: longer than a failover.
	retryBudget = 30 * time.Second
)

// signInClient is the people of the accounts during the run: they accept
// their invitations and log in, through a round-robin over the replicas'
// self-service addresses, as a Service spreads them. It retries only the
// answers docs/operations/high-availability.md calls retryable: no answer
// at all (the replica it reached died or is starting), 429 and 503 with
// Retry-After. Anything else is a failed request.
type signInClient struct {
	ctx      context.Context
	urls     []string
	accounts []string
	smtp     *smtpcatcher.Server
	http     *http.Client

	next int
	// tried are the users whose invitation the client accepted or tried
	// to; accepted those where it succeeded.
	tried, accepted map[client.ObjectKey]bool
	tally           clientTally

	stopOnce sync.Once
	stopped  chan struct{}
	done     chan struct{}
}

// clientTally is what the client saw.
type clientTally struct {
	accepts, logins int
	// retried counts the retryable answers by kind.
	retried map[string]int
	// failed are the requests that got another answer, or none in time.
	failed []string
}

func startSignInClient(ctx context.Context, urls, accounts []string, smtp *smtpcatcher.Server) *signInClient {
	c := &signInClient{
		ctx: ctx, urls: urls, accounts: accounts, smtp: smtp,
		http:  &http.Client{Timeout: 10 * time.Second},
		tried: map[client.ObjectKey]bool{}, accepted: map[client.ObjectKey]bool{},
		tally:   clientTally{retried: map[string]int{}},
		stopped: make(chan struct{}), done: make(chan struct{}),
	}
	go c.run()
	return c
}

// stop ends the client and returns what it saw.
func (c *signInClient) stop() clientTally {
	c.stopOnce.Do(func() { close(c.stopped) })
	<-c.done
	return c.tally
}

func (c *signInClient) run() {
	defer close(c.done)
	pace := time.NewTicker(clientPace)
	defer pace.Stop()
	for turn := 0; ; turn++ {
		select {
		case <-c.stopped:
			return
		case <-pace.C:
		}
		users := &iamv1alpha1.UserList{}
		var all []iamv1alpha1.User
		for _, ns := range c.accounts {
			if err := admin.List(c.ctx, users, client.InNamespace(ns)); err == nil {
				all = append(all, users.Items...)
			}
		}
		// Every other turn accepts an invitation if one is waiting; the
		// rest log in users who have.
		if turn%2 == 0 && c.acceptOne(all) {
			continue
		}
		c.logInOne(all, turn)
	}
}

// acceptOne accepts the invitation of a user whose invitation was
// delivered, with the link of its first copy.
func (c *signInClient) acceptOne(users []iamv1alpha1.User) bool {
	for i := range users {
		u := &users[i]
		key := client.ObjectKeyFromObject(u)
		if c.tried[key] || u.Status.EmailVerified || u.Status.Invitation == nil ||
			!meta.IsStatusConditionTrue(u.Status.Conditions, iamv1alpha1.InvitationDeliveredCondition) {
			continue
		}
		token, err := firstToken(u, c.smtp)
		if err != nil {
			continue // not in the mail server yet
		}
		body := map[string]string{"token": token, "password": password}
		c.tried[key] = true
		if c.send("accept "+key.String(), "/v1/invitations/accept", body, http.StatusOK, acceptedEarlier) {
			c.tally.accepts++
			c.accepted[key] = true
		}
		return true
	}
	return false
}

// logInOne logs in one of the Active users the client accepted, in turn.
func (c *signInClient) logInOne(users []iamv1alpha1.User, turn int) {
	var active []*iamv1alpha1.User
	for i := range users {
		u := &users[i]
		if c.accepted[client.ObjectKeyFromObject(u)] && u.Status.Phase == iamv1alpha1.UserPhaseActive {
			active = append(active, u)
		}
	}
	if len(active) == 0 {
		return
	}
	u := active[turn%len(active)]
	body := map[string]string{"account": u.Namespace, "email": u.Spec.Email, "password": password}
	if c.send("log in "+u.Namespace+"/"+u.Name, "/v1/sessions", body, http.StatusCreated, nil) {
		c.tally.logins++
	}
}

// acceptedEarlier: an accept retried after an attempt whose answer was
// lost (the replica died mid-request) may find the invitation accepted by
// that attempt. The person is in; the client counts it as accepted.
func acceptedEarlier(code int, reason string, unknownOutcome bool) bool {
	return unknownOutcome && code == http.StatusGone && reason == "TokenUsed"
}

// send posts body to the next replica, and to the following ones while the
// answer is retryable, until want comes or the retry budget is spent. ok
// accepts another answer as success. It reports success.
func (c *signInClient) send(what, path string, body any, want int, ok func(code int, reason string, unknownOutcome bool) bool) bool {
	payload, _ := json.Marshal(body)
	deadline := time.Now().Add(retryBudget)
	unknownOutcome := false
	for attempt := 1; time.Now().Before(deadline); attempt++ {
		url := c.urls[c.next%len(c.urls)] + path
		c.next++
		code, reason, retryAfter, err := c.post(url, payload)
		switch {
		case err != nil:
			// No answer: the replica is dead or not listening yet (refused),
			// or died while answering (reset, EOF), so the request may have
			// taken effect.
			c.tally.retried["no answer"]++
			unknownOutcome = true
			continue
		case code == want || (ok != nil && ok(code, reason, unknownOutcome)):
			return true
		case code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable:
			c.tally.retried[strconv.Itoa(code)+" "+reason]++
			if retryAfter == "" {
				c.tally.failed = append(c.tally.failed, fmt.Sprintf("%s: HTTP %d %s without Retry-After", what, code, reason))
				return false
			}
			seconds, _ := strconv.Atoi(retryAfter)
			select {
			case <-time.After(min(time.Duration(seconds)*time.Second, time.Second)):
			case <-c.stopped:
				return false
			}
			continue
		default:
			c.tally.failed = append(c.tally.failed, fmt.Sprintf("%s at %s (attempt %d): HTTP %d %s", what, url, attempt, code, reason))
			return false
		}
	}
	c.tally.failed = append(c.tally.failed, fmt.Sprintf("%s: no replica answered within %s", what, retryBudget))
	return false
}

func (c *signInClient) post(url string, payload []byte) (code int, reason, retryAfter string, err error) {
	req, err := http.NewRequestWithContext(c.ctx, http.MethodPost, url, bytes.NewReader(payload))
	if err != nil {
		return 0, "", "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, "", "", err
	}
	defer func() { _ = resp.Body.Close() }()
	var answer struct {
		Reason string `json:"reason"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&answer)
	return resp.StatusCode, answer.Reason, resp.Header.Get("Retry-After"), nil
}

// notVerified lists the users the client accepted whose status does not
// say their email is verified: an acceptance the replicas lost.
func notVerified(st state, accepted map[client.ObjectKey]bool) []string {
	var out []string
	for _, u := range st.users {
		if accepted[client.ObjectKeyFromObject(&u)] && !u.Status.EmailVerified {
			out = append(out, fmt.Sprintf("user %s/%s accepted its invitation but is not verified (%s)", u.Namespace, u.Name,
				conditionText(meta.FindStatusCondition(u.Status.Conditions, iamv1alpha1.ReadyCondition))))
		}
	}
	return out
}
