//go:build chaos

package chaos

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/ledger"
	"github.com/tenantry-io/tenantry/internal/smtpcatcher"
)

const (
	currency = "USD"
	// writeTimeout bounds the retries of one write of the workload: while
	// no manager runs, admission (served by the manager) refuses writes,
	// and a client such as kubectl in a script or a GitOps tool retries.
	writeTimeout = 2 * time.Minute
	// writeRetry is how often a refused write is tried again.
	writeRetry = 100 * time.Millisecond
)

// userRecord is what the workload created for one user.
type userRecord struct {
	key   client.ObjectKey
	email string
}

// txRecord is one transaction the workload created.
type txRecord struct {
	key       client.ObjectKey
	user      int
	charge    bool
	minor     int64
	cancelled bool
}

// tally counts what the run did, for the report.
type tally struct {
	kills, outages                           int
	cancels, cancelsRefused, nothingToCancel int
}

// workload carries out a schedule against the API server, as people and
// pipelines would, while the manager is killed and the mail server fails.
type workload struct {
	ctx      context.Context
	accounts []string
	users    []userRecord
	txs      []txRecord
	txByName map[client.ObjectKey]int
	// kill kills the manager (the leader, when there are replicas) and
	// starts a new process, as a Deployment replaces a pod.
	kill  func() error
	smtp  *smtpcatcher.Server
	tally tally
}

func newWorkload(ctx context.Context, accounts []string, kill func() error, smtp *smtpcatcher.Server) *workload {
	return &workload{ctx: ctx, accounts: accounts, txByName: map[client.ObjectKey]int{}, kill: kill, smtp: smtp}
}

// killAndRestart kills the one manager and starts another.
func killAndRestart(ctx context.Context, m *managers) func() error {
	return func() error {
		// A manager killed before its cache synced has done nothing yet;
		// the kill is meant to land while it works.
		if err := m.waitReady(ctx); err != nil {
			return err
		}
		if err := m.kill(); err != nil {
			return err
		}
		return m.start(false)
	}
}

func (w *workload) run(steps []step) error {
	for i, s := range steps {
		if err := w.do(s); err != nil {
			return fmt.Errorf("step %d (%s): %w", i, s.kind, err)
		}
	}
	return nil
}

func (w *workload) do(s step) error {
	switch s.kind {
	case stepCreateUser:
		return w.createUser(s.user)
	case stepCreateTransaction:
		return w.createTransaction(s)
	case stepCancel:
		return w.cancelLatest(s.user)
	case stepKill:
		w.tally.kills++
		return w.kill()
	case stepSMTPDown:
		w.tally.outages++
		return w.smtp.Stop()
	case stepSMTPUp:
		return w.smtp.Restart()
	}
	return fmt.Errorf("unknown step %d", s.kind)
}

func (w *workload) createUser(n int) error {
	ns := w.accounts[n%len(w.accounts)]
	name := fmt.Sprintf("u-%04d", n)
	email := fmt.Sprintf("%s@%s.chaos.example", name, ns)
	user := &iamv1alpha1.User{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       iamv1alpha1.UserSpec{FullName: fmt.Sprintf("Chaos User %d", n), Email: email},
	}
	if n != len(w.users) {
		return fmt.Errorf("user %d created out of order", n)
	}
	w.users = append(w.users, userRecord{key: client.ObjectKeyFromObject(user), email: email})
	return w.create(user)
}

func (w *workload) createTransaction(s step) error {
	user := w.users[s.user]
	typ := iamv1alpha1.TransactionRefill
	if s.charge {
		typ = iamv1alpha1.TransactionCharge
	}
	name := fmt.Sprintf("tx-%05d", s.tx)
	tx := &iamv1alpha1.BalanceTransaction{
		ObjectMeta: metav1.ObjectMeta{Namespace: user.key.Namespace, Name: name},
		Spec: iamv1alpha1.BalanceTransactionSpec{
			User: user.key.Name, Type: typ, Currency: currency,
			Amount:         ledger.Amount{Minor: s.minor, Currency: currency}.String(),
			Description:    "chaos workload",
			IdempotencyKey: "chaos-" + name,
		},
	}
	key := client.ObjectKeyFromObject(tx)
	w.txByName[key] = len(w.txs)
	w.txs = append(w.txs, txRecord{key: key, user: s.user, charge: s.charge, minor: s.minor})
	return w.create(tx)
}

// cancelLatest deletes the user's latest applied transaction, the way a
// person does with kubectl: read the user, delete what it names. Admission
// refuses the delete when another transaction was applied in between.
func (w *workload) cancelLatest(n int) error {
	key := w.users[n].key
	return retryWrites(w.ctx, func() error {
		user := &iamv1alpha1.User{}
		if err := admin.Get(w.ctx, key, user); err != nil {
			return err
		}
		if user.Status.Balance == nil || user.Status.Balance.LatestTransaction == "" {
			w.tally.nothingToCancel++
			return nil
		}
		txKey := client.ObjectKey{Namespace: key.Namespace, Name: user.Status.Balance.LatestTransaction}
		latest := &iamv1alpha1.BalanceTransaction{}
		if err := admin.Get(w.ctx, txKey, latest); apierrors.IsNotFound(err) || (err == nil && !latest.DeletionTimestamp.IsZero()) {
			w.tally.nothingToCancel++ // its cancel is under way
			return nil
		} else if err != nil {
			return err
		}
		err := admin.Delete(w.ctx, &iamv1alpha1.BalanceTransaction{ObjectMeta: metav1.ObjectMeta{Namespace: txKey.Namespace, Name: txKey.Name}})
		switch {
		case err == nil:
			w.tally.cancels++
			if i, ok := w.txByName[txKey]; ok {
				w.txs[i].cancelled = true
			}
			return nil
		case apierrors.IsForbidden(err):
			w.tally.cancelsRefused++
			return nil
		case apierrors.IsNotFound(err):
			w.tally.nothingToCancel++
			return nil
		}
		return err
	})
}

// create creates obj, retrying while admission is unreachable. An object
// that exists already was created by an earlier try whose answer was lost.
func (w *workload) create(obj client.Object) error {
	return retryWrites(w.ctx, func() error {
		err := admin.Create(w.ctx, obj.DeepCopyObject().(client.Object))
		if apierrors.IsAlreadyExists(err) {
			return nil
		}
		return err
	})
}

// retryWrites runs write until it succeeds or fails for a reason that
// retrying cannot fix. Errors from an unreachable webhook (the manager is
// down) and the API server's own transient answers are retried.
func retryWrites(ctx context.Context, write func() error) error {
	var last error
	err := wait.PollUntilContextTimeout(ctx, writeRetry, writeTimeout, true, func(context.Context) (bool, error) {
		last = write()
		switch {
		case last == nil:
			return true, nil
		case apierrors.IsInternalError(last), apierrors.IsServiceUnavailable(last), apierrors.IsTimeout(last),
			apierrors.IsServerTimeout(last), apierrors.IsTooManyRequests(last), apierrors.IsConflict(last):
			return false, nil
		}
		return false, last
	})
	if err != nil && last != nil && !errors.Is(err, last) {
		return fmt.Errorf("%w (last answer: %v)", err, last)
	}
	return err
}

// installRoles creates the roles config/roles ships, as installing the
// operator does.
func installRoles(dir string) error {
	for _, name := range []string{"owner.yaml", "manager.yaml"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		role := &iamv1alpha1.Role{}
		if err := yaml.UnmarshalStrict(data, role); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if err := admin.Create(context.Background(), role); err != nil {
			return fmt.Errorf("create role %s: %w", role.Name, err)
		}
	}
	return nil
}
