// Package operator assembles the manager: the controllers, the self-service
// API, health checks and metrics. cmd/manager, the local dev environment and
// the tests all build the manager here, so they run the same wiring.
package operator

import (
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/utils/clock"

	"github.com/tenantry-io/tenantry/controllers/ledger"
	"github.com/tenantry-io/tenantry/controllers/user"
	"github.com/tenantry-io/tenantry/internal/mail"
	"github.com/tenantry-io/tenantry/internal/rbac"
)

// Options configure the manager. Every field has a flag; see BindFlags.
type Options struct {
	MetricsAddr string
	// MetricsSecure serves /metrics over https to callers the API server
	// authenticates and authorizes; false is plain http, for development.
	MetricsSecure        bool
	ProbeAddr            string
	SelfServiceAddr      string
	LeaderElection       bool
	LeaderElectionNS     string
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
	// SelfServiceTLS serves the self-service API over https when both
	// files are set; an OIDC issuer must be reached over https.
	SelfServiceTLS TLSFiles
	// Records keep the change history and the soft-deleted users.
	Records RecordsOptions
	// Clock is the clock of the controllers, the webhooks and the
	// self-service API. Tests move it to see lockouts end.
	Clock clock.PassiveClock
}

// SignInOptions shape logins, lockouts, password resets and two-factor.
type SignInOptions struct {
	LockoutThreshold int
	LockoutWindow    time.Duration
	LockoutDuration  time.Duration
	SessionTTL       time.Duration
	RequireTwoFactor bool
	TOTPIssuer       string
	// LoginRate and LoginBurst limit password and code checks per second
	// across all clients; ClientRate and ClientBurst per client address.
	LoginRate   float64
	LoginBurst  int
	ClientRate  float64
	ClientBurst int
	// MaxConcurrentHashes caps the password hashes computed at once;
	// HashQueue more may wait for one, the rest get 429.
	MaxConcurrentHashes int
	HashQueue           int
	ResetURL            string
	ResetTTL            time.Duration
	ResetTemplateDir    string
}

// TokenOptions make the self-service API an OpenID Connect issuer whose ID
// tokens the API server trusts. Tokens are off unless IssuerURL is set, so
// that nothing changes for clusters that sign people in another way.
type TokenOptions struct {
	// IssuerURL is the "iss" of the tokens: the https URL the API server
	// reaches the self-service API at.
	IssuerURL string
	// Audience is the "aud" of the tokens; the API server's
	// AuthenticationConfiguration lists it.
	Audience string
	// TTL is how long an ID token lasts.
	TTL time.Duration
	// ImpersonationTTL bounds a "log in as" session.
	ImpersonationTTL time.Duration
	// SigningKeyRotation is how long a signing key signs before the next.
	SigningKeyRotation time.Duration
	// SigningKeySecret (namespace/name) holds the keys every replica shares.
	SigningKeySecret string
}

// Enabled says whether the manager issues tokens.
func (t TokenOptions) Enabled() bool { return t.IssuerURL != "" }

// TLSFiles name a PEM certificate (with its chain) and its key.
type TLSFiles struct {
	CertFile string
	KeyFile  string
}

// ConcurrencyOptions say how many objects each controller reconciles at
// once. A ledger worker handles one user's transactions at a time, so
// Ledgers bounds how many users' ledgers move in parallel. A subscription
// worker gives out one subscription's seats at a time.
type ConcurrencyOptions struct {
	Users         int
	Roles         int
	Ledgers       int
	Subscriptions int
}

// RoleOptions name the roles admission gives users that name none.
type RoleOptions struct {
	// FirstUser is the role of an account's first user, and the role the
	// last-owner rule protects.
	FirstUser string
	// Default is the role of every later user.
	Default string
	// GrantCeiling names the ClusterRole that bounds what Roles may grant:
	// the one bound to the manager, which the cluster administrator owns.
	GrantCeiling string
}

