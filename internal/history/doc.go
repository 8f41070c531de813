// Package history keeps a user's change history: what one admitted write
// changed (Diff, ActionOf), who asked (RequesterOf), the pending changes
// admission attaches to the User in the same write (Stamp, Pending), and
// the UserChange records the operator files from them (Record).
//
// The record travels with the change: admission adds it to the User's
// iam.tenantry.io/pending-changes annotation, so a write the API server
// refuses later (a conflict, another admission step, storage) takes its
// record with it. Once the API server has stored the write, the User
// controller sees the annotation, creates one UserChange per entry and
// notes the last one it filed in status.history.filedSequence; the next
// admission drops the entries filed. Every function here is pure.
package history
