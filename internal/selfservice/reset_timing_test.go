package selfservice

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tenantry-io/tenantry/internal/credentials"
)

// resetTimingRounds is how many requests of each kind are timed: enough
// for a median that one slow request on a busy machine does not move.
const resetTimingRounds = 25

// maxResetTimingRatio is how much slower one kind's median may be. Doing
// the work before answering made a user's answer several times slower than
// a stranger's; answered alike, the two differ by noise.
const maxResetTimingRatio = 2.0

// TestResetAnswerTakesAsLongForAnyone asks for password resets over https,
// in turn for a user who may log in (each time a request that gets
// recorded, as the first one after the controller answered the last) and
// for an email or account nobody has: the answers are the same, header for
// header, and their medians differ by less than maxResetTimingRatio, so
// timing does not tell who has an account. The requests of the user are
// still recorded, one each.
func TestResetAnswerTakesAsLongForAnyone(t *testing.T) {
	m := newMember(t)
	s := signInServer(newFakeClock())
	srv := startHTTPS(t, s)
	post := func(account, email string) (answer, time.Duration) {
		body := fmt.Sprintf(`{"account":%q,"email":%q}`, account, email)
		start := time.Now()
		a := srv.do(t, http.MethodPost, "/v1/password-resets", contentTypeJSON, body, nil)
		return a, time.Since(start)
	}
	// One of each first, so that no connection or cache is set up inside a
	// timed request.
	post(m.account(), "nobody@example.com")
	post(m.account(), m.user.Spec.Email)
	waitForResetRequest(t, m)

	user := make([]time.Duration, 0, resetTimingRounds)
	stranger := make([]time.Duration, 0, resetTimingRounds)
	for i := range resetTimingRounds {
		// The controller answered the last request: the next is new.
		m.change(t, func(secret *corev1.Secret) {
			reset := credentials.ReadPasswordReset(secret)
			reset.Request = ""
			credentials.WritePasswordReset(secret, reset)
		})
		strangerAccount, strangerEmail := m.account(), fmt.Sprintf("nobody-%d@example.com", i)
		if i%2 == 1 {
			strangerAccount, strangerEmail = fmt.Sprintf("no-account-%d", i), m.user.Spec.Email
		}
		var known, unknown answer
		var knownTime, unknownTime time.Duration
		postKnown := func() {
			known, knownTime = post(m.account(), m.user.Spec.Email)
			// No request is timed while the work of another may still run.
			waitForResetRequest(t, m)
		}
		// Alternate which goes first, so that neither always meets a
		// connection or a cache the other just warmed.
		if i%2 == 0 {
			postKnown()
			unknown, unknownTime = post(strangerAccount, strangerEmail)
		} else {
			unknown, unknownTime = post(strangerAccount, strangerEmail)
			postKnown()
		}
		expectSameAnswer(t, known, unknown)
		user, stranger = append(user, knownTime), append(stranger, unknownTime)
	}

	userMedian, strangerMedian := median(user), median(stranger)
	ratio := float64(userMedian) / float64(strangerMedian)
	t.Logf("median answer: %v for a user, %v for a stranger (ratio %.2f)", userMedian, strangerMedian, ratio)
	if ratio > maxResetTimingRatio || ratio < 1/maxResetTimingRatio {
		t.Errorf("a user's reset answer takes %v, a stranger's %v: the ratio %.2f tells who has an account (want within %.1f×)",
			userMedian, strangerMedian, ratio, maxResetTimingRatio)
	}
	if strings.Contains(srv.logs.String(), m.user.Spec.Email) {
		t.Errorf("the logs name the email:\n%s", srv.logs)
	}
}

// waitForResetRequest waits until the member's Secret holds a reset request.
func waitForResetRequest(t *testing.T, m *member) {
	t.Helper()
	NewWithT(t).Eventually(func(g Gomega) {
		var secret corev1.Secret
		g.Expect(direct.Get(context.Background(), client.ObjectKeyFromObject(m.secret), &secret)).To(Succeed())
		g.Expect(credentials.ReadPasswordReset(&secret).Request).NotTo(BeEmpty())
	}).WithTimeout(cacheTimeout).Should(Succeed())
}

// expectSameAnswer fails when two answers differ in status, body or any
// header but the date.
func expectSameAnswer(t *testing.T, a, b answer) {
	t.Helper()
	if a.status != http.StatusAccepted || a.status != b.status || a.body != b.body {
		t.Fatalf("answers differ: %d %s and %d %s, want 202 and the same body", a.status, a.body, b.status, b.body)
	}
	for name := range a.header {
		if name != "Date" && !slices.Equal(a.header.Values(name), b.header.Values(name)) {
			t.Errorf("header %s differs: %q and %q", name, a.header.Values(name), b.header.Values(name))
		}
	}
	if len(a.header) != len(b.header) {
		t.Errorf("headers differ: %v and %v", a.header, b.header)
	}
}

func median(d []time.Duration) time.Duration {
	sorted := slices.Clone(d)
	slices.Sort(sorted)
	return sorted[len(sorted)/2]
}
