package console

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"testing"

	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/testsupport"
)

// Selectors of the console's pages.
const (
	selTileListed  = "ul.tile-users li"
	selTileTotal   = ".tile-total .tile-number"
	selTileStatus  = "ul.tile-statuses li"
	selGridRow     = "table.users-grid tbody tr[data-user]"
	selInviteLink  = `a[href="/console/users/new"]`
	selPostForms   = `form[method="post"]`
	selSignOutForm = `form[action="/v1/sessions/current"]`
)

// gridRow selects the grid's row of a user.
func gridRow(name string) string { return fmt.Sprintf(`table.users-grid tr[data-user=%q]`, name) }

// An Owner signs in with a code and reads the home page: the Users tile
// lists up to three users by name, and from the fourth on their count,
// with the users not yet active counted by status.
func TestOwnerSeesTheUsersTileTurnIntoACountAtTheFourthUser(t *testing.T) {
	g := NewWithT(t)
	site := startSite(t)
	olga, owner := signedInOwner(t, site)
	ns := owner.Namespace
	olga.waitFor(selTileListed)
	g.Expect(olga.text(selTileListed)).To(ContainSubstring("Olga Owner"))
	g.Expect(olga.exists(selTileStatus)).To(BeFalse(), "no status is shown that nobody is in")
	olga.screenshot("home-one-user")

	for i, name := range []string{"ann", "ben"} {
		invite(t, site, ns, name)
		olga.open("/console/")
		olga.waitFor(selTileListed)
		g.Expect(olga.count(selTileListed)).To(Equal(i+2), "up to three users are listed")
	}
	g.Expect(olga.text("ul.tile-statuses")).To(And(ContainSubstring("Invited"), ContainSubstring("2")))
	olga.screenshot("home-three-users")

	invite(t, site, ns, "cid")
	olga.open("/console/")
	olga.waitFor(selTileTotal)
	g.Expect(olga.text(selTileTotal)).To(Equal("4"))
	g.Expect(olga.exists(selTileListed)).To(BeFalse(), "from the fourth user on, the tile counts them")
	g.Expect(olga.text("ul.tile-statuses")).To(And(ContainSubstring("Invited"), ContainSubstring("3")))
	olga.screenshot("home-four-users")
}

// invite creates a user and waits until their invitation is out, so that
// they count as Invited.
func invite(t *testing.T, site *site, ns, name string) {
	t.Helper()
	user := newUser(t, ns, name, "manager", "Member "+name)
	site.linkInMail(user.Spec.Email, acceptPath)
	NewWithT(t).Eventually(func(g Gomega) {
		g.Expect(testsupport.GetUser(g, k8s, client.ObjectKeyFromObject(user)).Status.Phase).To(Equal(iamv1alpha1.UserPhaseInvited))
	}).WithTimeout(timeout).Should(Succeed())
}

// The users grid follows changes made elsewhere, without a reload: a user
// an administrator creates with kubectl appears, a change of name shows,
// a soft-deleted user leaves the grid.
func TestUsersGridFollowsChangesWithoutAReload(t *testing.T) {
	g := NewWithT(t)
	site := startSite(t)
	olga, owner := signedInOwner(t, site)
	ns := owner.Namespace
	olga.open("/console/users")
	olga.waitFor(gridRow("olga"))
	olga.screenshot("users")
	// A reload would lose this mark.
	eval[bool](olga, "window.tenantryNoReload = true", false)
	waitLive(t, olga)

	newcomer := newUser(t, ns, "nina", "manager", "Nina Newcomer")
	olga.waitFor(gridRow("nina"))
	olga.waitText("Nina Newcomer")
	olga.screenshot("users-created-elsewhere")
	changeUser(t, client.ObjectKeyFromObject(newcomer), func(u *iamv1alpha1.User) { u.Spec.FullName = "Nina Renamed" })
	olga.waitText("Nina Renamed")
	changeUser(t, client.ObjectKeyFromObject(newcomer), func(u *iamv1alpha1.User) { u.Spec.State = iamv1alpha1.UserStateDeleted })
	olga.waitGone(gridRow("nina"))
	olga.screenshot("users-deleted-elsewhere")
	g.Expect(eval[bool](olga, "window.tenantryNoReload === true", false)).To(BeTrue(), "the page was not reloaded")
}

// waitLive waits until the grid says it follows changes, so that a change
// made next is one it sees.
func waitLive(t *testing.T, p *person) {
	t.Helper()
	p.waitFor("[data-live-status]")
	p.do("wait for the live grid", pollTrue(`document.querySelector("[data-live-grid]") !== null`))
}

// A Manager reads the users grid and the home page but is offered no
// action that changes anything.
func TestManagerReadsTheGridWithoutAnyWriteAction(t *testing.T) {
	g := NewWithT(t)
	site := startSite(t)
	ns := testsupport.NewNamespace(t, k8s)
	site.join(ns, "olga", "owner", "Olga Owner")
	manager := site.join(ns, "max", "manager", "Max Manager")
	site.waitTrusted(site.logIn(manager))

	max := site.person("max")
	max.logInPage(manager, nil)
	expectInConsole(t, max)
	max.open("/console/users")
	max.waitFor(gridRow("olga"))
	g.Expect(max.count(selGridRow)).To(Equal(2))
	g.Expect(max.exists(selInviteLink)).To(BeFalse(), "a Manager is offered no invitation")
	g.Expect(max.count(selPostForms)).To(Equal(max.count(selSignOutForm)), "the only form that writes is signing out")
	max.screenshot("users-as-manager")
	max.open("/console/")
	max.waitFor(selTileListed)
	g.Expect(max.count(selPostForms)).To(Equal(max.count(selSignOutForm)))
	max.screenshot("home-as-manager")

}

