// Package operator assembles the manager: the controllers, the self-service
// API, health checks and metrics. cmd/manager, the local dev environment and
// the tests all build the manager here, so they run the same wiring.
package operator

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/tenantry-io/tenantry/controllers"
	"github.com/tenantry-io/tenantry/internal/mail"
	"github.com/tenantry-io/tenantry/internal/rbac"
)

// Options configure the manager. Every field has a flag; see BindFlags.
type Options struct {
	MetricsAddr        string
	ProbeAddr          string
	SelfServiceAddr    string
	LeaderElection     bool
	LeaderElectionNS   string
	MaxConcurrentUsers int
	SkipNameValidation bool // tests start several managers in one process
	SMTP               SMTPOptions
	Invitation         InvitationOptions
	Identity           IdentityOptions
}

// IdentityOptions say how the cluster's authenticator names the person
// behind a User; RoleBindings name them the same way.
type IdentityOptions struct {
	// Kind is the RBAC subject kind, User or Group.
	Kind string
	// Prefix goes before the email, like --oidc-username-prefix.
	Prefix string
}

// SMTPOptions say how invitation emails leave.
type SMTPOptions struct {
	Host    string
	Port    int
	TLS     string
	From    string
	Timeout time.Duration
	// CredentialsSecret is "namespace/name" of a Secret with the keys
	// username and password; empty means no SMTP authentication.
	CredentialsSecret string
	// Rate and Burst cap sends per second across all users.
	Rate  float64
	Burst int
}

// InvitationOptions shape invitations.
type InvitationOptions struct {
	AcceptURL   string
	TTL         time.Duration
	TemplateDir string
	RetryBase   time.Duration
	RetryMax    time.Duration
}

// DefaultOptions are the flags' defaults.
func DefaultOptions() Options {
	return Options{
		MetricsAddr:        ":8080",
		ProbeAddr:          ":8081",
		SelfServiceAddr:    ":8082",
		MaxConcurrentUsers: 4,
		SMTP: SMTPOptions{
			Host: "localhost", Port: 587, TLS: string(mail.TLSStartTLS),
			From: "Tenantry <no-reply@tenantry.local>", Timeout: 30 * time.Second,
			Rate: 5, Burst: 10,
		},
		Invitation: InvitationOptions{
			AcceptURL: "http://localhost:8082/v1/invitations/accept",
			TTL:       7 * 24 * time.Hour,
			RetryBase: controllers.DefaultBackoff.Base,
			RetryMax:  controllers.DefaultBackoff.Max,
		},
		Identity: IdentityOptions{Kind: rbac.DefaultIdentity.Kind, Prefix: rbac.DefaultIdentity.Prefix},
	}
}

