package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/conditions"
	"github.com/tenantry-io/tenantry/internal/credentials"
	"github.com/tenantry-io/tenantry/internal/ledger"
	"github.com/tenantry-io/tenantry/internal/mail"
	"github.com/tenantry-io/tenantry/internal/operator"
	"github.com/tenantry-io/tenantry/internal/smtpcatcher"
	"github.com/tenantry-io/tenantry/internal/testsupport"
)

// The floor a benchmark is judged against: a bare client doing only the
// work the job cannot do without, with the same concurrency as the
// operator, against the same API server and SMTP server, in the same run.
// A benchmark reports its time as a ratio to this ("x-bare"), so a change is
// measured against what the job needs, not against yesterday. Each bare run
// happens while no manager runs, in an account of its own that it empties
// afterwards, so the operator never sees its objects, and is followed by the
// same watches as the operator's run, so that both pay the same for being
// measured and both are done by the same test.

// bareWorkers is the operator's default --max-concurrent-users and
// --max-concurrent-ledgers.
const bareWorkers = 4

// bareJob is what one bare invitation benchmark asks beyond the plain one:
// the account as the operator's run finds it, the same users, the work
// each user needs besides its invitation, and the operator's run's test of
// a user done. The zero bareJob is BenchmarkUsersInvited's.
type bareJob struct {
	// prepare creates what the account holds before the burst (its
	// subscription and team, say), as the operator's run does.
	prepare func(ns string)
	// user changes each new user as the operator's run does (its
	// services).
	user func(u *iamv1alpha1.User)
	// provision is more work each user needs (its services). It may add to
	// status, which the one status write then records.
	provision func(ctx context.Context, ns, name string, status *iamv1alpha1.UserStatus) error
	// done is the operator's run's test of a user done; nil is userSettled.
	done func(client.Object) bool
}

// bareInvitations creates n users and, for each, does the least a new
// user needs: create the credential Secret, send one email over SMTP, file
// its creation in the history (one UserChange), and write the status once.
// Each object holds what the operator's holds (the Secret the invitation,
// the record the fields the creation set, the status invitedStatus and
// whatever job.provision records), so that both sides leave the same
// account and the ratio measures the operator's work, not its API's.
func bareInvitations(b *testing.B, smtp *smtpcatcher.Server, n int, job bareJob) bareResult {
	b.Helper()
	ns := newNamespace(b)
	sender, err := mail.NewSMTPSender(mail.Config{Host: smtp.Host(), Port: smtp.Port(), TLS: mail.TLSNone, From: "no-reply@bench.example"})
	if err != nil {
		b.Fatal(err)
	}
	if job.prepare != nil {
		job.prepare(ns)
	}
	done := job.done
	if done == nil {
		done = userSettled
	}
	invited := trackDone(b, &iamv1alpha1.UserList{}, ns, done)
	waitForQuietControlPlane(b)
	writes, cpu := apiWrites(b), cpuSeconds(b)
	start := time.Now()
	createAll(b, n, func(i int) client.Object {
		user := newUser(ns, bareName(i), bareName(i)+"@bench.example")
		if job.user != nil {
			job.user(user)
		}
		return user
	})
	inParallel(b, "bare invitation", n, bareWorkers, func(i int) error {
		return inviteBare(context.Background(), sender, ns, bareName(i), job.provision)
	})
	invited.wait(b, "users the bare client invited", n)
	run := bareResult{elapsed: time.Since(start), cpuMs: (cpuSeconds(b) - cpu) * 1000 / float64(n)}
	invited.stop()
	run.statusBytes = statusBytes(b, ns, bareName(0))
	run.writes = (apiWrites(b) - writes - float64(n)) / float64(n)
	discardAccount(b, ns)
	return run
}

// bareResult is a bare client's run: its time, its API writes per user
// (the users' own creation left out, as in the operator's figure), the
// CPU the machine spent on it per user (see cpuSeconds) and the size of a
// user's status it left.
type bareResult struct {
	elapsed     time.Duration
	writes      float64
	cpuMs       float64
	statusBytes float64
}

