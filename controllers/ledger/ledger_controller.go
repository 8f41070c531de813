package ledger

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/conditions"
	"github.com/tenantry-io/tenantry/internal/index"
	"github.com/tenantry-io/tenantry/internal/metrics"
	"github.com/tenantry-io/tenantry/internal/patch"
	"github.com/tenantry-io/tenantry/internal/reconcile"
)

const (
	// ledgerNextStep is how soon the next step of a busy ledger runs. It is a
	// delay, not a rate-limited requeue, so a burst of transactions does not
	// slow down as it is worked off.
	ledgerNextStep = time.Millisecond
	// ledgerCacheBehind is how soon to look again when the cache showed a
	// transaction older than the API server has it.
	ledgerCacheBehind = 50 * time.Millisecond
)

// Reconciler keeps each user's balance from its BalanceTransactions.
// Requests are keyed by user, so one user's transactions are handled by one
// worker at a time, step by step, in creation order. The balance lives in
// the User's status and each change to it is a write guarded by the
// resourceVersion read from the API server (or returned by the pass's own
// previous write): a conflict, a stale cache or a crash at any point can
// delay a step, never apply it twice or skip it.
type Reconciler struct {
	client.Client
	// APIReader reads the user and the transaction about to be applied past
	// the cache: money is not moved on what a cache believes.
	APIReader       client.Reader
	Recorder        events.EventRecorder
	DefaultCurrency string
	UserGrace       time.Duration
	// Clock tells the time; tests move it.
	Clock clock.PassiveClock
}

// +kubebuilder:rbac:groups=iam.tenantry.io,resources=balancetransactions,verbs=get;list;watch;update;patch;delete
// +kubebuilder:rbac:groups=iam.tenantry.io,resources=balancetransactions/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=iam.tenantry.io,resources=balancetransactions/finalizers,verbs=update

// Reconcile takes the next steps of one user's ledger.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	cached := &iamv1alpha1.BalanceTransactionList{}
	if err := r.List(ctx, cached, client.InNamespace(req.Namespace), client.MatchingFields{index.TransactionUserField: req.Name}); err != nil {
		return ctrl.Result{}, fmt.Errorf("list transactions of user %s: %w", req.Name, err)
	}
	if len(cached.Items) == 0 {
		// Every step concerns a transaction, and one the cache has not
		// seen yet enqueues its user when it arrives: a user without
		// transactions costs the API server nothing here.
		return ctrl.Result{}, nil
	}
	user := &iamv1alpha1.User{}
	if err := r.APIReader.Get(ctx, req.NamespacedName, user); err != nil {
		if !apierrors.IsNotFound(err) {
			return ctrl.Result{}, fmt.Errorf("read user %s: %w", req.Name, err)
		}
		user = nil
	}
	items, err := r.withLiveCancelTarget(ctx, user, cached.Items)
	if err != nil {
		return ctrl.Result{}, err
	}
	// A conflict means another writer (the User controller, admission
	// recording a cancel, or this one from an older pass) changed the user
	// first: nothing was written, so the step is simply taken again on
	// fresh data.
	result, err := r.takeSteps(ctx, user, items)
	return reconcile.RequeueOnConflict(ctx, "ledger", result, err)
}

// maxLedgerSteps bounds the steps of one pass, so that a user with a
// thousand new transactions does not keep a worker from the others.
const maxLedgerSteps = 64

// takeSteps carries out one step after another, each planned on the user
// the pass read (then as its own writes returned it) and on the cached
// transactions (then as its own writes left them), until the ledger is idle
// or must wait. Reading the user once per pass rather than once per step
// lets a burst of transactions cost two writes and one read each. Each
// balance change is still its own write guarded by the user's
// resourceVersion, so anyone else's change to the user ends the pass with a
// conflict, and each transaction is read past the cache before it is
// applied or rejected, so a cache that has not yet seen an earlier pass's
// writes (or a deletion) delays a step and never repeats one. A list past
// the cache would do instead, but the API server filters a list by reading
// the whole account, which at 10,000 transactions costs more than the
// steps.
func (r *Reconciler) takeSteps(ctx context.Context, user *iamv1alpha1.User, txs []iamv1alpha1.BalanceTransaction) (ctrl.Result, error) {
	for range maxLedgerSteps {
		step := planLedger(ledgerInputs{
			now: r.Clock.Now(), user: user, transactions: txs,
			defaultCurrency: r.DefaultCurrency, userGrace: r.UserGrace,
		})
		result, err := r.take(ctx, user, step)
		if err != nil || result != nextStep {
			// Idle, waiting, holding, or the cache is behind: the queue
			// brings the user back when there is more to do.
			return result, err
		}
		txs = afterStep(txs, step)
	}
	return nextStep, nil
}

