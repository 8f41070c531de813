package console

import (
	"errors"
	"fmt"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/testsupport"
)

// Selectors of a user's profile and of the confirmation of a delete.
const (
	selNotice        = "#notice"
	selProblem       = "#problem"
	selProfileStatus = "#profile-status"
	selBalance       = "#balance-amount"
	selRefillSubmit  = `#action-refill button[type="submit"]`
	selCancel        = "#action-cancel"
	selLogInAs       = `#action-log-in-as button[type="submit"]`
	selBanner        = ".login-as-banner"
	selDisconnect    = `.login-as-end button[type="submit"]`
	selDisable       = `#action-disable button[type="submit"]`
	selDelete        = "#action-delete"
	selConfirmName   = "#confirm-name"
	selConfirmInput  = `#confirm-form input[name="confirm"]`
	selConfirmSubmit = "#confirm-submit"
	selConfirmError  = "#field-confirm-error"
)

// signedInOwner is an Owner of a new account with two-factor on, signed
// in to the console in their browser.
func signedInOwner(t *testing.T, site *site) (*person, *iamv1alpha1.User) {
	t.Helper()
	ns := testsupport.NewNamespace(t, k8s)
	owner := site.join(ns, "olga", "owner", "Olga Owner")
	app, session := site.enrolTOTP(owner)
	site.waitTrusted(session)
	olga := site.person("olga")
	olga.logInPage(owner, app)
	expectInConsole(t, olga)
	return olga, owner
}

// The Owner invites a user with a service from the account's
// subscription, seeing its free seats; the invitee accepts from the
// caught email, and the Owner's grid follows without a reload.
func TestOwnerInvitesWithAServiceAndTheGridFollowsTheInvitee(t *testing.T) {
	g := NewWithT(t)
	site := startSite(t)
	olga, owner := signedInOwner(t, site)
	ns := owner.Namespace
	class := newConfigMapClass(t, "mailbox")
	newSubscription(t, ns, "basic", class.Name, 2)

	olga.openOK("/console/users/new")
	olga.waitFor("#service-" + class.Name)
	g.Expect(olga.text(`label[for="service-` + class.Name + `"] .seats`)).To(Equal("2 of 2 seats free"))
	olga.fill(`#invite-form input[name="name"]`, "ivan")
	olga.fill(`#invite-form input[name="fullName"]`, "Ivan Invitee")
	olga.fill(`#invite-form input[name="email"]`, "ivan@"+ns+".example")
	olga.do("pick the service", clickCSS("#service-"+class.Name))
	olga.screenshot("invite")
	olga.submit(`#invite-form button[type="submit"]`)
	olga.waitFor(selNotice)
	g.Expect(mustParse(t, olga.location()).Path).To(Equal(profilePath("ivan")))
	olga.waitFor(`.service-tile[data-service="` + class.Name + `"]`)
	olga.screenshot("invited-profile")

	olga.open("/console/users")
	olga.waitFor(gridRow("ivan"))
	g.Expect(olga.text(gridRow("ivan") + ` td[data-key="status"]`)).To(Equal("Invited"))
	if n := olga.count(`table.users-grid th[data-key^="service:"]`); n != 1 {
		t.Errorf("the grid has %d columns for the one service class assigned: %v", n,
			eval[[]string](olga, `[...document.querySelectorAll("table.users-grid th")].map(e => e.getAttribute("data-key"))`, false))
	}
	eval[bool](olga, "window.tenantryNoReload = true", false)
	waitLive(t, olga)
	olga.screenshot("users-invited")

	ivan := site.person("ivan")
	ivan.openURL(site.linkInMail("ivan@"+ns+".example", acceptPath))
	ivan.fill(selPassword, password)
	ivan.fill(selConfirm, password)
	ivan.submit(selSubmit)
	ivan.waitText("Password set")

	olga.waitFor(gridRow("ivan") + ` td[data-key="status"] .badge`)
	olga.do("wait for the invitee to show as active", pollTrue(fmt.Sprintf(
		`document.querySelector(%q).textContent.trim() === "Active"`, gridRow("ivan")+` td[data-key="status"]`)))
	NewWithT(t).Eventually(func(g Gomega) {
		u := testsupport.GetUser(g, k8s, client.ObjectKey{Namespace: ns, Name: "ivan"})
		g.Expect(u.Status.Services).To(ConsistOf(HaveField("Phase", iamv1alpha1.ServicePhaseReady)))
	}).WithTimeout(timeout).Should(Succeed(), "the operator provisions the mailbox once the invitee joined")
	olga.do("wait for the invitee's mailbox", pollTrue(fmt.Sprintf(
		`(document.querySelector(%q) || {textContent: ""}).textContent.trim() === "1"`, gridRow("ivan")+` td[data-key="service:`+class.Name+`"]`)))
	olga.screenshot("users-invitee-active")
	g.Expect(eval[bool](olga, "window.tenantryNoReload === true", false)).To(BeTrue(), "the page was not reloaded")
}

