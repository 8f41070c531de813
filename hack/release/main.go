// Command release builds a Tenantry release into a directory, from the
// clone it runs in, without a container engine or a registry:
//
//   - the kubectl plugin for Linux, macOS and Windows on amd64 and arm64,
//     each an archive of the binary and LICENSE;
//   - the manager's image for linux/amd64 and linux/arm64, as an OCI image
//     layout (push it with `crane push --index`);
//   - install.yaml naming that image by tag and digest;
//   - the Helm chart, packaged with the release's version;
//   - a CycloneDX SBOM of each binary;
//   - the krew manifest, filled in from the archives;
//   - checksums.txt, the SHA-256 of every file.
//
// `make release VERSION=v0.1.0` runs it into dist/release;
// docs/developer/releasing.md says what to do with the result.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// semver is a release version as krew and Helm take it.
var semver = regexp.MustCompile(`^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?$`)

// config is what a release is built from.
type config struct {
	version string
	// root is the clone the release is built from.
	root string
	out  string
	// image is the manager's image repository.
	image string
	// downloads is where the archives are published; {{version}} and
	// {{archive}} are filled in.
	downloads string
	kustomize string
	helm      string
	// revision is the commit, and created its time (every file and the
	// image carry it, so that a rebuild of a commit gives the same bytes).
	revision string
	created  time.Time
}

func main() {
	c := config{}
	flag.StringVar(&c.version, "version", "", "the release, e.g. v0.1.0")
	flag.StringVar(&c.root, "root", "../..", "the clone to build from")
	flag.StringVar(&c.out, "out", "../../dist/release", "the directory to build into; emptied first")
	flag.StringVar(&c.image, "image", "ghcr.io/tenantry-io/tenantry", "the manager's image repository")
	flag.StringVar(&c.downloads, "downloads", "https://github.com/tenantry-io/tenantry/releases/download/{{version}}/{{archive}}", "where the plugin archives are published")
	flag.StringVar(&c.kustomize, "kustomize", "", "the kustomize binary (make release passes the pinned one)")
	flag.StringVar(&c.helm, "helm", "", "the helm binary (make release passes the pinned one)")
	flag.Parse()
	if err := release(c); err != nil {
		fmt.Fprintln(os.Stderr, "release:", err)
		os.Exit(1)
	}
}

func release(c config) error {
	if !semver.MatchString(c.version) {
		return fmt.Errorf("-version %q is not a version such as v0.1.0", c.version)
	}
	if c.kustomize == "" || c.helm == "" {
		return fmt.Errorf("-kustomize and -helm name the pinned binaries; run `make release VERSION=%s`", c.version)
	}
	var err error
	if c.root, err = filepath.Abs(c.root); err != nil {
		return err
	}
	if c.out, err = filepath.Abs(c.out); err != nil {
		return err
	}
	if c.revision, c.created, err = commit(c.root); err != nil {
		return err
	}
	if err := os.RemoveAll(c.out); err != nil {
		return err
	}
	if err := os.MkdirAll(c.out, 0o755); err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "tenantry-release-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(work) }()

	step := func(what string, do func() error) error {
		began := time.Now()
		fmt.Fprintf(os.Stderr, "%s...\n", what)
		if err := do(); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		fmt.Fprintf(os.Stderr, "%s: done in %s\n", what, time.Since(began).Round(time.Second))
		return nil
	}
	var archives []archive
	var digest string
	return firstError(
		func() error {
			return step("the plugin's archives", func() (err error) { archives, err = pluginArchives(c, work); return err })
		},
		func() error {
			return step("the manager's image", func() (err error) { digest, err = managerImage(c, work); return err })
		},
		func() error { return step("install.yaml", func() error { return installer(c, digest) }) },
		func() error { return step("the chart", func() error { return chart(c, work) }) },
		func() error { return step("the SBOMs", func() error { return sboms(c) }) },
		func() error { return step("the krew manifest", func() error { return krewManifest(c, archives) }) },
		func() error { return step("checksums.txt", func() error { return checksums(c.out) }) },
	)
}

func firstError(steps ...func() error) error {
	for _, s := range steps {
		if err := s(); err != nil {
			return err
		}
	}
	return nil
}

// commit is the clone's HEAD and its commit time. A tree with uncommitted
// changes is refused: the release would not be the commit it names.
func commit(root string) (string, time.Time, error) {
	status, err := output(root, nil, "git", "status", "--porcelain", "--untracked-files=no")
	if err != nil {
		return "", time.Time{}, err
	}
	if strings.TrimSpace(status) != "" && os.Getenv("RELEASE_ALLOW_DIRTY") == "" {
		return "", time.Time{}, fmt.Errorf("the tree has uncommitted changes; commit them (or set RELEASE_ALLOW_DIRTY=1 for a trial build):\n%s", status)
	}
	line, err := output(root, nil, "git", "log", "-1", "--format=%H %ct")
	if err != nil {
		return "", time.Time{}, err
	}
	rev, seconds, _ := strings.Cut(strings.TrimSpace(line), " ")
	unix, err := strconv.ParseInt(seconds, 10, 64)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("commit time %q: %w", seconds, err)
	}
	return rev, time.Unix(unix, 0).UTC(), nil
}

// output runs a command in dir and returns its stdout; its stderr goes to
// ours.
func output(dir string, env []string, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	return string(out), nil
}
