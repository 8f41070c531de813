package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tenantry-io/tenantry/internal/operator"
)

// eml is a mail as the operator sends it: quoted-printable text, whose
// soft line breaks cut the link in two.
func eml(to, link string) string {
	return "To: \"Someone\" <" + to + ">\r\n" +
		"Subject: hello\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: text/plain; charset=UTF-8\r\n" +
		"Content-Transfer-Encoding: quoted-printable\r\n\r\n" +
		"Open this link:\r\n\r\n" + link[:40] + "=\r\n" + link[40:] + "\r\n"
}

func TestNewestMailTokenReadsTheNewestLinkToTheAddress(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"100-invitation-1.a@x.eml": eml("alice@acme.example", "https://127.0.0.1:8082/v1/invitations/accept?token=3DfirstToken_for-alice"),
		"200-invitation-1.b@x.eml": eml("bob@acme.example", "https://127.0.0.1:8082/v1/invitations/accept?token=3DtokenOfBob_notAlice"),
		"300-reset-1.a@x.eml":      eml("Alice@Acme.example", "https://127.0.0.1:8082/v1/password-resets/confirm?token=3DresetToken_of-alice"),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name, email, want string
	}{
		{"the newest of two, whatever the address's case", "alice@acme.example", "resetToken_of-alice"},
		{"only mail to the address", "bob@acme.example", "tokenOfBob_notAlice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := newestMailToken(dir, tt.email)
			if err != nil || got != tt.want {
				t.Fatalf("newestMailToken(%q) = %q, %v; want %q", tt.email, got, err, tt.want)
			}
		})
	}
	if _, err := newestMailToken(dir, "carol@acme.example"); err == nil || !strings.Contains(err.Error(), "carol@acme.example") {
		t.Fatalf("no mail to carol: got %v, want an error naming her", err)
	}
}

func TestCheckPortsFreeNamesTheFlagOfATakenAddress(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	o := operator.DefaultOptions()
	o.MetricsAddr, o.ProbeAddr, o.SelfServiceAddr = "0", "0", l.Addr().String()
	err = checkPortsFree(o)
	if err == nil || !strings.Contains(err.Error(), "--selfservice-bind-address") || !strings.Contains(err.Error(), l.Addr().String()) {
		t.Fatalf("checkPortsFree with %s taken = %v, want an error naming it and its flag", l.Addr(), err)
	}
	o.SelfServiceAddr = "127.0.0.1:0"
	if err := checkPortsFree(o); err != nil {
		t.Fatalf("checkPortsFree with free addresses = %v", err)
	}
}
