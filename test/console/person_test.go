package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// pageTimeout bounds every wait for a page: the server answers on loopback,
// so a page that has not shown what a test waits for within it never will.
const pageTimeout = 20 * time.Second

// person is one person of a test at their own browser: a browser context
// of the package's Chromium, with cookies of its own.
type person struct {
	t    *testing.T
	site *site
	name string
	ctx  context.Context
}

// person opens a new browser context for someone, closed when the test
// ends. name goes into the names of their screenshots.
func (s *site) person(name string) *person {
	s.t.Helper()
	ctx, cancel := chromedp.NewContext(browser.ctx, chromedp.WithNewBrowserContext())
	s.t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		s.t.Fatalf("open a browser context for %s: %v", name, err)
	}
	return &person{t: s.t, site: s, name: name, ctx: ctx}
}

// do runs actions within pageTimeout; a failure fails the test with the
// page's address, text and a screenshot.
func (p *person) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, pageTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.fail(what, err)
	}
}

// navigate runs actions that load a page (an address typed, a form
// submitted, a link followed) and returns the page's HTTP status once it
// has loaded.
func (p *person) navigate(what string, actions ...chromedp.Action[chromedp.Void]) int64 {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, pageTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, actions...)
	if err != nil {
		p.fail(what, err)
	}
	if resp == nil {
		return 0
	}
	return resp.Status
}

// navigateOK is navigate for a page that must answer below HTTP 400; it
// fails the test with what the page says otherwise.
func (p *person) navigateOK(what string, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if got := p.navigate(what, actions...); got >= 400 {
		p.fail(what, fmt.Errorf("HTTP %d", got))
	}
}

// open loads a page of the site by its path and query.
func (p *person) open(path string) int64 {
	p.t.Helper()
	return p.navigate("open "+path, chromedp.Navigate(p.site.base+path))
}

// openURL loads an absolute address, such as a link from an email.
func (p *person) openURL(url string) int64 {
	p.t.Helper()
	return p.navigate("open "+url, chromedp.Navigate(url))
}

// fill types value into the form field selected by sel, replacing what
// it held.
func (p *person) fill(sel, value string) {
	p.t.Helper()
	p.do("fill "+sel, chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.Clear(chromedp.CSS(sel)), chromedp.SendKeys(chromedp.CSS(sel), value))
}

// submit clicks the button selected by sel and waits for the page the
// form answers with; an answer of HTTP 400 or more fails the test, with
// what the page says.
func (p *person) submit(sel string) {
	p.t.Helper()
	p.submitWant(sel, 0)
}

// submitWant is submit expecting the answer's status to be want (any
// below 400 when want is 0).
func (p *person) submitWant(sel string, want int) {
	p.t.Helper()
	got := p.submitStatus(sel)
	if (want == 0 && got >= 400) || (want != 0 && got != int64(want)) {
		p.fail("submit "+sel, fmt.Errorf("HTTP %d", got))
	}
}

// submitStatus clicks the button selected by sel and returns the status
// of the page the form answers with, whatever it is.
func (p *person) submitStatus(sel string) int64 {
	p.t.Helper()
	return p.navigate("submit "+sel, chromedp.WaitVisible(chromedp.CSS(sel)), clickCSS(sel))
}

// openOK opens a page like open, and fails the test, with what the page
// says, unless it answers 200 OK.
func (p *person) openOK(path string) {
	p.t.Helper()
	if got := p.open(path); got != http.StatusOK {
		p.fail("open "+path, fmt.Errorf("HTTP %d", got))
	}
}

// waitFor waits until an element that sel selects is visible.
func (p *person) waitFor(sel string) {
	p.t.Helper()
	p.do("wait for "+sel, chromedp.WaitVisible(chromedp.CSS(sel)))
}

// waitGone waits until no element matches sel.
func (p *person) waitGone(sel string) {
	p.t.Helper()
	p.do("wait until "+sel+" is gone", chromedp.WaitNotPresent(chromedp.CSS(sel)))
}

// text is the text an element shows, as a person reads it.
func (p *person) text(sel string) string {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, pageTimeout)
	defer cancel()
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		p.fail("read the text of "+sel, err)
	}
	return strings.TrimSpace(text)
}

// value is what a form field holds.
func (p *person) value(sel string) string {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, pageTimeout)
	defer cancel()
	value, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(sel)))
	if err != nil {
		p.fail("read the value of "+sel, err)
	}
	return value
}

// eval evaluates a JavaScript expression in the page and decodes its
// value; await makes it wait for a promise.
func eval[T any](p *person, expression string, await bool) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, pageTimeout)
	defer cancel()
	var opts []chromedp.EvaluateOption
	if await {
		opts = append(opts, chromedp.EvalAwaitPromise)
	}
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expression, opts...))
	if err != nil {
		p.fail("evaluate "+expression, err)
	}
	return v
}

