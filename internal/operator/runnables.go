package operator

import "sigs.k8s.io/controller-runtime/pkg/manager"

// Where each runnable runs, said explicitly and by name. controller-runtime
// runs a runnable that does not say so only on the elected leader, which is
// right for work that must happen once and wrong for anything a Service may
// route a request to: with two replicas, a self-service API that only the
// leader served would fail every other login.
//
// Every runnable the operator adds is one of these, a controller (leader
// only, as controller-runtime starts them) or a cache (every replica, so
// that a new leader starts warm). TestEachRunnableSaysWhereItRuns holds the
// list; docs/operations/high-availability.md explains it.

// everyReplica is a runnable every replica runs: what must answer whichever
// replica is asked (the self-service API, the issuer's keys, the webhooks,
// the metrics a replica reads from its own cache).
type everyReplica struct {
	name string
	manager.Runnable
}

// NeedLeaderElection is false: every replica runs it.
func (everyReplica) NeedLeaderElection() bool { return false }

// leaderOnly is a runnable only the elected leader runs: work that must
// happen once across the replicas (pruning the change history, rotating
// the signing keys).
type leaderOnly struct {
	name string
	manager.Runnable
}

// NeedLeaderElection is true: only the leader runs it.
func (leaderOnly) NeedLeaderElection() bool { return true }
