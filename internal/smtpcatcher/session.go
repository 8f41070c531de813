package smtpcatcher

import (
	"fmt"
	"io"
	"strings"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

var (
	errTemporary = &smtp.SMTPError{
		Code:         451,
		EnhancedCode: smtp.EnhancedCode{4, 3, 0},
		Message:      "Temporary failure, try again later",
	}
	errRecipientRejected = &smtp.SMTPError{
		Code:         550,
		EnhancedCode: smtp.EnhancedCode{5, 1, 1},
		Message:      "Recipient rejected: mailbox unknown",
	}
)

type backend struct{ server *Server }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &session{server: b.server}, nil
}

// session collects one transaction at a time; go-smtp calls Reset between
// transactions on the same connection.
type session struct {
	server   *Server
	username string
	from     string
	to       []string
}

var _ smtp.AuthSession = (*session)(nil)

// AuthMechanisms offers PLAIN so that clients configured with credentials
// can be tested; any username and password is accepted.
func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, username, _ string) error {
		s.username = username
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.server.mu.Lock()
	defer s.server.mu.Unlock()
	s.server.attempts++
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.server.mu.Lock()
	s.server.attemptsTo[strings.ToLower(to)]++
	s.server.mu.Unlock()
	switch s.server.failureMode() {
	case FailTemporarily:
		return errTemporary
	case FailPermanently:
		return errRecipientRejected
	}
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("read message: %w", err)
	}
	msg := Message{From: s.from, To: append([]string(nil), s.to...), Username: s.username, Data: data}
	if err := s.server.record(msg); err != nil {
		// The message was not stored where the developer looks for it, so
		// tell the client instead of pretending it was delivered.
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Could not store message"}
	}
	return nil
}

func (s *session) Reset() {
	s.from = ""
	s.to = nil
}

func (s *session) Logout() error { return nil }

func (s *Server) failureMode() FailureMode {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mode
}

// record writes the message to Dir (when set) before making it visible in
// Messages, so a test that sees a message can also find its file.
func (s *Server) record(msg Message) error {
	if s.dir != "" {
		if err := writeEML(s.dir, msg); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages = append(s.messages, msg)
	return nil
}