// The Owner refills a user's balance twice and cancels the latest
// transaction: only the latest applied one is offered, then the one
// before it is.
func TestOwnerRefillsAndCancelsTheLatestTransaction(t *testing.T) {
	g := NewWithT(t)
	site := startSite(t)
	olga, owner := signedInOwner(t, site)
	site.join(owner.Namespace, "ann", "manager", "Ann Member")
	profile := profilePath("ann")

	olga.openOK(profile)
	refill(t, olga, "10.00", "First refill")
	eventuallyOnPage(t, olga, profile, selBalance, ContainSubstring("10.00"))
	refill(t, olga, "5.00", "Second refill")
	eventuallyOnPage(t, olga, profile, selBalance, ContainSubstring("15.00"))
	eventuallyOnPage(t, olga, profile, "#transactions tbody", And(ContainSubstring("First refill"), ContainSubstring("Second refill")))
	g.Expect(olga.count(selCancel)).To(Equal(1), "only one transaction is cancellable")
	g.Expect(olga.text(transactionRowWith(olga, "Second refill"))).To(ContainSubstring("Cancel"), "the latest is")
	olga.screenshot("two-refills")

	olga.submit(selCancel + ` button[type="submit"]`)
	eventuallyOnPage(t, olga, profile, selBalance, ContainSubstring("10.00"))
	eventuallyOnPage(t, olga, profile, transactionRowWith(olga, "First refill"), ContainSubstring("Cancel"))
	g.Expect(olga.count(selCancel)).To(Equal(1))
	olga.screenshot("latest-cancelled")
}

// refill sends the profile's refill form.
func refill(t *testing.T, p *person, amount, description string) {
	t.Helper()
	p.fill(`#action-refill input[name="amount"]`, amount)
	p.fill(`#action-refill input[name="description"]`, description)
	p.submit(selRefillSubmit)
}

// transactionRowWith selects the row of the transactions table whose
// description is description.
func transactionRowWith(p *person, description string) string {
	p.t.Helper()
	name := eval[string](p, fmt.Sprintf(`(() => {
		for (const tr of document.querySelectorAll("#transactions tbody tr")) {
			if (tr.textContent.includes(%q)) return tr.getAttribute("data-transaction");
		}
		return "";
	})()`, description), false)
	if name == "" {
		p.fail("find the transaction "+description, fmt.Errorf("no row holds it"))
	}
	return fmt.Sprintf(`#transactions tr[data-transaction=%q]`, name)
}

// eventuallyOnPage opens path until the text of sel matches: the
// operator applies what a form asked for a moment later. A timeout fails
// with what the page says.
func eventuallyOnPage(t *testing.T, p *person, path, sel string, matcher OmegaMatcher) {
	t.Helper()
	g := NewGomega(func(message string, _ ...int) {
		p.fail("wait for "+sel+" on "+path, errors.New(message))
	})
	g.Eventually(func(g Gomega) {
		p.open(path)
		g.Expect(p.count(sel)).To(BeNumerically(">", 0), "no %s", sel)
		g.Expect(p.text(sel)).To(matcher)
	}).WithTimeout(timeout).WithPolling(500 * time.Millisecond).Should(Succeed())
}

