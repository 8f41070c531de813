// Package operator assembles the manager: the controllers, the self-service
// API, health checks and metrics. cmd/manager, the local dev environment and
// the tests all build the manager here, so they run the same wiring.
package operator

import (
	"errors"
	"flag"
	"fmt"
	"regexp"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/utils/clock"
)

// Options configure the manager. Every field has a flag; see BindFlags.
// Each group of options lives in its own file (options_<group>.go) with
// its defaults, its flags and its validation.
type Options struct {
	MetricsAddr string
	// MetricsSecure serves /metrics over https to callers the API server
	// authenticates and authorizes; false is plain http, for development.
	MetricsSecure        bool
	ProbeAddr            string
	SelfServiceAddr      string
	LeaderElection       LeaderElectionOptions
	CredentialsNamespace string // credential Secrets and their sealing key: the operator's own, out of every account's reach
	Concurrency          ConcurrencyOptions
	SkipNameValidation   bool // tests start several managers in one process
	DefaultCurrency      string
	TransactionUserGrace time.Duration
	// ServiceRemovalTimeout is how long a service's object may take to be
	// deleted before the user reports it stuck.
	ServiceRemovalTimeout time.Duration
	SMTP                  SMTPOptions
	Invitation            InvitationOptions
	Identity              IdentityOptions
	Roles                 RoleOptions
	Webhook               WebhookOptions
	SignIn                SignInOptions
	Tokens                TokenOptions
	Console               ConsoleOptions
	// SelfServiceTLS serves the self-service API over https when both
	// files are set; an OIDC issuer must be reached over https.
	SelfServiceTLS TLSFiles
	// Records keep the change history and the soft-deleted users.
	Records RecordsOptions
	// Clock is the clock of the controllers, the webhooks and the
	// self-service API. Tests move it to see lockouts end.
	Clock clock.PassiveClock
}

// TLSFiles name a PEM certificate (with its chain) and its key.
type TLSFiles struct {
	CertFile string
	KeyFile  string
}

// The defaults of the options that belong to no group. A balance
// transaction waits a minute for its user to be created before it is
// rejected. A service's own finalizers (a mailbox operator archiving mail)
// get ten minutes to run before a stuck removal is reported.
const (
	defaultCurrency              = "USD"
	defaultTransactionUserGrace  = time.Minute
	defaultServiceRemovalTimeout = 10 * time.Minute
)

// DefaultOptions are the flags' defaults.
func DefaultOptions() Options {
	return Options{
		Clock:                 clock.RealClock{},
		MetricsAddr:           ":8443",
		MetricsSecure:         true,
		ProbeAddr:             ":8081",
		SelfServiceAddr:       ":8082",
		Concurrency:           defaultConcurrencyOptions(),
		DefaultCurrency:       defaultCurrency,
		CredentialsNamespace:  ownNamespace(),
		TransactionUserGrace:  defaultTransactionUserGrace,
		ServiceRemovalTimeout: defaultServiceRemovalTimeout,
		SMTP:                  defaultSMTPOptions(),
		Invitation:            defaultInvitationOptions(),
		Tokens:                defaultTokenOptions(),
		Console:               defaultConsoleOptions(),
		Identity:              defaultIdentityOptions(),
		Roles:                 defaultRoleOptions(),
		Records:               defaultRecordsOptions(),
		LeaderElection:        defaultLeaderElectionOptions(),
		SignIn:                defaultSignInOptions(),
		Webhook:               defaultWebhookOptions(),
	}
}

// BindFlags registers a flag for every option, with o's values as
// defaults: each group's BindFlags, in the order of optionGroups.
func (o *Options) BindFlags(fs *flag.FlagSet) {
	for _, g := range o.optionGroups() {
		g.Bind(fs)
	}
}

