// Package reconcile holds what every Tenantry reconciler shares: the
// verdicts a pass reaches for its kstatus conditions, recording events on
// transitions only, turning optimistic-lock conflicts into quiet requeues,
// merging requeues to the earliest, spacing retries with a backoff, and the
// type of the work queue a watch's handler fills.
//
// Nothing here knows a Tenantry kind: the controllers under controllers/
// import it, never each other.
package reconcile
