package console

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	. "github.com/onsi/gomega"

	"github.com/tenantry-io/tenantry/internal/testsupport"
)

// tabLimit bounds the Tab presses from one field to the next: a page whose
// next field is further has lost its focus order.
const tabLimit = 8

// A person without a mouse signs in with the keyboard alone: Tab goes
// through the login form in order, the field in focus shows it, and Enter
// sends the form; the console's pages are reached the same way.
func TestSigningInWithTheKeyboardAlone(t *testing.T) {
	g := NewWithT(t)
	site := startSite(t)
	ns := testsupport.NewNamespace(t, k8s)
	user := site.join(ns, "kim", "", "Kim Keys")
	site.waitTrusted(site.logIn(user))

	kim := site.person("kim")
	kim.open("/v1/sessions")
	for _, field := range []struct{ sel, value string }{
		{selAccount, ns}, {selEmail, user.Spec.Email}, {selPassword, password},
	} {
		tabTo(t, kim, field.sel)
		g.Expect(focusShows(kim)).To(BeTrue(), "%s shows that it has the focus", field.sel)
		kim.do("type into "+field.sel, chromedp.KeyEvent(field.value))
	}
	kim.screenshot("login-by-keyboard")
	kim.navigateOK("press Enter", chromedp.KeyEvent(kb.Enter))
	expectInConsole(t, kim)

	tabTo(t, kim, `a[href="/console/users"]`)
	g.Expect(focusShows(kim)).To(BeTrue(), "the link in focus shows it")
	kim.screenshot("console-link-in-focus")
	kim.navigateOK("press Enter on Users", chromedp.KeyEvent(kb.Enter))
	kim.waitFor(gridRow("kim"))
}

// tabTo presses Tab until the element sel selects has the focus.
func tabTo(t *testing.T, p *person, sel string) {
	t.Helper()
	for range tabLimit {
		if eval[bool](p, fmt.Sprintf("document.activeElement === document.querySelector(%q)", sel), false) {
			return
		}
		p.do("press Tab", chromedp.KeyEvent(kb.Tab))
	}
	p.fail("reach "+sel+" with Tab", fmt.Errorf("still on %s after %d presses",
		eval[string](p, "document.activeElement.outerHTML.slice(0, 120)", false), tabLimit))
}

// focusShows says whether the element in focus is drawn with a focus
// ring: an outline or a ring of shadow.
func focusShows(p *person) bool {
	p.t.Helper()
	return eval[bool](p, `(() => {
		const s = getComputedStyle(document.activeElement);
		return (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== "none";
	})()`, false)
}
