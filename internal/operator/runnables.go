package operator

import "sigs.k8s.io/controller-runtime/pkg/manager"

// Where each runnable runs, said explicitly. controller-runtime runs a
// runnable that does not say so only on the elected leader, which is right
// for work that must happen once and wrong for anything a Service may route
// a request to: with two replicas, a self-service API that only the leader
// served would fail every other login.

// everyReplica is a runnable every replica runs: what must answer whichever
// replica is asked (the self-service API, the metrics it reads from its own
// cache).
type everyReplica struct{ manager.Runnable }

// NeedLeaderElection is false: every replica runs it.
func (everyReplica) NeedLeaderElection() bool { return false }

// leaderOnly is a runnable only the elected leader runs: work that must
// happen once across the replicas (pruning the change history).
type leaderOnly struct{ manager.Runnable }

// NeedLeaderElection is true: only the leader runs it.
func (leaderOnly) NeedLeaderElection() bool { return true }