// The Owner logs in as a user: every page shows a banner with the user's
// email, a connected indicator and Disconnect; disconnecting brings the
// Owner back. The user's events and change history record it.
func TestOwnerLogsInAsAUserAndDisconnects(t *testing.T) {
	g := NewWithT(t)
	site := startSite(t)
	olga, owner := signedInOwner(t, site)
	ann := site.join(owner.Namespace, "ann", "manager", "Ann Member")

	olga.openOK(profilePath("ann"))
	olga.submit(selLogInAs)
	olga.waitFor(selBanner)
	g.Expect(olga.text(selBanner)).To(And(ContainSubstring(ann.Spec.Email), ContainSubstring(owner.Spec.Email)))
	g.Expect(olga.exists(selBanner + " .connected-dot")).To(BeTrue())
	g.Expect(olga.text(".topbar-account")).To(ContainSubstring(ann.Spec.Email), "the console acts as the user")
	olga.screenshot("connected-home")
	olga.open("/console/users")
	olga.waitFor(selBanner)
	olga.screenshot("connected-users")

	olga.submit(selDisconnect)
	olga.waitGone(selBanner)
	g.Expect(olga.text(".topbar-account")).To(ContainSubstring(owner.Spec.Email))
	olga.screenshot("disconnected")

	NewWithT(t).Eventually(func(g Gomega) {
		g.Expect(testsupport.EventsOn(g, k8s, ann)).To(ContainElements(
			And(ContainSubstring("ImpersonationStarted"), ContainSubstring(owner.Spec.Email)),
			ContainSubstring("ImpersonationEnded")))
	}).WithTimeout(timeout).Should(Succeed())
	changes := &iamv1alpha1.UserChangeList{}
	g.Expect(k8s.List(t.Context(), changes, client.InNamespace(ann.Namespace), client.MatchingLabels{iamv1alpha1.UserLabel: "ann"})).To(Succeed())
	var loggedInAs []string
	for _, c := range changes.Items {
		if c.Spec.Action == iamv1alpha1.ChangeLoggedInAs {
			loggedInAs = append(loggedInAs, c.Spec.Requester.Username)
		}
	}
	g.Expect(loggedInAs).To(ConsistOf(owner.Spec.Email))
}

// The Owner disables a user, then deletes them, confirming with their
// name: a confirmation that names someone else deletes nothing.
func TestOwnerDisablesAndDeletesWithConfirmation(t *testing.T) {
	g := NewWithT(t)
	site := startSite(t)
	olga, owner := signedInOwner(t, site)
	ann := site.join(owner.Namespace, "ann", "manager", "Ann Member")
	key := client.ObjectKeyFromObject(ann)

	olga.openOK(profilePath("ann"))
	olga.submit(selDisable)
	olga.waitFor(selNotice)
	g.Expect(testsupport.GetUser(g, k8s, key).Spec.State).To(Equal(iamv1alpha1.UserStateDisabled))
	eventuallyOnPage(t, olga, profilePath("ann"), selProfileStatus, Equal("Disabled"))
	olga.screenshot("disabled")

	olga.navigateOK("open the delete confirmation", clickCSS(selDelete))
	olga.waitFor(selConfirmName)
	g.Expect(olga.text(selConfirmName)).To(Equal("ann"))
	g.Expect(olga.text("#confirm-email")).To(Equal(ann.Spec.Email))
	olga.screenshot("delete-confirm")
	olga.fill(selConfirmInput, "olga")
	g.Expect(olga.submitStatus(selConfirmSubmit)).To(BeNumerically(">=", 400))
	olga.waitFor(selConfirmError)
	olga.screenshot("delete-confirm-wrong-name")
	g.Expect(testsupport.GetUser(g, k8s, key).Spec.State).To(Equal(iamv1alpha1.UserStateDisabled), "nothing was deleted")

	olga.fill(selConfirmInput, "ann")
	olga.submit(selConfirmSubmit)
	olga.waitFor(selNotice)
	olga.screenshot("deleted")
	g.Expect(testsupport.GetUser(g, k8s, key).Spec.State).To(Equal(iamv1alpha1.UserStateDeleted))
	olga.open("/console/users")
	olga.waitFor(gridRow("olga"))
	g.Expect(olga.exists(gridRow("ann"))).To(BeFalse(), "a deleted user leaves the grid")
}