// BindFlags registers a flag for every option, with o's values as defaults.
func (o *Options) BindFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.MetricsAddr, "metrics-bind-address", o.MetricsAddr, "Address of the /metrics endpoint; 0 turns it off.")
	fs.StringVar(&o.ProbeAddr, "health-probe-bind-address", o.ProbeAddr, "Address of the /healthz and /readyz endpoints.")
	fs.StringVar(&o.SelfServiceAddr, "selfservice-bind-address", o.SelfServiceAddr, "Address of the self-service API (accepting invitations).")
	fs.BoolVar(&o.LeaderElection, "leader-elect", o.LeaderElection, "Elect a leader so that only one replica reconciles.")
	fs.StringVar(&o.LeaderElectionNS, "leader-election-namespace", o.LeaderElectionNS, "Namespace of the leader election lease; defaults to the manager's own.")
	fs.IntVar(&o.MaxConcurrentUsers, "max-concurrent-users", o.MaxConcurrentUsers, "Users reconciled in parallel.")

	fs.StringVar(&o.SMTP.Host, "smtp-host", o.SMTP.Host, "SMTP server host.")
	fs.IntVar(&o.SMTP.Port, "smtp-port", o.SMTP.Port, "SMTP server port.")
	fs.StringVar(&o.SMTP.TLS, "smtp-tls", o.SMTP.TLS, "SMTP TLS mode: none, starttls or tls (implicit TLS, usually port 465).")
	fs.StringVar(&o.SMTP.From, "smtp-from", o.SMTP.From, "From address of invitation emails.")
	fs.DurationVar(&o.SMTP.Timeout, "smtp-timeout", o.SMTP.Timeout, "Timeout of one SMTP conversation.")
	fs.StringVar(&o.SMTP.CredentialsSecret, "smtp-credentials-secret", o.SMTP.CredentialsSecret, "namespace/name of a Secret with keys username and password for SMTP AUTH; read at every send so rotation needs no restart.")
	fs.Float64Var(&o.SMTP.Rate, "smtp-rate-limit", o.SMTP.Rate, "Invitation emails per second, across all users.")
	fs.IntVar(&o.SMTP.Burst, "smtp-rate-burst", o.SMTP.Burst, "Invitation emails that may leave at once before the rate limit applies.")

	fs.StringVar(&o.Invitation.AcceptURL, "accept-url", o.Invitation.AcceptURL, "Base URL of the link in invitation emails; the token is added as ?token=. Point it at the self-service API or a portal that forwards to it.")
	fs.DurationVar(&o.Invitation.TTL, "invitation-ttl", o.Invitation.TTL, "How long an invitation link works.")
	fs.StringVar(&o.Invitation.TemplateDir, "invitation-template-dir", o.Invitation.TemplateDir, "Directory with subject.txt, body.txt and body.html overriding the invitation email (mount a ConfigMap there).")
	fs.DurationVar(&o.Invitation.RetryBase, "smtp-retry-base", o.Invitation.RetryBase, "Delay after the first failed delivery; doubled after each further failure.")
	fs.DurationVar(&o.Invitation.RetryMax, "smtp-retry-max", o.Invitation.RetryMax, "Longest delay between delivery attempts.")

	fs.StringVar(&o.Identity.Kind, "identity-kind", o.Identity.Kind, "RBAC subject kind a user's RoleBinding names the person as: User or Group.")
	fs.StringVar(&o.Identity.Prefix, "identity-prefix", o.Identity.Prefix, "Prefix before the email in RoleBinding subjects; match the API server's --oidc-username-prefix.")
}

// Validate reports every invalid option at once, in flag terms.
func (o Options) Validate() error {
	var errs []error
	if _, err := mail.ParseTLSMode(o.SMTP.TLS); err != nil {
		errs = append(errs, fmt.Errorf("--smtp-tls: %w", err))
	}
	if o.SMTP.Port < 1 || o.SMTP.Port > 65535 {
		errs = append(errs, fmt.Errorf("--smtp-port: %d is not a port", o.SMTP.Port))
	}
	if o.SMTP.Rate <= 0 || o.SMTP.Burst < 1 {
		errs = append(errs, errors.New("--smtp-rate-limit and --smtp-rate-burst must be positive"))
	}
	if s := o.SMTP.CredentialsSecret; s != "" && len(strings.Split(s, "/")) != 2 {
		errs = append(errs, fmt.Errorf("--smtp-credentials-secret: %q is not namespace/name", s))
	}
	if o.Invitation.TTL <= 0 {
		errs = append(errs, errors.New("--invitation-ttl must be positive"))
	}
	if o.Invitation.RetryBase <= 0 || o.Invitation.RetryMax < o.Invitation.RetryBase {
		errs = append(errs, errors.New("--smtp-retry-base must be positive and at most --smtp-retry-max"))
	}
	if !strings.HasPrefix(o.Invitation.AcceptURL, "http://") && !strings.HasPrefix(o.Invitation.AcceptURL, "https://") {
		errs = append(errs, fmt.Errorf("--accept-url: %q is not an http(s) URL", o.Invitation.AcceptURL))
	}
	if err := (rbac.Identity{Kind: o.Identity.Kind, Prefix: o.Identity.Prefix}).Validate(); err != nil {
		errs = append(errs, fmt.Errorf("--identity-kind: %w", err))
	}
	return errors.Join(errs...)
}
