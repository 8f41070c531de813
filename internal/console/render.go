package console

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"path"

	"github.com/tenantry-io/tenantry/internal/webui"
)

// templates are the console's pages. templates/layout/*.html are parsed
// into every page (the layout, its banner and shared pieces); each other
// templates/*.html is a page that defines "content" and, if it wants,
// "title".
//
//go:embed templates
var templates embed.FS

// view is what the layout shows around a page's content.
type view struct {
	// Title names the page in the tab and its heading.
	Title string
	// Nav is the navigation entry of the page: navHome, navUsers, or "".
	Nav    string
	Person *Person
	// CSRF goes in the hidden field "csrf" of every form.
	CSRF string
	// Scripts are the assets the page loads, after its content.
	Scripts []string
	// Content is the page's own data.
	Content any
}

// The layout's navigation entries; layout.html marks the one a page
// names as the current page.
const (
	navHome  = "home"
	navUsers = "users"
)

// templateFuncs link the design system's assets (internal/webui): their
// URLs carry a hash of their content.
var templateFuncs = template.FuncMap{
	"asset":       webui.URL,
	"stylesheets": webui.StylesheetURLs,
}

// mustParsePages parses every page with the layout. A template that does
// not parse is a bug the tests catch, hence the panic.
func mustParsePages() map[string]*template.Template {
	funcs := templateFuncs
	layout := template.Must(template.New("").Funcs(funcs).ParseFS(templates, "templates/layout/*.html"))
	names, err := fs.Glob(templates, "templates/*.html")
	if err != nil {
		panic(err)
	}
	pages := map[string]*template.Template{}
	for _, name := range names {
		page := template.Must(template.Must(layout.Clone()).ParseFS(templates, name))
		pages[path.Base(name)] = page
	}
	return pages
}

// render writes the page name (a file of templates/) in the layout. The
// page is rendered whole before anything is sent, so a template error is a
// clean 500 and not half a page.
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, name string, v view) {
	t, ok := c.pages[name]
	if !ok {
		panic("console: no page " + name)
	}
	var buf bytes.Buffer
	err := t.ExecuteTemplate(&buf, "layout", v)
	if err == nil {
		setPageHeaders(w)
		w.WriteHeader(status)
		if r.Method != http.MethodHead {
			_, _ = w.Write(buf.Bytes())
		}
		return
	}
	c.log.Error(err, "Render a console page", "page", name)
	setPageHeaders(w)
	w.WriteHeader(http.StatusInternalServerError)
	_, _ = w.Write([]byte("<!doctype html><title>Error</title><p>The page could not be shown.</p>"))
}

// setPageHeaders are the headers of every console page: the page holds a
// person's data, so no cache keeps it, and nothing but this site runs in it.
func setPageHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", webui.ContentSecurityPolicy)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
}

// errorContent is the content of an error page.
type errorContent struct {
	Message string
}

// renderError shows an error page in the layout; v may be nil before the
// person is known.
func (c *Console) renderError(w http.ResponseWriter, r *http.Request, v *visit, status int, title, message string) {
	page := view{Title: title, Content: errorContent{Message: message}}
	if v != nil {
		page.Person, page.CSRF = v.person, v.csrf
	}
	c.render(w, r, status, "error.html", page)
}

// renderOff shows why the console is off, in place of every page.
func (c *Console) renderOff(w http.ResponseWriter, r *http.Request, why string) {
	c.render(w, r, http.StatusServiceUnavailable, "off.html", view{Title: "The account console is off", Content: errorContent{Message: why}})
}

// page is the view of v's page: the layout's part filled in.
func (v *visit) view(title, nav string, content any) view {
	return view{Title: title, Nav: nav, Person: v.person, CSRF: v.csrf, Content: content}
}
