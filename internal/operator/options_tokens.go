package operator

import (
	"errors"
	"flag"
	"fmt"
	"net/url"
	"strings"
	"time"
)

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

// defaultTokenOptions keep tokens off (no issuer) and, once an issuer is
// named, short-lived; the Secret is where config/default deploys it.
func defaultTokenOptions() TokenOptions {
	return TokenOptions{
		Audience: "kubernetes", TTL: 10 * time.Minute, ImpersonationTTL: 15 * time.Minute,
		SigningKeyRotation: 24 * time.Hour, SigningKeySecret: "tenantry-system/tenantry-signing-keys",
	}
}

// BindFlags registers the token flags, with t's values as defaults.
func (t *TokenOptions) BindFlags(fs *flag.FlagSet) {
	fs.StringVar(&t.IssuerURL, "issuer-url", t.IssuerURL, "https URL the API server reaches the self-service API at; setting it makes Tenantry an OpenID Connect issuer of cluster tokens (off when empty).")
	fs.StringVar(&t.Audience, "token-audience", t.Audience, "Audience (aud) of cluster tokens; list it in the API server's AuthenticationConfiguration.")
	fs.DurationVar(&t.TTL, "token-ttl", t.TTL, "How long a cluster token lasts.")
	fs.DurationVar(&t.ImpersonationTTL, "impersonation-ttl", t.ImpersonationTTL, "How long a \"log in as\" session lasts.")
	fs.DurationVar(&t.SigningKeyRotation, "signing-key-rotation", t.SigningKeyRotation, "How long a token signing key signs before the next one takes over.")
	fs.StringVar(&t.SigningKeySecret, "signing-key-secret", t.SigningKeySecret, "namespace/name of the Secret that holds the token signing keys (created on first start).")
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
