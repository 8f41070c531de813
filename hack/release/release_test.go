package main

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"sigs.k8s.io/krew/pkg/index"
	"sigs.k8s.io/yaml"
)

const testVersion = "v0.1.0"

// TestRelease builds a whole release from this clone, as `make release`
// does, and checks it as its users will: checksums, the krew manifest
// (krew's own validator, and a real `kubectl krew install` of every
// platform from the archives), the image's config, the installer, the
// chart and the SBOMs.
func TestRelease(t *testing.T) {
	kustomize, helm := os.Getenv("RELEASE_KUSTOMIZE"), os.Getenv("RELEASE_HELM")
	kubectl, err := exec.LookPath(filepath.Join(os.Getenv("KUBEBUILDER_ASSETS"), "kubectl"))
	if kustomize == "" || helm == "" || err != nil {
		t.Fatal("RELEASE_KUSTOMIZE, RELEASE_HELM and KUBEBUILDER_ASSETS (for kubectl) are unset: run `make test`, which builds the pinned tools and sets them")
	}
	out := t.TempDir()
	// A trial build: the tree may hold changes not committed yet.
	t.Setenv("RELEASE_ALLOW_DIRTY", "1")
	c := config{
		version: testVersion, root: filepath.Join("..", ".."), out: out,
		image:     "ghcr.io/tenantry-io/tenantry",
		downloads: "https://github.com/tenantry-io/tenantry/releases/download/{{version}}/{{archive}}",
		kustomize: kustomize, helm: helm,
	}
	if err := release(c); err != nil {
		t.Fatal(err)
	}
	tools := buildTools(t)

	t.Run("checksums", func(t *testing.T) { checkChecksums(t, out) })
	t.Run("archives", func(t *testing.T) { checkArchives(t, out) })
	t.Run("krew manifest", func(t *testing.T) { checkKrewManifest(t, out, tools, kubectl) })
	digest := ""
	t.Run("image", func(t *testing.T) { digest = checkImage(t, out) })
	t.Run("installer", func(t *testing.T) {
		data := readFile(t, filepath.Join(out, "install.yaml"))
		want := "image: ghcr.io/tenantry-io/tenantry:" + testVersion + "@" + digest
		if digest == "" || !strings.Contains(data, want) {
			t.Errorf("install.yaml does not name the released image %q", want)
		}
	})
	t.Run("chart", func(t *testing.T) { checkChart(t, out, helm) })
	t.Run("sboms", func(t *testing.T) { checkSBOMs(t, out) })
}

// buildTools builds krew (as the kubectl plugin kubectl-krew) and its
// manifest validator from this module's pinned versions.
func buildTools(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for pkg, name := range map[string]string{
		"sigs.k8s.io/krew/cmd/krew":                   "kubectl-krew",
		"sigs.k8s.io/krew/cmd/validate-krew-manifest": "validate-krew-manifest",
	} {
		if out, err := exec.Command("go", "build", "-o", filepath.Join(dir, name), pkg).CombinedOutput(); err != nil {
			t.Fatalf("build %s: %v\n%s", pkg, err, out)
		}
	}
	return dir
}

func checkChecksums(t *testing.T, out string) {
	listed := map[string]bool{}
	f, err := os.Open(filepath.Join(out, "checksums.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			t.Fatalf("checksums.txt: %q is not `<sha256>  <file>`", sc.Text())
		}
		got, err := sha256File(filepath.Join(out, name))
		if err != nil || got != sum {
			t.Errorf("checksums.txt says %s is %s; it is %s (%v)", name, sum, got, err)
		}
		listed[name] = true
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Type().IsRegular() && e.Name() != "checksums.txt" && !listed[e.Name()] {
			t.Errorf("checksums.txt leaves out %s", e.Name())
		}
	}
	if len(listed) < len(pluginPlatforms)+5 {
		t.Errorf("checksums.txt lists %d files: %v", len(listed), listed)
	}
}

// checkArchives opens every plugin archive: the binary and LICENSE, and
// nothing else; the binary of this machine's platform tells its version.
func checkArchives(t *testing.T, out string) {
	for _, p := range pluginPlatforms {
		name, bin := "kubectl-tenantry_"+testVersion+"_"+p.os+"_"+p.arch+".tar.gz", "kubectl-tenantry"
		if p.os == windows {
			name, bin = strings.TrimSuffix(name, ".tar.gz")+".zip", bin+".exe"
		}
		files := archiveFiles(t, filepath.Join(out, name))
		if !slices.Equal(slices.Sorted(func(yield func(string) bool) {
			for f := range files {
				if !yield(f) {
					return
				}
			}
		}), []string{"LICENSE", bin}) {
			t.Errorf("%s holds %v, want %s and LICENSE", name, files, bin)
		}
		if p.os != runtime.GOOS || p.arch != runtime.GOARCH {
			continue
		}
		binary := filepath.Join(t.TempDir(), bin)
		if err := os.WriteFile(binary, files[bin], 0o755); err != nil {
			t.Fatal(err)
		}
		got, err := exec.Command(binary, "version").CombinedOutput()
		if err != nil || !strings.Contains(string(got), testVersion) {
			t.Errorf("%s version: %v\n%s", name, err, got)
		}
	}
}

