package main

import (
	"context"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/tenantry-io/tenantry/internal/operator"
	"github.com/tenantry-io/tenantry/internal/smtpcatcher"
)

// mailPollInterval is how often the catcher is checked for new mail to
// announce; a person waiting for a link does not notice half a second.
const mailPollInterval = 500 * time.Millisecond

// acceptLink finds the link of an invitation or a password reset in a
// mail's text, and its token.
var acceptLink = regexp.MustCompile(`https?://\S*[?&]token=([A-Za-z0-9_-]+)`)

// mailCatcher receives the operator's mail and files it in the mail folder.
// server is nil when --smtp-host sends mail to a real server instead.
type mailCatcher struct {
	server *smtpcatcher.Server
	dir    string
}

// startMailCatcher listens where opts says mail goes and points opts at the
// port it got.
func startMailCatcher(opts *operator.Options, explicit map[string]bool, dir string) (*mailCatcher, error) {
	if explicit["smtp-host"] {
		say("Mail goes to %s:%d as --smtp-host says; no mail catcher runs.", opts.SMTP.Host, opts.SMTP.Port)
		return &mailCatcher{}, nil
	}
	catcherOpts := smtpcatcher.Options{Dir: dir}
	srv, err := smtpcatcher.Start(net.JoinHostPort(opts.SMTP.Host, strconv.Itoa(opts.SMTP.Port)), catcherOpts)
	if err != nil && !explicit["smtp-port"] {
		// Another program holds the usual port; any free one will do,
		// since the operator is told which.
		srv, err = smtpcatcher.Start(net.JoinHostPort(opts.SMTP.Host, "0"), catcherOpts)
	}
	if err != nil {
		return nil, fmt.Errorf("start the mail catcher: %w", err)
	}
	opts.SMTP.Port = srv.Port()
	return &mailCatcher{server: srv, dir: dir}, nil
}

func (c *mailCatcher) stop() {
	if c.server == nil {
		return
	}
	if err := c.server.Close(); err != nil {
		say("Could not stop the mail catcher cleanly: %v", err)
		return
	}
	say("Stopped the mail catcher; the mail stays in %s.", c.dir)
}

// announceInvitations prints the accept link of every mail as it arrives,
// so the person need not open the .eml file to go on.
func (c *mailCatcher) announceInvitations(ctx context.Context, access selfServiceAccess) {
	if c.server == nil {
		return
	}
	ticker := time.NewTicker(mailPollInterval)
	defer ticker.Stop()
	seen := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		messages := c.server.Messages()
		for _, msg := range messages[seen:] {
			announce(msg, access)
		}
		seen = len(messages)
	}
}

func announce(msg smtpcatcher.Message, access selfServiceAccess) {
	to := strings.Join(msg.To, ", ")
	text, err := msg.TextBody()
	match := acceptLink.FindStringSubmatch(text)
	if err != nil || match == nil {
		say("\nNew mail for %s: %q (no invitation link in it).", to, msg.Subject())
		return
	}
	if strings.Contains(match[0], resetPath) {
		say("\nNew mail for %s: %q\n"+
			"  Open the link to choose a new password:\n    %s\n"+
			"  or set it with curl:\n    %s",
			to, msg.Subject(), match[0], resetCurl(access, match[1]))
		return
	}
	say("\nNew mail for %s: %q\n"+
		"  Open the link to accept the invitation:\n    %s\n"+
		"  or accept it with curl:\n    %s\n"+
		"  then sign in to the account console at %s/console/",
		to, msg.Subject(), match[0], acceptCurl(access, match[1]), access.URL)
}

// resetCurl is the curl that sets a new password with a reset token.
func resetCurl(access selfServiceAccess, token string) string {
	return fmt.Sprintf(`%s -X POST %s%s -H 'Content-Type: application/json' -d '{"token":"%s","password":"Another-Password-77"}'`,
		access.Curl, access.URL, resetPath, token)
}

// loginCurl is the curl that logs a person in.
func loginCurl(access selfServiceAccess, account, email string) string {
	return fmt.Sprintf(`%s -X POST %s%s -H 'Content-Type: application/json' -d '{"account":"%s","email":"%s","password":"Corr3ct-Horse-Battery"}'`,
		access.Curl, access.URL, sessionsPath, account, email)
}

// acceptCurl is the curl that accepts an invitation, with the password the
// docs' walkthrough chooses, so that what it prints can be pasted as is.
func acceptCurl(access selfServiceAccess, token string) string {
	return fmt.Sprintf(`%s -X POST %s%s -H 'Content-Type: application/json' -d '{"token":"%s","password":"Corr3ct-Horse-Battery"}'`,
		access.Curl, access.URL, acceptPath, token)
}
