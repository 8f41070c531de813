package services

import (
	"context"
	"fmt"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/reconcile"
	"github.com/tenantry-io/tenantry/internal/services"
)

// SubscriptionReconciler gives out the seats of each Subscription and
// records who holds them in its status. It is the only writer of seats:
// controller-runtime never runs two passes of one subscription at once,
// and each pass writes with an optimistic lock, so two administrators
// racing for the last seat cannot both get it. Admission refuses what it
// can see is over quota; this is the guarantee. The User controller
// provisions an assignment only once it is among the holders.
type SubscriptionReconciler struct {
	client.Client
	Recorder events.EventRecorder
	// Clock tells the time; tests move it.
	Clock clock.PassiveClock
	// SeatObjects finds the object of a seat whose claim is gone, which
	// keeps the seat until it is gone too; nil finds none, and lets such
	// a seat go at once.
	SeatObjects *services.SeatObjects

	mu sync.Mutex
	// letGo holds, per subscription, when each seat still held was first
	// found without a claim (see seatsHeldByObjects).
	letGo map[types.NamespacedName]map[string]time.Time
}

const (
	// seatObjectRecheck is how often a subscription looks again at a seat
	// that only its object holds: the object's deletion wakes no
	// subscription.
	seatObjectRecheck = 2 * time.Second
	// seatReleaseGrace is how long a seat stays held after its claim is
	// gone, before its object is looked for: long enough for an apply
	// already on its way (sent by a pass that read the assignment just
	// before it was taken back) to land, and so to be found.
	seatReleaseGrace = 2 * time.Second
)

// +kubebuilder:rbac:groups=iam.tenantry.io,resources=subscriptions,verbs=get;list;watch
// +kubebuilder:rbac:groups=iam.tenantry.io,resources=subscriptions/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=iam.tenantry.io,resources=users,verbs=get;list;watch