// report reports the operator's time against the bare client's, and the
// bare client's rate, writes and CPU beside the operator's. The bare
// client's users/s over several runs is the machine's own spread: the
// operator's is to be no wider.
func (r bareResult) report(b *testing.B, ours time.Duration) {
	b.Helper()
	reportAgainstBare(b, ours, r.elapsed, r.writes)
	b.ReportMetric(float64(b.N)/r.elapsed.Seconds(), "bare-users/s")
	b.ReportMetric(r.cpuMs, "bare-cpu-ms/op")
	b.ReportMetric(r.statusBytes, "bare-status-bytes")
}

// statusBytes is the size of a user's status as JSON, which the two sides
// of a benchmark are to write alike (see invitedStatus).
func statusBytes(b *testing.B, ns, name string) float64 {
	b.Helper()
	user := &iamv1alpha1.User{}
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, user); err != nil {
		b.Fatal(err)
	}
	data, err := json.Marshal(user.Status)
	if err != nil {
		b.Fatal(err)
	}
	return float64(len(data))
}

func bareName(i int) string { return fmt.Sprintf("bare-%05d", i) }

// inviteBare is one user's unavoidable work, and provision's when given.
func inviteBare(ctx context.Context, sender mail.Sender, ns, name string, provision func(context.Context, string, string, *iamv1alpha1.UserStatus) error) error {
	secret := credentials.NewSecret(testsupport.CredentialsNamespace, ns, name, "")
	credentials.WriteInvitation(secret, credentials.Invitation{Number: 1, Attempt: 1,
		TokenHash: strings.Repeat("0123456789abcdef", 4), Expiry: time.Now().Add(7 * 24 * time.Hour)})
	if err := k8s.Create(ctx, secret); err != nil {
		return err
	}
	email := name + "@bench.example"
	if err := sender.Send(ctx, mail.Message{To: email, Subject: "You are invited", Text: "https://example.invalid/accept?token=x"}); err != nil {
		return err
	}
	// The record the operator files: who created the user, and each field
	// the creation set.
	record := &iamv1alpha1.UserChange{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name + "-00000000-00001",
			Labels: map[string]string{iamv1alpha1.UserLabel: name, iamv1alpha1.ManagedByLabel: iamv1alpha1.ManagedBy}},
		Spec: iamv1alpha1.UserChangeSpec{User: name, UserUID: bareUID, Sequence: 1, Action: iamv1alpha1.ChangeCreated,
			Requester: iamv1alpha1.Requester{Username: "admin", Groups: []string{"system:masters", "system:authenticated"}},
			Time:      metav1.NowMicro(), Summary: "Alice Example <" + email + ">, role manager",
			Changes: []iamv1alpha1.FieldChange{{Path: "spec.email", New: email}, {Path: "spec.fullName", New: "Alice Example"},
				{Path: "spec.role", New: "manager"}, {Path: "spec.state", New: "Active"}}},
	}
	if err := k8s.Create(ctx, record); err != nil {
		return err
	}
	// Generation 1 is the created user's, which the conditions observe.
	user := &iamv1alpha1.User{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Generation: 1}}
	patch := client.MergeFrom(user.DeepCopy())
	user.Status = invitedStatus(ns, name, email, time.Now())
	if provision != nil {
		if err := provision(ctx, ns, name, &user.Status); err != nil {
			return err
		}
	}
	// In the order and with the messages the operator's pass leaves them.
	conditions.MarkFalse(user, iamv1alpha1.EmailVerifiedCondition, iamv1alpha1.ReasonAwaitingAcceptance, "waiting for the person to accept the invitation")
	conditions.MarkFalse(user, iamv1alpha1.LockedCondition, iamv1alpha1.ReasonNotLocked, "the user is not locked")
	conditions.MarkTrue(user, iamv1alpha1.InvitationDeliveredCondition, iamv1alpha1.ReasonDelivered,
		fmt.Sprintf("invitation 1 sent to %s; the link works once, until %s", email, user.Status.Invitation.ExpiryTime.UTC().Format(time.RFC3339)))
	conditions.MarkFalse(user, iamv1alpha1.RoleBoundCondition, iamv1alpha1.ReasonNotActive, "no access until the person accepts the invitation")
	if n := len(user.Status.Services); n > 0 {
		user.Status.ServicesSummary = fmt.Sprintf("%s:%d", user.Status.Services[0].Column, n)
		conditions.MarkTrue(user, iamv1alpha1.ServicesReadyCondition, iamv1alpha1.ReasonServicesReady, fmt.Sprintf("%d of %d services ready", n, n))
	}
	conditions.MarkFalse(user, iamv1alpha1.ReadyCondition, iamv1alpha1.ReasonInvitationPending, "waiting for the person to accept the invitation")
	return k8s.Status().Patch(ctx, user, patch)
}