// A write forged from a Manager's page is refused by the API server, not
// only left out of the page: the Owner's form to disable a user, with its
// fields as the Owner's page has them, posted from the Manager's page with
// the Manager's own csrf value. The console takes the form (it is the
// Manager's), acts as the Manager, and shows the API server's refusal.
func TestAWriteForgedFromAManagersPageIsRefusedByTheAPIServer(t *testing.T) {
	g := NewWithT(t)
	site := startSite(t)
	ns := testsupport.NewNamespace(t, k8s)
	owner := site.join(ns, "olga", "owner", "Olga Owner")
	manager := site.join(ns, "max", "manager", "Max Manager")
	target := site.join(ns, "ann", "manager", "Ann Target")
	site.waitTrusted(site.logIn(owner))

	olga := site.person("olga")
	olga.logInPage(owner, nil)
	expectInConsole(t, olga)
	olga.openOK(profilePath("ann"))
	disable := fmt.Sprintf(`form[action=%q]`, profilePath("ann")+"/disable")
	olga.waitFor(disable)
	olga.screenshot("profile-as-owner")
	form := eval[forgedForm](olga, `(() => {
		const f = document.querySelector(`+strconv.Quote(disable)+`);
		return {action: f.getAttribute("action"), fields: [...new FormData(f)].map(([k, v]) => [k, String(v)])};
	})()`, false)

	max := site.person("max")
	max.logInPage(manager, nil)
	expectInConsole(t, max)
	max.openOK(profilePath("ann"))
	g.Expect(max.exists(disable)).To(BeFalse(), "a Manager is not offered to disable")
	max.screenshot("profile-as-manager")
	csrf := eval[string](max, `document.querySelector('input[name="csrf"]').value`, false)
	g.Expect(csrf).NotTo(BeEmpty())
	for i, kv := range form.Fields {
		if kv[0] == "csrf" {
			form.Fields[i][1] = csrf
		}
	}
	fields, err := json.Marshal(form.Fields)
	g.Expect(err).NotTo(HaveOccurred())
	status := max.navigate("post the forged form", evalVoid(fmt.Sprintf(`(() => {
		const f = document.createElement("form");
		f.method = "post";
		f.action = %s;
		for (const [k, v] of %s) {
			const i = document.createElement("input");
			i.type = "hidden"; i.name = k; i.value = v;
			f.appendChild(i);
		}
		document.body.appendChild(f);
		f.submit();
	})()`, strconv.Quote(form.Action), fields)))
	max.screenshot("forged-write-refused")
	g.Expect(status).To(BeEquivalentTo(http.StatusForbidden), "the API server's answer")
	g.Expect(max.pageText()).To(MatchRegexp(`(?i)forbidden|not allow|may not|cannot|permission`), "the API server's refusal is shown")
	g.Expect(max.pageText()).NotTo(ContainSubstring("form cannot be accepted"), "the console took the form: it is the Manager's own")
	user := &iamv1alpha1.User{}
	g.Expect(k8s.Get(t.Context(), client.ObjectKeyFromObject(target), user)).To(Succeed())
	g.Expect(user.Spec.State).To(Equal(iamv1alpha1.UserStateActive), "the user was not disabled")
}

// profilePath is the address of a user's profile.
func profilePath(name string) string { return "/console/users/" + name }

// forgedForm is a form as a page has it: where it posts and its fields.
type forgedForm struct {
	Action string      `json:"action"`
	Fields [][2]string `json:"fields"`
}

// A page of one account never shows the users of another: neither the
// grid, nor the home tile, nor a user's page, nor the live updates.
func TestAnAccountsPagesNeverShowAnothersUsers(t *testing.T) {
	g := NewWithT(t)
	site := startSite(t)
	ours := testsupport.NewNamespace(t, k8s)
	theirs := testsupport.NewNamespace(t, k8s)
	owner := site.join(ours, "olga", "owner", "Olga Owner")
	newUser(t, ours, "ann", "manager", "Ann Ours")
	newUser(t, theirs, "tom", "owner", "Tom Theirs")
	newUser(t, theirs, "tia", "manager", "Tia Theirs")
	site.waitTrusted(site.logIn(owner))

	olga := site.person("olga")
	olga.logInPage(owner, nil)
	expectInConsole(t, olga)
	olga.open("/console/")
	olga.waitFor(selTileListed)
	g.Expect(olga.pageText()).NotTo(Or(ContainSubstring("Theirs"), ContainSubstring(theirs)))
	olga.screenshot("home")

	olga.open("/console/users")
	olga.waitFor(gridRow("ann"))
	waitLive(t, olga)
	newUser(t, theirs, "tess", "manager", "Tess Theirs")
	newUser(t, ours, "amy", "manager", "Amy Ours")
	olga.waitFor(gridRow("amy"))
	g.Expect(olga.count(selGridRow)).To(Equal(3))
	g.Expect(olga.pageText()).NotTo(Or(ContainSubstring("Theirs"), ContainSubstring(theirs)))
	olga.screenshot("users")

	for _, path := range []string{"/console/users/tom", "/console/users?q=Theirs", "/console/users?namespace=" + theirs} {
		status := olga.open(path)
		olga.screenshot("other-account-" + path)
		g.Expect(olga.pageText()).NotTo(Or(ContainSubstring("Theirs"), ContainSubstring("tom@")), "%s (HTTP %d)", path, status)
	}
}
