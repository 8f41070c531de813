package operator

import (
	"flag"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestValidateOptions(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(o *Options)
		wantErr string
	}{
		{"defaults are valid", func(*Options) {}, ""},
		{"unknown TLS mode", func(o *Options) { o.SMTP.TLS = "ssl" }, "--smtp-tls"},
		{"port out of range", func(o *Options) { o.SMTP.Port = 70000 }, "--smtp-port"},
		{"no rate", func(o *Options) { o.SMTP.Rate = 0 }, "--smtp-rate-limit"},
		{"credentials secret without namespace", func(o *Options) { o.SMTP.CredentialsSecret = "smtp" }, "--smtp-credentials-secret"},
		{"zero TTL", func(o *Options) { o.Invitation.TTL = 0 }, "--invitation-ttl"},
		{"retry max below base", func(o *Options) { o.Invitation.RetryMax = time.Millisecond }, "--smtp-retry-base"},
		{"identity kind not a person", func(o *Options) { o.Identity.Kind = "ServiceAccount" }, "--identity-kind"},
		{"unknown certificate source", func(o *Options) { o.Webhook.Certs = "vault" }, "--webhook-certs"},
		{"cert secret without namespace", func(o *Options) { o.Webhook.CertSecret = "cert" }, "--webhook-cert-secret"},
		{"no first user role", func(o *Options) { o.Roles.FirstUser = "" }, "--first-user-role"},
		{"no credentials namespace", func(o *Options) { o.CredentialsNamespace = "" }, "--credentials-namespace"},
		{"credentials namespace not a name", func(o *Options) { o.CredentialsNamespace = "tenantry.system" }, "--credentials-namespace"},
		{"no subscription workers", func(o *Options) { o.Concurrency.Subscriptions = 0 }, "--max-concurrent-subscriptions"},
		{"webhooks off need no certificate", func(o *Options) { o.Webhook.Disabled, o.Webhook.Certs = true, "" }, ""},
		{"accept URL without scheme", func(o *Options) { o.Invitation.AcceptURL = "portal.example.com" }, "--accept-url"},
		{"tokens off need nothing of theirs", func(o *Options) { o.Tokens.TTL, o.Tokens.SigningKeySecret = 0, "" }, ""},
		{"tokens on", withIssuer("https://tenantry.example.com"), ""},
		{"issuer over http", withIssuer("http://tenantry.example.com"), "--issuer-url"},
		{"issuer with a query", withIssuer("https://tenantry.example.com/?a=b"), "--issuer-url"},
		{"no token audience", func(o *Options) { withIssuer("https://t.example")(o); o.Tokens.Audience = "" }, "--token-audience"},
		{"zero token TTL", func(o *Options) { withIssuer("https://t.example")(o); o.Tokens.TTL = 0 }, "--token-ttl"},
		{"zero impersonation TTL", func(o *Options) { withIssuer("https://t.example")(o); o.Tokens.ImpersonationTTL = 0 }, "--impersonation-ttl"},
		{"lease no longer than its renew deadline", func(o *Options) { o.LeaderElection.LeaseDuration = o.LeaderElection.RenewDeadline }, "--leader-elect-lease-duration must be longer"},
		{"renew deadline leaves no retry", func(o *Options) { o.LeaderElection.RenewDeadline = 2 * o.LeaderElection.RetryPeriod / 2 }, "--leader-elect-renew-deadline must be longer"},
		{"no retry period", func(o *Options) { o.LeaderElection.RetryPeriod = 0 }, "--leader-elect-retry-period must be positive"},
		{"hashing share above the whole", func(o *Options) { o.SignIn.HashCPUShare = 1.5 }, "--password-hash-cpu-share"},
		{"no hashing bound but the slots", func(o *Options) { o.SignIn.HashCPUShare, o.SignIn.MaxConcurrentHashes = 0, 2 }, ""},
		{"a short lease is fine", func(o *Options) {
			o.LeaderElection = LeaderElectionOptions{LeaseDuration: 6 * time.Second, RenewDeadline: 4 * time.Second, RetryPeriod: time.Second}
		}, ""},
		{"no rotation", func(o *Options) { withIssuer("https://t.example")(o); o.Tokens.SigningKeyRotation = 0 }, "--signing-key-rotation"},
		{"key secret without namespace", func(o *Options) { withIssuer("https://t.example")(o); o.Tokens.SigningKeySecret = "keys" }, "--signing-key-secret"},
		{"TLS certificate without key", func(o *Options) { o.SelfServiceTLS.CertFile = "tls.crt" }, "--selfservice-tls-key-file"},

		// One or more cases per options group, each naming the flag at fault.
		{"concurrency: no user workers", func(o *Options) { o.Concurrency.Users = 0 }, "--max-concurrent-users"},
		{"concurrency: no ledger workers", func(o *Options) { o.Concurrency.Ledgers = -1 }, "--max-concurrent-ledgers"},
		{"concurrency: no team workers", func(o *Options) { o.Concurrency.Teams = 0 }, "--max-concurrent-teams"},
		{"concurrency: no service class workers", func(o *Options) { o.Concurrency.ServiceClasses = 0 }, "--max-concurrent-service-classes"},
		{"account: currency in lower case", func(o *Options) { o.DefaultCurrency = "usd" }, "--default-currency"},
		{"account: negative transaction grace", func(o *Options) { o.TransactionUserGrace = -time.Second }, "--transaction-user-grace"},
		{"account: no transaction grace rejects at once", func(o *Options) { o.TransactionUserGrace = 0 }, ""},
		{"account: zero service removal timeout", func(o *Options) { o.ServiceRemovalTimeout = 0 }, "--service-removal-timeout"},
		{"invitation: negative unconfirmed grace", func(o *Options) { o.Invitation.UnconfirmedGrace = -time.Second }, "--invitation-unconfirmed-grace"},
		{"sign-in: no lockout threshold", func(o *Options) { o.SignIn.LockoutThreshold = 0 }, "--lockout-threshold"},
		{"sign-in: zero session TTL", func(o *Options) { o.SignIn.SessionTTL = 0 }, "--session-ttl"},
		{"sign-in: negative hash queue", func(o *Options) { o.SignIn.HashQueue = -1 }, "--password-hash-queue"},
		{"sign-in: negative login rate", func(o *Options) { o.SignIn.LoginRate = -1 }, "--login-rate-limit"},
		{"sign-in: login rate off", func(o *Options) { o.SignIn.LoginRate, o.SignIn.ClientRate = 0, 0 }, ""},
		{"sign-in: reset URL without scheme", func(o *Options) { o.SignIn.ResetURL = "portal.example.com/reset" }, "--password-reset-url"},
		{"roles: no grant ceiling", func(o *Options) { o.Roles.GrantCeiling = "" }, "--grant-ceiling"},
		{"roles: no default role", func(o *Options) { o.Roles.Default = "" }, "--default-role"},
		{"identity: group with a prefix", func(o *Options) { o.Identity.Kind, o.Identity.Prefix = "Group", "oidc:" }, ""},
		{"webhook: port out of range", func(o *Options) { o.Webhook.Port = 0 }, "--webhook-port"},
		{"webhook: service without namespace", func(o *Options) { o.Webhook.Service = "webhooks" }, "--webhook-service"},
		{"webhook: files need no secret", func(o *Options) { o.Webhook.Certs, o.Webhook.CertSecret = WebhookCertsFiles, "" }, ""},
		{"records: no history limit", func(o *Options) { o.Records.HistoryLimit = 0 }, "--history-limit"},
		{"records: zero deletion retention", func(o *Options) { o.Records.DeletionRetention = 0 }, "--deletion-retention"},
		{"records: zero prune interval", func(o *Options) { o.Records.HistoryPruneInterval = 0 }, "--history-prune-interval"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := DefaultOptions()
			tt.mutate(&o)
			err := o.Validate()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("error %v, want one naming %s", err, tt.wantErr)
			}
		})
	}
}