// bindServingFlags registers the flags of where the manager serves and
// keeps its own state.
func (o *Options) bindServingFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.MetricsAddr, "metrics-bind-address", o.MetricsAddr, "Address of the /metrics endpoint; 0 turns it off.")
	fs.BoolVar(&o.MetricsSecure, "metrics-secure", o.MetricsSecure, "Serve /metrics over https, only to callers the API server authenticates and allows get on the non-resource URL /metrics; false serves plain http (development only).")
	fs.StringVar(&o.ProbeAddr, "health-probe-bind-address", o.ProbeAddr, "Address of the /healthz and /readyz endpoints.")
	fs.StringVar(&o.SelfServiceAddr, "selfservice-bind-address", o.SelfServiceAddr, "Address of the self-service API (accepting invitations).")
	fs.StringVar(&o.SelfServiceTLS.CertFile, "selfservice-tls-cert-file", o.SelfServiceTLS.CertFile, "PEM certificate (with chain) to serve the self-service API over https; reloaded when it changes.")
	fs.StringVar(&o.SelfServiceTLS.KeyFile, "selfservice-tls-key-file", o.SelfServiceTLS.KeyFile, "PEM key of --selfservice-tls-cert-file.")
	fs.StringVar(&o.CredentialsNamespace, "credentials-namespace", o.CredentialsNamespace, "Namespace of the users' credential Secrets and of the key their TOTP secrets are sealed with; the operator's own (POD_NAMESPACE), where no account may create Pods.")
}

// bindAccountFlags registers the flags of balances and services, which
// have no group of their own.
func (o *Options) bindAccountFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.DefaultCurrency, "default-currency", o.DefaultCurrency, "ISO 4217 currency of a user's balance when its spec.currency is empty.")
	fs.DurationVar(&o.TransactionUserGrace, "transaction-user-grace", o.TransactionUserGrace, "How long a balance transaction waits for its user to be created before it is rejected.")
	fs.DurationVar(&o.ServiceRemovalTimeout, "service-removal-timeout", o.ServiceRemovalTimeout, "How long a user's service object may take to be deleted (its own finalizers run) before the user reports it stuck; the user keeps waiting.")
}

var currencyCode = regexp.MustCompile(`^[A-Z]{3}$`)

// Validate reports every invalid option at once, in flag terms: its own,
// then each group's.
func (o Options) Validate() error {
	errs := o.validateServing()
	errs = append(errs, o.validateAccount()...)
	errs = append(errs, o.LeaderElection.validate()...)
	errs = append(errs, o.Concurrency.validate()...)
	errs = append(errs, o.SMTP.validate()...)
	errs = append(errs, o.Invitation.validate()...)
	errs = append(errs, o.SignIn.validate()...)
	errs = append(errs, o.Tokens.validate()...)
	errs = append(errs, o.Roles.validate()...)
	errs = append(errs, o.Identity.validate()...)
	errs = append(errs, o.Webhook.validate()...)
	errs = append(errs, o.Records.validate()...)
	return errors.Join(errs...)
}

// validateServing reports the invalid serving options, in flag terms.
func (o Options) validateServing() []error {
	var errs []error
	if problems := validation.IsDNS1123Label(o.CredentialsNamespace); len(problems) > 0 {
		errs = append(errs, fmt.Errorf("--credentials-namespace: %q is not a namespace name: %s", o.CredentialsNamespace, strings.Join(problems, "; ")))
	}
	if (o.SelfServiceTLS.CertFile == "") != (o.SelfServiceTLS.KeyFile == "") {
		errs = append(errs, errors.New("--selfservice-tls-cert-file and --selfservice-tls-key-file go together"))
	}
	return errs
}

// validateAccount reports the invalid balance and service options, in flag
// terms.
func (o Options) validateAccount() []error {
	var errs []error
	if !currencyCode.MatchString(o.DefaultCurrency) {
		errs = append(errs, fmt.Errorf("--default-currency: %q is not an ISO 4217 code such as USD", o.DefaultCurrency))
	}
	if o.TransactionUserGrace < 0 {
		errs = append(errs, errors.New("--transaction-user-grace must not be negative"))
	}
	if o.ServiceRemovalTimeout <= 0 {
		errs = append(errs, errors.New("--service-removal-timeout must be positive"))
	}
	return errs
}
