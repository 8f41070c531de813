package webhook

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/services"
)

// Admission is the fast, friendly first check of assigned services: the
// person applying a user learns at once that the subscription is full,
// expired or not theirs to choose. It is not the guarantee. Two requests
// admitted at the same moment may both see the last seat free; the
// Subscription controller, the only one that gives out seats, then gives
// it to one and lists the other as refused. So admission reads no users at
// all: the holders the controller recorded in the subscription's status
// are enough for a first answer, whatever the size of the account.

// +kubebuilder:rbac:groups=iam.tenantry.io,resources=subscriptions,verbs=list

// seatGroup is one class of one subscription.
type seatGroup struct{ subscription, class string }

// serviceWarnings refuses the assignments this request adds or moves
// (to another class or subscription) that cannot get a seat, and warns of
// those whose subscription does not exist yet: GitOps tools apply objects
// in any order, and the User controller reports the assignment until the
// subscription appears.
//
// The subscriptions are read from the cache first: each holds every seat
// holder of the account in its status, so a read past the cache would cost
// the API server a list that grows with the account, for every user
// admitted. The status is the Subscription controller's record, which the
// cache sees moments after it is written; admission is a first answer
// either way. Only an answer that refuses or warns is read again past the
// cache, so that nobody is turned away on a record the cache has not caught
// up with yet.
func (w *UserWebhook) serviceWarnings(ctx context.Context, old, next *iamv1alpha1.User) (admission.Warnings, error) {
	added := addedAssignments(old, next)
	if len(added) == 0 {
		return nil, nil // the common update costs no read
	}
	subs, err := listSubscriptions(ctx, w.cache(), next.Namespace, client.UnsafeDisableDeepCopy)
	if err != nil {
		return nil, err
	}
	warnings, err := judgeAssignments(old, next, added, subs, w.Clock.Now())
	if (err == nil && len(warnings) == 0) || w.Cache == nil {
		return warnings, err
	}
	if subs, err = listSubscriptions(ctx, w.Reader, next.Namespace); err != nil {
		return nil, err
	}
	return judgeAssignments(old, next, added, subs, w.Clock.Now())
}

// cache is the reader of what admission may read a moment late.
func (w *UserWebhook) cache() client.Reader {
	if w.Cache == nil {
		return w.Reader
	}
	return w.Cache
}

func listSubscriptions(ctx context.Context, reader client.Reader, namespace string, opts ...client.ListOption) ([]iamv1alpha1.Subscription, error) {
	list := &iamv1alpha1.SubscriptionList{}
	if err := reader.List(ctx, list, append(opts, client.InNamespace(namespace))...); err != nil {
		return nil, fmt.Errorf("list the subscriptions of account %s: %w", namespace, err)
	}
	return list.Items, nil
}

// judgeAssignments refuses the assignments of next that this request adds
// (added, by index) and that cannot get a seat in subs, and warns of those
// whose subscription does not exist yet.
func judgeAssignments(old, next *iamv1alpha1.User, added map[int]bool, subs []iamv1alpha1.Subscription, now time.Time) (admission.Warnings, error) {
	var warnings admission.Warnings
	var invalid field.ErrorList
	var forbidden []string
	// asks counts every seat the user would claim after this request, per
	// class of a subscription; grows lists, in the spec's order, those this
	// request adds to.
	asks := map[seatGroup]int{}
	var grows []seatGroup
	for i, a := range next.Spec.Services {
		recorded := ""
		if old != nil {
			recorded = services.Recorded(old, a)
		}
		r := services.Resolve(a, recorded, subs)
		if r.Subscription != "" {
			group := seatGroup{r.Subscription, a.ServiceClass}
			asks[group]++
			if added[i] && !slices.Contains(grows, group) {
				grows = append(grows, group)
			}
			continue
		}
		if !added[i] {
			continue // not this request's doing; the status reports it
		}
		path := field.NewPath("spec", "services").Index(i).Child("subscription")
		switch {
		case r.Reason == iamv1alpha1.ReasonSubscriptionNotFound:
			warnings = append(warnings, fmt.Sprintf("%s (yet): service %s waits for it", r.Message, a.AssignmentName()))
		case r.Reason == iamv1alpha1.ReasonNotSubscribed && a.Subscription == "" && recorded == "":
			warnings = append(warnings, fmt.Sprintf("%s (yet): service %s waits for one", r.Message, a.AssignmentName()))
		default: // ambiguous, or the subscription named does not offer the class
			invalid = append(invalid, field.Invalid(path, a.Subscription, r.Message))
		}
	}
	if len(invalid) > 0 {
		return nil, apierrors.NewInvalid(iamv1alpha1.GroupVersion.WithKind("User").GroupKind(), next.Name, invalid)
	}
	for _, group := range grows {
		if why := seatsShort(findSubscription(subs, group.subscription), group.class, next.Name, asks[group], now); why != "" {
			forbidden = append(forbidden, why)
		}
	}
	if len(forbidden) > 0 {
		users := iamv1alpha1.GroupVersion.WithResource("users").GroupResource()
		return nil, apierrors.NewForbidden(users, next.Name, errors.New(strings.Join(forbidden, "; ")))
	}
	return warnings, nil
}

// addedAssignments says which of next's assignments (by index) this
// request adds: new names, and names whose class or subscription changed.
// An assignment that stays as it was is never refused again, even when its
// subscription is full: it may well hold one of the seats.
func addedAssignments(old, next *iamv1alpha1.User) map[int]bool {
	added := map[int]bool{}
	for i, a := range next.Spec.Services {
		if !assignedBefore(old, a) {
			added[i] = true
		}
	}
	return added
}

// assignedBefore reports whether old had the assignment, from the same
// class and subscription.
func assignedBefore(old *iamv1alpha1.User, a iamv1alpha1.ServiceAssignment) bool {
	if old == nil {
		return false
	}
	for _, was := range old.Spec.Services {
		if was.AssignmentName() == a.AssignmentName() {
			return was.ServiceClass == a.ServiceClass && was.Subscription == a.Subscription
		}
	}
	return false
}

// seatsShort says why the subscription cannot give the user wanted seats
// of the class, or returns "". The seats the user holds already count as
// theirs to keep.
func seatsShort(sub *iamv1alpha1.Subscription, class, user string, wanted int, now time.Time) string {
	if !sub.DeletionTimestamp.IsZero() {
		return fmt.Sprintf("subscription %s is being deleted: no %s can be assigned from it", sub.Name, class)
	}
	if reason, message := services.Validity(sub, now); reason != "" {
		return fmt.Sprintf("%s: no %s can be assigned from it", message, class)
	}
	quantity := int(services.Offered(sub, class).Quantity)
	held, others := 0, 0
	if usage := services.Usage(sub, class); usage != nil {
		held = len(usage.Holders)
		for _, key := range usage.Holders {
			if !strings.HasPrefix(key, user+"/") {
				others++
			}
		}
	}
	switch left := quantity - others; {
	case left >= wanted:
		return ""
	case left <= 0:
		return fmt.Sprintf("subscription %s has no %s left: %d of %d are assigned", sub.Name, class, held, quantity)
	default:
		return fmt.Sprintf("subscription %s has %d %s left and this change assigns %d", sub.Name, left, class, wanted)
	}
}

func findSubscription(subs []iamv1alpha1.Subscription, name string) *iamv1alpha1.Subscription {
	for i := range subs {
		if subs[i].Name == name {
			return &subs[i]
		}
	}
	return nil
}
