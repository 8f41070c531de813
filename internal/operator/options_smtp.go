package operator

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/tenantry-io/tenantry/internal/mail"
)

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

// defaultSMTPOptions send through a relay on the same host, with STARTTLS,
// at a pace a shared relay accepts.
func defaultSMTPOptions() SMTPOptions {
	return SMTPOptions{
		Host: "localhost", Port: 587, TLS: string(mail.TLSStartTLS),
		From: "Tenantry <no-reply@tenantry.local>", Timeout: 30 * time.Second,
		Rate: 5, Burst: 10,
	}
}

// BindFlags registers the SMTP flags, with s's values as defaults.
func (s *SMTPOptions) BindFlags(fs *flag.FlagSet) {
	fs.StringVar(&s.Host, "smtp-host", s.Host, "SMTP server host.")
	fs.IntVar(&s.Port, "smtp-port", s.Port, "SMTP server port.")
	fs.StringVar(&s.TLS, "smtp-tls", s.TLS, "SMTP TLS mode: none, starttls or tls (implicit TLS, usually port 465).")
	fs.StringVar(&s.From, "smtp-from", s.From, "From address of invitation and password reset emails.")
	fs.DurationVar(&s.Timeout, "smtp-timeout", s.Timeout, "Timeout of one SMTP conversation.")
	fs.StringVar(&s.CredentialsSecret, "smtp-credentials-secret", s.CredentialsSecret, "namespace/name of a Secret with keys username and password for SMTP AUTH; read at every send so rotation needs no restart.")
	fs.Float64Var(&s.Rate, "smtp-rate-limit", s.Rate, "Invitation emails per second, across all users.")
	fs.IntVar(&s.Burst, "smtp-rate-burst", s.Burst, "Invitation emails that may leave at once before the rate limit applies.")
}

// validate reports the invalid SMTP options, in flag terms.
func (s SMTPOptions) validate() []error {
	var errs []error
	if _, err := mail.ParseTLSMode(s.TLS); err != nil {
		errs = append(errs, fmt.Errorf("--smtp-tls: %w", err))
	}
	if s.Port < 1 || s.Port > 65535 {
		errs = append(errs, fmt.Errorf("--smtp-port: %d is not a port", s.Port))
	}
	if s.Rate <= 0 || s.Burst < 1 {
		errs = append(errs, errors.New("--smtp-rate-limit and --smtp-rate-burst must be positive"))
	}
	if c := s.CredentialsSecret; c != "" && len(strings.Split(c, "/")) != 2 {
		errs = append(errs, fmt.Errorf("--smtp-credentials-secret: %q is not namespace/name", c))
	}
	return errs
}