// nextStep is what take returns once a step is done and the next may be
// planned at once.
var nextStep = ctrl.Result{RequeueAfter: ledgerNextStep}

// afterStep is the pass's view of the transactions once step is taken:
// the transaction as its writes returned it, or without it once it is let
// go.
func afterStep(txs []iamv1alpha1.BalanceTransaction, step ledgerStep) []iamv1alpha1.BalanceTransaction {
	out := make([]iamv1alpha1.BalanceTransaction, 0, len(txs))
	for i := range txs {
		switch {
		case txs[i].UID != step.tx.UID:
			out = append(out, txs[i])
		case step.kind == stepDiscard, step.kind == stepRelease && !step.tx.DeletionTimestamp.IsZero():
			// gone, or going with nothing left for the ledger to do
		default:
			out = append(out, *step.tx)
		}
	}
	return out
}

// take carries out one step and says when to take the next.
func (r *Reconciler) take(ctx context.Context, user *iamv1alpha1.User, step ledgerStep) (ctrl.Result, error) {
	next := nextStep
	switch step.kind {
	case stepIdle:
		return ctrl.Result{}, nil
	case stepHold:
		// The deletion being stored enqueues the user; the delay only
		// ends a hold for a deletion that never comes.
		return ctrl.Result{RequeueAfter: step.after}, nil
	case stepMarkApplied:
		// Usually a pass applied and marked it and the cache has not shown
		// the mark yet: a read settles that, where a write would repeat it.
		if fresh, err := r.stillPending(ctx, step.tx); err != nil || !fresh {
			return ctrl.Result{RequeueAfter: ledgerCacheBehind}, err
		}
		return next, r.markApplied(ctx, step.tx, step.balance)
	case stepWait:
		return ctrl.Result{RequeueAfter: step.after}, r.setTransactionStatus(ctx, step.tx, iamv1alpha1.TransactionPending, metav1.ConditionFalse, step.reason, step.message)
	case stepReject:
		if fresh, err := r.stillPending(ctx, step.tx); err != nil || !fresh {
			return ctrl.Result{RequeueAfter: ledgerCacheBehind}, err
		}
		err := r.setTransactionStatus(ctx, step.tx, iamv1alpha1.TransactionRejected, metav1.ConditionFalse, step.reason, step.message)
		metrics.RecordTransaction(metrics.TransactionRejected, err)
		// Told once the rejection is stored: a pass whose write failed
		// runs again and would tell it twice.
		if err == nil {
			r.event(user, step.tx, corev1.EventTypeWarning, "TransactionRejected", "%s", step.message)
		}
		return next, err
	case stepApply:
		return r.apply(ctx, user, step)
	case stepCancel:
		cancelled := ptr.Deref(user.Status.Balance, iamv1alpha1.BalanceStatus{}).LatestSequence
		if err := r.fileCancel(ctx, user, step.tx, step.balance); err != nil {
			return ctrl.Result{}, err
		}
		if err := r.writeBalance(ctx, user, step.balance); err != nil {
			return ctrl.Result{}, err
		}
		r.event(user, step.tx, corev1.EventTypeNormal, "TransactionCancelled",
			"cancelled %s of %s %s (%s, seq %d): balance %s %s", step.tx.Spec.Type, step.tx.Spec.Amount, step.tx.Spec.Currency,
			step.tx.Name, cancelled, step.balance.Amount, step.balance.Currency)
		metrics.RecordTransaction(metrics.TransactionCancelled, nil)
		return next, nil
	case stepRelease:
		return next, r.removeFinalizer(ctx, step.tx)
	case stepDiscard:
		if err := r.removeFinalizer(ctx, step.tx); err != nil {
			return ctrl.Result{}, err
		}
		if err := r.Delete(ctx, step.tx); client.IgnoreNotFound(err) != nil {
			return ctrl.Result{}, fmt.Errorf("delete transaction %s of a deleted user: %w", step.tx.Name, err)
		}
		return next, nil
	}
	return ctrl.Result{}, fmt.Errorf("unknown ledger step %d", step.kind)
}

