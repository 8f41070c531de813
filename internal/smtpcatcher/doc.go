// Package smtpcatcher is a small SMTP server for loopback use. Tests use it to
// record what the operator sends and to make delivery fail on demand; the local
// development environment uses it to drop every message into a folder as a
// .eml file that any mail client can open.
//
// It speaks real SMTP (built on github.com/emersion/go-smtp) so that the code
// under test runs its production client path, not a fake.
package smtpcatcher
