package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// reference is the configuration reference `make docs` writes.
var reference = filepath.Join("..", "..", "docs", "reference", "configuration.md")

// TestHelpFlagsAreDocumented builds the real manager, reads the flags its
// --help prints, and checks each one has a row in the configuration
// reference that shows the same default.
func TestHelpFlagsAreDocumented(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "manager")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build the manager: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "--help")
	// The reference shows the defaults of a machine where neither is set.
	cmd.Env = withoutEnv(os.Environ(), "TMPDIR", "POD_NAMESPACE")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("manager --help: %v\n%s", err, out)
	}
	help := helpDefaults(string(out))
	if len(help) < 50 {
		t.Fatalf("--help printed %d flags; is the parsing broken?\n%s", len(help), out)
	}

	data, err := os.ReadFile(reference)
	if err != nil {
		t.Fatal(err)
	}
	documented := referenceDefaults(string(data))
	for name, def := range help {
		got, ok := documented[name]
		switch {
		case !ok:
			t.Errorf("--%s is in --help but not in %s: run make docs", name, reference)
		case def != "" && got != def:
			t.Errorf("--%s defaults to %q in --help but %q in %s: run make docs", name, def, got, reference)
		}
	}
}

var (
	helpFlag    = regexp.MustCompile(`^  -([a-z0-9-]+)`)
	helpDefault = regexp.MustCompile(`\(default (.*)\)$`)
	docRow      = regexp.MustCompile("^\\| `--([a-z0-9-]+)`[^|]*\\| (.*?) \\| ")
)

// helpDefaults are the flags of a --help output with the default each
// shows ("" where it shows none), unquoted.
func helpDefaults(help string) map[string]string {
	flags := map[string]string{}
	current := ""
	scanner := bufio.NewScanner(strings.NewReader(help))
	for scanner.Scan() {
		line := scanner.Text()
		if m := helpFlag.FindStringSubmatch(line); m != nil {
			current = m[1]
			flags[current] = ""
			continue
		}
		if m := helpDefault.FindStringSubmatch(line); m != nil && current != "" {
			def := m[1]
			if unquoted, err := strconv.Unquote(def); err == nil {
				def = unquoted
			}
			flags[current] = def
		}
	}
	return flags
}

// referenceDefaults are the flags of the reference's tables with the
// default each row shows, without its code span.
func referenceDefaults(page string) map[string]string {
	flags := map[string]string{}
	for line := range strings.SplitSeq(page, "\n") {
		if m := docRow.FindStringSubmatch(line); m != nil {
			def := strings.ReplaceAll(m[2], `\|`, "|")
			flags[m[1]] = strings.TrimSpace(strings.Trim(def, "`"))
		}
	}
	return flags
}

func withoutEnv(env []string, names ...string) []string {
	var out []string
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(names, name) {
			out = append(out, kv)
		}
	}
	return out
}
