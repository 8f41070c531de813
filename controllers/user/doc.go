// Package user holds the User controller: the whole lifecycle of one
// person in one account, from invitation to removal. A pass reads the User
// and its credential Secret into a userScope and runs an ordered list of
// steps (user_controller.go), each in a file named after it:
//
//   - user_credentials.go: the credential Secret in the operator's namespace
//   - invitation*.go, passwordreset*.go: when to send which email (pure
//     decide functions); email_delivery.go and email_decision.go: the one
//     delivery path both take (intent, send, outcome)
//   - user_signin.go: answers to the unlock and two-factor reset
//     annotations, the lockout and the last login the self-service API records
//   - user_sessions.go: sessions and log-in-as sessions end when the right
//     behind them ends
//   - user_rolebinding.go: the RoleBinding of the user's Role
//   - user_services*.go, service_watches.go: provisioning and removing the
//     user's services
//   - user_ledger.go: opening the balance at zero
//   - user_softdelete.go, user_delete.go: soft delete, purge and removal
//     (teams are left alone: the team controller sees the user go)
//   - user_history.go: the UserChange records of who changed what
//   - user_phase.go, user_status.go: the phase and Ready, from the conditions
//   - user_events.go: events of status changes, recorded once the status
//     write that makes the change is accepted
//
// It writes the User's status, except status.balance once the ledger is
// open (the ledger package's): phase, conditions, observedGeneration,
// emailVerified, credentialsSecretName, invitation, passwordReset,
// lastLoginTime, lockedUntil, unlockRequest, twoFactor,
// twoFactorResetRequest, services, servicesSummary, deletedTime, purgeTime,
// history and filedSequence. It owns the user's credential
// Secret, RoleBinding, service objects and UserChanges.
package user
