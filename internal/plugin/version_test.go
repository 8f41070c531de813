package plugin

import (
	"bytes"
	"testing"

	"github.com/tenantry-io/tenantry/internal/version"
)

func TestPrintVersion(t *testing.T) {
	info := version.Info{Version: "v0.1.0", Revision: "0123abcd", GoVersion: "go1.26.8"}
	tests := []struct {
		output, want string
	}{
		{"", "Plugin Version: v0.1.0 (0123abcd) go1.26.8\n"},
		{"json", "{\n  \"pluginVersion\": {\n    \"version\": \"v0.1.0\",\n    \"revision\": \"0123abcd\",\n    \"goVersion\": \"go1.26.8\"\n  }\n}\n"},
		{"yaml", "pluginVersion:\n  goVersion: go1.26.8\n  revision: 0123abcd\n  version: v0.1.0\n"},
	}
	for _, tt := range tests {
		t.Run("-o "+tt.output, func(t *testing.T) {
			var out bytes.Buffer
			if err := printVersion(&out, info, tt.output); err != nil {
				t.Fatal(err)
			}
			if out.String() != tt.want {
				t.Errorf("got\n%s\nwant\n%s", out.String(), tt.want)
			}
		})
	}
	if err := printVersion(&bytes.Buffer{}, info, "wide"); err == nil {
		t.Error("-o wide accepted")
	}
}
