// Package selfservice is the HTTP API for the person behind a User: accept
// an invitation, log in and out, reset a forgotten password, enrol a TOTP
// authenticator, with a page for each flow reached from an email link,
// served by the manager on a port of its own. It never sets a User's phase;
// it writes the credential Secret (failure counts, the lock, sessions, reset
// requests, two-factor) and leaves the rest to the User controller.
//
// With an issuer (internal/issuer) it also serves OpenID Connect discovery
// and keys, turns a session into a short-lived ID token the API server
// trusts, and lets a user manager start a session as another user of the
// account ("log in as"), recorded as Events on that user.
//
// Tokens and passwords pass through this package in memory only: it stores
// their hashes and never logs or returns the plain values.
package selfservice