// Reconcile allocates the subscription's seats among the account's users'
// claims and records them, once, in a status patch. It holds nothing back
// from deletion: a deleted subscription's seats simply stop existing, and
// the User controller reports the assignments that named it.
func (r *SubscriptionReconciler) Reconcile(ctx context.Context, req ctrl.Request) (result ctrl.Result, retErr error) {
	sub := &iamv1alpha1.Subscription{}
	if err := r.Get(ctx, req.NamespacedName, sub); err != nil {
		if apierrors.IsNotFound(err) {
			r.rememberLetGo(req.NamespacedName, nil)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	defer func() { result, retErr = reconcile.RequeueOnConflict(ctx, "subscription", result, retErr) }()

	subs, users, err := r.account(ctx, sub.Namespace)
	if err != nil {
		return ctrl.Result{}, err
	}
	removed, err := r.classesRemovedWhileDeleted(ctx)
	if err != nil {
		return ctrl.Result{}, err
	}
	claims := claimsOn(sub, subs, users, removed)
	heldByObjects, err := r.seatsHeldByObjects(ctx, sub, claims)
	if err != nil {
		return ctrl.Result{}, err
	}
	claims = append(claims, heldByObjects...)
	now := r.Clock.Now()
	before := sub.DeepCopy()
	closed := closedVerdict(sub, now)
	summarizeSubscriptionStatus(sub, allocateSeats(sub, claims, closed == nil), closed)
	if err := r.patchSubscriptionStatus(ctx, before, sub); err != nil {
		return ctrl.Result{}, err
	}
	// Told only once the seats are stored: a pass whose write failed is
	// run again and would tell the same news twice.
	for _, e := range seatChanges(before.Status.Services, sub.Status.Services) {
		reconcile.RecordEvent(r.Recorder, sub, nil, e.eventType, e.reason, "AllocateSeats", "%s", e.message)
	}
	next := untilValidityChanges(sub, now)
	if len(heldByObjects) > 0 && (next == 0 || next > seatObjectRecheck) {
		next = seatObjectRecheck
	}
	return ctrl.Result{RequeueAfter: next}, nil
}

// seatsHeldByObjects returns, as claims, the seats whose holders no longer
// claim them that are still held: for seatReleaseGrace after their claim
// was first found gone, and after that for as long as their object exists
// (see services.SeatObjects). The object is looked for past the cache once
// the grace is over, and again at every recheck while it lives; that is
// rare, since an unassigned service's status entry claims its seat until
// its object is gone, so a seat whose claim went normally is looked at
// once. The grace is timed by the wall clock, not the reconciler's Clock,
// because what it waits for is a request in flight.
func (r *SubscriptionReconciler) seatsHeldByObjects(ctx context.Context, sub *iamv1alpha1.Subscription, claims []services.Claim) ([]services.Claim, error) {
	if r.SeatObjects == nil {
		return nil, nil
	}
	key := client.ObjectKeyFromObject(sub)
	since, now := r.rememberedLetGo(key), time.Now()
	var held []services.Claim
	letGo := map[string]time.Time{}
	for _, seat := range services.UnclaimedHolders(sub, claims) {
		id := seat.Class + "/" + seat.Key
		first, seen := since[id]
		if !seen {
			first = now
		}
		if now.Sub(first) >= seatReleaseGrace {
			exists, err := r.SeatObjects.Exists(ctx, sub.Namespace, seat)
			if err != nil {
				return nil, fmt.Errorf("look for the object of seat %s: %w", seat.Key, err)
			}
			if !exists {
				continue // let go
			}
		}
		letGo[id] = first
		held = append(held, seat)
	}
	r.rememberLetGo(key, letGo)
	return held, nil
}

func (r *SubscriptionReconciler) rememberedLetGo(key types.NamespacedName) map[string]time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.letGo[key]
}

func (r *SubscriptionReconciler) rememberLetGo(key types.NamespacedName, letGo map[string]time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(letGo) == 0 {
		delete(r.letGo, key)
		return
	}
	if r.letGo == nil {
		r.letGo = map[types.NamespacedName]map[string]time.Time{}
	}
	r.letGo[key] = letGo
}

// account reads the account's subscriptions (an assignment that names none
// resolves among them) and users (whose assignments claim the seats) from
// the cache. Both are only read, so the cache's own copies do.
func (r *SubscriptionReconciler) account(ctx context.Context, namespace string) ([]iamv1alpha1.Subscription, []iamv1alpha1.User, error) {
	subs := &iamv1alpha1.SubscriptionList{}
	if err := r.List(ctx, subs, client.InNamespace(namespace), client.UnsafeDisableDeepCopy); err != nil {
		return nil, nil, fmt.Errorf("list the subscriptions of account %s: %w", namespace, err)
	}
	users := &iamv1alpha1.UserList{}
	if err := r.List(ctx, users, client.InNamespace(namespace), client.UnsafeDisableDeepCopy); err != nil {
		return nil, nil, fmt.Errorf("list the users of account %s: %w", namespace, err)
	}
	return subs.Items, users.Items, nil
}

// classesRemovedWhileDeleted names the service classes whose services a
// soft-deleted user gives up, seats included.
func (r *SubscriptionReconciler) classesRemovedWhileDeleted(ctx context.Context) (map[string]bool, error) {
	classes := &iamv1alpha1.ServiceClassList{}
	if err := r.List(ctx, classes, client.UnsafeDisableDeepCopy); err != nil {
		return nil, fmt.Errorf("list service classes: %w", err)
	}
	removed := map[string]bool{}
	for i := range classes.Items {
		if classes.Items[i].Spec.RemovedWhileDeleted() {
			removed[classes.Items[i].Name] = true
		}
	}
	return removed, nil
}

// SetupWithManager watches Subscriptions' specs, the users whose claims
// change, and the other subscriptions of the account, which change where
// an assignment that names no subscription draws from. The controller's
// own status writes wake nothing.
func (r *SubscriptionReconciler) SetupWithManager(mgr ctrl.Manager, options controller.Options) error {
	return ctrl.NewControllerManagedBy(mgr).
		WithOptions(options).
		For(&iamv1alpha1.Subscription{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Watches(&iamv1alpha1.User{}, &claimsChanged{reader: mgr.GetClient()}).
		Watches(&iamv1alpha1.Subscription{}, &siblingOffersChanged{reader: mgr.GetClient()}).
		Named("subscription").
		Complete(r)
}