// Ways the webhook server gets its certificate.
const (
	// WebhookCertsSelf: the manager issues its own CA and serving
	// certificate, keeps them in a Secret, rotates them and writes the CA
	// into the webhook configurations.
	WebhookCertsSelf = "self"
	// WebhookCertsFiles: someone else (cert-manager, envtest) puts tls.crt
	// and tls.key in the cert directory and the CA in the configurations.
	WebhookCertsFiles = "files"
)

// WebhookOptions say how the admission webhooks are served.
type WebhookOptions struct {
	// Disabled turns the webhooks off, for running against a cluster
	// that has none configured.
	Disabled bool
	Host     string
	Port     int
	CertDir  string
	// Certs is WebhookCertsSelf or WebhookCertsFiles.
	Certs string
	// CertSecret (namespace/name) holds the self-issued certificate.
	CertSecret string
	// Service (namespace/name) is what the API server calls; the
	// self-issued certificate is for its DNS name.
	Service string
	// ExtraDNSNames are further names of the self-issued certificate, for
	// an API server that reaches the webhooks by another name.
	ExtraDNSNames []string
	// MutatingConfig and ValidatingConfig name the configurations whose
	// caBundle the manager keeps current.
	MutatingConfig   string
	ValidatingConfig string
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
	// UnconfirmedGrace is the least wait before an attempt whose outcome
	// was never recorded (the manager was killed mid-send) is sent again.
	UnconfirmedGrace time.Duration
}

// DefaultOptions are the flags' defaults.
func DefaultOptions() Options {
	return Options{
		Clock:                 clock.RealClock{},
		MetricsAddr:           ":8443",
		MetricsSecure:         true,
		ProbeAddr:             ":8081",
		SelfServiceAddr:       ":8082",
		Concurrency:           ConcurrencyOptions{Users: 4, Roles: 2, Ledgers: 4, Subscriptions: 2},
		DefaultCurrency:       "USD",
		CredentialsNamespace:  ownNamespace(),
		TransactionUserGrace:  ledger.DefaultUserGrace,
		ServiceRemovalTimeout: user.DefaultServiceRemovalTimeout,
		SMTP: SMTPOptions{
			Host: "localhost", Port: 587, TLS: string(mail.TLSStartTLS),
			From: "Tenantry <no-reply@tenantry.local>", Timeout: 30 * time.Second,
			Rate: 5, Burst: 10,
		},
		Invitation: InvitationOptions{
			AcceptURL: "http://localhost:8082/v1/invitations/accept",
			TTL:       7 * 24 * time.Hour,
			RetryBase: 10 * time.Second,
			RetryMax:  15 * time.Minute,

			UnconfirmedGrace: user.DefaultUnconfirmedGrace,
		},
		Tokens: TokenOptions{
			Audience: "kubernetes", TTL: 10 * time.Minute, ImpersonationTTL: 15 * time.Minute,
			SigningKeyRotation: 24 * time.Hour, SigningKeySecret: "tenantry-system/tenantry-signing-keys",
		},
		Identity: IdentityOptions{Kind: rbac.DefaultIdentity.Kind, Prefix: rbac.DefaultIdentity.Prefix},
		Roles:    RoleOptions{FirstUser: "owner", Default: "manager", GrantCeiling: rbac.DefaultGrantCeiling},
		Records:  defaultRecordsOptions(),
		SignIn: SignInOptions{
			LockoutThreshold: 5, LockoutWindow: 15 * time.Minute, LockoutDuration: 30 * time.Minute,
			SessionTTL: 12 * time.Hour, TOTPIssuer: "Tenantry",
			LoginRate: 20, LoginBurst: 40, ClientRate: 1, ClientBurst: 10,
			MaxConcurrentHashes: 2, HashQueue: 32,
			ResetURL: "http://localhost:8082/v1/password-resets/confirm",
			ResetTTL: time.Hour,
		},
		// These names are what config/default deploys.
		Webhook: WebhookOptions{
			Port:             9443,
			CertDir:          filepath.Join(os.TempDir(), "k8s-webhook-server", "serving-certs"),
			Certs:            WebhookCertsSelf,
			CertSecret:       "tenantry-system/tenantry-webhook-server-cert",
			Service:          "tenantry-system/tenantry-webhook-service",
			MutatingConfig:   "tenantry-mutating-webhook-configuration",
			ValidatingConfig: "tenantry-validating-webhook-configuration",
		},
	}
}

