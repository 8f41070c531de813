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
		{"no subscription workers", func(o *Options) { o.Concurrency.Subscriptions = 0 }, "--max-concurrent-subscriptions"},
		{"webhooks off need no certificate", func(o *Options) { o.Webhook.Disabled, o.Webhook.Certs = true, "" }, ""},
		{"accept URL without scheme", func(o *Options) { o.Invitation.AcceptURL = "portal.example.com" }, "--accept-url"},
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
