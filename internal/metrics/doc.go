// Package metrics holds Tenantry's own metrics, on controller-runtime's
// registry so that they are served beside the controllers' on /metrics.
//
// They are counts only: no label ever holds a user's name or email, so a
// metric can be shared without sharing who the users are. An account (a
// namespace) is a label only of the gauges read from the cache.
//
// Two kinds live here. Events (an invitation sent, a login, a transaction
// applied) are counters the code that makes them happen bumps through the
// Record functions. States (users by phase, seats used) are read from the
// manager's cache at every scrape by a collector, so they can never drift
// from what the cluster holds.
package metrics
