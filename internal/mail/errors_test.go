package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"syscall"
	"testing"

	gomail "github.com/wneessen/go-mail"
)

// TestClassify covers errors that are hard to provoke with the catcher.
// Failures inside an SMTP transaction are covered end to end in
// sender_test.go, since go-mail's SendError cannot be built from outside.
func TestClassify(t *testing.T) {
	tests := []struct {
		name          string
		err           error
		wantPermanent bool
		wantReason    string
	}{
		{name: "nil", err: nil, wantReason: ""},
		{
			name:       "connection refused",
			err:        fmt.Errorf("dial failed: %w", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}),
			wantReason: "ConnectionFailed",
		},
		{name: "dns", err: &net.DNSError{Err: "no such host", Name: "smtp.invalid", IsNotFound: true}, wantReason: "ConnectionFailed"},
		{name: "deadline", err: fmt.Errorf("dial failed: %w", context.DeadlineExceeded), wantReason: "ConnectionFailed"},
		{name: "tls handshake", err: tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}, wantReason: "ConnectionFailed"},
		{
			name:          "auth rejected",
			err:           fmt.Errorf("dial failed: SMTP AUTH failed: %w", &textproto.Error{Code: 535, Msg: "5.7.8 Authentication failed"}),
			wantPermanent: true,
			wantReason:    "AuthenticationFailed",
		},
		{name: "auth temporarily unavailable", err: &textproto.Error{Code: 454, Msg: "4.7.0 try later"}, wantReason: "AuthenticationFailed"},
		{name: "auth mechanism missing", err: fmt.Errorf("dial failed: %w", gomail.ErrNoSupportedAuthDiscovered), wantReason: "AuthenticationFailed"},
		{name: "greeting busy", err: &textproto.Error{Code: 421, Msg: "4.3.2 busy"}, wantReason: "TemporaryFailure"},
		{name: "greeting refused", err: &textproto.Error{Code: 554, Msg: "5.3.2 no service"}, wantPermanent: true, wantReason: "PermanentFailure"},
		{name: "credentials source", err: &credentialsError{err: errors.New("forbidden")}, wantReason: "AuthenticationFailed"},
		{name: "unknown", err: errors.New("something odd"), wantReason: "SendFailed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsPermanent(tt.err); got != tt.wantPermanent {
				t.Errorf("IsPermanent = %v, want %v", got, tt.wantPermanent)
			}
			if got := Reason(tt.err); got != tt.wantReason {
				t.Errorf("Reason = %q, want %q", got, tt.wantReason)
			}
		})
	}
}