func archiveFiles(t *testing.T, path string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	if strings.HasSuffix(path, ".zip") {
		zr, err := zip.OpenReader(path)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = zr.Close() }()
		for _, f := range zr.File {
			r, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			files[f.Name], _ = io.ReadAll(r)
			_ = r.Close()
		}
		return files
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		files[hdr.Name], _ = io.ReadAll(tr)
	}
}

// checkKrewManifest validates the released manifest with krew's own
// validator, checks its sha256s against the archives, then installs every
// platform with the real `kubectl krew install` from a copy whose URIs
// point at a local server holding the same archives.
func checkKrewManifest(t *testing.T, out, tools, kubectl string) {
	manifest := filepath.Join(out, "tenantry.yaml")
	validate := func(path string, args ...string) {
		t.Helper()
		cmd := exec.Command(filepath.Join(tools, "validate-krew-manifest"), append([]string{"-manifest", path}, args...)...)
		cmd.Env = append(os.Environ(), "PATH="+tools+string(os.PathListSeparator)+filepath.Dir(kubectl)+string(os.PathListSeparator)+os.Getenv("PATH"))
		if got, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("validate-krew-manifest %s: %v\n%s", strings.Join(args, " "), err, got)
		}
	}
	validate(manifest, "-skip-install")

	var plugin index.Plugin
	if err := yaml.UnmarshalStrict([]byte(readFile(t, manifest)), &plugin); err != nil {
		t.Fatal(err)
	}
	if plugin.Spec.Version != testVersion || len(plugin.Spec.Platforms) != len(pluginPlatforms) {
		t.Errorf("the manifest is version %s with %d platforms", plugin.Spec.Version, len(plugin.Spec.Platforms))
	}
	server := httptest.NewServer(http.FileServer(http.Dir(out)))
	defer server.Close()
	for i, p := range plugin.Spec.Platforms {
		archive := filepath.Base(p.URI)
		if want := "https://github.com/tenantry-io/tenantry/releases/download/" + testVersion + "/" + archive; p.URI != want {
			t.Errorf("platform %v: uri %s, want %s", p.Selector.MatchLabels, p.URI, want)
		}
		if sum, err := sha256File(filepath.Join(out, archive)); err != nil || sum != p.Sha256 {
			t.Errorf("platform %v: sha256 %s, the archive's is %s (%v)", p.Selector.MatchLabels, p.Sha256, sum, err)
		}
		plugin.Spec.Platforms[i].URI = server.URL + "/" + archive
	}
	local, err := yaml.Marshal(plugin)
	if err != nil {
		t.Fatal(err)
	}
	localManifest := filepath.Join(t.TempDir(), "tenantry.yaml")
	if err := os.WriteFile(localManifest, local, 0o644); err != nil {
		t.Fatal(err)
	}
	validate(localManifest)

	// Installed for this machine, `kubectl tenantry` runs the released plugin.
	root := t.TempDir()
	path := filepath.Join(root, "bin") + string(os.PathListSeparator) + tools
	install := exec.Command(kubectl, "krew", "install", "--manifest", localManifest)
	install.Env = append(os.Environ(), "KREW_ROOT="+root, "PATH="+path)
	if got, err := install.CombinedOutput(); err != nil {
		t.Fatalf("kubectl krew install: %v\n%s", err, got)
	}
	run := exec.Command(kubectl, "tenantry", "version")
	run.Env = append(os.Environ(), "PATH="+path)
	if got, err := run.CombinedOutput(); err != nil || !strings.Contains(string(got), testVersion) {
		t.Errorf("kubectl tenantry version after krew install: %v\n%s", err, got)
	}
}

// checkImage reads the OCI layout: one index, tagged with the version,
// with an image per platform that runs the manager as a numeric non-root
// user and carries the OCI labels. It returns the index's digest.
func checkImage(t *testing.T, out string) string {
	path, err := layout.FromPath(filepath.Join(out, imageDir))
	if err != nil {
		t.Fatal(err)
	}
	top, err := path.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	manifest, err := top.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(manifest.Manifests) != 1 || manifest.Manifests[0].Annotations["org.opencontainers.image.ref.name"] != testVersion {
		t.Fatalf("the layout holds %+v, want one index tagged %s", manifest.Manifests, testVersion)
	}
	digest := manifest.Manifests[0].Digest
	released, err := top.ImageIndex(digest)
	if err != nil {
		t.Fatal(err)
	}
	platforms, err := released.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	seen := make([]string, 0, len(platforms.Manifests))
	for _, d := range platforms.Manifests {
		seen = append(seen, d.Platform.OS+"/"+d.Platform.Architecture)
		img, err := released.Image(d.Digest)
		if err != nil {
			t.Fatal(err)
		}
		checkPlatformImage(t, d.Platform, img)
	}
	if !slices.Equal(seen, []string{"linux/amd64", "linux/arm64"}) {
		t.Errorf("the image is built for %v", seen)
	}
	return digest.String()
}

