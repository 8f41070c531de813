package mail

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tenantry-io/tenantry/internal/smtpcatcher"
)

const acceptURL = "https://tenantry.example.com/invitations/accept?token=0123456789abcdef0123456789abcdef0123456789abcdef"

func startCatcher(t *testing.T) *smtpcatcher.Server {
	t.Helper()
	srv, err := smtpcatcher.Start("127.0.0.1:0", smtpcatcher.Options{})
	if err != nil {
		t.Fatalf("start catcher: %v", err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

func newSender(t *testing.T, srv *smtpcatcher.Server, creds CredentialsSource) *SMTPSender {
	t.Helper()
	s, err := NewSMTPSender(Config{
		Host:        srv.Host(),
		Port:        srv.Port(),
		TLS:         TLSNone,
		From:        "Tenantry <no-reply@example.com>",
		Credentials: creds,
		Timeout:     10 * time.Second,
	})
	if err != nil {
		t.Fatalf("NewSMTPSender: %v", err)
	}
	return s
}

func testMessage() Message {
	return Message{
		To:        "alice@example.com",
		ToName:    "Alice Doe",
		Subject:   "You're invited to join acme-prod on Tenantry",
		Text:      "Open " + acceptURL,
		HTML:      `<p><a href="` + acceptURL + `">Accept</a></p>`,
		MessageID: "invitation-2.6f1c0d@tenantry.io",
	}
}

func TestSendDelivers(t *testing.T) {
	srv := startCatcher(t)
	if err := newSender(t, srv, nil).Send(context.Background(), testMessage()); err != nil {
		t.Fatalf("Send: %v", err)
	}

	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("catcher got %d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if m.From != "no-reply@example.com" || len(m.To) != 1 || m.To[0] != "alice@example.com" {
		t.Errorf("envelope = %q -> %q", m.From, m.To)
	}
	if got, want := m.MessageID(), "invitation-2.6f1c0d@tenantry.io"; got != want {
		t.Errorf("Message-ID = %q, want %q", got, want)
	}
	if got, want := m.Subject(), testMessage().Subject; got != want {
		t.Errorf("Subject = %q, want %q", got, want)
	}
	if got := m.Header("To"); !strings.Contains(got, "Alice Doe") {
		t.Errorf("To header = %q, want the display name", got)
	}
	if got := m.Header("Content-Type"); !strings.HasPrefix(got, "multipart/alternative") {
		t.Errorf("Content-Type = %q, want multipart/alternative", got)
	}
	text, err := m.TextBody()
	if err != nil || !strings.Contains(text, acceptURL) {
		t.Errorf("text body = %q, %v; want the link", text, err)
	}
	html, err := m.HTMLBody()
	if err != nil || !strings.Contains(html, acceptURL) {
		t.Errorf("HTML body = %q, %v; want the link", html, err)
	}
	if m.Username != "" {
		t.Errorf("authenticated as %q without credentials", m.Username)
	}
}

func TestSendFailures(t *testing.T) {
	tests := []struct {
		name          string
		prepare       func(t *testing.T, srv *smtpcatcher.Server)
		wantPermanent bool
		wantReason    string
	}{
		{
			name:       "temporary rejection",
			prepare:    func(_ *testing.T, srv *smtpcatcher.Server) { srv.SetFailureMode(smtpcatcher.FailTemporarily) },
			wantReason: "TemporaryFailure",
		},
		{
			name:          "recipient rejected",
			prepare:       func(_ *testing.T, srv *smtpcatcher.Server) { srv.SetFailureMode(smtpcatcher.FailPermanently) },
			wantPermanent: true,
			wantReason:    "RecipientRejected",
		},
		{
			name: "server down",
			prepare: func(t *testing.T, srv *smtpcatcher.Server) {
				if err := srv.Stop(); err != nil {
					t.Fatalf("Stop: %v", err)
				}
			},
			wantReason: "ConnectionFailed",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startCatcher(t)
			sender := newSender(t, srv, nil)
			tt.prepare(t, srv)

			err := sender.Send(context.Background(), testMessage())
			if err == nil {
				t.Fatal("Send succeeded, want error")
			}
			if got := IsPermanent(err); got != tt.wantPermanent {
				t.Errorf("IsPermanent = %v, want %v (err: %v)", got, tt.wantPermanent, err)
			}
			if got := Reason(err); got != tt.wantReason {
				t.Errorf("Reason = %q, want %q (err: %v)", got, tt.wantReason, err)
			}
			if n := len(srv.Messages()); n != 0 {
				t.Errorf("catcher accepted %d messages, want 0", n)
			}
		})
	}
}

func TestSendRecoversAfterRestart(t *testing.T) {
	srv := startCatcher(t)
	sender := newSender(t, srv, nil)
	if err := srv.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := sender.Send(context.Background(), testMessage()); Reason(err) != "ConnectionFailed" {
		t.Fatalf("Send while down = %v, want ConnectionFailed", err)
	}
	if err := srv.Restart(); err != nil {
		t.Fatalf("Restart: %v", err)
	}
	if err := sender.Send(context.Background(), testMessage()); err != nil {
		t.Fatalf("Send after restart: %v", err)
	}
}

func TestSendAuthenticatesWithCurrentCredentials(t *testing.T) {
	srv := startCatcher(t)
	var calls atomic.Int32
	creds := func(context.Context) (Credentials, error) {
		n := calls.Add(1)
		// A different user per call shows each send reads the source
		// afresh, as a rotated Secret requires.
		return Credentials{Username: fmt.Sprintf("smtp-user-%d", n), Password: "s3cret"}, nil
	}
	sender := newSender(t, srv, creds)

	for range 2 {
		if err := sender.Send(context.Background(), testMessage()); err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	if got := calls.Load(); got != 2 {
		t.Errorf("credentials source called %d times, want 2", got)
	}
	msgs := srv.Messages()
	if len(msgs) != 2 || msgs[0].Username != "smtp-user-1" || msgs[1].Username != "smtp-user-2" {
		t.Errorf("authenticated users = %v", usernames(msgs))
	}
}

func TestSendSurfacesCredentialsError(t *testing.T) {
	srv := startCatcher(t)
	secretMissing := errors.New(`secret "smtp" not found`)
	sender := newSender(t, srv, func(context.Context) (Credentials, error) { return Credentials{}, secretMissing })

	err := sender.Send(context.Background(), testMessage())
	if !errors.Is(err, secretMissing) {
		t.Fatalf("Send error = %v, want the credentials source error", err)
	}
	if IsPermanent(err) || Reason(err) != "AuthenticationFailed" {
		t.Errorf("IsPermanent = %v, Reason = %q", IsPermanent(err), Reason(err))
	}
	if srv.Attempts() != 0 {
		t.Errorf("catcher saw %d attempts, want none before credentials are known", srv.Attempts())
	}
}

func TestSendRejectsInvalidRecipient(t *testing.T) {
	srv := startCatcher(t)
	msg := testMessage()
	msg.To = "not an address"

	err := newSender(t, srv, nil).Send(context.Background(), msg)
	if !IsPermanent(err) || Reason(err) != "RecipientRejected" {
		t.Errorf("Send error = %v: IsPermanent = %v, Reason = %q", err, IsPermanent(err), Reason(err))
	}
	if srv.Attempts() != 0 {
		t.Errorf("catcher saw %d attempts, want 0", srv.Attempts())
	}
}

func usernames(msgs []smtpcatcher.Message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.Username
	}
	return out
}

// TestSendNeverFallsBackToPlaintext checks that a server without TLS gets
// nothing when TLS is configured: the credentials and the one-time link
// must not cross the network in clear text.
func TestSendNeverFallsBackToPlaintext(t *testing.T) {
	tests := []struct {
		name       string
		mode       TLSMode
		wantReason string
	}{
		{name: "starttls", mode: TLSStartTLS, wantReason: "SendFailed"},
		{name: "implicit tls", mode: TLSImplicit, wantReason: "ConnectionFailed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startCatcher(t)
			sender, err := NewSMTPSender(Config{
				Host: srv.Host(), Port: srv.Port(), TLS: tt.mode,
				From: "no-reply@example.com", Timeout: 10 * time.Second,
			})
			if err != nil {
				t.Fatalf("NewSMTPSender: %v", err)
			}
			err = sender.Send(context.Background(), testMessage())
			if err == nil {
				t.Fatal("Send succeeded over plaintext")
			}
			if IsPermanent(err) || Reason(err) != tt.wantReason {
				t.Errorf("error %v: IsPermanent = %v, Reason = %q; want temporary %q", err, IsPermanent(err), Reason(err), tt.wantReason)
			}
			if srv.Attempts() != 0 {
				t.Errorf("catcher saw %d attempts, want 0", srv.Attempts())
			}
		})
	}
}
