// Package webhook holds the admission rules for Users that one object's
// schema cannot express, because they depend on the other users of the
// account: the default role of a new user and the last-owner rule. The
// manager serves them over TLS; the API server calls them before it stores
// a User.
package webhook
