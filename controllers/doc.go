// Package controllers maps Tenantry's controllers, one package per kind;
// `ls controllers/<kind>` shows a kind's whole lifecycle.
//
//   - user: the User lifecycle (invitation, password reset, credentials,
//     sign-in answers, sessions, RoleBinding, services, soft delete,
//     history)
//   - ledger: BalanceTransactions applied to User.status.balance
//   - services: ServiceClass and Subscription
//   - role: Role rendered as a ClusterRole within the grant ceiling
//   - team: Team bound to its Role
//   - historypruner: expired UserChange records deleted
//
// No package here imports another: what they share is in internal/reconcile
// (verdicts, events, requeues, backoff), internal/index (the cache's field
// indexes) and the rule packages (internal/rbac, internal/services,
// internal/ledger, internal/credentials). internal/operator builds them
// all into one manager. Each package's doc.go says which status fields it
// writes; docs/developer/architecture.md draws the whole.
package controllers
