package console

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	. "github.com/onsi/gomega"

	"github.com/tenantry-io/tenantry/internal/testsupport"
)

// Selectors of the self-service pages' layout.
const (
	selFacts        = "dl.facts"
	selSubmit       = `form button[type="submit"]`
	selLogOut       = `form[action="/v1/sessions/current"] button[type="submit"]`
	selPassword     = `input[name="password"]`
	selConfirm      = `input[name="confirm"]`
	selCode         = `input[name="code"]`
	selAccount      = `input[name="account"]`
	selEmail        = `input[name="email"]`
	selSecret       = "code.secret"
	selRecoveryCode = "ul.codes li"
	selError        = `[role="alert"]`
)

// A person invited by email joins from the link, as a new person would:
// the page says what they join before anything is typed, setting the
// password leads to the login, two-factor is set up from the page's key,
// and logging in again with a code lands in the console.
func TestInviteeJoinsSetsUpTwoFactorAndLandsInTheConsole(t *testing.T) {
	g := NewWithT(t)
	site := startSite(t)
	ns := testsupport.NewNamespace(t, k8s)
	user := newUser(t, ns, "ines", "", "Ines Invitee")
	link := site.linkInMail(user.Spec.Email, acceptPath)

	ines := site.person("ines")
	if status := ines.openURL(link); status != http.StatusOK {
		ines.fail("open the invitation", fmt.Errorf("HTTP %d", status))
	}
	ines.waitFor(selPassword)
	g.Expect(ines.text(selFacts)).To(And(ContainSubstring(ns), ContainSubstring(user.Spec.Email)), "the invitation names the account and the email")
	ines.screenshot("invitation")

	ines.fill(selPassword, password)
	ines.fill(selConfirm, password)
	ines.submitWant(selSubmit, http.StatusOK)
	ines.waitText("Password set")
	g.Expect(ines.text(selFacts)).To(And(ContainSubstring(ns), ContainSubstring(user.Spec.Email)))
	ines.screenshot("password-set")
	logIn := firstActionTo(t, ines, "/v1/sessions")

	// The console acts as her: the API server must trust the issuer first.
	site.waitTrusted(site.logIn(user))
	ines.navigateOK("follow the Log in action", clickAction(logIn))
	g.Expect(ines.value(selAccount)).To(Equal(ns), "the login names the account she joined")
	g.Expect(ines.value(selEmail)).To(Equal(user.Spec.Email))
	ines.screenshot("login")
	ines.fill(selPassword, password)
	ines.submit(selSubmit)
	expectInConsole(t, ines)
	ines.screenshot("console-first-login")

	ines.open("/v1/totp/enroll")
	ines.screenshot("two-factor-start")
	ines.submit(selSubmit)
	ines.waitFor(selSecret)
	ines.screenshot("two-factor-scan")
	app := &authenticator{t: t, secret: strings.ReplaceAll(ines.text(selSecret), " ", "")}
	g.Expect(app.secret).To(MatchRegexp(`^[A-Z2-7]{16,}=*$`), "the page shows the key to type into an app")
	ines.fill(selCode, app.code())
	ines.submit(selSubmit)
	ines.waitText("Two-factor is on")
	g.Expect(ines.count(selRecoveryCode)).To(Equal(10), "the recovery codes are shown once")
	g.Expect(ines.pageText()).NotTo(ContainSubstring("Set up two-factor authentication"), "an enrolled person is not offered to set it up again")
	ines.screenshot("two-factor-on")

	ines.open("/v1/sessions")
	ines.submit(selLogOut)
	ines.waitText("You are logged out")
	ines.screenshot("logged-out")
	// The login shown posts to its absolute address, wherever it shows.
	ines.waitFor(`form[action="/v1/sessions"] ` + selPassword)

	ines.submitLogin(user, app)
	expectInConsole(t, ines)
	ines.screenshot("console-with-two-factor")
}

// A link that was used shows that it was, and the way forward, before any
// form: nobody types a password twice to learn the link is dead.
func TestUsedInvitationLinkSaysSoBeforeAnyForm(t *testing.T) {
	g := NewWithT(t)
	site := startSite(t)
	ns := testsupport.NewNamespace(t, k8s)
	user := site.join(ns, "ulla", "", "Ulla Used")
	link := site.linkInMail(user.Spec.Email, acceptPath)

	ulla := site.person("ulla")
	ulla.openURL(link)
	ulla.waitText("already accepted")
	ulla.screenshot("used-link")
	g.Expect(ulla.count("input")).To(BeZero(), "no form for a used link: %s", ulla.pageText())
	g.Expect(ulla.text(selFacts)).To(And(ContainSubstring(ns), ContainSubstring(user.Spec.Email)))

	logIn := firstActionTo(t, ulla, "/v1/sessions")
	ulla.navigateOK("follow the Log in action", clickAction(logIn))
	g.Expect(ulla.value(selAccount)).To(Equal(ns))
	g.Expect(ulla.value(selEmail)).To(Equal(user.Spec.Email))
	ulla.screenshot("login-from-used-link")
}

