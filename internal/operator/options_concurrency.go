package operator

import (
	"flag"
	"fmt"
)

// ConcurrencyOptions say how many objects each controller reconciles at
// once. A ledger worker handles one user's transactions at a time, so
// Ledgers bounds how many users' ledgers move in parallel. A subscription
// worker gives out one subscription's seats at a time.
type ConcurrencyOptions struct {
	Users          int
	Roles          int
	Ledgers        int
	Subscriptions  int
	Teams          int
	ServiceClasses int
}

// defaultConcurrencyOptions give the busiest kinds (users and their
// ledgers) the most workers; service classes change rarely and one worker
// keeps up.
func defaultConcurrencyOptions() ConcurrencyOptions {
	return ConcurrencyOptions{Users: 4, Roles: 2, Ledgers: 4, Subscriptions: 2, Teams: 2, ServiceClasses: 1}
}

// BindFlags registers a --max-concurrent-* flag per controller, with c's
// values as defaults.
func (c *ConcurrencyOptions) BindFlags(fs *flag.FlagSet) {
	fs.IntVar(&c.Users, "max-concurrent-users", c.Users, "Users the User controller reconciles in parallel.")
	fs.IntVar(&c.Roles, "max-concurrent-roles", c.Roles, "Roles the Role controller reconciles in parallel.")
	fs.IntVar(&c.Ledgers, "max-concurrent-ledgers", c.Ledgers, "Users whose balance transactions the ledger applies in parallel.")
	fs.IntVar(&c.Subscriptions, "max-concurrent-subscriptions", c.Subscriptions, "Subscriptions the Subscription controller gives out seats of in parallel.")
	fs.IntVar(&c.Teams, "max-concurrent-teams", c.Teams, "Teams the Team controller reconciles in parallel.")
	fs.IntVar(&c.ServiceClasses, "max-concurrent-service-classes", c.ServiceClasses, "ServiceClasses the ServiceClass controller reconciles in parallel.")
}

// validate reports every controller left without a worker, in flag terms.
func (c ConcurrencyOptions) validate() []error {
	var errs []error
	for _, w := range []struct {
		flag    string
		workers int
	}{
		{"max-concurrent-users", c.Users},
		{"max-concurrent-roles", c.Roles},
		{"max-concurrent-ledgers", c.Ledgers},
		{"max-concurrent-subscriptions", c.Subscriptions},
		{"max-concurrent-teams", c.Teams},
		{"max-concurrent-service-classes", c.ServiceClasses},
	} {
		if w.workers < 1 {
			errs = append(errs, fmt.Errorf("--%s: %d workers; it must be at least 1", w.flag, w.workers))
		}
	}
	return errs
}
