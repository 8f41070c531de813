package mail

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	netmail "net/mail"
	"strings"
	"unicode/utf8"

	gomail "github.com/wneessen/go-mail"
)

// Message is one email to one recipient.
type Message struct {
	To, ToName string
	Subject    string
	// Text and HTML are sent together as multipart/alternative.
	Text, HTML string
	// MessageID is set as the Message-ID header, without angle brackets,
	// e.g. "invitation-2.6f1c...@tenantry.io". Keeping it deterministic
	// lets a recipient's mail system recognise a resend after a crash
	// between sending and recording the send.
	MessageID string
}

// Sender sends one message.
type Sender interface {
	Send(ctx context.Context, msg Message) error
}

// SMTPSender sends through an SMTP server.
type SMTPSender struct {
	cfg Config
}

var _ Sender = (*SMTPSender)(nil)

// NewSMTPSender validates cfg and returns a sender for it.
func NewSMTPSender(cfg Config) (*SMTPSender, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &SMTPSender{cfg: cfg}, nil
}

// Send delivers msg over a new connection. A connection per message keeps
// the sender stateless: no pooled connection can go stale between the
// infrequent invitations, and rotated credentials apply at once.
func (s *SMTPSender) Send(ctx context.Context, msg Message) error {
	m, err := s.build(msg)
	if err != nil {
		return err
	}
	opts, err := s.clientOptions(ctx)
	if err != nil {
		return err
	}
	client, err := gomail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return fmt.Errorf("create SMTP client: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	if err := client.DialAndSendWithContext(ctx, m); err != nil {
		return fmt.Errorf("send mail via %s:%d: %w", s.cfg.Host, s.cfg.Port, err)
	}
	return nil
}

func (s *SMTPSender) build(msg Message) (*gomail.Msg, error) {
	// A recipient address that does not parse will never be deliverable,
	// so it is reported as a permanent rejection rather than retried.
	if _, err := netmail.ParseAddress(msg.To); err != nil {
		return nil, &invalidRecipientError{err: err}
	}
	m := gomail.NewMsg()
	if err := m.From(s.cfg.From); err != nil {
		return nil, fmt.Errorf("set sender: %w", err)
	}
	// net/mail quotes the name as RFC 5322 wants (quotes and backslashes
	// escaped, anything else encoded): a person's name is theirs to write.
	recipient := (&netmail.Address{Name: msg.ToName, Address: msg.To}).String()
	if err := m.To(recipient); err != nil {
		return nil, &invalidRecipientError{err: err}
	}
	m.Subject(literalSubject(msg.Subject))
	if msg.MessageID != "" {
		m.SetMessageIDWithValue(msg.MessageID)
	}
	m.SetDate()
	m.SetBodyString(gomail.TypeTextPlain, msg.Text)
	m.AddAlternativeString(gomail.TypeTextHTML, msg.HTML)
	return m, nil
}

func (s *SMTPSender) clientOptions(ctx context.Context) ([]gomail.Option, error) {
	opts := []gomail.Option{
		gomail.WithPort(s.cfg.Port),
		gomail.WithTimeout(s.cfg.Timeout),
		gomail.WithTLSConfig(&tls.Config{
			ServerName: s.cfg.Host,
			MinVersion: tls.VersionTLS12,
			// Only set by tests against self-signed servers; see Config.
			InsecureSkipVerify: s.cfg.InsecureSkipVerify, //nolint:gosec // opt-in for tests.
		}),
	}
	switch s.cfg.TLS {
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case TLSStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL(), gomail.WithTLSPolicy(gomail.NoTLS))
	}

	if s.cfg.Credentials == nil {
		return opts, nil
	}
	creds, err := s.cfg.Credentials(ctx)
	if err != nil {
		return nil, &credentialsError{err: err}
	}
	if creds.Username == "" && creds.Password == "" {
		return opts, nil
	}
	// On an encrypted connection go-mail picks the strongest mechanism the
	// server offers. Its discovery never picks PLAIN or LOGIN in clear
	// text, so without TLS we ask for PLAIN explicitly: go-mail still
	// refuses to send it anywhere but localhost.
	authType := gomail.SMTPAuthAutoDiscover
	if s.cfg.TLS == TLSNone {
		authType = gomail.SMTPAuthPlain
	}
	return append(opts,
		gomail.WithSMTPAuth(authType),
		gomail.WithUsername(creds.Username),
		gomail.WithPassword(creds.Password),
	), nil
}

// literalSubject makes a subject read as written. go-mail leaves a plain
// ASCII subject as it is, so text that looks like an RFC 2047 encoded-word
// ("=?utf-8?q?=0D=0ABcc...?=", say in a person's name) would be decoded by
// the recipient's mail program into something else, line breaks included.
// Such a subject is sent fully encoded instead.
func literalSubject(subject string) string {
	if !strings.Contains(subject, "=?") {
		return subject
	}
	// An encoded-word is at most 75 characters: 12 of framing leave 63 for
	// base64, which is 45 bytes of text. Words are split between runes and
	// joined by spaces, which decoders drop between encoded-words.
	const chunk = 45
	var words []string
	for len(subject) > 0 {
		n := min(chunk, len(subject))
		for n < len(subject) && n > 1 && !utf8.RuneStart(subject[n]) {
			n--
		}
		words = append(words, "=?utf-8?b?"+base64.StdEncoding.EncodeToString([]byte(subject[:n]))+"?=")
		subject = subject[n:]
	}
	return strings.Join(words, " ")
}
