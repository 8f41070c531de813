package services

import (
	"context"
	"slices"
	"time"

	"k8s.io/apimachinery/pkg/util/sets"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/reconcile"
	"github.com/tenantry-io/tenantry/internal/services"
)

// claimsChanged enqueues the subscriptions a user event may change the
// seats of: those of the user's account offering a class the user names,
// before or after the event. Users without services, and updates that
// leave a user's claims as they were (a login, a balance, a service
// becoming ready), wake no subscription. Claims are gathered for a
// seatRound before the seats are given out (see seatRound).
type claimsChanged struct{ reader client.Reader }

// seatRound is how long a claim on a subscription waits for others before
// the seats are given out. Each pass reads every user of the account and
// writes a status naming every holder, so a pass per claim made a burst of
// new users cost the subscription's pass times their number, twice over:
// a burst of 600 cost about 530 passes, 8 s of one core. Gathered, a
// subscription waiting already is not queued again, so a burst is a few
// passes a second, and a seat is never more than a round late. A user passed
// before its seat is given says it waits for it (AwaitingSeat), and its
// seat wakes it.
const seatRound = 250 * time.Millisecond

// seatRoundPerThousand lengthens the round of a subscription by this much
// for every thousand seats it gives out. Each pass writes a status naming
// every holder, so at a fixed round a burst into an account of 10,000
// wrote about ten times the bytes per new user that a burst into one of
// 1,000 did (a status of some 300 KB every second or two: the largest cost
// of a new user that grew with the account). With the round growing with
// the holders, what the status writes cost per new user stays about flat,
// and a seat in an account of 10,000 is at most 2.75 s late.
const seatRoundPerThousand = 250 * time.Millisecond

// roundFor is how long claims on sub are gathered before its seats are
// given out.
func roundFor(sub *iamv1alpha1.Subscription) time.Duration {
	holders := 0
	for i := range sub.Status.Services {
		holders += len(sub.Status.Services[i].Holders)
	}
	return seatRound + time.Duration(holders)*seatRoundPerThousand/1000
}

var _ handler.EventHandler = &claimsChanged{}

func (h *claimsChanged) Create(ctx context.Context, e event.CreateEvent, q reconcile.RequestQueue) {
	h.enqueue(ctx, q, e.Object)
}

func (h *claimsChanged) Update(ctx context.Context, e event.UpdateEvent, q reconcile.RequestQueue) {
	oldUser, okOld := e.ObjectOld.(*iamv1alpha1.User)
	newUser, okNew := e.ObjectNew.(*iamv1alpha1.User)
	if !okOld || !okNew || slices.Equal(seatInputs(oldUser), seatInputs(newUser)) {
		return
	}
	h.enqueue(ctx, q, oldUser, newUser)
}

func (h *claimsChanged) Delete(ctx context.Context, e event.DeleteEvent, q reconcile.RequestQueue) {
	h.enqueue(ctx, q, e.Object)
}

func (h *claimsChanged) Generic(ctx context.Context, e event.GenericEvent, q reconcile.RequestQueue) {
	h.enqueue(ctx, q, e.Object)
}

func (h *claimsChanged) enqueue(ctx context.Context, q reconcile.RequestQueue, objs ...client.Object) {
	classes := sets.New[string]()
	namespace := ""
	for _, obj := range objs {
		if user, ok := obj.(*iamv1alpha1.User); ok {
			namespace = user.Namespace
			for _, in := range seatInputs(user) {
				classes.Insert(in.class)
			}
		}
	}
	if classes.Len() > 0 {
		enqueueOffering(ctx, h.reader, q, namespace, classes, "", roundFor)
	}
}

// seatInput is one part of a user that the seats depend on: an assignment
// in its spec, or a service in its status (which records the subscription
// an assignment drew from, and holds a seat while its object exists).
type seatInput struct {
	fromStatus                bool
	name, class, subscription string
	hasObject                 bool
	// deleted is a soft-deleted user's assignment, which may give its
	// seat up.
	deleted bool
}

