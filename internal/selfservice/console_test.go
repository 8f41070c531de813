package selfservice

import "testing"

func TestSafeNext(t *testing.T) {
	tests := []struct {
		name, next, want string
	}{
		{"console home", "/console/", "/console/"},
		{"console page with query", "/console/users?status=Active&q=al", "/console/users?status=Active&q=al"},
		{"empty", "", ""},
		{"console without slash", "/console", ""},
		{"other page of the server", "/v1/sessions", ""},
		{"absolute URL", "https://evil.example/console/", ""},
		{"scheme-relative", "//evil.example/console/", ""},
		{"double slash inside", "/console//evil.example", ""},
		{"backslash", "/console/\\evil.example", ""},
		{"backslashes at the start", "/\\evil.example/console/", ""},
		{"javascript", "javascript:alert(1)//console/", ""},
		{"dot dot out of the console", "/console/../v1/sessions", ""},
		{"encoded dot dot", "/console/%2e%2e/v1/sessions", ""},
		{"newline", "/console/\nLocation: https://evil.example", ""},
		{"tab", "/console/\tx", ""},
		{"bad escape", "/console/%zz", ""},
		{"console look-alike", "/consoles/", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := safeNext(tt.next); got != tt.want {
				t.Errorf("safeNext(%q) = %q, want %q", tt.next, got, tt.want)
			}
		})
	}
}

func TestConsoleLandingFallsBackToTheConsoleHome(t *testing.T) {
	if got := consoleLanding("https://evil.example/"); got != "/console/" {
		t.Errorf("consoleLanding of another site = %q, want /console/", got)
	}
	if got := consoleLanding("/console/users/bob"); got != "/console/users/bob" {
		t.Errorf("consoleLanding of a console page = %q", got)
	}
}