// BindFlags registers a flag for every option, with o's values as defaults.
func (o *Options) BindFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.MetricsAddr, "metrics-bind-address", o.MetricsAddr, "Address of the /metrics endpoint; 0 turns it off.")
	fs.BoolVar(&o.MetricsSecure, "metrics-secure", o.MetricsSecure, "Serve /metrics over https, only to callers the API server authenticates and allows get on the non-resource URL /metrics; false serves plain http (development only).")
	fs.StringVar(&o.ProbeAddr, "health-probe-bind-address", o.ProbeAddr, "Address of the /healthz and /readyz endpoints.")
	fs.StringVar(&o.SelfServiceAddr, "selfservice-bind-address", o.SelfServiceAddr, "Address of the self-service API (accepting invitations).")
	fs.BoolVar(&o.LeaderElection, "leader-elect", o.LeaderElection, "Elect a leader so that only one replica reconciles.")
	fs.StringVar(&o.LeaderElectionNS, "leader-election-namespace", o.LeaderElectionNS, "Namespace of the leader election lease; defaults to the manager's own.")
	fs.IntVar(&o.Concurrency.Users, "max-concurrent-users", o.Concurrency.Users, "Users the User controller reconciles in parallel.")
	fs.IntVar(&o.Concurrency.Roles, "max-concurrent-roles", o.Concurrency.Roles, "Roles the Role controller reconciles in parallel.")
	fs.IntVar(&o.Concurrency.Ledgers, "max-concurrent-ledgers", o.Concurrency.Ledgers, "Users whose balance transactions the ledger applies in parallel.")
	fs.StringVar(&o.CredentialsNamespace, "credentials-namespace", o.CredentialsNamespace, "Namespace of the users' credential Secrets and of the key their TOTP secrets are sealed with; the operator's own (POD_NAMESPACE), where no account may create Pods.")
	fs.IntVar(&o.Concurrency.Subscriptions, "max-concurrent-subscriptions", o.Concurrency.Subscriptions, "Subscriptions the Subscription controller gives out seats of in parallel.")

	fs.StringVar(&o.DefaultCurrency, "default-currency", o.DefaultCurrency, "ISO 4217 currency of a user's balance when its spec.currency is empty.")
	fs.DurationVar(&o.TransactionUserGrace, "transaction-user-grace", o.TransactionUserGrace, "How long a balance transaction waits for its user to be created before it is rejected.")
	fs.DurationVar(&o.ServiceRemovalTimeout, "service-removal-timeout", o.ServiceRemovalTimeout, "How long a user's service object may take to be deleted (its own finalizers run) before the user reports it stuck; the user keeps waiting.")

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
	fs.DurationVar(&o.Invitation.UnconfirmedGrace, "invitation-unconfirmed-grace", o.Invitation.UnconfirmedGrace, "Least wait before an invitation whose send was interrupted (the manager was killed mid-send) is sent again, with the same Message-ID.")

	fs.StringVar(&o.Identity.Kind, "identity-kind", o.Identity.Kind, "RBAC subject kind a user's RoleBinding names the person as: User or Group.")
	fs.StringVar(&o.Roles.FirstUser, "first-user-role", o.Roles.FirstUser, "Role of the first user of an account that names none; the last active user holding it cannot be demoted, disabled or deleted.")
	fs.StringVar(&o.Roles.Default, "default-role", o.Roles.Default, "Role of later users that name none.")
	fs.StringVar(&o.Roles.GrantCeiling, "grant-ceiling", o.Roles.GrantCeiling, "ClusterRole bound to the manager that bounds what Roles may grant; a Role granting more reports BeyondGrantCeiling.")

	fs.BoolVar(&o.Webhook.Disabled, "disable-webhooks", o.Webhook.Disabled, "Serve no admission webhooks (only where none are configured: they fail closed).")
	fs.StringVar(&o.Webhook.Host, "webhook-host", o.Webhook.Host, "Address the webhook server listens on; empty means all.")
	fs.IntVar(&o.Webhook.Port, "webhook-port", o.Webhook.Port, "Port of the webhook server.")
	fs.StringVar(&o.Webhook.CertDir, "webhook-cert-dir", o.Webhook.CertDir, "Directory with the webhook server's tls.crt and tls.key.")
	fs.StringVar(&o.Webhook.Certs, "webhook-certs", o.Webhook.Certs, "Who provides the webhook certificate: self (the manager issues, rotates and injects it) or files (cert-manager or another tool mounts it in --webhook-cert-dir).")
	fs.StringVar(&o.Webhook.CertSecret, "webhook-cert-secret", o.Webhook.CertSecret, "namespace/name of the Secret holding the self-issued certificate (mount it at --webhook-cert-dir).")
	fs.Func("webhook-cert-extra-dns-names", "Comma-separated further DNS names of the self-issued certificate, for an API server that reaches the webhooks by a name other than the Service's.", func(v string) error {
		o.Webhook.ExtraDNSNames = nil
		for name := range strings.SplitSeq(v, ",") {
			if name = strings.TrimSpace(name); name != "" {
				o.Webhook.ExtraDNSNames = append(o.Webhook.ExtraDNSNames, name)
			}
		}
		return nil
	})
	fs.StringVar(&o.Webhook.Service, "webhook-service", o.Webhook.Service, "namespace/name of the webhook Service; the self-issued certificate is for its DNS name.")
	fs.StringVar(&o.Webhook.MutatingConfig, "webhook-mutating-config", o.Webhook.MutatingConfig, "MutatingWebhookConfiguration whose caBundle the manager keeps current (--webhook-certs=self).")
	fs.StringVar(&o.Webhook.ValidatingConfig, "webhook-validating-config", o.Webhook.ValidatingConfig, "ValidatingWebhookConfiguration whose caBundle the manager keeps current (--webhook-certs=self).")

	fs.StringVar(&o.Identity.Prefix, "identity-prefix", o.Identity.Prefix, "Prefix before the email in RoleBinding subjects; match the API server's --oidc-username-prefix.")

	si := &o.SignIn
	fs.IntVar(&si.LockoutThreshold, "lockout-threshold", si.LockoutThreshold, "Failed passwords (or, separately, failed two-factor codes) within --lockout-window that lock a user.")
	fs.DurationVar(&si.LockoutWindow, "lockout-window", si.LockoutWindow, "Window in which failed logins are counted.")
	fs.DurationVar(&si.LockoutDuration, "lockout-duration", si.LockoutDuration, "How long a lockout lasts unless an administrator unlocks sooner.")
	fs.DurationVar(&si.SessionTTL, "session-ttl", si.SessionTTL, "How long a login session lasts.")
	fs.BoolVar(&si.RequireTwoFactor, "require-two-factor", si.RequireTwoFactor, "Require two-factor authentication of every user, as spec.requireTwoFactor does for one.")
	fs.StringVar(&si.TOTPIssuer, "totp-issuer", si.TOTPIssuer, "Name authenticator apps show for Tenantry's codes.")
	fs.Float64Var(&si.LoginRate, "login-rate-limit", si.LoginRate, "Logins, resets and code checks per second across all clients.")
	fs.IntVar(&si.LoginBurst, "login-rate-burst", si.LoginBurst, "Logins that may arrive at once before --login-rate-limit applies.")
	fs.Float64Var(&si.ClientRate, "login-client-rate-limit", si.ClientRate, "Logins, resets and code checks per second from one client address.")
	fs.IntVar(&si.ClientBurst, "login-client-rate-burst", si.ClientBurst, "Logins one client address may send at once before --login-client-rate-limit applies.")
	fs.IntVar(&si.MaxConcurrentHashes, "max-concurrent-password-hashes", si.MaxConcurrentHashes, "Password hashes computed at once; keeps a login storm from taking the controllers' CPU.")
	fs.IntVar(&si.HashQueue, "password-hash-queue", si.HashQueue, "Requests that may wait for a password hash; more are refused with 429.")
	fs.StringVar(&si.ResetURL, "password-reset-url", si.ResetURL, "Base URL of the link in password reset emails; the token is added as ?token=.")
	fs.DurationVar(&si.ResetTTL, "password-reset-ttl", si.ResetTTL, "How long a password reset link works.")
	tk := &o.Tokens
	fs.StringVar(&tk.IssuerURL, "issuer-url", tk.IssuerURL, "https URL the API server reaches the self-service API at; setting it makes Tenantry an OpenID Connect issuer of cluster tokens (off when empty).")
	fs.StringVar(&tk.Audience, "token-audience", tk.Audience, "Audience (aud) of cluster tokens; list it in the API server's AuthenticationConfiguration.")
	fs.DurationVar(&tk.TTL, "token-ttl", tk.TTL, "How long a cluster token lasts.")
	fs.DurationVar(&tk.ImpersonationTTL, "impersonation-ttl", tk.ImpersonationTTL, "How long a \"log in as\" session lasts.")
	fs.DurationVar(&tk.SigningKeyRotation, "signing-key-rotation", tk.SigningKeyRotation, "How long a token signing key signs before the next one takes over.")
	fs.StringVar(&tk.SigningKeySecret, "signing-key-secret", tk.SigningKeySecret, "namespace/name of the Secret that holds the token signing keys (created on first start).")
	fs.StringVar(&o.SelfServiceTLS.CertFile, "selfservice-tls-cert-file", o.SelfServiceTLS.CertFile, "PEM certificate (with chain) to serve the self-service API over https; reloaded when it changes.")
	fs.StringVar(&o.SelfServiceTLS.KeyFile, "selfservice-tls-key-file", o.SelfServiceTLS.KeyFile, "PEM key of --selfservice-tls-cert-file.")
	fs.StringVar(&si.ResetTemplateDir, "password-reset-template-dir", si.ResetTemplateDir, "Directory with subject.txt, body.txt and body.html overriding the password reset email.")
	o.Records.bindFlags(fs)
}