// apply commits a transaction: first the transaction is adopted (owner and
// finalizer, so it cannot vanish without being reverted; admission usually
// did that when it was created), then the balance is written. That write is
// the commit. Marking the transaction Applied follows in the same pass; if
// the pass ends before it does, it is found again from the balance as the
// next step.
func (r *Reconciler) apply(ctx context.Context, user *iamv1alpha1.User, step ledgerStep) (ctrl.Result, error) {
	if fresh, err := r.stillPending(ctx, step.tx); err != nil || !fresh {
		return ctrl.Result{RequeueAfter: ledgerCacheBehind}, err
	}
	if err := r.adopt(ctx, user, step.tx); err != nil {
		return ctrl.Result{}, err
	}
	if err := r.writeBalance(ctx, user, step.balance); err != nil {
		return ctrl.Result{}, err
	}
	metrics.RecordTransaction(metrics.TransactionApplied, nil) // the balance write is the commit
	r.appliedEvent(user, step.tx.Spec.Type)
	return nextStep, r.markApplied(ctx, step.tx, step.balance)
}

// appliedEvent records that a refill or a charge was applied, as one event
// series per user and type: the events API counts repeats of the same
// event in memory and writes a series twice, not once per transaction, so
// a burst of a thousand refills costs the API server two event writes. The
// details of each are in the transaction's own status (sequence, balance
// after it) and in `kubectl tenantry history`. The user is referred to
// without its resourceVersion, which every balance write changes and which
// would make each event a series of its own.
func (r *Reconciler) appliedEvent(user *iamv1alpha1.User, kind iamv1alpha1.TransactionType) {
	regarding := &iamv1alpha1.User{ObjectMeta: metav1.ObjectMeta{Namespace: user.Namespace, Name: user.Name, UID: user.UID}}
	note := "a refill was applied to the balance"
	if kind == iamv1alpha1.TransactionCharge {
		note = "a charge was applied to the balance"
	}
	reconcile.RecordEvent(r.Recorder, regarding, nil, corev1.EventTypeNormal, "Transaction"+string(kind)+"Applied", "Ledger",
		"%s; each transaction's status has its sequence and the balance after it (kubectl tenantry history %s)", note, user.Name)
}

// stillPending re-reads a transaction from the API server: a cache that has
// not seen it applied or rejected must not make it happen twice.
func (r *Reconciler) stillPending(ctx context.Context, tx *iamv1alpha1.BalanceTransaction) (bool, error) {
	live := &iamv1alpha1.BalanceTransaction{}
	if err := r.APIReader.Get(ctx, client.ObjectKeyFromObject(tx), live); err != nil {
		return false, client.IgnoreNotFound(err)
	}
	return live.UID == tx.UID && isPending(live) && live.DeletionTimestamp.IsZero(), nil
}

// writeBalance is the only write of a balance: a merge patch of
// status.balance carrying the resourceVersion of the user just read.
func (r *Reconciler) writeBalance(ctx context.Context, user *iamv1alpha1.User, balance iamv1alpha1.BalanceStatus) error {
	before := user.DeepCopy()
	user.Status.Balance = &balance
	if err := patch.Status(ctx, r.Client, before, user, client.MergeFromWithOptimisticLock{}); err != nil {
		return fmt.Errorf("write balance of user %s: %w", user.Name, err)
	}
	return nil
}

