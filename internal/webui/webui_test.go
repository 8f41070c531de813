package webui

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHandlerServesEachAssetWithItsType(t *testing.T) {
	h := Handler()
	for name, a := range load() {
		t.Run(name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, URL(name), nil))

			if rec.Code != http.StatusOK {
				t.Fatalf("GET %s = %d, want 200", URL(name), rec.Code)
			}
			if got := rec.Header().Get("Content-Type"); got != a.contentType {
				t.Errorf("Content-Type = %q, want %q", got, a.contentType)
			}
			if got := rec.Header().Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q, want nosniff", got)
			}
			if got := rec.Header().Get("Cache-Control"); got != cacheVersioned {
				t.Errorf("Cache-Control of the versioned URL = %q, want %q", got, cacheVersioned)
			}
			if rec.Body.String() != string(a.body) {
				t.Error("the body is not the embedded file")
			}
		})
	}
}

func TestHandlerKnowsTheTypes(t *testing.T) {
	want := map[string]string{"base.css": "text/css; charset=utf-8", "logo.svg": "image/svg+xml"}
	for name, contentType := range want {
		a, ok := load()[name]
		if !ok {
			t.Errorf("%s is not embedded", name)
			continue
		}
		if a.contentType != contentType {
			t.Errorf("%s: Content-Type %q, want %q", name, a.contentType, contentType)
		}
	}
}

func TestHandlerAnswersUnknownAssets404(t *testing.T) {
	for _, path := range []string{"/assets/nothing.css", "/assets/", "/assets/webui.go", "/assets/../webui.go", "/other/base.css", "/assets/base.css/x"} {
		rec := httptest.NewRecorder()
		Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://example.test"+path, nil))
		if rec.Code != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", path, rec.Code)
		}
	}
}

func TestHandlerRevalidatesWithTheETag(t *testing.T) {
	rec := httptest.NewRecorder()
	Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/assets/base.css", nil))
	if got := rec.Header().Get("Cache-Control"); got != cacheUnversioned {
		t.Errorf("Cache-Control without the version = %q, want %q", got, cacheUnversioned)
	}
	etag := rec.Header().Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}

	req := httptest.NewRequest(http.MethodGet, "/assets/base.css", nil)
	req.Header.Set("If-None-Match", etag)
	rec = httptest.NewRecorder()
	Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
		t.Errorf("GET with the ETag = %d with %d bytes, want 304 and no body", rec.Code, rec.Body.Len())
	}
}

func TestHandlerRefusesWrites(t *testing.T) {
	rec := httptest.NewRecorder()
	Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/assets/base.css", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST = %d, want 405", rec.Code)
	}
}

func TestStylesheetURLsStartWithTheDesignSystem(t *testing.T) {
	urls := StylesheetURLs()
	if len(urls) == 0 || !strings.HasPrefix(urls[0], "/assets/base.css?v=") {
		t.Fatalf("StylesheetURLs() = %v, want base.css first, versioned", urls)
	}
	for _, u := range urls {
		if !strings.Contains(u, ".css?v=") {
			t.Errorf("%s is not a versioned stylesheet", u)
		}
	}
}

// TestStylesheetsHaveNoOutsideURL keeps the design system self-contained:
// no font, image or import from another origin, which the
// Content-Security-Policy would block anyway.
func TestStylesheetsHaveNoOutsideURL(t *testing.T) {
	for name, a := range load() {
		if !strings.HasSuffix(name, ".css") {
			continue
		}
		body := string(a.body)
		for _, bad := range []string{"@import", "http://", "https://", "@font-face"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s contains %q", name, bad)
			}
		}
	}
}

func TestContentSecurityPolicyAllowsOnlyItsOwnOrigin(t *testing.T) {
	for _, directive := range []string{"default-src 'none'", "style-src 'self'", "script-src 'self'", "img-src 'self' data:",
		"connect-src 'self'", "form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'"} {
		if !strings.Contains(ContentSecurityPolicy, directive) {
			t.Errorf("ContentSecurityPolicy lacks %q", directive)
		}
	}
	if strings.Contains(ContentSecurityPolicy, "unsafe-inline") {
		t.Error("ContentSecurityPolicy allows inline code")
	}
}
