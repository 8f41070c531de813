package docs

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The markers a page puts on a line of its own before a fenced block (an
// HTML comment, which a reader of the rendered page never sees).
const (
	// invalidMarker says a YAML block shows a mistake on purpose: the API
	// server must refuse it with the message of the block that follows.
	invalidMarker = "<!-- invalid -->"
	// outputMarker says the block shows what the last command run before
	// it prints; it is checked as that command's output.
	outputMarker = "<!-- output -->"
	// freshMarker, anywhere on a page, says the reader starts `make dev`
	// afresh there; the walk starts a new environment and shell.
	freshMarker = "<!-- fresh make dev -->"
)

// notRunMarker says a shell block is not run against `make dev`, and why
// (it installs on a real cluster, it waits for a person's authenticator
// app, ...). A marker without a reason is refused.
var notRunMarker = regexp.MustCompile(`^<!-- not run: (.+) -->$`)

// block is one fenced block of a page.
type block struct {
	page string // the page's path, relative to the repository root
	line int    // the line of the opening fence
	lang string // the fence's info string: yaml, sh, text, ...
	text string // the lines between the fences, without the fence's indent
	// Markers of the block.
	invalid bool
	output  bool
	notRun  string // the reason, when marked not run
	// fresh says the page asked for a fresh `make dev` before this block.
	fresh bool
}

func (b block) source() string { return fmt.Sprintf("%s:%d", b.page, b.line) }

// runnable says whether the walk runs the block in its shell.
func (b block) runnable() bool {
	return (b.lang == "sh" || b.lang == "bash" || b.lang == "console") && b.notRun == ""
}

// readBlocks returns the fenced blocks of a page, in order, with their
// markers. root is the repository root, page a path relative to it.
func readBlocks(t *testing.T, root, page string) []block {
	t.Helper()
	f, err := os.Open(filepath.Join(root, page))
	if err != nil {
		t.Fatalf("open %s: %v", page, err)
	}
	defer func() { _ = f.Close() }()

	var (
		blocks  []block
		current *block
		lines   []string
		indent  string
		pending block // markers seen since the last block
		fresh   bool
	)
	scanner := bufio.NewScanner(f)
	scanner.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; scanner.Scan(); n++ {
		line := scanner.Text()
		trimmed := strings.TrimSpace(line)
		if current == nil {
			switch {
			case strings.HasPrefix(trimmed, "```"):
				indent = line[:len(line)-len(strings.TrimLeft(line, " "))]
				b := pending
				b.page, b.line, b.lang, b.fresh = page, n, strings.TrimPrefix(trimmed, "```"), fresh
				blocks = append(blocks, b)
				current, lines, pending, fresh = &blocks[len(blocks)-1], nil, block{}, false
			case trimmed == invalidMarker:
				pending.invalid = true
			case trimmed == outputMarker:
				pending.output = true
			case trimmed == freshMarker:
				fresh = true
			case strings.HasPrefix(trimmed, "<!-- not run"):
				m := notRunMarker.FindStringSubmatch(trimmed)
				if m == nil {
					t.Fatalf("%s:%d: %q: write <!-- not run: the reason -->", page, n, trimmed)
				}
				pending.notRun = m[1]
			case trimmed != "":
				pending = block{}
			}
			continue
		}
		if trimmed == "```" {
			current.text = strings.Join(lines, "\n") + "\n"
			current = nil
			continue
		}
		lines = append(lines, strings.TrimPrefix(line, indent))
	}
	if err := scanner.Err(); err != nil {
		t.Fatalf("read %s: %v", page, err)
	}
	if current != nil {
		t.Fatalf("%s: the block at line %d is never closed", page, current.line)
	}
	return blocks
}

// repoRoot is where the tests find the pages.
var repoRoot = filepath.Join("..", "..")

// indexPage lists every page of docs/ in reading order.
const indexPage = "docs/README.md"

// markdownLink is an inline link or image: [text](target "title").
var markdownLink = regexp.MustCompile(`!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)

// readingOrder is the README and then every page docs/README.md links
// to, in the order it links to them: the order a reader meets them.
func readingOrder(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, indexPage))
	if err != nil {
		t.Fatalf("read the index: %v", err)
	}
	order := []string{"README.md", indexPage}
	seen := map[string]bool{"README.md": true, indexPage: true}
	for _, m := range markdownLink.FindAllStringSubmatch(stripCode(string(data)), -1) {
		target, _, _ := strings.Cut(m[1], "#")
		if !strings.HasSuffix(target, ".md") || strings.Contains(target, "://") {
			continue
		}
		page := filepath.ToSlash(filepath.Join("docs", target))
		if !seen[page] {
			seen[page] = true
			order = append(order, page)
		}
	}
	return order
}

// allPages is every Markdown page of the documentation: the README and
// docs/**.
func allPages(t *testing.T) []string {
	t.Helper()
	pages := []string{"README.md"}
	err := filepath.WalkDir(filepath.Join(repoRoot, "docs"), func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(path, ".md") {
			rel, err := filepath.Rel(repoRoot, path)
			if err != nil {
				return err
			}
			pages = append(pages, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return pages
}

// stripCode blanks fenced blocks and inline code, where brackets and
// parentheses are not links.
func stripCode(text string) string {
	var out []string
	inFence := false
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			inFence = !inFence
			out = append(out, "")
			continue
		}
		if inFence {
			out = append(out, "")
			continue
		}
		out = append(out, inlineCode.ReplaceAllString(line, "``"))
	}
	return strings.Join(out, "\n")
}

var inlineCode = regexp.MustCompile("`[^`]*`")
