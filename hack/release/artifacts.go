package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/krew/pkg/index"
	"sigs.k8s.io/yaml"
)

// installer renders install.yaml (hack/build-installer.sh, as `make
// build-installer` does) with the image named by tag and digest, so that
// what installs is exactly the image of the release.
func installer(c config, digest string) error {
	rendered, err := output(c.root, nil, filepath.Join(c.root, "hack", "build-installer.sh"), c.kustomize,
		fmt.Sprintf("%s:%s@%s", c.image, c.version, digest))
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(c.out, "install.yaml"), []byte(rendered), 0o644)
}

var (
	chartVersion    = regexp.MustCompile(`(?m)^version:.*$`)
	chartAppVersion = regexp.MustCompile(`(?m)^appVersion:.*$`)
)

// chart packages dist/chart with the release's version (without the v, as
// Helm wants a SemVer) and appVersion (the image tag the chart runs).
func chart(c config, work string) error {
	dir := filepath.Join(work, "chart", "tenantry")
	if err := os.CopyFS(dir, os.DirFS(filepath.Join(c.root, "dist", "chart"))); err != nil {
		return err
	}
	meta := filepath.Join(dir, "Chart.yaml")
	data, err := os.ReadFile(meta)
	if err != nil {
		return err
	}
	if !chartVersion.Match(data) || !chartAppVersion.Match(data) {
		return fmt.Errorf("%s has no version or appVersion line to set", meta)
	}
	data = chartVersion.ReplaceAll(data, []byte("version: "+strings.TrimPrefix(c.version, "v")))
	data = chartAppVersion.ReplaceAll(data, []byte(fmt.Sprintf("appVersion: %q", c.version)))
	if err := os.WriteFile(meta, data, 0o644); err != nil {
		return err
	}
	_, err = output(work, nil, c.helm, "package", dir, "--destination", c.out)
	return err
}

// sboms writes a CycloneDX SBOM of each released binary: the modules it
// links on linux/amd64 (the other platforms link the same modules, and the
// plugin on Windows a terminal library besides), with their licenses. It
// reads the clone's git history for the main module's version, so it
// needs a clone, not a worktree.
func sboms(c config) error {
	tools := filepath.Join(c.root, "hack", "release")
	env := []string{"GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=0", "GOFLAGS=-trimpath"}
	for _, bin := range []string{"manager", "kubectl-tenantry"} {
		dest := filepath.Join(c.out, fmt.Sprintf("%s_%s.cdx.json", bin, c.version))
		if _, err := output(tools, env, "go", "tool", "cyclonedx-gomod", "app",
			"-json", "-licenses", "-noserial", "-output", dest, "-main", filepath.Join("cmd", bin), c.root); err != nil {
			return err
		}
	}
	return nil
}

// krewManifest fills plugins/tenantry.yaml in from the archives: the
// version, and each platform's uri and sha256.
func krewManifest(c config, archives []archive) error {
	data, err := os.ReadFile(filepath.Join(c.root, "plugins", "tenantry.yaml"))
	if err != nil {
		return err
	}
	var plugin index.Plugin
	if err := yaml.UnmarshalStrict(data, &plugin); err != nil {
		return fmt.Errorf("plugins/tenantry.yaml: %w", err)
	}
	plugin.Spec.Version = c.version
	plugin.Spec.Platforms = nil
	for _, a := range archives {
		sum, err := sha256File(filepath.Join(c.out, a.name))
		if err != nil {
			return err
		}
		uri := strings.NewReplacer("{{version}}", c.version, "{{archive}}", a.name).Replace(c.downloads)
		plugin.Spec.Platforms = append(plugin.Spec.Platforms, index.Platform{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"os": a.os, "arch": a.arch}},
			URI:      uri, Sha256: sum, Bin: a.bin,
		})
	}
	out, err := yaml.Marshal(plugin)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(c.out, "tenantry.yaml"), out, 0o644)
}

// checksums writes checksums.txt, as sha256sum -c reads it: every file of
// the release directory but the image layout (its blobs are named by their
// digests) and itself.
func checksums(dir string) error {
	var names []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && path != dir:
			return filepath.SkipDir
		case d.Type().IsRegular() && d.Name() != "checksums.txt":
			names = append(names, d.Name())
		}
		return nil
	})
	if err != nil {
		return err
	}
	slices.Sort(names)
	var b strings.Builder
	for _, name := range names {
		sum, err := sha256File(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s  %s\n", sum, name)
	}
	return os.WriteFile(filepath.Join(dir, "checksums.txt"), []byte(b.String()), 0o644)
}

func sha256File(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), nil
}