// A failed login says why and keeps the account and the email typed, so
// that only the password is typed again.
func TestFailedLoginKeepsAccountAndEmail(t *testing.T) {
	g := NewWithT(t)
	site := startSite(t)
	ns := testsupport.NewNamespace(t, k8s)
	user := site.join(ns, "fred", "", "Fred Fumble")

	fred := site.person("fred")
	fred.open("/v1/sessions")
	fred.fill(selAccount, ns)
	fred.fill(selEmail, user.Spec.Email)
	fred.fill(selPassword, "Not-The-Password-42")
	fred.submitWant(selSubmit, http.StatusUnauthorized)
	fred.waitFor(selError)
	fred.screenshot("login-failed")
	g.Expect(fred.value(selAccount)).To(Equal(ns))
	g.Expect(fred.value(selEmail)).To(Equal(user.Spec.Email))
	g.Expect(fred.value(selPassword)).To(BeEmpty(), "a password is never shown again")

	site.waitTrusted(site.logIn(user))
	fred.fill(selPassword, password)
	fred.submit(selSubmit)
	expectInConsole(t, fred)
}

// firstActionTo is the href of the page's first action button that leads
// to path: pages say where to go next with buttons, absolute links.
func firstActionTo(t *testing.T, p *person, path string) string {
	t.Helper()
	hrefs := eval[[]string](p, `[...document.querySelectorAll(".actions a")].map(a => a.getAttribute("href"))`, false)
	for _, href := range hrefs {
		if href == path || strings.HasPrefix(href, path+"?") {
			return href
		}
	}
	p.fail("find an action to "+path, fmt.Errorf("the page's actions lead to %q", hrefs))
	return ""
}

// clickAction clicks the action button with that href.
func clickAction(href string) chromedp.Action[chromedp.Void] {
	return clickCSS(`.actions a[href="` + href + `"]`)
}

// expectInConsole waits until the person's page is one of the console's.
func expectInConsole(t *testing.T, p *person) {
	t.Helper()
	NewWithT(t).Eventually(func() string {
		return mustParse(t, p.location()).Path
	}).WithTimeout(pageTimeout).Should(HavePrefix("/console/"), "landed on %s", p.location())
	p.waitFor("main")
}

func mustParse(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// A person who forgot their password asks for a link from the login page,
// sets a new password from the caught email, and logs in with it; the
// link, once used, says so before any form.
func TestForgottenPasswordIsResetFromTheEmailedLink(t *testing.T) {
	g := NewWithT(t)
	site := startSite(t)
	ns := testsupport.NewNamespace(t, k8s)
	user := site.join(ns, "rita", "", "Rita Reset")
	site.waitTrusted(site.logIn(user))
	const newPassword = "Lantern-Quartz-77-Meadow"

	rita := site.person("rita")
	rita.open("/v1/sessions?" + url.Values{"account": {ns}, "email": {user.Spec.Email}}.Encode())
	rita.navigateOK("follow Forgot your password?", clickCSS(`a[href^="/v1/password-resets"]`))
	g.Expect(rita.value(selAccount)).To(Equal(ns), "the account typed comes along")
	g.Expect(rita.value(selEmail)).To(Equal(user.Spec.Email))
	rita.screenshot("reset-request")
	rita.submit(selSubmit)
	rita.waitText("Check your email")
	rita.screenshot("reset-requested")

	link := site.linkInMail(user.Spec.Email, "/v1/password-resets/confirm")
	rita.openURL(link)
	rita.waitFor(selPassword)
	rita.screenshot("reset-choose")
	rita.fill(selPassword, newPassword)
	rita.fill(selConfirm, newPassword)
	rita.submit(selSubmit)
	rita.waitText("Password set")
	rita.screenshot("reset-done")
	logIn := firstActionTo(t, rita, "/v1/sessions")
	rita.navigateOK("follow the Log in action", clickAction(logIn))
	g.Expect(rita.value(selAccount)).To(Equal(ns))
	rita.fill(selEmail, user.Spec.Email)
	rita.fill(selPassword, newPassword)
	rita.submit(selSubmit)
	expectInConsole(t, rita)

	used := site.person("rita-again")
	used.openURL(link)
	used.waitText("already used")
	used.screenshot("reset-link-used")
	g.Expect(used.count("input:not([type=hidden])")).To(BeZero(), "no form for a used link: %s", used.pageText())
}