// invitedStatus is the status an invited user carries, field for field
// as the operator's one status write leaves it: the job is a user whose
// status explains itself (phase, invitation record, ledger, history), not
// one condition of it. What a status write carries is most of what it
// costs the API server, so a smaller one would make the floor lower by
// the status's design rather than by the operator's work;
// docs/developer/benchmarks.md gives both figures. status-bytes and
// bare-status-bytes report the two sizes in every run.
func invitedStatus(ns, name, email string, now time.Time) iamv1alpha1.UserStatus {
	sent, expiry := metav1.NewTime(now.Truncate(time.Second)), metav1.NewTime(now.Add(7*24*time.Hour).Truncate(time.Second))
	return iamv1alpha1.UserStatus{
		Phase:                 iamv1alpha1.UserPhaseInvited,
		ObservedGeneration:    1,
		CredentialsSecretName: ns + "." + name,
		Invitation: &iamv1alpha1.InvitationStatus{Email: email, EmailDelivery: iamv1alpha1.EmailDelivery{
			Number: 1, MessageID: "invitation-1." + bareUID + "@tenantry.test", SentTime: &sent, ExpiryTime: &expiry, DeliveryAttempts: 1}},
		Balance:   &iamv1alpha1.BalanceStatus{Amount: "0.00", Currency: "USD"},
		TwoFactor: iamv1alpha1.TwoFactorDisabled,
		History:   &iamv1alpha1.HistoryStatus{FiledSequence: 1},
	}
}

// bareUID stands for a user's uid where the operator writes one.
const bareUID = "00000000-0000-0000-0000-000000000000"

// bareTransactions has a manager settle users (untimed) and stops it, so
// that the bare client moves the balances of users as big as the
// operator's (with the invitation's status, conditions and managed
// fields: every write of a user carries all of it). Then it creates n
// refills spread over them as the operator's benchmark does, and applies
// them with the least the ledger's guarantees need: per user, one
// transaction at a time in creation order, a balance write guarded by the
// user's resourceVersion and one status write of the transaction; users in
// parallel on as many workers as the ledger has.
func bareTransactions(b *testing.B, opts operator.Options, n, users int) (time.Duration, float64) {
	b.Helper()
	ns := newNamespace(b)
	name := func(i int) string { return fmt.Sprintf("bare-%03d", i) }
	// The operator's run watches its users (to know them settled) and its
	// transactions through the timed part; so does this one.
	watched := trackDone(b, &iamv1alpha1.UserList{}, ns, userSettled)
	applied := trackDone(b, &iamv1alpha1.BalanceTransactionList{}, ns, transactionApplied)
	settling := startManager(b, opts)
	createAll(b, users, func(i int) client.Object { return newUser(ns, name(i), name(i)+"@bench.example") })
	watched.wait(b, "users settled for the bare client", users)
	settling.stop(b)
	perUser := make([][]string, users)
	for i := range n {
		perUser[i%users] = append(perUser[i%users], fmt.Sprintf("bare-refill-%05d", i))
	}
	writes := apiWrites(b)
	start := time.Now()
	createAll(b, n, func(i int) client.Object {
		return newTransaction(ns, fmt.Sprintf("bare-refill-%05d", i), name(i%users), iamv1alpha1.TransactionRefill, "0.01")
	})
	inParallel(b, "bare ledger", users, bareWorkers, func(u int) error {
		return applyBare(context.Background(), ns, name(u), perUser[u])
	})
	applied.wait(b, "transactions the bare client applied", n)
	elapsed := time.Since(start)
	watched.stop()
	applied.stop()
	perTx := (apiWrites(b) - writes - float64(n)) / float64(n)
	discardAccount(b, ns)
	return elapsed, perTx
}

