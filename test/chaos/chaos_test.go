//go:build chaos

package chaos

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/smtpcatcher"
)

const password = "Chaos-Run-Passw0rd"

// acceptEvery is how many users of the run one accepts its invitation
// through the self-service API, with the first copy of its email.
const acceptEvery = 5

func TestKillsAndOutages(t *testing.T) {
	seed := *flagSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	sz := sizes{users: *flagUsers, transactions: *flagTransactions, kills: *flagKills, accounts: *flagAccounts, outages: *flagOutages}
	t.Logf("seed %d (replay with -seed=%d): %d users in %d accounts, %d transactions, %d kills, %d SMTP outages",
		seed, seed, sz.users, sz.accounts, sz.transactions, sz.kills, sz.outages)
	steps := plan(seed, sz)
	ctx := context.Background()

	smtp, mgrs := startManagers(t, ctx)

	accounts := createAccounts(t, sz.accounts)
	w := newWorkload(ctx, accounts, killAndRestart(ctx, mgrs), smtp)
	began := time.Now()
	if err := w.run(steps); err != nil {
		t.Fatalf("workload: %v", err)
	}
	t.Logf("workload done in %s: %d kills, %d outages, %d cancels (%d refused as no longer the latest, %d found nothing to cancel)",
		time.Since(began).Round(time.Second), w.tally.kills, w.tally.outages, w.tally.cancels, w.tally.cancelsRefused, w.tally.nothingToCancel)

	// Settle with the mail server up and a manager running.
	if err := smtp.Restart(); err != nil {
		t.Fatal(err)
	}
	st, err := waitSettled(ctx, accounts, len(w.users), *flagSettle)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("settled %s after the workload", time.Since(began).Round(time.Second))

	ledgerFig, problems := checkLedgers(st, w)
	report(t, "ledger", problems)
	mailFig, problems := checkMail(ctx, st, smtp)
	report(t, "invitations", problems)
	unconfirmed := countEvents(t, accounts, "InvitationUnconfirmed")
	t.Logf("ledger: %d transactions created, %d applied, %d rejected for want of funds, %d cancelled",
		len(w.txs), ledgerFig.applied, ledgerFig.rejected, w.tally.cancels)
	t.Logf("mail: %d messages taken by the mail server, %d distinct invitations for %d users, %d duplicate copies (same Message-ID), %d lost, %d later copies whose link was replaced; %d interrupted sends reported",
		mailFig.messages, mailFig.invitations, len(st.users), mailFig.duplicateCopies, mailFig.lost, mailFig.staleCopies, unconfirmed)

	accepted := acceptSome(t, ctx, st, smtp, mgrs, seed)
	t.Logf("accepted %d invitations through the self-service API", accepted)
	if _, err := waitSettled(ctx, accounts, len(w.users), *flagSettle); err != nil {
		t.Fatal(err)
	}

	checkRestartWritesNothing(t, ctx, accounts, mgrs, len(w.users))
	checkLogHasNoSecrets(t, mgrs, mailFig.tokens)
}

// createAccounts creates the run's customer accounts.
func createAccounts(t *testing.T, n int) []string {
	t.Helper()
	out := make([]string, 0, n)
	for range n {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "chaos-"}}
		if err := admin.Create(context.Background(), ns); err != nil {
			t.Fatalf("create account: %v", err)
		}
		out = append(out, ns.Name)
	}
	return out
}

// acceptSome accepts the invitation of some users, chosen from the seed,
// with the first copy of their email, and waits until each is verified.
func acceptSome(t *testing.T, ctx context.Context, st state, smtp *smtpcatcher.Server, mgrs *managers, seed uint64) int {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	accepted := 0
	for i := range st.users {
		u := &st.users[i]
		if u.Status.EmailVerified || rng.IntN(acceptEvery) != 0 {
			continue
		}
		token, err := firstToken(u, smtp)
		if err != nil {
			t.Errorf("user %s/%s: %v", u.Namespace, u.Name, err)
			continue
		}
		code, reply, err := acceptInvitation(ctx, "http://"+mgrs.selfServiceAddr, token, password)
		if err != nil || code != http.StatusOK {
			t.Errorf("user %s/%s: accept with the first copy's link: HTTP %d %s %v", u.Namespace, u.Name, code, reply, err)
			continue
		}
		accepted++
		key := client.ObjectKeyFromObject(u)
		err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
			live := &iamv1alpha1.User{}
			if err := admin.Get(ctx, key, live); err != nil {
				return false, err
			}
			return live.Status.EmailVerified, nil
		})
		if err != nil {
			t.Errorf("user %s: not verified after accepting: %v", key, err)
		}
	}
	return accepted
}

