package mail

import (
	"bytes"
	netmail "net/mail"
	"testing"
)

// TestRecipientNamesAreQuoted: a person's name is theirs to write, quotes,
// backslashes, commas and angle brackets included; the To header carries it
// intact and the address stays the one address.
func TestRecipientNamesAreQuoted(t *testing.T) {
	sender, err := NewSMTPSender(Config{Host: "localhost", Port: 25, From: "Tenantry <no-reply@tenantry.local>"})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{
		`Jane "JJ" Doe`,
		`Back\slash`,
		`Doe, Jane <jane@evil.example>`,
		`"`,
		`Zoë Ünal`,
	} {
		t.Run(name, func(t *testing.T) {
			m, err := sender.build(Message{To: "jane@example.com", ToName: name, Subject: "Hello", Text: "text", HTML: "<p>html</p>"})
			if err != nil {
				t.Fatalf("build: %v", err)
			}
			var wire bytes.Buffer
			if _, err := m.WriteTo(&wire); err != nil {
				t.Fatal(err)
			}
			msg, err := netmail.ReadMessage(&wire)
			if err != nil {
				t.Fatal(err)
			}
			to, err := msg.Header.AddressList("To")
			if err != nil || len(to) != 1 {
				t.Fatalf("To %q reads as %v, %v; want one address", msg.Header.Get("To"), to, err)
			}
			if to[0].Name != name || to[0].Address != "jane@example.com" {
				t.Errorf("To reads as %q <%s>, want %q <jane@example.com>", to[0].Name, to[0].Address, name)
			}
		})
	}
}