func seatInputs(u *iamv1alpha1.User) []seatInput {
	inputs := make([]seatInput, 0, len(u.Spec.Services)+len(u.Status.Services))
	for _, a := range u.Spec.Services {
		inputs = append(inputs, seatInput{name: a.AssignmentName(), class: a.ServiceClass, subscription: a.Subscription,
			deleted: u.Spec.State == iamv1alpha1.UserStateDeleted})
	}
	for _, st := range u.Status.Services {
		inputs = append(inputs, seatInput{fromStatus: true, name: st.Name, class: st.ServiceClass,
			subscription: st.Subscription, hasObject: st.Object != nil})
	}
	return inputs
}

// siblingOffersChanged enqueues, when a subscription appears, goes or
// changes what it offers, the account's other subscriptions offering the
// same classes: an assignment that names no subscription draws from the
// only one offering its class, so a second one, or the only one going,
// moves claims between them.
type siblingOffersChanged struct{ reader client.Reader }

var _ handler.EventHandler = &siblingOffersChanged{}

func (h *siblingOffersChanged) Create(ctx context.Context, e event.CreateEvent, q reconcile.RequestQueue) {
	h.enqueue(ctx, q, e.Object)
}

func (h *siblingOffersChanged) Update(ctx context.Context, e event.UpdateEvent, q reconcile.RequestQueue) {
	oldSub, okOld := e.ObjectOld.(*iamv1alpha1.Subscription)
	newSub, okNew := e.ObjectNew.(*iamv1alpha1.Subscription)
	if !okOld || !okNew ||
		slices.Equal(offeredClasses(oldSub), offeredClasses(newSub)) && oldSub.DeletionTimestamp.IsZero() == newSub.DeletionTimestamp.IsZero() {
		return
	}
	h.enqueue(ctx, q, oldSub, newSub)
}

func (h *siblingOffersChanged) Delete(ctx context.Context, e event.DeleteEvent, q reconcile.RequestQueue) {
	h.enqueue(ctx, q, e.Object)
}

func (h *siblingOffersChanged) Generic(ctx context.Context, e event.GenericEvent, q reconcile.RequestQueue) {
	h.enqueue(ctx, q, e.Object)
}

func (h *siblingOffersChanged) enqueue(ctx context.Context, q reconcile.RequestQueue, objs ...client.Object) {
	classes := sets.New[string]()
	var namespace, name string
	for _, obj := range objs {
		if sub, ok := obj.(*iamv1alpha1.Subscription); ok {
			namespace, name = sub.Namespace, sub.Name
			classes.Insert(offeredClasses(sub)...)
		}
	}
	if classes.Len() > 0 {
		// The subscription itself is enqueued by For.
		enqueueOffering(ctx, h.reader, q, namespace, classes, name, func(*iamv1alpha1.Subscription) time.Duration { return 0 })
	}
}

func offeredClasses(sub *iamv1alpha1.Subscription) []string {
	classes := make([]string, 0, len(sub.Spec.Services))
	for _, s := range sub.Spec.Services {
		classes = append(classes, s.ServiceClass)
	}
	return classes
}

// enqueueOffering adds the subscriptions of the account that offer any of
// the classes, except the one named skip, after the delay it gives each.
// An account has a handful of subscriptions, so the cache's list of them
// is read whole.
func enqueueOffering(ctx context.Context, reader client.Reader, q reconcile.RequestQueue, namespace string, classes sets.Set[string], skip string, delay func(*iamv1alpha1.Subscription) time.Duration) {
	subs := &iamv1alpha1.SubscriptionList{}
	if err := reader.List(ctx, subs, client.InNamespace(namespace), client.UnsafeDisableDeepCopy); err != nil {
		// The cache lists without failing once synced; should it fail, the
		// periodic resync reconciles every subscription anyway.
		ctrl.LoggerFrom(ctx).Error(err, "list subscriptions to wake", "namespace", namespace)
		return
	}
	for i := range subs.Items {
		sub := &subs.Items[i]
		if sub.Name == skip {
			continue
		}
		for class := range classes {
			if services.Offered(sub, class) != nil {
				q.AddAfter(ctrl.Request{NamespacedName: client.ObjectKeyFromObject(sub)}, delay(sub))
				break
			}
		}
	}
}