func checkPlatformImage(t *testing.T, p *v1.Platform, img v1.Image) {
	t.Helper()
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cfg := cf.Config
	if cfg.User != "65532:65532" || !slices.Equal(cfg.Entrypoint, []string{"/manager"}) || cf.OS != p.OS || cf.Architecture != p.Architecture {
		t.Errorf("%s: user %q, entrypoint %v, platform %s/%s", p, cfg.User, cfg.Entrypoint, cf.OS, cf.Architecture)
	}
	for key, want := range map[string]string{
		"org.opencontainers.image.source":   "https://github.com/tenantry-io/tenantry",
		"org.opencontainers.image.version":  testVersion,
		"org.opencontainers.image.licenses": "Apache-2.0",
	} {
		if cfg.Labels[key] != want {
			t.Errorf("%s: label %s = %q, want %q", p, key, cfg.Labels[key], want)
		}
	}
	if len(cfg.Labels["org.opencontainers.image.revision"]) != 40 {
		t.Errorf("%s: revision label %q is not a commit", p, cfg.Labels["org.opencontainers.image.revision"])
	}
	files := imageFiles(t, img)
	for _, want := range []string{"manager", "etc/ssl/certs/ca-certificates.crt", "etc/passwd"} {
		if len(files[want]) == 0 {
			t.Errorf("%s: the image has no %s", p, want)
		}
	}
	if p.Architecture != runtime.GOARCH || runtime.GOOS != "linux" {
		return
	}
	// The manager says which build it is before anything else.
	binary := filepath.Join(t.TempDir(), "manager")
	if err := os.WriteFile(binary, files["manager"], 0o755); err != nil {
		t.Fatal(err)
	}
	got, _ := exec.Command(binary, "--kubeconfig", filepath.Join(t.TempDir(), "none")).CombinedOutput()
	first, _, _ := strings.Cut(string(got), "\n")
	if !strings.Contains(first, `"version":"`+testVersion+`"`) {
		t.Errorf("the manager's first log line does not give its version:\n%s", got)
	}
}

func imageFiles(t *testing.T, img v1.Image) map[string][]byte {
	t.Helper()
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, l := range layers {
		rc, err := l.Uncompressed()
		if err != nil {
			t.Fatal(err)
		}
		tr := tar.NewReader(rc)
		for {
			hdr, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			files[hdr.Name], _ = io.ReadAll(tr)
		}
		_ = rc.Close()
	}
	return files
}

// checkChart lints the packaged chart and reads its versions.
func checkChart(t *testing.T, out, helm string) {
	chart := filepath.Join(out, "tenantry-"+strings.TrimPrefix(testVersion, "v")+".tgz")
	if got, err := exec.Command(helm, "lint", "--strict", chart).CombinedOutput(); err != nil {
		t.Fatalf("helm lint --strict %s: %v\n%s", chart, err, got)
	}
	got, err := exec.Command(helm, "show", "chart", chart).CombinedOutput()
	if err != nil {
		t.Fatalf("helm show chart: %v\n%s", err, got)
	}
	for _, want := range []string{"version: " + strings.TrimPrefix(testVersion, "v"), "appVersion: " + testVersion} {
		if !strings.Contains(string(got), want) {
			t.Errorf("the chart's Chart.yaml lacks %q:\n%s", want, got)
		}
	}
}

// checkSBOMs reads each SBOM: CycloneDX, naming the modules its binary
// links.
func checkSBOMs(t *testing.T, out string) {
	for bin, module := range map[string]string{"manager": "sigs.k8s.io/controller-runtime", "kubectl-tenantry": "k8s.io/client-go"} {
		var bom struct {
			BOMFormat  string `json:"bomFormat"`
			Components []struct {
				Name string `json:"name"`
			} `json:"components"`
		}
		data := readFile(t, filepath.Join(out, bin+"_"+testVersion+".cdx.json"))
		if err := json.Unmarshal([]byte(data), &bom); err != nil {
			t.Fatalf("%s's SBOM: %v", bin, err)
		}
		found := slices.ContainsFunc(bom.Components, func(c struct {
			Name string `json:"name"`
		}) bool {
			return c.Name == module
		})
		if bom.BOMFormat != "CycloneDX" || !found {
			t.Errorf("%s's SBOM is %q with %d components, %s among them: %v", bin, bom.BOMFormat, len(bom.Components), module, found)
		}
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(bytes.TrimSpace(data))
}
