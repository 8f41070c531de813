package smtpcatcher

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
)

// Message is one accepted message.
type Message struct {
	// From is the envelope sender (MAIL FROM).
	From string
	// To holds the envelope recipients (RCPT TO).
	To []string
	// Username is the SMTP AUTH identity the client logged in with, empty
	// when it did not authenticate.
	Username string
	// Data is the raw RFC 5322 message as received.
	Data []byte
}

func (m Message) clone() Message {
	m.To = append([]string(nil), m.To...)
	m.Data = append([]byte(nil), m.Data...)
	return m
}

// Header returns the named header with RFC 2047 encoded-words decoded, or
// "" when the message or header cannot be read.
func (m Message) Header(name string) string {
	parsed, err := mail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		return ""
	}
	raw := parsed.Header.Get(name)
	decoded, err := new(mime.WordDecoder).DecodeHeader(raw)
	if err != nil {
		return raw
	}
	return decoded
}

// MessageID returns the Message-ID without angle brackets.
func (m Message) MessageID() string {
	id := strings.TrimSpace(m.Header("Message-ID"))
	return strings.TrimSuffix(strings.TrimPrefix(id, "<"), ">")
}

// Subject returns the decoded Subject header.
func (m Message) Subject() string { return m.Header("Subject") }

// TextBody returns the decoded text/plain part.
func (m Message) TextBody() (string, error) { return m.body("text/plain") }

// HTMLBody returns the decoded text/html part.
func (m Message) HTMLBody() (string, error) { return m.body("text/html") }

func (m Message) body(mediaType string) (string, error) {
	parsed, err := mail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		return "", fmt.Errorf("parse message: %w", err)
	}
	h := parsed.Header
	text, found, err := findPart(h.Get("Content-Type"), h.Get("Content-Transfer-Encoding"), parsed.Body, mediaType)
	if err != nil {
		return "", err
	}
	if !found {
		return "", fmt.Errorf("message has no %s part", mediaType)
	}
	return text, nil
}

// findPart walks nested multiparts depth first and returns the first part
// of the wanted media type, decoded.
func findPart(contentType, encoding string, body io.Reader, want string) (string, bool, error) {
	mediaType, params := "text/plain", map[string]string{}
	if contentType != "" {
		var err error
		if mediaType, params, err = mime.ParseMediaType(contentType); err != nil {
			return "", false, fmt.Errorf("parse Content-Type %q: %w", contentType, err)
		}
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		reader := multipart.NewReader(body, params["boundary"])
		for {
			// NextRawPart, unlike NextPart, leaves quoted-printable alone so
			// that every encoding goes through decode below.
			part, err := reader.NextRawPart()
			if errors.Is(err, io.EOF) {
				return "", false, nil
			}
			if err != nil {
				return "", false, fmt.Errorf("read %s part: %w", mediaType, err)
			}
			text, found, err := findPart(part.Header.Get("Content-Type"), part.Header.Get("Content-Transfer-Encoding"), part, want)
			if err != nil || found {
				return text, found, err
			}
		}
	}
	if mediaType != want {
		return "", false, nil
	}
	text, err := decode(encoding, body)
	if err != nil {
		return "", false, fmt.Errorf("decode %s part: %w", want, err)
	}
	return text, true, nil
}

func decode(encoding string, body io.Reader) (string, error) {
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	b, err := io.ReadAll(body)
	return string(b), err
}
