package services

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/conditions"
	"github.com/tenantry-io/tenantry/internal/patch"
	"github.com/tenantry-io/tenantry/internal/reconcile"
	"github.com/tenantry-io/tenantry/internal/services"
)

// maxSummary is the longest status.summary the schema admits; a longer one
// would make every status write fail.
const maxSummary = 1024

// closedVerdict says why the subscription gives out no new seats at now,
// or nil when it does. Seats already held are kept either way.
func closedVerdict(sub *iamv1alpha1.Subscription, now time.Time) *reconcile.Verdict {
	if !sub.DeletionTimestamp.IsZero() {
		return &reconcile.Verdict{Reason: iamv1alpha1.ReasonDeleting, Message: fmt.Sprintf("subscription %s is being deleted", sub.Name)}
	}
	if reason, message := services.Validity(sub, now); reason != "" {
		return &reconcile.Verdict{Reason: reason, Message: message}
	}
	return nil
}

// claimsOn lists the users' claims on the subscription's seats (see
// services.ClaimsOn): a soft-deleted user's assignments of a class removed
// while deleted claim nothing.
func claimsOn(sub *iamv1alpha1.Subscription, subs []iamv1alpha1.Subscription, users []iamv1alpha1.User, removedWhileDeleted map[string]bool) []services.Claim {
	released := func(u *iamv1alpha1.User, a iamv1alpha1.ServiceAssignment) bool {
		return u.Spec.State == iamv1alpha1.UserStateDeleted && removedWhileDeleted[a.ServiceClass]
	}
	return services.ClaimsOn(sub.Name, users, subs, released)
}

// allocateSeats decides, class by class in the order of the spec, who
// holds the subscription's seats: the claims against the holders its
// status recorded last time.
func allocateSeats(sub *iamv1alpha1.Subscription, claims []services.Claim, open bool) []iamv1alpha1.ServiceUsage {
	usage := make([]iamv1alpha1.ServiceUsage, 0, len(sub.Spec.Services))
	for _, offer := range sub.Spec.Services {
		var previous []string
		if recorded := services.Usage(sub, offer.ServiceClass); recorded != nil {
			previous = recorded.Holders
		}
		ofClass := slices.DeleteFunc(slices.Clone(claims), func(c services.Claim) bool { return c.Class != offer.ServiceClass })
		holders, refused := services.Allocate(offer.Quantity, open, previous, ofClass)
		usage = append(usage, iamv1alpha1.ServiceUsage{
			ServiceClass: offer.ServiceClass, Quantity: offer.Quantity,
			Used: int32(len(holders)), Holders: holders, Refused: refused,
		})
	}
	return usage
}

// summarizeSubscriptionStatus records the usage, its summary and Ready:
// False while the subscription is closed or a class holds more seats than
// its quantity (after the quantity was lowered), True otherwise.
func summarizeSubscriptionStatus(sub *iamv1alpha1.Subscription, usage []iamv1alpha1.ServiceUsage, closed *reconcile.Verdict) {
	sub.Status.Services = usage
	sub.Status.Summary = services.Summary(usage)
	if len(sub.Status.Summary) > maxSummary {
		sub.Status.Summary = sub.Status.Summary[:maxSummary-3] + "..."
	}
	used := usageMessage(usage)
	switch over := overQuota(usage); {
	case closed != nil:
		conditions.MarkFalse(sub, iamv1alpha1.ReadyCondition, closed.Reason,
			fmt.Sprintf("%s: no new seats are given out; %s", closed.Message, used))
	case over != "":
		conditions.MarkFalse(sub, iamv1alpha1.ReadyCondition, iamv1alpha1.ReasonOverQuota,
			fmt.Sprintf("%s: no seat is given out until assignments are removed or the quantity is raised", over))
	default:
		conditions.MarkTrue(sub, iamv1alpha1.ReadyCondition, iamv1alpha1.ReasonSubscriptionActive, used)
	}
	// Allocation cannot fail once its inputs are read: every pass that
	// gets here has observed the spec.
	sub.Status.ObservedGeneration = sub.Generation
}

// usageMessage reads like "3 of 10 mailbox used, 1 of 1 vps used (2 refused)".
func usageMessage(usage []iamv1alpha1.ServiceUsage) string {
	parts := make([]string, 0, len(usage))
	for _, u := range usage {
		part := fmt.Sprintf("%d of %d %s used", u.Used, u.Quantity, u.ServiceClass)
		if len(u.Refused) > 0 {
			part += fmt.Sprintf(" (%d refused)", len(u.Refused))
		}
		parts = append(parts, part)
	}
	return strings.Join(parts, ", ")
}

// overQuota names the classes holding more seats than their quantity, or
// returns "".
func overQuota(usage []iamv1alpha1.ServiceUsage) string {
	var over []string
	for _, u := range usage {
		if u.Used > u.Quantity {
			over = append(over, fmt.Sprintf("%d of %d %s used", u.Used, u.Quantity, u.ServiceClass))
		}
	}
	if len(over) == 0 {
		return ""
	}
	return "over quantity: " + strings.Join(over, ", ")
}

// untilValidityChanges is how long until the subscription opens or
// closes, or 0 when no date lies ahead: nothing wakes the controller at
// that moment otherwise.
func untilValidityChanges(sub *iamv1alpha1.Subscription, now time.Time) time.Duration {
	for _, boundary := range []*metav1.Time{sub.Spec.ValidFrom, sub.Spec.ValidUntil} {
		if boundary != nil && now.Before(boundary.Time) {
			return boundary.Sub(now)
		}
	}
	return 0
}

// seatEvent is one change of a seat worth telling a person about.
type seatEvent struct{ eventType, reason, message string }

// seatChanges compares the seats before and after a pass: an assignment
// newly refused, and one that waited and now holds a seat. Others are not
// news, so a pass that changes nothing tells nothing.
func seatChanges(before, after []iamv1alpha1.ServiceUsage) []seatEvent {
	var events []seatEvent
	for _, now := range after {
		var wasRefused []string
		for _, then := range before {
			if then.ServiceClass == now.ServiceClass {
				wasRefused = then.Refused
			}
		}
		for _, key := range now.Refused {
			if !slices.Contains(wasRefused, key) {
				events = append(events, seatEvent{corev1.EventTypeWarning, "SeatRefused", fmt.Sprintf(
					"%s was refused a %s seat: %d of %d are held", key, now.ServiceClass, now.Used, now.Quantity)})
			}
		}
		for _, key := range now.Holders {
			if slices.Contains(wasRefused, key) {
				events = append(events, seatEvent{corev1.EventTypeNormal, "SeatGranted", fmt.Sprintf(
					"%s got a %s seat it waited for", key, now.ServiceClass)})
			}
		}
	}
	return events
}

// patchSubscriptionStatus writes the status only when the pass changed it,
// guarded by the resourceVersion the pass started from: two passes that
// read the same holders cannot both give out the last seat, since the
// second write fails with a conflict and its pass runs again on the first's
// result.
func (r *SubscriptionReconciler) patchSubscriptionStatus(ctx context.Context, before, sub *iamv1alpha1.Subscription) error {
	err := patch.Status(ctx, r.Client, before, sub, client.MergeFromWithOptimisticLock{})
	if client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("patch status of subscription %s/%s: %w", sub.Namespace, sub.Name, err)
	}
	return nil
}