func TestMessageIDDomain(t *testing.T) {
	for from, want := range map[string]string{
		"Tenantry <no-reply@acme.example>": "acme.example",
		"no-reply@portal.example":          "portal.example",
		"not an address":                   "tenantry.io",
	} {
		if got := messageIDDomain(from); got != want {
			t.Errorf("messageIDDomain(%q) = %q, want %q", from, got, want)
		}
	}
}

func TestWebhookCertExtraDNSNamesFlag(t *testing.T) {
	o := DefaultOptions()
	fs := flag.NewFlagSet("manager", flag.ContinueOnError)
	o.BindFlags(fs)
	if err := fs.Parse([]string{"--webhook-cert-extra-dns-names= localhost, webhooks.example.com ,"}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"localhost", "webhooks.example.com"}; !slices.Equal(o.Webhook.ExtraDNSNames, want) {
		t.Fatalf("ExtraDNSNames = %q, want %q", o.Webhook.ExtraDNSNames, want)
	}
}

func withIssuer(url string) func(o *Options) {
	return func(o *Options) { o.Tokens.IssuerURL = url }
}

func TestKeyPolicy(t *testing.T) {
	o := DefaultOptions().Tokens
	p := keyPolicy(o)
	if p.Rotation != 24*time.Hour || p.PublishDelay != 5*time.Minute || p.Retention != 11*time.Minute {
		t.Errorf("default policy = %+v", p)
	}
	o.SigningKeyRotation = 8 * time.Second
	if p := keyPolicy(o); p.PublishDelay != 2*time.Second {
		t.Errorf("a short rotation publishes a key a quarter of it ahead, got %v", p.PublishDelay)
	}
}

// TestFailoverTime: the documented failover time of the defaults, and the
// lease's share of it.
func TestFailoverTime(t *testing.T) {
	if got := DefaultOptions().LeaderElection.FailoverTime(); got != 19800*time.Millisecond {
		t.Errorf("failover time of the defaults = %s, the docs say 19.8s", got)
	}
	short := LeaderElectionOptions{LeaseDuration: 6 * time.Second, RetryPeriod: time.Second}
	if got := short.FailoverTime(); got != 8400*time.Millisecond {
		t.Errorf("failover time of a 6s lease with 1s retries = %s, want 8.4s", got)
	}
}