var currencyCode = regexp.MustCompile(`^[A-Z]{3}$`)

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
	if problems := validation.IsDNS1123Label(o.CredentialsNamespace); len(problems) > 0 {
		errs = append(errs, fmt.Errorf("--credentials-namespace: %q is not a namespace name: %s", o.CredentialsNamespace, strings.Join(problems, "; ")))
	}
	if !currencyCode.MatchString(o.DefaultCurrency) {
		errs = append(errs, fmt.Errorf("--default-currency: %q is not an ISO 4217 code such as USD", o.DefaultCurrency))
	}
	if o.Invitation.TTL <= 0 {
		errs = append(errs, errors.New("--invitation-ttl must be positive"))
	}
	if o.Invitation.UnconfirmedGrace < 0 {
		errs = append(errs, errors.New("--invitation-unconfirmed-grace must not be negative"))
	}
	if o.Invitation.RetryBase <= 0 || o.Invitation.RetryMax < o.Invitation.RetryBase {
		errs = append(errs, errors.New("--smtp-retry-base must be positive and at most --smtp-retry-max"))
	}
	if !strings.HasPrefix(o.Invitation.AcceptURL, "http://") && !strings.HasPrefix(o.Invitation.AcceptURL, "https://") {
		errs = append(errs, fmt.Errorf("--accept-url: %q is not an http(s) URL", o.Invitation.AcceptURL))
	}
	if o.Concurrency.Users < 1 || o.Concurrency.Roles < 1 || o.Concurrency.Ledgers < 1 || o.Concurrency.Subscriptions < 1 {
		errs = append(errs, errors.New("--max-concurrent-users, --max-concurrent-roles, --max-concurrent-ledgers and --max-concurrent-subscriptions must be at least 1"))
	}
	if o.ServiceRemovalTimeout <= 0 {
		errs = append(errs, errors.New("--service-removal-timeout must be positive"))
	}
	errs = append(errs, o.Roles.validate()...)
	errs = append(errs, o.SignIn.validate()...)
	errs = append(errs, o.Tokens.validate()...)
	errs = append(errs, o.SelfServiceTLS.validate()...)
	errs = append(errs, o.Records.validate()...)
	errs = append(errs, o.Webhook.validate()...)
	if err := (rbac.Identity{Kind: o.Identity.Kind, Prefix: o.Identity.Prefix}).Validate(); err != nil {
		errs = append(errs, fmt.Errorf("--identity-kind: %w", err))
	}
	return errors.Join(errs...)
}

