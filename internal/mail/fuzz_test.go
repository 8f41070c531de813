package mail

import (
	"bytes"
	"errors"
	"mime"
	netmail "net/mail"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// allFieldsSubject is an override subject that puts every field a person
// controls into the header, as an operator's own template might.
const allFieldsSubject = "{{.FullName}} <{{.Email}}>: join {{.Account}} at {{.AcceptURL}} by {{formatTime .ExpiryTime}}"

// fuzzTemplates are the defaults with allFieldsSubject as the subject.
func fuzzTemplates(t testing.TB) *Templates {
	t.Helper()
	tmpl, err := parseTemplates("invitation", sampleInvitation, source{name: "subject", text: allFieldsSubject},
		defaultSource(invitationTemplates, textBodyFile), defaultSource(invitationTemplates, htmlBodyFile))
	if err != nil {
		t.Fatalf("parse templates: %v", err)
	}
	return tmpl
}

// markup counts the characters that make HTML structure. Everything a person
// controls is escaped, so the count depends on the template alone.
func markup(html string) map[rune]int {
	counts := map[rune]int{}
	for _, r := range html {
		switch r {
		case '<', '>', '"', '\'':
			counts[r]++
		}
	}
	return counts
}

func addInvitationSeeds(f *testing.F) {
	for _, seed := range [][4]string{
		{"Alice Example", "alice@acme.example", "acme", "https://tenantry.example.com/v1/invitations/accept?token=abc"},
		{"<script>alert(1)</script>", "a@b.example", "acme", "javascript:alert(1)"},
		{"Eve\r\nBcc: victim@example.com", "eve@example.com\r\nBcc: x@y.example", "evil\nSubject: hi", "https://x/\r\ny"},
		{"\"Quoted\" O'Brien", "o'brien@example.com", "a&b", `https://x/?a="b"&c='d'`},
		{"Zoë Ünïcödé", "zoe@例え.jp", "тест", "https://例え.jp/accept"},
		{"line\u2028sep\u0085nel", "x@y.z", "\x00\x1b[31m", "data:text/html,<b>"},
		{"", "", "", ""},
		{"=?utf-8?q?=0D=0ABcc:_x@y.z?=", "=?utf-8?b?eA==?=@y.z", "acme", "https://x/"},
	} {
		f.Add(seed[0], seed[1], seed[2], seed[3])
	}
}

// FuzzRenderInvitation renders invitations from arbitrary names, addresses,
// accounts and links: the subject never carries a line break (which would
// end the header and start another), and nothing a person wrote adds HTML
// structure to the body.
func FuzzRenderInvitation(f *testing.F) {
	addInvitationSeeds(f)
	tmpl := fuzzTemplates(f)
	expiry := time.Date(2030, time.January, 2, 15, 4, 0, 0, time.UTC)
	_, _, plainHTML, err := tmpl.RenderInvitation(InvitationData{
		FullName: "x", Email: "x", Account: "x", AcceptURL: "https://x/", ExpiryTime: expiry})
	if err != nil {
		f.Fatalf("render plain invitation: %v", err)
	}
	want := markup(plainHTML)

	f.Fuzz(func(t *testing.T, fullName, email, account, acceptURL string) {
		d := InvitationData{FullName: fullName, Email: email, Account: account, AcceptURL: acceptURL, ExpiryTime: expiry}
		subject, text, html, err := tmpl.RenderInvitation(d)
		if err != nil {
			t.Fatalf("RenderInvitation(%+v): %v", d, err)
		}
		if strings.ContainsAny(subject, "\r\n") {
			t.Fatalf("subject has a line break: %q", subject)
		}
		if subject != strings.TrimSpace(subject) {
			t.Fatalf("subject has surrounding space: %q", subject)
		}
		if got := markup(html); !equalCounts(got, want) {
			t.Fatalf("input changed the HTML's structure: markup %v, want %v\n%s", got, want, html)
		}
		if !strings.Contains(text, acceptURL) {
			t.Fatalf("text body lacks the link %q", acceptURL)
		}
	})
}

func equalCounts(a, b map[rune]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// messageHeaders are the headers an invitation carries; anything else in a
// written message was injected.
var messageHeaders = map[string]bool{
	"Date": true, "From": true, "To": true, "Subject": true, "Message-Id": true,
	"Mime-Version": true, "Content-Type": true, "User-Agent": true, "X-Mailer": true,
}

// FuzzInvitationMessage builds the message the sender puts on the wire from
// an arbitrary recipient name, address and rendered subject: either the
// address is refused as a permanent rejection, or the message has exactly
// the expected headers, once each, with the subject and recipient intact.
func FuzzInvitationMessage(f *testing.F) {
	addInvitationSeeds(f)
	tmpl := fuzzTemplates(f)
	sender, err := NewSMTPSender(Config{Host: "localhost", Port: 25, From: "Tenantry <no-reply@tenantry.local>"})
	if err != nil {
		f.Fatalf("new sender: %v", err)
	}
	f.Fuzz(func(t *testing.T, fullName, email, account, acceptURL string) {
		subject, text, html, err := tmpl.RenderInvitation(InvitationData{
			FullName: fullName, Email: email, Account: account, AcceptURL: acceptURL})
		if err != nil {
			t.Fatalf("render: %v", err)
		}
		m, err := sender.build(Message{To: email, ToName: fullName, Subject: subject, Text: text, HTML: html,
			MessageID: "invitation-1.abc@tenantry.local"})
		if err != nil {
			if !errors.As(err, new(*invalidRecipientError)) {
				t.Fatalf("build refused the message with %v, want an invalid recipient", err)
			}
			return
		}
		var wire bytes.Buffer
		if _, err := m.WriteTo(&wire); err != nil {
			t.Fatalf("write message: %v", err)
		}
		msg, err := netmail.ReadMessage(&wire)
		if err != nil {
			t.Fatalf("the written message does not parse: %v\n%s", err, wire.String())
		}
		for key, values := range msg.Header {
			if !messageHeaders[key] {
				t.Fatalf("injected header %q: %q\n%s", key, values, wire.String())
			}
			if len(values) != 1 {
				t.Fatalf("header %q appears %d times\n%s", key, len(values), wire.String())
			}
		}
		if utf8.ValidString(subject) {
			got, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
			if err != nil || got != subject {
				t.Fatalf("Subject reads %q, %v; want %q", got, err, subject)
			}
		}
		to, err := msg.Header.AddressList("To")
		if err != nil || len(to) != 1 {
			t.Fatalf("To %q: %v, %d addresses; want one", msg.Header.Get("To"), err, len(to))
		}
		if want, _ := netmail.ParseAddress(email); !strings.EqualFold(to[0].Address, want.Address) {
			t.Fatalf("To is %q, want %q", to[0].Address, want.Address)
		}
	})
}