// applyBare applies one user's refills of 0.01 in order.
func applyBare(ctx context.Context, ns, user string, txs []string) error {
	u := &iamv1alpha1.User{}
	if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: user}, u); err != nil {
		return err
	}
	for i, name := range txs {
		before := u.DeepCopy()
		u.Status.Balance = &iamv1alpha1.BalanceStatus{Amount: ledger.Amount{Minor: int64(i + 1), Currency: "USD"}.String(),
			Currency: "USD", Count: int64(i + 1), LatestTransaction: name}
		if err := k8s.Status().Patch(ctx, u, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{})); err != nil {
			return err
		}
		tx := &iamv1alpha1.BalanceTransaction{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
		patch := client.MergeFrom(tx.DeepCopy())
		tx.Status.Phase = iamv1alpha1.TransactionApplied
		tx.Status.Sequence = int64(i + 1)
		if err := k8s.Status().Patch(ctx, tx, patch); err != nil {
			return err
		}
	}
	return nil
}

// bareRead reads every object of the account a restart has to know, as
// a cache filling up does, and returns its time and how many objects
// there were.
func bareRead(b *testing.B, ns string) (time.Duration, int) {
	b.Helper()
	ctx := context.Background()
	g := NewWithT(b)
	start := time.Now()
	users, txs, secrets := &iamv1alpha1.UserList{}, &iamv1alpha1.BalanceTransactionList{}, &corev1.SecretList{}
	g.Expect(k8s.List(ctx, users, client.InNamespace(ns))).To(Succeed())
	g.Expect(k8s.List(ctx, txs, client.InNamespace(ns))).To(Succeed())
	g.Expect(k8s.List(ctx, secrets, client.InNamespace(ns), client.HasLabels{iamv1alpha1.UserLabel})).To(Succeed())
	return time.Since(start), len(users.Items) + len(txs.Items) + len(secrets.Items)
}

// discardAccount deletes a benchmark's account once no manager runs, so
// that the next benchmark, or the next run of the same one (-count), finds
// the cluster as this one did: a manager caches every account, and a
// restart over leftovers would count them in its time and its heap.
// Admission put the operator's finalizers on the users and transactions; no
// operator runs to take them off, so this does.
func discardAccount(b *testing.B, ns string) {
	b.Helper()
	ctx := context.Background()
	g := NewWithT(b)
	// An account being deleted lets its applied transactions go without a
	// cancel (envtest runs no namespace controller to finish the deletion).
	g.Expect(k8s.Delete(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(Succeed())
	users, txs := &iamv1alpha1.UserList{}, &iamv1alpha1.BalanceTransactionList{}
	g.Expect(k8s.List(ctx, users, client.InNamespace(ns))).To(Succeed())
	g.Expect(k8s.List(ctx, txs, client.InNamespace(ns))).To(Succeed())
	held := make([]client.Object, 0, len(users.Items)+len(txs.Items))
	for i := range users.Items {
		held = append(held, &users.Items[i])
	}
	for i := range txs.Items {
		held = append(held, &txs.Items[i])
	}
	inParallel(b, "release", len(held), 16, func(i int) error {
		obj := held[i]
		patch := client.MergeFrom(obj.DeepCopyObject().(client.Object))
		obj.SetFinalizers(nil)
		return client.IgnoreNotFound(k8s.Patch(ctx, obj, patch))
	})
	// One by one: a collection deletion asks admission about every object
	// within one request, which at 10,000 outlasts the request's timeout.
	inParallel(b, "delete", len(held), 16, func(i int) error {
		return client.IgnoreNotFound(k8s.Delete(ctx, held[i]))
	})
	g.Expect(k8s.DeleteAllOf(ctx, &corev1.Secret{}, client.InNamespace(testsupport.CredentialsNamespace),
		client.MatchingLabels{iamv1alpha1.AccountLabel: ns})).To(Succeed())
	g.Expect(k8s.DeleteAllOf(ctx, &iamv1alpha1.UserChange{}, client.InNamespace(ns))).To(Succeed())
}

// reportAgainstBare reports the operator's time as a multiple of the bare
// client's, and the bare client's writes per object beside the operator's.
func reportAgainstBare(b *testing.B, ours, bare time.Duration, bareWrites float64) {
	b.Helper()
	b.ReportMetric(ours.Seconds()/bare.Seconds(), "x-bare")
	b.ReportMetric(bareWrites, "bare-writes/op")
}
