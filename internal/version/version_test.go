package version

import (
	"runtime/debug"
	"testing"
)

func TestVcsRevision(t *testing.T) {
	tests := []struct {
		name     string
		settings []debug.BuildSetting
		want     string
	}{
		{"no VCS information", nil, ""},
		{"a clean tree", []debug.BuildSetting{{Key: "vcs.revision", Value: "abc123"}, {Key: "vcs.modified", Value: "false"}}, "abc123"},
		{"uncommitted changes", []debug.BuildSetting{{Key: "vcs.revision", Value: "abc123"}, {Key: "vcs.modified", Value: "true"}}, "abc123-dirty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := vcsRevision(tt.settings); got != tt.want {
				t.Errorf("vcsRevision = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestStampedVersionWins(t *testing.T) {
	version, revision = "v0.1.0", "0123abcd"
	t.Cleanup(func() { version, revision = "", "" })
	got := Get()
	if got.Version != "v0.1.0" || got.Revision != "0123abcd" {
		t.Errorf("Get() = %+v, want the stamped version and revision", got)
	}
	if s := got.String(); s[:len("v0.1.0 (0123abcd)")] != "v0.1.0 (0123abcd)" {
		t.Errorf("String() = %q", s)
	}
}
