// Package version says which build of Tenantry is running. `make release`
// stamps the variables with -ldflags -X; a plain `go build` falls back to
// what the Go toolchain recorded (the module version, or the VCS revision
// of a build from a clone).
package version

import (
	"runtime/debug"
	"strings"
)

// Stamped by the release build:
//
//	-X github.com/tenantry-io/tenantry/internal/version.version=v0.1.0
//	-X github.com/tenantry-io/tenantry/internal/version.revision=<commit>
var (
	version  = ""
	revision = ""
)

// Info is what a binary tells of its build.
type Info struct {
	// Version is the release, e.g. v0.1.0, or "devel" for a build that
	// is not one.
	Version string `json:"version"`
	// Revision is the commit it was built from, when known; "-dirty"
	// marks a build from a tree with uncommitted changes.
	Revision string `json:"revision,omitempty"`
	// GoVersion is the Go toolchain that built it.
	GoVersion string `json:"goVersion"`
}

// Get returns the build's Info.
func Get() Info {
	info := Info{Version: version, Revision: revision}
	build, ok := debug.ReadBuildInfo()
	if ok {
		info.GoVersion = build.GoVersion
	}
	if info.Version == "" {
		info.Version = "devel"
		if ok && build.Main.Version != "" && build.Main.Version != "(devel)" {
			info.Version = build.Main.Version
		}
	}
	if info.Revision == "" && ok {
		info.Revision = vcsRevision(build.Settings)
	}
	return info
}

// vcsRevision is the commit the Go toolchain recorded, marked when the
// tree had uncommitted changes.
func vcsRevision(settings []debug.BuildSetting) string {
	var rev string
	var dirty bool
	for _, s := range settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev != "" && dirty {
		rev += "-dirty"
	}
	return rev
}

// String is one line for logs and `version` commands.
func (i Info) String() string {
	parts := []string{i.Version}
	if i.Revision != "" {
		parts = append(parts, "("+i.Revision+")")
	}
	if i.GoVersion != "" {
		parts = append(parts, i.GoVersion)
	}
	return strings.Join(parts, " ")
}
