package mail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/textproto"
	"syscall"

	gomail "github.com/wneessen/go-mail"
	gomailsmtp "github.com/wneessen/go-mail/smtp"
)

// Reasons returned by Reason. They are safe to put into conditions and
// events: they never carry addresses or secrets.
const (
	reasonConnectionFailed     = "ConnectionFailed"
	reasonTemporaryFailure     = "TemporaryFailure"
	reasonRecipientRejected    = "RecipientRejected"
	reasonPermanentFailure     = "PermanentFailure"
	reasonAuthenticationFailed = "AuthenticationFailed"
	reasonSendFailed           = "SendFailed"
)

// credentialsError wraps a failing CredentialsSource.
type credentialsError struct{ err error }

func (e *credentialsError) Error() string { return "get SMTP credentials: " + e.err.Error() }
func (e *credentialsError) Unwrap() error { return e.err }

// invalidRecipientError reports a recipient address that cannot be parsed.
type invalidRecipientError struct{ err error }

func (e *invalidRecipientError) Error() string { return "invalid recipient address: " + e.err.Error() }
func (e *invalidRecipientError) Unwrap() error { return e.err }

// authCodes are the SMTP replies RFC 4954 defines for AUTH. Outside a
// transaction they can only come from the login step.
var authCodes = map[int]bool{432: true, 454: true, 530: true, 534: true, 535: true, 538: true}

// authErrors are go-mail's own refusals to log in, raised before the server
// is asked.
var authErrors = []error{
	gomail.ErrNoSupportedAuthDiscovered, gomail.ErrPlainAuthNotSupported, gomail.ErrLoginAuthNotSupported,
	gomail.ErrCramMD5AuthNotSupported, gomail.ErrSCRAMSHA1AuthNotSupported, gomail.ErrSCRAMSHA256AuthNotSupported,
	gomailsmtp.ErrUnencrypted, gomailsmtp.ErrWrongHostname,
}

// IsPermanent reports whether retrying cannot help: the server answered
// with a 5xx reply, or the recipient address is malformed. Network trouble,
// timeouts, TLS failures and 4xx replies are temporary.
func IsPermanent(err error) bool {
	c := classify(err)
	return c.permanent
}

// Reason returns a short PascalCase reason for err, or "" for nil.
func Reason(err error) string {
	return classify(err).reason
}

type classification struct {
	reason    string
	permanent bool
}

func classify(err error) classification {
	if err == nil {
		return classification{}
	}
	var credErr *credentialsError
	if errors.As(err, &credErr) {
		return classification{reason: reasonAuthenticationFailed}
	}
	var rcptErr *invalidRecipientError
	if errors.As(err, &rcptErr) {
		return classification{reason: reasonRecipientRejected, permanent: true}
	}
	// go-mail reports failures inside the transaction as a SendError that
	// keeps the reply code but does not unwrap to the underlying error.
	var sendErr *gomail.SendError
	if errors.As(err, &sendErr) {
		return classifySendError(sendErr)
	}
	// Replies outside a transaction: greeting, EHLO, STARTTLS or AUTH.
	var protoErr *textproto.Error
	if errors.As(err, &protoErr) {
		return classifyReply(protoErr.Code)
	}
	for _, target := range authErrors {
		if errors.Is(err, target) {
			return classification{reason: reasonAuthenticationFailed}
		}
	}
	if isConnectionError(err) {
		return classification{reason: reasonConnectionFailed}
	}
	return classification{reason: reasonSendFailed}
}

func classifySendError(err *gomail.SendError) classification {
	code := err.ErrorCode()
	switch {
	case code >= 500 && code < 600 && err.Reason == gomail.ErrSMTPRcptTo:
		return classification{reason: reasonRecipientRejected, permanent: true}
	case code >= 500 && code < 600:
		return classification{reason: reasonPermanentFailure, permanent: true}
	case code >= 400 && code < 500:
		return classification{reason: reasonTemporaryFailure}
	case err.Reason == gomail.ErrConnCheck:
		return classification{reason: reasonConnectionFailed}
	}
	return classification{reason: reasonSendFailed}
}

func classifyReply(code int) classification {
	permanent := code >= 500 && code < 600
	switch {
	case authCodes[code]:
		return classification{reason: reasonAuthenticationFailed, permanent: permanent}
	case permanent:
		return classification{reason: reasonPermanentFailure, permanent: true}
	case code >= 400 && code < 500:
		return classification{reason: reasonTemporaryFailure}
	}
	return classification{reason: reasonSendFailed}
}

// isConnectionError recognises failures to reach or keep talking to the
// server, TLS handshakes included: all of them may pass on their own.
func isConnectionError(err error) bool {
	var (
		netErr       net.Error
		dnsErr       *net.DNSError
		recordErr    tls.RecordHeaderError
		alertErr     tls.AlertError
		verifyErr    *tls.CertificateVerificationError
		authorityErr x509.UnknownAuthorityError
		hostnameErr  x509.HostnameError
		invalidErr   x509.CertificateInvalidError
	)
	switch {
	case errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
		return true
	case errors.As(err, &netErr), errors.As(err, &dnsErr),
		errors.As(err, &recordErr), errors.As(err, &alertErr), errors.As(err, &verifyErr),
		errors.As(err, &authorityErr), errors.As(err, &hostnameErr), errors.As(err, &invalidErr):
		return true
	}
	return false
}
