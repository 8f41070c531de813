// Package issuer makes Tenantry an OpenID Connect issuer for its users: it
// keeps the signing keys in a Secret shared by every replica, rotates them,
// publishes the public halves as a JWKS, and signs short-lived ID tokens the
// API server's JWT authenticator accepts.
//
// The key schedule (which key signs, when a new one is made, when an old one
// may go) is a pure function, planKeys, so that it is decided here and
// tested without a server; Store only reads, writes and remembers the
// Secret.
package issuer