func (r *Reconciler) adopt(ctx context.Context, user *iamv1alpha1.User, tx *iamv1alpha1.BalanceTransaction) error {
	guarded := client.MergeFromWithOptions(tx.DeepCopy(), client.MergeFromWithOptimisticLock{})
	changed := controllerutil.AddFinalizer(tx, iamv1alpha1.TransactionFinalizer)
	if !isOwnedByUser(tx, user) {
		// Not a controller reference: the User does not manage the
		// transaction, but a cluster's garbage collector removes it with
		// the User.
		if err := controllerutil.SetOwnerReference(user, tx, r.Scheme()); err != nil {
			return fmt.Errorf("own transaction %s: %w", tx.Name, err)
		}
		changed = true
	}
	if !changed {
		return nil
	}
	if err := r.Patch(ctx, tx, guarded); err != nil {
		return fmt.Errorf("adopt transaction %s: %w", tx.Name, err)
	}
	return nil
}

func (r *Reconciler) markApplied(ctx context.Context, tx *iamv1alpha1.BalanceTransaction, balance iamv1alpha1.BalanceStatus) error {
	before := tx.DeepCopy()
	tx.Status.Sequence = balance.LatestSequence
	tx.Status.BalanceAfter = balance.Amount
	tx.Status.AppliedTime = &metav1.Time{Time: r.Clock.Now()}
	return r.patchTransactionStatus(ctx, before, tx, iamv1alpha1.TransactionApplied, metav1.ConditionTrue, iamv1alpha1.ReasonApplied,
		fmt.Sprintf("applied as transaction %d of user %s; balance %s %s", balance.LatestSequence, tx.Spec.User, balance.Amount, balance.Currency))
}

func (r *Reconciler) setTransactionStatus(ctx context.Context, tx *iamv1alpha1.BalanceTransaction, phase iamv1alpha1.TransactionPhase, status metav1.ConditionStatus, reason, message string) error {
	return r.patchTransactionStatus(ctx, tx.DeepCopy(), tx, phase, status, reason, message)
}

// patchTransactionStatus writes what the ledger decided about a transaction.
// No resourceVersion is needed: the content follows from the committed
// balance, so writing it twice writes the same thing.
func (r *Reconciler) patchTransactionStatus(ctx context.Context, before, tx *iamv1alpha1.BalanceTransaction, phase iamv1alpha1.TransactionPhase, status metav1.ConditionStatus, reason, message string) error {
	tx.Status.Phase = phase
	tx.Status.ObservedGeneration = tx.Generation
	conditions.Set(tx, metav1.Condition{Type: iamv1alpha1.ReadyCondition, Status: status, Reason: reason, Message: message})
	if err := patch.Status(ctx, r.Client, before, tx); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("write status of transaction %s: %w", tx.Name, err)
	}
	return nil
}

func (r *Reconciler) removeFinalizer(ctx context.Context, tx *iamv1alpha1.BalanceTransaction) error {
	guarded := client.MergeFromWithOptions(tx.DeepCopy(), client.MergeFromWithOptimisticLock{})
	if !controllerutil.RemoveFinalizer(tx, iamv1alpha1.TransactionFinalizer) {
		return nil
	}
	if err := r.Patch(ctx, tx, guarded); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("release transaction %s: %w", tx.Name, err)
	}
	return nil
}

// event records a balance movement on the User, where `kubectl describe
// user` shows it as the audit trail.
func (r *Reconciler) event(user *iamv1alpha1.User, tx *iamv1alpha1.BalanceTransaction, eventType, reason, format string, args ...any) {
	if user == nil { // a transaction of a user that does not exist
		return
	}
	reconcile.RecordEvent(r.Recorder, user, tx, eventType, reason, "Ledger", format, args...)
}

// SetupWithManager keys the ledger by user: Users, and every transaction
// mapped to the user it names.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager, options controller.Options) error {
	return ctrl.NewControllerManagedBy(mgr).
		Named("ledger").
		WithOptions(options).
		For(&iamv1alpha1.User{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Watches(&iamv1alpha1.BalanceTransaction{}, handler.EnqueueRequestsFromMapFunc(
			func(_ context.Context, obj client.Object) []ctrl.Request {
				tx := obj.(*iamv1alpha1.BalanceTransaction)
				return []ctrl.Request{{NamespacedName: client.ObjectKey{Namespace: tx.Namespace, Name: tx.Spec.User}}}
			})).
		Complete(r)
}
