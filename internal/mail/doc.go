// Package mail renders and sends the operator's emails. Sending goes through
// github.com/wneessen/go-mail, one SMTP connection per message, and failures
// are classified (IsPermanent, Reason) so that the controller can tell a
// rejection that retrying will not fix from a passing outage.
package mail
