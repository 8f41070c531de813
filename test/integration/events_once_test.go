package integration

import (
	"net/http"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// An acceptance and a two-factor reset are each one transition, so each
// leaves one event, however many passes see the change (the credential
// Secret's write and the status write each wake the user, and a pass may
// read a user the cache has not caught up with).
func TestOneEventPerTransition(t *testing.T) {
	tm, ns := startAccount(t)
	user := newUser(ns, "alice", "alice@events-once.example")
	key := inviteAndAccept(t, tm, user)
	settle(t, key, "after-acceptance", 1)
	expectEventCounts(t, key, map[string]int32{"InvitationAccepted": 1, "PhaseActive": 1})

	session := logInOK(t, tm, user, strongPassword)
	enrolled := selfService(t, tm, http.MethodPost, "/v1/totp/enroll", session, nil)
	if enrolled.code != http.StatusOK {
		t.Fatalf("enroll: HTTP %d %s", enrolled.code, enrolled.raw)
	}
	confirmed := selfService(t, tm, http.MethodPost, "/v1/totp/confirm", session,
		map[string]string{"code": code(t, enrolled.str("secret"), time.Now())})
	if confirmed.code != http.StatusOK {
		t.Fatalf("confirm: HTTP %d %s", confirmed.code, confirmed.raw)
	}
	eventuallyUser(t, key, func(g Gomega, u *iamv1alpha1.User) {
		g.Expect(u.Status.TwoFactor).To(Equal(iamv1alpha1.TwoFactorEnabled))
	})

	annotate(t, key, iamv1alpha1.ResetTwoFactorAnnotation, "lost-phone")
	eventuallyUser(t, key, func(g Gomega, u *iamv1alpha1.User) {
		g.Expect(u.Status.TwoFactor).To(Equal(iamv1alpha1.TwoFactorDisabled))
		g.Expect(u.Status.TwoFactorResetRequest).To(Equal("lost-phone"))
	})
	settle(t, key, "after-reset", 2)
	expectEventCounts(t, key, map[string]int32{
		"InvitationAccepted": 1, "PhaseActive": 1, "TwoFactorReset": 1, "UnlockIgnored": 2,
	})
}

// settle waits until every pass woken by what came before has run: it asks
// for an unlock of a user who is not locked, which the controller answers
// with an UnlockIgnored event, the answers-th of the test. The user's
// passes run one at a time and the answering pass reads a cache that holds
// everything written before the annotation, so once its answer is recorded
// no earlier pass is left to record anything.
func settle(t *testing.T, key client.ObjectKey, marker string, answers int32) {
	t.Helper()
	annotate(t, key, iamv1alpha1.UnlockAnnotation, marker)
	eventuallyUser(t, key, func(g Gomega, u *iamv1alpha1.User) {
		g.Expect(u.Status.UnlockRequest).To(Equal(marker))
	})
	NewWithT(t).Eventually(func() int32 { return eventCounts(t, key)["UnlockIgnored"] }).
		WithTimeout(timeout).Should(BeNumerically(">=", answers))
}

// expectEventCounts checks how often each reason was recorded about the
// user, counting an event's series (kubectl describe's "(x2)").
func expectEventCounts(t *testing.T, key client.ObjectKey, want map[string]int32) {
	t.Helper()
	counts := eventCounts(t, key)
	for reason, n := range want {
		if counts[reason] != n {
			t.Errorf("event %s recorded %d times, want %d (all: %v)", reason, counts[reason], n, counts)
		}
	}
}

// eventCounts sums, per reason, the events recorded about the user.
func eventCounts(t *testing.T, key client.ObjectKey) map[string]int32 {
	t.Helper()
	counts := map[string]int32{}
	for _, e := range eventsOf(t, key) {
		n := int32(1)
		if e.Series != nil {
			n = e.Series.Count
		}
		counts[e.Reason] += n
	}
	return counts
}
