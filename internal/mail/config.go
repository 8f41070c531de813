package mail

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
)

// TLSMode says how the connection to the SMTP server is secured.
type TLSMode string

const (
	// TLSNone is plain SMTP without any TLS, for local catchers only.
	TLSNone TLSMode = "none"
	// TLSStartTLS upgrades the connection with STARTTLS and refuses servers
	// that do not offer it.
	TLSStartTLS TLSMode = "starttls"
	// TLSImplicit speaks TLS from the first byte (SMTPS, usually port 465).
	TLSImplicit TLSMode = "tls"
)

// defaultTimeout bounds dialling and each SMTP exchange when Config.Timeout
// is zero.
const defaultTimeout = 30 * time.Second

var tlsModes = []TLSMode{TLSNone, TLSStartTLS, TLSImplicit}

// ParseTLSMode parses a flag or setting value, ignoring case and
// surrounding spaces.
func ParseTLSMode(s string) (TLSMode, error) {
	normalized := TLSMode(strings.ToLower(strings.TrimSpace(s)))
	for _, m := range tlsModes {
		if normalized == m {
			return m, nil
		}
	}
	return "", fmt.Errorf("invalid SMTP TLS mode %q: valid values are %q, %q and %q", s, TLSNone, TLSStartTLS, TLSImplicit)
}

// Credentials is an SMTP login.
type Credentials struct{ Username, Password string }

// CredentialsSource returns the SMTP login. It is called for each connection
// so that a rotated Secret takes effect without a restart. A nil source, or
// empty credentials, means no authentication.
type CredentialsSource func(ctx context.Context) (Credentials, error)

// Config describes the SMTP server and the sender identity.
type Config struct {
	Host string
	Port int
	// TLS defaults to TLSStartTLS when empty, so that forgetting the
	// setting never sends mail in clear text.
	TLS TLSMode
	// From is the envelope and header sender, e.g.
	// "Tenantry <no-reply@example.com>".
	From string
	// Credentials is optional.
	Credentials CredentialsSource
	// Timeout bounds dialling and each SMTP exchange; 30s when zero.
	Timeout time.Duration
	// InsecureSkipVerify disables certificate checks. Only for tests
	// against self-signed servers.
	InsecureSkipVerify bool
}

// withDefaults validates c and fills in defaults.
func (c Config) withDefaults() (Config, error) {
	var errs []error
	if strings.TrimSpace(c.Host) == "" {
		errs = append(errs, errors.New("SMTP host is empty"))
	} else if strings.ContainsAny(c.Host, " \t\r\n/") {
		errs = append(errs, fmt.Errorf("SMTP host %q is not a host name or IP address", c.Host))
	}
	if c.Port < 1 || c.Port > 65535 {
		errs = append(errs, fmt.Errorf("SMTP port %d is out of range 1-65535", c.Port))
	}
	if c.TLS == "" {
		c.TLS = TLSStartTLS
	} else if mode, err := ParseTLSMode(string(c.TLS)); err != nil {
		errs = append(errs, err)
	} else {
		c.TLS = mode
	}
	if _, err := mail.ParseAddress(c.From); err != nil {
		errs = append(errs, fmt.Errorf("sender address %q: %w", c.From, err))
	}
	if c.Timeout < 0 {
		errs = append(errs, fmt.Errorf("timeout %s is negative", c.Timeout))
	} else if c.Timeout == 0 {
		c.Timeout = defaultTimeout
	}
	if len(errs) > 0 {
		return Config{}, fmt.Errorf("invalid mail configuration: %w", errors.Join(errs...))
	}
	return c, nil
}
