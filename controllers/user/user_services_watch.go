package user

import (
	"context"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/conditions"
	"github.com/tenantry-io/tenantry/internal/index"
)

// usersOfClass maps a ServiceClass to the users of its class.
func (r *Reconciler) usersOfClass(ctx context.Context, obj client.Object) []ctrl.Request {
	return r.usersIndexedBy(ctx, index.UserServiceClassField, obj.GetName())
}

// classChanged lets through a class's creation and deletion, a change of
// its spec, and a change of whether its kind is served, or of why not (its
// CRD being deleted, then gone), which its users repeat.
var classChanged = predicate.Funcs{
	UpdateFunc: func(e event.UpdateEvent) bool {
		if e.ObjectOld.GetGeneration() != e.ObjectNew.GetGeneration() {
			return true
		}
		oldClass, okOld := e.ObjectOld.(*iamv1alpha1.ServiceClass)
		newClass, okNew := e.ObjectNew.(*iamv1alpha1.ServiceClass)
		if !okOld || !okNew {
			return false
		}
		before, after := conditions.Get(oldClass, iamv1alpha1.ReadyCondition), conditions.Get(newClass, iamv1alpha1.ReadyCondition)
		if before == nil || after == nil {
			return (before == nil) != (after == nil)
		}
		return before.Status != after.Status || before.Reason != after.Reason || before.Message != after.Message
	},
}

// seatVerdictsChanged enqueues the users whose seats a Subscription's status gave
// or refused since the last version, rather than every user of the
// account: one seat given in a subscription of 10,000 wakes one user.
var seatVerdictsChanged = handler.Funcs{
	CreateFunc: func(_ context.Context, e event.CreateEvent, q workqueue.TypedRateLimitingInterface[ctrl.Request]) {
		enqueueSeats(q, e.Object, seatSet(e.Object))
	},
	UpdateFunc: func(_ context.Context, e event.UpdateEvent, q workqueue.TypedRateLimitingInterface[ctrl.Request]) {
		before, after := seatSet(e.ObjectOld), seatSet(e.ObjectNew)
		changed := map[string]bool{}
		for key := range after {
			if !before[key] {
				changed[key] = true
			}
		}
		for key := range before {
			if !after[key] {
				changed[key] = true
			}
		}
		enqueueSeats(q, e.ObjectNew, changed)
	},
	DeleteFunc: func(_ context.Context, e event.DeleteEvent, q workqueue.TypedRateLimitingInterface[ctrl.Request]) {
		enqueueSeats(q, e.Object, seatSet(e.Object))
	},
}

// seatSet is every "held:" and "refused:" verdict in a subscription's status.
func seatSet(obj client.Object) map[string]bool {
	sub, ok := obj.(*iamv1alpha1.Subscription)
	if !ok {
		return nil
	}
	set := map[string]bool{}
	for _, usage := range sub.Status.Services {
		for _, key := range usage.Holders {
			set["held:"+usage.ServiceClass+":"+key] = true
		}
		for _, key := range usage.Refused {
			set["refused:"+usage.ServiceClass+":"+key] = true
		}
	}
	return set
}

func enqueueSeats(q workqueue.TypedRateLimitingInterface[ctrl.Request], sub metav1.Object, keys map[string]bool) {
	for key := range keys {
		// verdict:class:user/assignment
		seat := key[strings.LastIndex(key, ":")+1:]
		user, _, _ := strings.Cut(seat, "/")
		q.Add(ctrl.Request{NamespacedName: types.NamespacedName{Namespace: sub.GetNamespace(), Name: user}})
	}
}