// checkRestartWritesNothing stops the manager gracefully, starts a new one
// over the settled objects and makes sure that, once it has reconciled
// every user, not one object or event changed.
func checkRestartWritesNothing(t *testing.T, ctx context.Context, accounts []string, mgrs *managers, users int) {
	t.Helper()
	if err := mgrs.stop(); err != nil {
		t.Fatal(err)
	}
	before, err := snapshot(ctx, accounts)
	if err != nil {
		t.Fatal(err)
	}
	if err := mgrs.start(true); err != nil {
		t.Fatal(err)
	}
	if err := mgrs.waitReady(ctx); err != nil {
		t.Fatal(err)
	}
	if err := waitReconciledAll(ctx, mgrs.running().metricsAddr, users); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(quietWindow)
	for {
		after, err := snapshot(ctx, accounts)
		if err != nil {
			t.Fatal(err)
		}
		if diff := changes(before, after); len(diff) > 0 {
			t.Fatalf("a manager restarted over settled objects wrote %d times:\n  %s", len(diff), strings.Join(diff, "\n  "))
		}
		if time.Now().After(deadline) {
			break
		}
		// Polling the API server for changes over the window; nothing
		// here waits for a reconcile.
		select {
		case <-ctx.Done():
			t.Fatal(ctx.Err())
		case <-time.After(500 * time.Millisecond):
		}
	}
	t.Logf("a restarted manager reconciled all %d users and wrote nothing (%d objects and events compared over %s)", users, len(before), quietWindow)
}

// processLogs are manager processes that log into one file: one manager
// replaced again and again, or a fleet of replicas.
type processLogs interface {
	stopAll() error
	logText() (string, error)
	processes() int
}

// checkLogHasNoSecrets reads everything every manager process logged and
// looks for the tokens of every email and the password.
func checkLogHasNoSecrets(t *testing.T, mgrs processLogs, tokens []string) {
	t.Helper()
	if err := mgrs.stopAll(); err != nil {
		t.Errorf("stop the manager: %v", err)
	}
	log, err := mgrs.logText()
	if err != nil {
		t.Fatal(err)
	}
	if len(log) == 0 {
		t.Fatal("the manager logged nothing: the check would prove nothing")
	}
	for _, secret := range append([]string{password}, tokens...) {
		if strings.Contains(log, secret) {
			t.Errorf("the manager's log contains a secret (%d characters, starting %q)", len(secret), secret[:4])
		}
	}
	t.Logf("the manager's log (%d bytes from %d processes) holds none of %d tokens nor the password", len(log), mgrs.processes(), len(tokens))
}

// countEvents counts the events with the reason in the accounts.
func countEvents(t *testing.T, accounts []string, reason string) int {
	t.Helper()
	n := 0
	for _, ns := range accounts {
		events := &eventsv1.EventList{}
		if err := admin.List(context.Background(), events, client.InNamespace(ns)); err != nil {
			t.Fatalf("list events: %v", err)
		}
		for _, e := range events.Items {
			if e.Reason == reason {
				n++
			}
		}
	}
	return n
}

func report(t *testing.T, what string, problems []string) {
	t.Helper()
	if len(problems) == 0 {
		return
	}
	shown := problems
	if len(shown) > 30 {
		shown = append(shown[:30:30], fmt.Sprintf("… and %d more", len(problems)-30))
	}
	t.Errorf("%s: %d problems:\n  %s", what, len(problems), strings.Join(shown, "\n  "))
}

func tail(s string, lines int) string {
	all := strings.Split(s, "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}

// startManagers starts a mail server and the manager binary, which logs to
// the test's output if the test fails, and waits until it is ready.
func startManagers(t *testing.T, ctx context.Context) (*smtpcatcher.Server, *managers) {
	t.Helper()
	smtp, err := smtpcatcher.Start("127.0.0.1:0", smtpcatcher.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = smtp.Close() })
	mgrs := newManagers(t, smtp)
	t.Cleanup(func() {
		if t.Failed() {
			if log, err := mgrs.logText(); err == nil {
				t.Logf("--- manager log (last 200 lines) ---\n%s", tail(log, 200))
			}
		}
	})
	if err := mgrs.start(false); err != nil {
		t.Fatal(err)
	}
	if err := mgrs.waitReady(ctx); err != nil {
		t.Fatal(err)
	}
	return smtp, mgrs
}
