package docs

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestLinksResolve checks every relative link of the README and docs/:
// the file it names exists, and the #anchor, if any, is a heading of that
// page (as GitHub makes anchors of headings).
func TestLinksResolve(t *testing.T) {
	anchorsOf := map[string]map[string]bool{}
	anchors := func(page string) map[string]bool {
		if a, ok := anchorsOf[page]; ok {
			return a
		}
		data, err := os.ReadFile(filepath.Join(repoRoot, page))
		if err != nil {
			return nil
		}
		a := headingAnchors(string(data))
		anchorsOf[page] = a
		return a
	}
	for _, page := range allPages(t) {
		data, err := os.ReadFile(filepath.Join(repoRoot, page))
		if err != nil {
			t.Fatal(err)
		}
		for n, line := range strings.Split(stripCode(string(data)), "\n") {
			for _, m := range markdownLink.FindAllStringSubmatch(line, -1) {
				target := m[1]
				if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
					continue
				}
				path, anchor, _ := strings.Cut(target, "#")
				dest := page
				if path != "" {
					dest = filepath.ToSlash(filepath.Clean(filepath.Join(filepath.Dir(page), path)))
					if _, err := os.Stat(filepath.Join(repoRoot, dest)); err != nil {
						t.Errorf("%s:%d: %s: no such file %s", page, n+1, target, dest)
						continue
					}
				}
				if anchor == "" {
					continue
				}
				if !strings.HasSuffix(dest, ".md") {
					t.Errorf("%s:%d: %s: an anchor into a file that is not a page", page, n+1, target)
					continue
				}
				if !anchors(dest)[anchor] {
					t.Errorf("%s:%d: %s: %s has no heading #%s", page, n+1, target, dest, anchor)
				}
			}
		}
	}
}

// TestIndexListsEveryPage keeps docs/README.md the whole reading order:
// a page it does not list is a page the walkthrough never runs.
func TestIndexListsEveryPage(t *testing.T) {
	listed := map[string]bool{}
	for _, page := range readingOrder(t) {
		listed[page] = true
	}
	for _, page := range allPages(t) {
		if !listed[page] {
			t.Errorf("%s does not list %s", indexPage, page)
		}
	}
}

var (
	headingLine  = regexp.MustCompile(`^#{1,6}\s+(.*?)\s*#*\s*$`)
	notInAnchors = regexp.MustCompile(`[^\p{L}\p{N}\- _]`)
)

// headingAnchors are the anchors GitHub gives a page's headings: lower
// case, punctuation dropped, spaces as hyphens, a repeated one numbered.
func headingAnchors(text string) map[string]bool {
	anchors := map[string]bool{}
	counts := map[string]int{}
	inFence := false
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			inFence = !inFence
			continue
		}
		m := headingLine.FindStringSubmatch(line)
		if inFence || m == nil {
			continue
		}
		slug := strings.ReplaceAll(notInAnchors.ReplaceAllString(strings.ToLower(m[1]), ""), " ", "-")
		if n := counts[slug]; n > 0 {
			anchors[fmt.Sprintf("%s-%d", slug, n)] = true
		} else {
			anchors[slug] = true
		}
		counts[slug]++
	}
	return anchors
}
