package smtpcatcher

import (
	"errors"
	"net/smtp"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// rawMessage is a multipart/alternative message with one quoted-printable
// and one base64 part, so the helpers are exercised on both encodings.
const rawMessage = "From: Tenantry <no-reply@example.com>\r\n" +
	"To: Alice <alice@example.com>\r\n" +
	"Subject: =?UTF-8?q?Willkommen_bei_M=C3=BCller?=\r\n" +
	"Message-ID: <invitation-1.abc@tenantry.io>\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/alternative; boundary=\"b1\"\r\n" +
	"\r\n" +
	"--b1\r\n" +
	"Content-Type: text/plain; charset=UTF-8\r\n" +
	"Content-Transfer-Encoding: quoted-printable\r\n" +
	"\r\n" +
	"Hello Alice, open https://example.com/accept?token=3Dabc=\r\n" +
	"def\r\n" +
	"--b1\r\n" +
	"Content-Type: text/html; charset=UTF-8\r\n" +
	"Content-Transfer-Encoding: base64\r\n" +
	"\r\n" +
	"PHA+SGVsbG8gQWxpY2U8L3A+\r\n" +
	"--b1--\r\n"

func startServer(t *testing.T, opts Options) *Server {
	t.Helper()
	s, err := Start("127.0.0.1:0", opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func send(s *Server) error {
	auth := smtp.PlainAuth("", "tester", "secret", s.Host())
	return smtp.SendMail(s.Addr(), auth, "no-reply@example.com", []string{"alice@example.com"}, []byte(rawMessage))
}

func TestAcceptedMessageIsRecorded(t *testing.T) {
	s := startServer(t, Options{})
	if err := send(s); err != nil {
		t.Fatalf("send: %v", err)
	}

	msgs := s.Messages()
	if len(msgs) != 1 {
		t.Fatalf("got %d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if m.From != "no-reply@example.com" || len(m.To) != 1 || m.To[0] != "alice@example.com" {
		t.Errorf("envelope = %q -> %q", m.From, m.To)
	}
	if m.Username != "tester" {
		t.Errorf("Username = %q, want tester", m.Username)
	}
	if got, want := m.Subject(), "Willkommen bei Müller"; got != want {
		t.Errorf("Subject = %q, want %q", got, want)
	}
	if got, want := m.MessageID(), "invitation-1.abc@tenantry.io"; got != want {
		t.Errorf("MessageID = %q, want %q", got, want)
	}
	text, err := m.TextBody()
	if err != nil || text != "Hello Alice, open https://example.com/accept?token=abcdef" {
		t.Errorf("TextBody = %q, %v", text, err)
	}
	html, err := m.HTMLBody()
	if err != nil || html != "<p>Hello Alice</p>" {
		t.Errorf("HTMLBody = %q, %v", html, err)
	}
	if s.Attempts() != 1 {
		t.Errorf("Attempts = %d, want 1", s.Attempts())
	}
}

func TestFailureModes(t *testing.T) {
	tests := []struct {
		name     string
		mode     FailureMode
		wantCode int
	}{
		{name: "temporary", mode: FailTemporarily, wantCode: 451},
		{name: "permanent", mode: FailPermanently, wantCode: 550},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startServer(t, Options{})
			s.SetFailureMode(tt.mode)

			err := send(s)
			var protoErr *textproto.Error
			if !errors.As(err, &protoErr) || protoErr.Code != tt.wantCode {
				t.Fatalf("send error = %v, want SMTP reply %d", err, tt.wantCode)
			}
			if n := len(s.Messages()); n != 0 {
				t.Errorf("recorded %d messages, want 0", n)
			}
			if s.Attempts() != 1 {
				t.Errorf("Attempts = %d, want 1", s.Attempts())
			}

			s.SetFailureMode(Accept)
			if err := send(s); err != nil {
				t.Fatalf("send after Accept: %v", err)
			}
			if s.Attempts() != 2 || len(s.Messages()) != 1 {
				t.Errorf("after recovery: attempts %d, messages %d", s.Attempts(), len(s.Messages()))
			}
			if got := s.AttemptsTo("Alice@Example.com"); got != 2 {
				t.Errorf("AttemptsTo(alice) = %d, want 2 (failed ones included, case-insensitive)", got)
			}
			if got := s.AttemptsTo("bob@example.com"); got != 0 {
				t.Errorf("AttemptsTo(bob) = %d, want 0", got)
			}
		})
	}
}

func TestStopRefusesAndRestartServesSameAddress(t *testing.T) {
	s := startServer(t, Options{})
	addr := s.Addr()

	if err := s.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := send(s); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("send while stopped = %v, want connection refused", err)
	}
	if err := s.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}

	if err := s.Restart(); err != nil {
		t.Fatalf("Restart: %v", err)
	}
	if s.Addr() != addr {
		t.Errorf("Addr after restart = %s, want %s", s.Addr(), addr)
	}
	if err := send(s); err != nil {
		t.Fatalf("send after restart: %v", err)
	}
	if n := len(s.Messages()); n != 1 {
		t.Errorf("recorded %d messages, want 1", n)
	}
}

func TestRestartAfterCloseFails(t *testing.T) {
	s, err := Start("127.0.0.1:0", Options{})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Restart(); err == nil {
		t.Fatal("Restart after Close succeeded, want error")
	}
}

func TestDirReceivesEMLFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox")
	s := startServer(t, Options{Dir: dir})
	if err := send(s); err != nil {
		t.Fatalf("send: %v", err)
	}

	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("read dir: %v", err)
	}
	if len(entries) != 1 {
		t.Fatalf("got %d files, want 1", len(entries))
	}
	name := entries[0].Name()
	if !strings.HasSuffix(name, "-invitation-1.abc@tenantry.io.eml") {
		t.Errorf("file name = %q", name)
	}
	content, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatalf("read file: %v", err)
	}
	if string(content) != string(s.Messages()[0].Data) {
		t.Error("file content differs from recorded Data")
	}
}
