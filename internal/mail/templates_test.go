package mail

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var invitation = InvitationData{
	FullName:   "Alice Doe",
	Email:      "alice@example.com",
	Account:    "acme-prod",
	AcceptURL:  "https://tenantry.example.com/accept?token=t0k3n",
	ExpiryTime: time.Date(2026, time.March, 4, 17, 30, 0, 0, time.FixedZone("CET", 3600)),
}

func TestDefaultTemplatesRender(t *testing.T) {
	const expiry = "Wednesday, 4 March 2026 at 16:30 UTC"
	subject, text, html, err := DefaultTemplates().RenderInvitation(invitation)
	if err != nil {
		t.Fatalf("RenderInvitation: %v", err)
	}
	tests := []struct {
		name, part, want string
	}{
		{name: "subject names account", part: subject, want: "acme-prod"},
		{name: "text greets by name", part: text, want: "Hello Alice Doe,"},
		{name: "text names account", part: text, want: `"acme-prod"`},
		{name: "text carries link", part: text, want: invitation.AcceptURL},
		{name: "text says expiry in UTC", part: text, want: expiry},
		{name: "text says it works once", part: text, want: "works only once"},
		{name: "html greets by name", part: html, want: "Hello Alice Doe,"},
		{name: "html names account", part: html, want: "<strong>acme-prod</strong>"},
		{name: "html links", part: html, want: `href="https://tenantry.example.com/accept?token=t0k3n"`},
		{name: "html says expiry in UTC", part: html, want: expiry},
		{name: "html says it works once", part: html, want: "works only once"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(tt.part, tt.want) {
				t.Errorf("missing %q in:\n%s", tt.want, tt.part)
			}
		})
	}
}

func TestRenderInvitationInput(t *testing.T) {
	tests := []struct {
		name        string
		data        InvitationData
		wantSubject string
		htmlHas     []string
		htmlLacks   []string
		textHas     []string
	}{
		{
			name:      "script in full name is escaped in HTML",
			data:      InvitationData{FullName: "<script>alert(1)</script>", Account: "a", AcceptURL: "https://x/y"},
			htmlHas:   []string{"&lt;script&gt;alert(1)&lt;/script&gt;"},
			htmlLacks: []string{"<script>"},
			textHas:   []string{"Hello <script>alert(1)</script>,"},
		},
		{
			name:      "javascript link is neutralised",
			data:      InvitationData{FullName: "Bob", Account: "a", AcceptURL: "javascript:alert(1)"},
			htmlLacks: []string{`href="javascript:`},
		},
		{
			name:    "no name greets without one",
			data:    InvitationData{Account: "a", AcceptURL: "https://x/y"},
			htmlHas: []string{"<p>Hello,</p>"},
			textHas: []string{"Hello,\n"},
		},
		{
			name:        "newlines in account do not break the subject",
			data:        InvitationData{Account: "evil\r\nBcc: victim@example.com", AcceptURL: "https://x/y"},
			wantSubject: "You're invited to join evil Bcc: victim@example.com on Tenantry",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			subject, text, html, err := DefaultTemplates().RenderInvitation(tt.data)
			if err != nil {
				t.Fatalf("RenderInvitation: %v", err)
			}
			if strings.ContainsAny(subject, "\r\n") {
				t.Errorf("subject has a line break: %q", subject)
			}
			if tt.wantSubject != "" && subject != tt.wantSubject {
				t.Errorf("subject = %q, want %q", subject, tt.wantSubject)
			}
			for _, want := range tt.htmlHas {
				if !strings.Contains(html, want) {
					t.Errorf("HTML lacks %q:\n%s", want, html)
				}
			}
			for _, unwanted := range tt.htmlLacks {
				if strings.Contains(html, unwanted) {
					t.Errorf("HTML contains %q:\n%s", unwanted, html)
				}
			}
			for _, want := range tt.textHas {
				if !strings.Contains(text, want) {
					t.Errorf("text lacks %q:\n%s", want, text)
				}
			}
		})
	}
}

func TestLoadTemplates(t *testing.T) {
	tests := []struct {
		name        string
		files       map[string]string
		wantErr     string // substring; "" means success
		wantSubject string
		textHas     string
		htmlHas     string
	}{
		{
			name:        "no overrides keeps defaults",
			wantSubject: "You're invited to join acme-prod on Tenantry",
			textHas:     "Hello Alice Doe,",
			htmlHas:     "<strong>acme-prod</strong>",
		},
		{
			name: "subject override only",
			files: map[string]string{
				"subject.txt": "Join {{.Account}}\n",
			},
			wantSubject: "Join acme-prod",
			textHas:     "Hello Alice Doe,",
		},
		{
			name: "all overrides",
			files: map[string]string{
				"subject.txt": "S {{.Account}}",
				"body.txt":    "T {{.Email}} until {{formatTime .ExpiryTime}}",
				"body.html":   "<p>H {{.FullName}}</p>",
			},
			wantSubject: "S acme-prod",
			textHas:     "T alice@example.com until Wednesday, 4 March 2026 at 16:30 UTC",
			htmlHas:     "<p>H Alice Doe</p>",
		},
		{
			name:    "parse error names the file",
			files:   map[string]string{"body.html": "<p>{{.FullName</p>"},
			wantErr: "body.html",
		},
		{
			name:    "execution error names the file",
			files:   map[string]string{"body.txt": "{{.Nickname}}"},
			wantErr: "body.txt",
		},
		{
			name:    "unknown function names the file",
			files:   map[string]string{"subject.txt": "{{shout .Account}}"},
			wantErr: "subject.txt",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, content := range tt.files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			tmpl, err := LoadTemplates(dir)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, tt.wantErr)) {
					t.Fatalf("LoadTemplates error = %v, want one naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("LoadTemplates: %v", err)
			}
			subject, text, html, err := tmpl.RenderInvitation(invitation)
			if err != nil {
				t.Fatalf("RenderInvitation: %v", err)
			}
			if subject != tt.wantSubject {
				t.Errorf("subject = %q, want %q", subject, tt.wantSubject)
			}
			if !strings.Contains(text, tt.textHas) {
				t.Errorf("text lacks %q:\n%s", tt.textHas, text)
			}
			if !strings.Contains(html, tt.htmlHas) {
				t.Errorf("HTML lacks %q:\n%s", tt.htmlHas, html)
			}
		})
	}
}
