package smtpcatcher

import "testing"

func TestMessageBodies(t *testing.T) {
	tests := []struct {
		name     string
		raw      string
		wantText string
		wantHTML string
		htmlErr  bool
	}{
		{
			name:     "multipart alternative",
			raw:      rawMessage,
			wantText: "Hello Alice, open https://example.com/accept?token=abcdef",
			wantHTML: "<p>Hello Alice</p>",
		},
		{
			name:     "single part without content type is text",
			raw:      "Subject: hi\r\n\r\nplain body\r\n",
			wantText: "plain body\r\n",
			htmlErr:  true,
		},
		{
			name: "alternative nested in mixed",
			raw: "Content-Type: multipart/mixed; boundary=outer\r\n\r\n" +
				"--outer\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n" +
				"--inner\r\nContent-Type: text/plain\r\n\r\ntext\r\n" +
				"--inner\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n<b>=C3=BC</b>\r\n" +
				"--inner--\r\n--outer--\r\n",
			wantText: "text",
			wantHTML: "<b>ü</b>",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := Message{Data: []byte(tt.raw)}
			text, err := m.TextBody()
			if err != nil || text != tt.wantText {
				t.Errorf("TextBody = %q, %v; want %q", text, err, tt.wantText)
			}
			html, err := m.HTMLBody()
			if tt.htmlErr {
				if err == nil {
					t.Errorf("HTMLBody = %q, want error", html)
				}
				return
			}
			if err != nil || html != tt.wantHTML {
				t.Errorf("HTMLBody = %q, %v; want %q", html, err, tt.wantHTML)
			}
		})
	}
}

func TestSanitizeFileName(t *testing.T) {
	tests := []struct {
		name, id, want string
	}{
		{name: "typical id", id: "invitation-2.6f1c@tenantry.io", want: "invitation-2.6f1c@tenantry.io"},
		{name: "path traversal", id: "../../etc/passwd", want: "_.._etc_passwd"},
		{name: "empty", id: "", want: "no-message-id"},
		{name: "only dots", id: "..", want: "no-message-id"},
		{name: "spaces and slashes", id: "a b/c", want: "a_b_c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sanitizeFileName(tt.id); got != tt.want {
				t.Errorf("sanitizeFileName(%q) = %q, want %q", tt.id, got, tt.want)
			}
		})
	}
}
