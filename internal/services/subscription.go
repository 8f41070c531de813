package services

import (
	"fmt"
	"slices"
	"strings"
	"time"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// SeatKey names one assignment's claim on a seat: <user>/<assignment>.
func SeatKey(user, assignment string) string { return user + "/" + assignment }

// Resolution is which Subscription an assignment draws from, or why none.
type Resolution struct {
	// Subscription is the chosen subscription's name; empty when Reason is set.
	Subscription string
	// Reason (ReasonSubscriptionNotFound, ReasonSubscriptionAmbiguous,
	// ReasonNotSubscribed) and Message explain a failure.
	Reason, Message string
}

// Resolve picks the Subscription of an assignment among the account's.
// An assignment that names one gets it, if it offers the class. One that
// names none gets the subscription recorded for it earlier (so a second
// subscription appearing later does not move a seat), or else the only one
// offering the class.
func Resolve(a iamv1alpha1.ServiceAssignment, recorded string, subs []iamv1alpha1.Subscription) Resolution {
	name := a.Subscription
	if name == "" {
		name = recorded
	}
	if name != "" {
		for i := range subs {
			if subs[i].Name != name {
				continue
			}
			if Offered(&subs[i], a.ServiceClass) == nil {
				return Resolution{Reason: iamv1alpha1.ReasonNotSubscribed,
					Message: fmt.Sprintf("subscription %s does not offer %s", name, a.ServiceClass)}
			}
			return Resolution{Subscription: name}
		}
		return Resolution{Reason: iamv1alpha1.ReasonSubscriptionNotFound,
			Message: fmt.Sprintf("subscription %s does not exist in this account", name)}
	}
	var offering []string
	for i := range subs {
		if Offered(&subs[i], a.ServiceClass) != nil && subs[i].DeletionTimestamp.IsZero() {
			offering = append(offering, subs[i].Name)
		}
	}
	switch len(offering) {
	case 0:
		return Resolution{Reason: iamv1alpha1.ReasonNotSubscribed,
			Message: fmt.Sprintf("no subscription of this account offers %s", a.ServiceClass)}
	case 1:
		return Resolution{Subscription: offering[0]}
	default:
		slices.Sort(offering)
		return Resolution{Reason: iamv1alpha1.ReasonSubscriptionAmbiguous,
			Message: fmt.Sprintf("subscriptions %s all offer %s: name one in the assignment's subscription", strings.Join(offering, ", "), a.ServiceClass)}
	}
}

// Offered returns the subscription's entry for a class, or nil.
func Offered(sub *iamv1alpha1.Subscription, class string) *iamv1alpha1.SubscribedService {
	for i := range sub.Spec.Services {
		if sub.Spec.Services[i].ServiceClass == class {
			return &sub.Spec.Services[i]
		}
	}
	return nil
}

// Usage returns the subscription's recorded usage of a class, or nil.
func Usage(sub *iamv1alpha1.Subscription, class string) *iamv1alpha1.ServiceUsage {
	for i := range sub.Status.Services {
		if sub.Status.Services[i].ServiceClass == class {
			return &sub.Status.Services[i]
		}
	}
	return nil
}

// Validity says whether a subscription gives out seats at now: "" when it
// does, else ReasonNotYetValid or ReasonExpired with a message.
func Validity(sub *iamv1alpha1.Subscription, now time.Time) (reason, message string) {
	switch {
	case sub.Spec.ValidFrom != nil && now.Before(sub.Spec.ValidFrom.Time):
		return iamv1alpha1.ReasonNotYetValid, fmt.Sprintf("subscription %s is valid from %s", sub.Name, sub.Spec.ValidFrom.UTC().Format(time.RFC3339))
	case sub.Spec.ValidUntil != nil && !now.Before(sub.Spec.ValidUntil.Time):
		return iamv1alpha1.ReasonExpired, fmt.Sprintf("subscription %s expired at %s", sub.Name, sub.Spec.ValidUntil.UTC().Format(time.RFC3339))
	}
	return "", ""
}

// Recorded is the subscription the user's status recorded for the
// assignment, or "". A record made for another class does not count: an
// assignment whose class changed is a new claim, and the subscription the
// old class came from may not offer the new one.
func Recorded(u *iamv1alpha1.User, a iamv1alpha1.ServiceAssignment) string {
	name := a.AssignmentName()
	for _, st := range u.Status.Services {
		if st.Name == name && st.ServiceClass == a.ServiceClass {
			return st.Subscription
		}
	}
	return ""
}

// EntrySeat is the class and subscription a user's status entry for an
// assignment names, given the entry of the previous pass and the seat the
// assignment asks for now. ClaimsOn claims a seat for every entry that
// names an object, by the class and subscription it records, so the entry
// must name the seat its object holds: an object made under another class
// or subscription keeps that seat until the new one is held and the object
// is the one the new class renders (newSeatHeld), or until it is gone.
// Moving the entry earlier would free the old seat for someone else while
// the object that uses it still lives.
func EntrySeat(prev *iamv1alpha1.ServiceStatus, class, subscription string, newSeatHeld bool) (string, string) {
	if prev == nil || prev.Object == nil || newSeatHeld {
		return class, subscription
	}
	return prev.ServiceClass, prev.Subscription
}

// Claim is one assignment asking a subscription for a seat of a class.
type Claim struct {
	Key   string // SeatKey(user, assignment)
	Class string
	// UserCreated orders claims: when seats are short, the oldest user's
	// assignments get them first.
	UserCreated time.Time
}

// ClaimsOn lists the seats users claim on one subscription: every
// assignment in a user's spec that resolves to it, but those released
// (a soft-deleted user's service whose class removes it), and every
// service in a user's status that names an object, for the class and
// subscription its entry records. A seat is held until its object is
// gone: an entry being removed keeps claiming, and so does the entry of an
// assignment whose class or subscription changed, until the user's pass
// moves it to the new seat (see EntrySeat). released may be nil.
func ClaimsOn(sub string, users []iamv1alpha1.User, subs []iamv1alpha1.Subscription, released func(*iamv1alpha1.User, iamv1alpha1.ServiceAssignment) bool) []Claim {
	var claims []Claim
	for i := range users {
		u := &users[i]
		// seen is keyed by name and class: the same assignment claiming
		// another class is another seat.
		seen := map[string]bool{}
		for _, a := range u.Spec.Services {
			name := a.AssignmentName()
			if Resolve(a, Recorded(u, a), subs).Subscription != sub || (released != nil && released(u, a)) {
				continue
			}
			seen[name+"/"+a.ServiceClass] = true
			claims = append(claims, Claim{Key: SeatKey(u.Name, name), Class: a.ServiceClass, UserCreated: u.CreationTimestamp.Time})
		}
		for _, st := range u.Status.Services {
			if seen[st.Name+"/"+st.ServiceClass] || st.Subscription != sub || st.Object == nil {
				continue
			}
			claims = append(claims, Claim{Key: SeatKey(u.Name, st.Name), Class: st.ServiceClass, UserCreated: u.CreationTimestamp.Time})
		}
	}
	return claims
}

// Allocate decides who holds the seats of one class. Holders that still
// claim keep their seat, even when the quantity has been lowered below
// them (taking a running service away is an administrator's call); free
// seats go to the other claims, oldest user first, while giving out is
// open. The rest are refused.
func Allocate(quantity int32, open bool, previous []string, claims []Claim) (holders, refused []string) {
	claimed := map[string]bool{}
	for _, c := range claims {
		claimed[c.Key] = true
	}
	held := map[string]bool{}
	for _, key := range previous {
		if claimed[key] && !held[key] {
			held[key] = true
			holders = append(holders, key)
		}
	}
	waiting := slices.Clone(claims)
	slices.SortStableFunc(waiting, func(a, b Claim) int {
		if c := a.UserCreated.Compare(b.UserCreated); c != 0 {
			return c
		}
		return strings.Compare(a.Key, b.Key)
	})
	for _, c := range waiting {
		if held[c.Key] {
			continue
		}
		if open && int32(len(holders)) < quantity {
			held[c.Key] = true
			holders = append(holders, c.Key)
			continue
		}
		refused = append(refused, c.Key)
	}
	slices.Sort(holders)
	slices.Sort(refused)
	return holders, slices.Compact(refused)
}

// Summary renders used/quantity per class, e.g. "mailbox:3/10 vps:1/2".
func Summary(usage []iamv1alpha1.ServiceUsage) string {
	parts := make([]string, 0, len(usage))
	for _, u := range usage {
		parts = append(parts, fmt.Sprintf("%s:%d/%d", u.ServiceClass, u.Used, u.Quantity))
	}
	return strings.Join(parts, " ")
}