// liveText is the text of the element sel selects now, read in one step:
// live updates replace a grid's cells, and a read that first finds the
// node and then asks for its text can meet the node just replaced (and
// read nothing). An element that is not there reads as "".
func (p *person) liveText(sel string) string {
	p.t.Helper()
	return eval[string](p, fmt.Sprintf(`((document.querySelector(%q) || {}).textContent || "").trim()`, sel), false)
}

// count is how many elements sel selects now.
func (p *person) count(sel string) int {
	p.t.Helper()
	return eval[int](p, fmt.Sprintf("document.querySelectorAll(%q).length", sel), false)
}

// exists says whether sel selects an element now, without waiting.
func (p *person) exists(sel string) bool {
	p.t.Helper()
	return p.count(sel) > 0
}

// pageText is the text of the whole page, as a person reads it.
func (p *person) pageText() string {
	p.t.Helper()
	return eval[string](p, "document.body ? document.body.innerText : ''", false)
}

// location is the address of the page shown.
func (p *person) location() string {
	p.t.Helper()
	return eval[string](p, "location.href", false)
}

// waitText waits until the page shows text, across the page loads that
// come first (a redirect, a form's answer): a poll does not survive a
// navigation, so one that ends with one starts again.
func (p *person) waitText(text string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, pageTimeout)
	defer cancel()
	expr := fmt.Sprintf("document.body && document.body.innerText.includes(%q)", text)
	for {
		_, err := chromedp.Run(ctx, pollTrue(expr))
		if err == nil {
			return
		}
		if ctx.Err() != nil {
			p.fail(fmt.Sprintf("wait for the text %q", text), err)
		}
	}
}

// fail ends the test with what the person saw: the address, the page's
// text and a screenshot.
func (p *person) fail(what string, err error) {
	p.t.Helper()
	// A fresh deadline: the one that ran out must not stop the report.
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	location, _ := chromedp.Run(ctx, chromedp.Evaluate[string]("location.href"))
	text, _ := chromedp.Run(ctx, chromedp.Evaluate[string]("document.body ? document.body.innerText : ''"))
	shot := p.site.album.save(ctx, p, "FAILED-"+what)
	if errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("nothing after %s: %w", pageTimeout, err)
	}
	p.t.Fatalf("%s: %s: %v\n  page: %s\n  screenshot: %s\n  text:\n%s", p.name, what, err, location, shot, indent(text))
}

// screenshot keeps the page as a full-page PNG among the test's artifacts,
// and checks what every page must be (see pageRules).
func (p *person) screenshot(name string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, pageTimeout)
	defer cancel()
	path := p.site.album.save(ctx, p, name)
	if strings.HasPrefix(path, "(") {
		p.t.Errorf("screenshot %s: %s", name, path)
	}
	if broken := eval[[]string](p, pageRules, false); len(broken) > 0 {
		p.t.Errorf("%s: the page %s (%s) breaks the rules of every page:\n  %s", p.name, name, path, strings.Join(broken, "\n  "))
	}
}

// pageRules lists what breaks the rules every page keeps: no inline style
// or script (the Content-Security-Policy allows only this site's files,
// and a page that needs more breaks there), a label for every field, and
// ids that name one element (a label's for, a link's #anchor).
const pageRules = `(() => {
	const broken = [];
	for (const e of document.querySelectorAll("[style]")) broken.push("a style attribute on <" + e.tagName.toLowerCase() + ">");
	for (const e of document.querySelectorAll("style")) broken.push("a <style> element");
	for (const s of document.querySelectorAll("script")) {
		if (!s.src || new URL(s.src).origin !== location.origin) broken.push("a script not from this site: " + s.outerHTML.slice(0, 80));
	}
	for (const e of document.querySelectorAll("input:not([type=hidden]):not([type=submit]), select, textarea")) {
		if (e.labels.length === 0 && !e.getAttribute("aria-label") && !e.getAttribute("aria-labelledby")) broken.push("no label for the field " + (e.name || e.id));
	}
	const seen = new Set();
	for (const e of document.querySelectorAll("[id]")) {
		if (seen.has(e.id)) broken.push("two elements with the id " + e.id);
		seen.add(e.id);
	}
	return broken;
})()`

func indent(text string) string {
	return "    " + strings.ReplaceAll(strings.TrimSpace(text), "\n", "\n    ")
}

// pollTrue waits until a JavaScript expression is true on the page shown.
func pollTrue(expression string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](expression, chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(0))
}

// evalVoid runs JavaScript on the page for what it does.
func evalVoid(expression string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](expression)
}

// clickCSS clicks the element sel selects.
func clickCSS(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Click(chromedp.CSS(sel))
}