// validate reports the invalid role options, in flag terms.
func (r RoleOptions) validate() []error {
	var errs []error
	if r.GrantCeiling == "" {
		errs = append(errs, errors.New("--grant-ceiling must name the ClusterRole that bounds what Roles may grant"))
	}
	if r.FirstUser == "" || r.Default == "" {
		errs = append(errs, errors.New("--first-user-role and --default-role must name roles"))
	}
	return errs
}

// validate reports the invalid webhook options, in flag terms.
func (w WebhookOptions) validate() []error {
	if w.Disabled {
		return nil
	}
	var errs []error
	if w.Port < 1 || w.Port > 65535 {
		errs = append(errs, fmt.Errorf("--webhook-port: %d is not a port", w.Port))
	}
	switch w.Certs {
	case WebhookCertsFiles:
	case WebhookCertsSelf:
		for name, ref := range map[string]string{"--webhook-cert-secret": w.CertSecret, "--webhook-service": w.Service} {
			if len(strings.Split(ref, "/")) != 2 {
				errs = append(errs, fmt.Errorf("%s: %q is not namespace/name", name, ref))
			}
		}
	default:
		errs = append(errs, fmt.Errorf("--webhook-certs: %q is not self or files", w.Certs))
	}
	return errs
}

// validate reports the invalid sign-in options, in flag terms.
func (si SignInOptions) validate() []error {
	var errs []error
	if si.LockoutThreshold < 1 || si.LockoutWindow <= 0 || si.LockoutDuration <= 0 {
		errs = append(errs, errors.New("--lockout-threshold, --lockout-window and --lockout-duration must be positive"))
	}
	if si.SessionTTL <= 0 || si.ResetTTL <= 0 {
		errs = append(errs, errors.New("--session-ttl and --password-reset-ttl must be positive"))
	}
	if si.MaxConcurrentHashes < 1 || si.HashQueue < 0 {
		errs = append(errs, errors.New("--max-concurrent-password-hashes must be at least 1 and --password-hash-queue not negative"))
	}
	if si.LoginRate < 0 || si.ClientRate < 0 {
		errs = append(errs, errors.New("--login-rate-limit and --login-client-rate-limit must not be negative (0 turns one off)"))
	}
	if u := si.ResetURL; !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
		errs = append(errs, fmt.Errorf("--password-reset-url: %q is not an http(s) URL", u))
	}
	return errs
}

