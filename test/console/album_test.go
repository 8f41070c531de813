package console

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/chromedp/chromedp"
)

// artifactsEnv names the directory the screenshots go to; a relative one is
// taken from the repository's root, like the default.
const artifactsEnv = "TENANTRY_ARTIFACTS"

// defaultArtifacts is where screenshots go without artifactsEnv, from the
// repository's root (.gitignore keeps it out of commits).
var defaultArtifacts = filepath.Join(".artifacts", "console")

// album keeps a test's screenshots, numbered in the order taken, in a
// directory named after the test: what a reader needs to see the pages a
// test went through, in order.
type album struct {
	dir string
	n   atomic.Int32
}

// newAlbum empties the test's directory, so that it holds this run's pages
// only.
func newAlbum(t *testing.T) *album {
	t.Helper()
	dir, err := artifactsDir()
	if err != nil {
		t.Fatal(err)
	}
	dir = filepath.Join(dir, slug(t.Name()))
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return &album{dir: dir}
}

func artifactsDir() (string, error) {
	dir := os.Getenv(artifactsEnv)
	if dir == "" {
		dir = defaultArtifacts
	}
	if filepath.IsAbs(dir) {
		return dir, nil
	}
	return filepath.Abs(filepath.Join(root, dir))
}

// save writes a full-page PNG of what p sees and returns its path, or, in
// parentheses, why it could not.
func (a *album) save(ctx context.Context, p *person, name string) string {
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return fmt.Sprintf("(no screenshot: %v)", err)
	}
	path := filepath.Join(a.dir, fmt.Sprintf("%02d-%s-%s.png", a.n.Add(1), slug(p.name), slug(name)))
	if err := os.WriteFile(path, png, 0o644); err != nil { //nolint:gosec // a screenshot of a test page is no secret
		return fmt.Sprintf("(no screenshot: %v)", err)
	}
	return path
}

var notInSlug = regexp.MustCompile(`[^a-zA-Z0-9]+`)

// slug makes a name fit for a file name.
func slug(name string) string {
	s := strings.Trim(notInSlug.ReplaceAllString(name, "-"), "-")
	if len(s) > 80 {
		s = s[:80]
	}
	return strings.ToLower(s)
}
