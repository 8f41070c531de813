// Package identity tests cluster sign-in end to end against a real API
// server: its structured JWT authenticator trusts the manager's OIDC issuer
// (served over TLS with a test CA), and every check is made with a token
// the self-service API issued, as a person's kubectl would. It is a suite of
// its own so that the other suites keep their API server flags.
package identity