// validate reports the invalid token options, in flag terms; with tokens
// off only the issuer URL matters.
func (t TokenOptions) validate() []error {
	if !t.Enabled() {
		return nil
	}
	var errs []error
	if u, err := url.Parse(t.IssuerURL); err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		errs = append(errs, fmt.Errorf("--issuer-url: %q is not an https URL without query or fragment (the API server accepts no other issuer)", t.IssuerURL))
	}
	if t.Audience == "" {
		errs = append(errs, errors.New("--token-audience must not be empty"))
	}
	if t.TTL <= 0 || t.ImpersonationTTL <= 0 {
		errs = append(errs, errors.New("--token-ttl and --impersonation-ttl must be positive"))
	}
	if t.SigningKeyRotation < time.Second {
		errs = append(errs, errors.New("--signing-key-rotation must be at least 1s"))
	}
	if len(strings.Split(t.SigningKeySecret, "/")) != 2 {
		errs = append(errs, fmt.Errorf("--signing-key-secret: %q is not namespace/name", t.SigningKeySecret))
	}
	return errs
}

func (f TLSFiles) validate() []error {
	if (f.CertFile == "") != (f.KeyFile == "") {
		return []error{errors.New("--selfservice-tls-cert-file and --selfservice-tls-key-file go together")}
	}
	return nil
}
