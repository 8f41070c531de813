// Package webui holds what every page of Tenantry's web interface shares:
// the stylesheets of the design system, the script of the console and the
// images, embedded in the binary and served at /assets/. Pages link them
// by URL (URL, StylesheetURLs) and carry ContentSecurityPolicy, which
// allows nothing but these files: no inline style or script, no other
// origin.
package webui

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Prefix is where Handler is mounted.
const Prefix = "/assets/"

// ContentSecurityPolicy is the policy of every HTML page: its own
// stylesheets, scripts and images (and data: images, for a QR code), fetches
// and form posts to its own origin only, never framed, no <base>.
const ContentSecurityPolicy = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// The pattern takes every stylesheet, script and image of this directory,
// and must match at least one file: "*.[cj]s*" is *.css and *.js in one
// pattern, so that it holds whether or not a script is there yet.
//
//go:embed *.[cj]s* *.svg
var files embed.FS

// contentTypes are the kinds of file served, by extension; any other file
// is not an asset.
var contentTypes = map[string]string{
	".css": "text/css; charset=utf-8",
	".js":  "text/javascript; charset=utf-8",
	".svg": "image/svg+xml",
}

// asset is one embedded file with what its answer needs.
type asset struct {
	body        []byte
	contentType string
	// hash is the start of the SHA-256 of body: the version in the URL
	// and the ETag.
	hash string
}

var (
	loadOnce sync.Once
	assets   map[string]asset
)

// load reads and hashes the embedded files once.
func load() map[string]asset {
	loadOnce.Do(func() {
		assets = map[string]asset{}
		entries, err := fs.ReadDir(files, ".")
		if err != nil {
			panic("read the embedded assets: " + err.Error()) // embedded at build time: cannot fail
		}
		for _, e := range entries {
			contentType, ok := contentTypes[path.Ext(e.Name())]
			if !ok || e.IsDir() {
				continue
			}
			body, err := files.ReadFile(e.Name())
			if err != nil {
				panic("read the embedded asset " + e.Name() + ": " + err.Error())
			}
			sum := sha256.Sum256(body)
			assets[e.Name()] = asset{body: body, contentType: contentType, hash: hex.EncodeToString(sum[:8])}
		}
	})
	return assets
}

// URL is the address of the named asset with its content's hash as the
// version, so that a browser may keep it for a year and still gets a new
// file after an upgrade. An unknown name gets its plain address, which
// answers 404: a typo shows up as a missing style, not a panic.
func URL(name string) string {
	a, ok := load()[name]
	if !ok {
		return Prefix + name
	}
	return Prefix + name + "?v=" + a.hash
}

// StylesheetURLs are the stylesheets every page links, in the order they
// cascade: base.css, the design system, first, then the others by name.
func StylesheetURLs() []string {
	var names []string
	for name := range load() {
		if path.Ext(name) == ".css" && name != "base.css" {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	urls := make([]string, 0, 1+len(names))
	urls = append(urls, URL("base.css"))
	for _, name := range names {
		urls = append(urls, URL(name))
	}
	return urls
}

// Cache lifetimes: a versioned URL never changes its content, any other
// address is checked again each time (its ETag makes that cheap).
const (
	cacheVersioned   = "public, max-age=31536000, immutable"
	cacheUnversioned = "no-cache"
)

// Handler serves the assets under Prefix: GET and HEAD only, each with its
// own Content-Type, never sniffed, with an ETag; anything else under
// Prefix is 404.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := strings.CutPrefix(r.URL.Path, Prefix)
		a, found := load()[name]
		if !ok || !found {
			http.NotFound(w, r)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
			return
		}
		h := w.Header()
		h.Set("Content-Type", a.contentType)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("ETag", `"`+a.hash+`"`)
		if v := r.URL.Query().Get("v"); v == a.hash {
			h.Set("Cache-Control", cacheVersioned)
		} else {
			h.Set("Cache-Control", cacheUnversioned)
		}
		if match := r.Header.Get("If-None-Match"); match != "" && etagMatches(match, a.hash) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		h.Set("Content-Length", strconv.Itoa(len(a.body)))
		w.WriteHeader(http.StatusOK)
		if r.Method == http.MethodGet {
			_, _ = w.Write(a.body)
		}
	})
}

// etagMatches reports whether an If-None-Match header names the ETag of
// hash (or is "*").
func etagMatches(header, hash string) bool {
	for _, tag := range strings.Split(header, ",") {
		tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
		if tag == "*" || tag == `"`+hash+`"` {
			return true
		}
	}
	return false
}
