package operator

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"
)

// InvitationOptions shape invitations.
type InvitationOptions struct {
	AcceptURL   string
	TTL         time.Duration
	TemplateDir string
	RetryBase   time.Duration
	RetryMax    time.Duration
	// UnconfirmedGrace is the least wait before an attempt whose outcome
	// was never recorded (the manager was killed mid-send) is sent again.
	UnconfirmedGrace time.Duration
}

// The invitation defaults. A failed delivery is retried after 10s, 20s,
// 40s … and then every 15 minutes, so a mail server that is down for an
// hour sees a handful of attempts. A send whose outcome is unknown waits
// long enough that a mail server that did take it is not asked twice in a
// tight loop, short enough that a person whose email was lost is not kept
// waiting.
const (
	defaultInvitationTTL    = 7 * 24 * time.Hour
	defaultRetryBase        = 10 * time.Second
	defaultRetryMax         = 15 * time.Minute
	defaultUnconfirmedGrace = 30 * time.Second
)

func defaultInvitationOptions() InvitationOptions {
	return InvitationOptions{
		AcceptURL:        "http://localhost:8082/v1/invitations/accept",
		TTL:              defaultInvitationTTL,
		RetryBase:        defaultRetryBase,
		RetryMax:         defaultRetryMax,
		UnconfirmedGrace: defaultUnconfirmedGrace,
	}
}

// BindFlags registers the invitation flags, with in's values as defaults.
// The retry flags are named after SMTP, which they wait out.
func (in *InvitationOptions) BindFlags(fs *flag.FlagSet) {
	fs.StringVar(&in.AcceptURL, "accept-url", in.AcceptURL, "Base URL of the link in invitation emails; the token is added as ?token=. Point it at the self-service API or a portal that forwards to it.")
	fs.DurationVar(&in.TTL, "invitation-ttl", in.TTL, "How long an invitation link works.")
	fs.StringVar(&in.TemplateDir, "invitation-template-dir", in.TemplateDir, "Directory with subject.txt, body.txt and body.html overriding the invitation email (mount a ConfigMap there).")
	fs.DurationVar(&in.RetryBase, "smtp-retry-base", in.RetryBase, "Delay after the first failed delivery; doubled after each further failure.")
	fs.DurationVar(&in.RetryMax, "smtp-retry-max", in.RetryMax, "Longest delay between delivery attempts.")
	fs.DurationVar(&in.UnconfirmedGrace, "invitation-unconfirmed-grace", in.UnconfirmedGrace, "Least wait before an invitation whose send was interrupted (the manager was killed mid-send) is sent again, with the same Message-ID.")
}

// validate reports the invalid invitation options, in flag terms.
func (in InvitationOptions) validate() []error {
	var errs []error
	if in.TTL <= 0 {
		errs = append(errs, errors.New("--invitation-ttl must be positive"))
	}
	if in.UnconfirmedGrace < 0 {
		errs = append(errs, errors.New("--invitation-unconfirmed-grace must not be negative"))
	}
	if in.RetryBase <= 0 || in.RetryMax < in.RetryBase {
		errs = append(errs, errors.New("--smtp-retry-base must be positive and at most --smtp-retry-max"))
	}
	if !isHTTPURL(in.AcceptURL) {
		errs = append(errs, fmt.Errorf("--accept-url: %q is not an http(s) URL", in.AcceptURL))
	}
	return errs
}

// isHTTPURL says whether u is an absolute http or https URL, as a link in
// an email must be.
func isHTTPURL(u string) bool {
	return strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://")
}
