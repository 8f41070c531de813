// Package selfservice is the HTTP API for the person behind a User: the
// pages and endpoints they reach from an email link, served by the manager on
// a port of its own. It never sets a User's phase; it writes the credential
// Secret and leaves the rest to the User controller.
//
// Tokens and passwords pass through this package in memory only: it stores
// their hashes and never logs or returns the plain values.
package selfservice
