// Package webhook holds the admission rules that one object's schema cannot
// express, because they depend on other objects: the default role of a new
// user and the last-owner rule, which look at the other users of the
// account; the rule that only a user's most recent applied balance
// transaction can be cancelled, which looks at the user's ledger; and the
// rule that a service assigned to a user needs a seat left in one of the
// account's subscriptions, which looks at the seats they gave out. The
// manager serves them over TLS; the API server calls them before it stores
// or deletes an object.
package webhook
