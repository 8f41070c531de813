package console

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/stats"
)

// homeContent is the home page: the Users tile, the account's statistics
// and its subscriptions. A part the person may not read says so in place
// of its content.
type homeContent struct {
	Tile             usersTile
	Stats            accountStats
	UsersProblem     string
	Subscriptions    []subscriptionView
	SubscriptionsErr string
}

// accountStats are the account's statistics, as `kubectl tenantry stats`
// counts them (internal/stats).
type accountStats struct {
	Users int
	// Active counts Active and Updating users; Inactive the rest.
	Active, Inactive  int
	NewWeek, NewMonth int
	SignedInMonth     int
	// Deleted counts the soft-deleted users, restorable until their purge.
	Deleted int
}

// statsOf is the account's statistics from its users at now.
func statsOf(t stats.Totals) accountStats {
	active := t.ByPhase[iamv1alpha1.UserPhaseActive] + t.ByPhase[iamv1alpha1.UserPhaseUpdating]
	return accountStats{
		Users: t.Users, Active: active, Inactive: t.Users - active,
		NewWeek: t.CreatedWeek, NewMonth: t.CreatedMonth, SignedInMonth: t.SignedInMonth, Deleted: t.Deleted,
	}
}

// subscriptionView is one subscription with its seats per service class.
type subscriptionView struct {
	Name  string
	Seats []seatView
}

// seatView is how many seats of one class a subscription has given out.
type seatView struct {
	// Class is the ServiceClass's name, Service its display name when
	// known (else the class name).
	Class, Service       string
	Quantity, Used, Free int32
}

// subscriptionViews are the subscriptions, by name, each with its classes
// by name: quantity from spec, used from status, free what is left.
// displayNames maps a class to its display name where known.
func subscriptionViews(subs []iamv1alpha1.Subscription, displayNames map[string]string) []subscriptionView {
	views := make([]subscriptionView, 0, len(subs))
	for _, s := range subs {
		used := map[string]int32{}
		for _, u := range s.Status.Services {
			used[u.ServiceClass] = u.Used
		}
		v := subscriptionView{Name: s.Name}
		for _, svc := range s.Spec.Services {
			seat := seatView{Class: svc.ServiceClass, Service: svc.ServiceClass, Quantity: svc.Quantity, Used: used[svc.ServiceClass]}
			if name := displayNames[svc.ServiceClass]; name != "" {
				seat.Service = name
			}
			seat.Free = max(0, seat.Quantity-seat.Used)
			v.Seats = append(v.Seats, seat)
		}
		slices.SortFunc(v.Seats, func(a, b seatView) int { return strings.Compare(a.Class, b.Class) })
		views = append(views, v)
	}
	slices.SortFunc(views, func(a, b subscriptionView) int { return strings.Compare(a.Name, b.Name) })
	return views
}

// serveHome is the account's home.
func (c *Console) serveHome(w http.ResponseWriter, r *http.Request, v *visit) {
	ctx := r.Context()
	var content homeContent
	users := &iamv1alpha1.UserList{}
	if err := v.client.List(ctx, users, client.InNamespace(v.person.Namespace)); err != nil {
		content.UsersProblem = explainError(err, access{Verb: verbList, Resource: resourceUsers}).Message
	} else {
		content.Tile = buildUsersTile(users.Items)
		content.Stats = statsOf(stats.Sum(stats.ByAccount(users.Items, c.clock.Now())))
	}
	subs, err := v.subscriptions(ctx)
	if err != nil {
		content.SubscriptionsErr = explainError(err, access{Verb: verbList, Resource: resourceSubscriptions}).Message
	} else {
		content.Subscriptions = subscriptionViews(subs, v.classDisplayNames(ctx))
	}
	c.render(w, r, http.StatusOK, "home.html", v.view("Home", navHome, content))
}

// subscriptions are the account's subscriptions, read as the person.
func (v *visit) subscriptions(ctx context.Context) ([]iamv1alpha1.Subscription, error) {
	subs := &iamv1alpha1.SubscriptionList{}
	if err := v.client.List(ctx, subs, client.InNamespace(v.person.Namespace)); err != nil {
		return nil, err
	}
	return subs.Items, nil
}

// serviceClasses are the cluster's service classes by name, or none when
// the person may not read them: the pages then name classes as the users'
// status does.
func (v *visit) serviceClasses(ctx context.Context) map[string]iamv1alpha1.ServiceClass {
	classes := &iamv1alpha1.ServiceClassList{}
	if err := v.client.List(ctx, classes); err != nil {
		return nil
	}
	byName := make(map[string]iamv1alpha1.ServiceClass, len(classes.Items))
	for _, c := range classes.Items {
		byName[c.Name] = c
	}
	return byName
}

// classDisplayNames are the display names of the service classes the
// person may read.
func (v *visit) classDisplayNames(ctx context.Context) map[string]string {
	names := map[string]string{}
	for name, c := range v.serviceClasses(ctx) {
		names[name] = c.Spec.DisplayName
	}
	return names
}
