// Package selfservice is the HTTP API for the person behind a User: accept
// an invitation, log in and out, reset a forgotten password, enrol a TOTP
// authenticator, with a page for each flow reached from an email link,
// served by the manager on a port of its own. It never sets a User's phase;
// it writes the credential Secret (failure counts, the lock, sessions, reset
// requests, two-factor) and leaves the rest to the User controller.
//
// Tokens and passwords pass through this package in memory only: it stores
// their hashes and never logs or returns the plain values.
package selfservice
