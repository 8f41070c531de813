package console

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/testsupport"
)

// Values that would be markup if a page pasted them into its HTML: tags
// with handlers, script, quotes that would end an attribute, and an
// entity that would be read as one. Each is within what admission admits
// for its field (fullName: one line of at most 50). The names of people
// who must get an invitation hold no double quote: the mail sender cannot
// address one (see hostileName3).
const (
	hostileName  = `<img src=x onerror=alert(1)>'&amp;`
	hostileName2 = `<script>alert('x')</script>&lt;`
	// hostileName3 has double quotes: its user is never invited.
	hostileName3   = `"><svg onload=alert(3)>`
	hostileLocal   = `'"><b>bold</b>`
	hostileAddress = "<script>document.title='pwned'</script>\n<img src=x onerror=alert(2)>\n\"quoted\" & 'single'"
	hostileBank    = `</td><td onclick=alert(4)>Bank "&" Co`
	hostileQuery   = `"><script>alert(5)</script>`
)

// Every value a person or an administrator wrote is shown as text: on
// every page that shows one, the DOM holds it as text and nothing it
// could have injected (an element, a handler attribute, a script).
func TestWhatPeopleWroteIsTextOnEveryPage(t *testing.T) {
	g := NewWithT(t)
	site := startSite(t)
	ns := testsupport.NewNamespace(t, k8s)
	owner := site.join(ns, "owner", "owner", hostileName)
	site.waitTrusted(site.logIn(owner))
	weird := newUser(t, ns, "weird", "", hostileName2)
	hostileEmail := hostileLocal + "@" + ns + ".example"
	changeUser(t, client.ObjectKeyFromObject(weird), func(u *iamv1alpha1.User) {
		u.Spec.Profile = &iamv1alpha1.UserProfile{
			LegalAddress: hostileAddress, PostalAddress: hostileAddress, AdditionalInfo: hostileAddress,
			Bank: hostileBank, BankAccount: hostileBank, PayerNumber: hostileName3, PreferredMap: hostileName3,
		}
	})
	quoted := &iamv1alpha1.User{}
	quoted.Namespace, quoted.Name = ns, "quoted"
	quoted.Spec = iamv1alpha1.UserSpec{FullName: hostileName3, Email: hostileEmail, Role: "manager"}
	testsupport.CreateUser(t, k8s, quoted)

	// The invitee's page names them before they join.
	invitee := site.person("invitee")
	invitee.openURL(site.linkInMail(weird.Spec.Email, acceptPath))
	invitee.waitFor(selPassword)
	expectText(t, invitee, "invitation", hostileName2)

	owner1 := site.person("owner")
	owner1.logInPage(owner, nil)
	expectInConsole(t, owner1)
	owner1.open("/console/")
	owner1.waitFor("main")
	expectText(t, owner1, "home", hostileName, hostileName2, hostileName3)

	owner1.open("/console/users")
	owner1.waitFor(`tr[data-user="quoted"]`)
	expectText(t, owner1, "users", hostileName, hostileName2, hostileName3, hostileEmail)
	owner1.open("/console/users?view=tiles")
	owner1.waitFor(`[data-user="quoted"]`)
	expectText(t, owner1, "users-tiles", hostileName, hostileName2, hostileName3, hostileEmail)

	// A search echoes what was typed, in its field and nowhere as markup.
	owner1.open("/console/users?q=" + url.QueryEscape(hostileQuery))
	owner1.waitFor(`input[name="q"]`)
	g.Expect(owner1.value(`input[name="q"]`)).To(Equal(hostileQuery))
	expectText(t, owner1, "users-search")
	owner1.open("/console/users?q=" + url.QueryEscape(hostileLocal))
	owner1.waitFor(`tr[data-user="quoted"]`)
	expectText(t, owner1, "users-search-found", hostileEmail)

	// The profile shows them as text, and in its fields to edit them as
	// they are: saving the form unchanged changes nothing.
	owner1.openOK(profilePath("weird"))
	expectText(t, owner1, "profile", hostileName2, hostileBank, hostileName3)
	values := eval[[]string](owner1, `[...document.querySelectorAll("main input, main textarea")].map(e => e.value)`, false)
	g.Expect(values).To(ContainElements(hostileName2, hostileAddress, hostileBank, hostileName3))
	owner1.submit(`form.profile-form:has(textarea) button[type="submit"]`)
	owner1.waitFor(selNotice)
	expectText(t, owner1, "profile-saved", hostileName2, hostileBank)
	saved := testsupport.GetUser(g, k8s, client.ObjectKeyFromObject(weird))
	g.Expect(saved.Spec.Profile.LegalAddress).To(Equal(hostileAddress))
	g.Expect(saved.Spec.Profile.Bank).To(Equal(hostileBank))
	g.Expect(saved.Spec.Profile.PayerNumber).To(Equal(hostileName3))

	// An invitation the API server refuses names what it refused: the
	// values typed come back in their fields and as text in the message.
	owner1.openOK("/console/users/new")
	owner1.fill(`#invite-form input[name="name"]`, hostileName3)
	owner1.fill(`#invite-form input[name="fullName"]`, hostileName2)
	owner1.fill(`#invite-form input[name="email"]`, "x@"+ns+".example")
	g.Expect(owner1.submitStatus(`#invite-form button[type="submit"]`)).To(BeNumerically(">=", 400))
	expectText(t, owner1, "invite-refused", hostileName3)
	g.Expect(owner1.value(`#invite-form input[name="name"]`)).To(Equal(hostileName3))
	g.Expect(owner1.value(`#invite-form input[name="fullName"]`)).To(Equal(hostileName2))
}

// expectText checks the page shown: each value is in its text, and the
// page holds no element or attribute that a value could have brought in.
func expectText(t *testing.T, p *person, page string, values ...string) {
	t.Helper()
	p.screenshot(page)
	injected := eval[[]string](p, `(() => {
		const found = [];
		for (const e of document.querySelectorAll("*")) {
			for (const a of e.attributes) {
				if (a.name.startsWith("on")) found.push(e.tagName + " has " + a.name);
			}
		}
		for (const s of document.querySelectorAll("script")) {
			if (!(s.getAttribute("src") || "").startsWith("/assets/")) found.push("a script not from /assets/: " + s.outerHTML);
		}
		for (const e of document.querySelectorAll("svg, iframe, object, embed, b, img[src='x']")) {
			found.push("an element " + e.outerHTML);
		}
		if (document.title.includes("pwned")) found.push("the title changed: " + document.title);
		return found;
	})()`, false)
	if len(injected) > 0 {
		p.fail(page+": markup came in", fmt.Errorf("%s", strings.Join(injected, "; ")))
	}
	text := eval[string](p, "document.body.textContent", false)
	for _, v := range values {
		for _, line := range strings.Split(v, "\n") {
			if !strings.Contains(text, line) {
				p.fail(page+": the value is not shown as text", fmt.Errorf("no %q", line))
			}
		}
	}
}

// changeUser changes a user as an administrator with kubectl would.
func changeUser(t *testing.T, key client.ObjectKey, change func(*iamv1alpha1.User)) {
	t.Helper()
	NewWithT(t).Eventually(func(g Gomega) {
		g.Expect(testsupport.ChangeUser(g, k8s, key, change)).To(Succeed())
	}).WithTimeout(timeout).Should(Succeed())
}
