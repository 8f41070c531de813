package console

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/testsupport"
)

// docsScreenshotsEnv names a directory the tour writes the docs' images
// to (`make screenshots` points it at docs/images); unset, the tour keeps
// its pages among the test's artifacts only.
const docsScreenshotsEnv = "TENANTRY_DOCS_SCREENSHOTS"

// The docs' images are what a laptop's browser window shows; the profile,
// a long page, is shown further down, up to profileShotHeight.
const (
	shotWidth         = 1280
	shotHeight        = 800
	profileShotHeight = 1600
)

// The tour's account, as the docs show it: named like the samples of
// `make dev`, with two services on one subscription.
const (
	tourAccount      = "acme"
	tourSubscription = "business"
	classMailbox     = "mailbox"
	classStorage     = "storage"
)

// An Owner walks through the four pages the docs show, in an account that
// looks like a real one: users in every state, services on a
// subscription, a team and a balance. Each page shows what the guide
// promises, and is kept as the docs' image when docsScreenshotsEnv asks.
func TestConsoleTour(t *testing.T) {
	site := startSite(t)
	owner, app := setUpTourAccount(t, site)
	olivia := site.person("olivia")
	steadyLook(t, olivia)
	olivia.logInPage(owner, app)
	expectInConsole(t, olivia)

	tourHome(t, olivia)
	tourUsersGrid(t, olivia)
	tourProfile(t, olivia)
	tourConnected(t, olivia, owner)
}

// setUpTourAccount makes the account: its Owner, Olivia, with two-factor
// on (returned with her authenticator), and six people besides her, each
// in a state of their own.
func setUpTourAccount(t *testing.T, site *site) (*iamv1alpha1.User, *authenticator) {
	t.Helper()
	ns := tourAccount
	if err := k8s.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
		t.Fatalf("create the account %s: %v", ns, err)
	}
	newTourClass(t, classMailbox, "Mailbox")
	newTourClass(t, classStorage, "Storage")
	sub := &iamv1alpha1.Subscription{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: tourSubscription}}
	sub.Spec.Services = []iamv1alpha1.SubscribedService{{ServiceClass: classMailbox, Quantity: 10}, {ServiceClass: classStorage, Quantity: 5}}
	if err := k8s.Create(context.Background(), sub); err != nil {
		t.Fatalf("create the subscription: %v", err)
	}

	owner := site.join(ns, "olivia", "owner", "Olivia Bennett")
	app, session := site.enrolTOTP(owner)
	site.waitTrusted(session)
	eventuallySignedIn(t, owner)

	daniel := site.join(ns, "daniel", "manager", "Daniel Okafor")
	giveServices(t, daniel, classMailbox, classStorage)
	priya := site.join(ns, "priya", "manager", "Priya Raman")
	giveServices(t, priya, classMailbox)
	signInOnce(t, site, daniel)
	signInOnce(t, site, priya)
	createTeam(t, ns, "support", "Support", daniel.Name, priya.Name)
	applyTransaction(t, ns, "daniel-welcome", daniel.Name, iamv1alpha1.TransactionRefill, "50.00", "Welcome credit")
	applyTransaction(t, ns, "daniel-storage-may", daniel.Name, iamv1alpha1.TransactionCharge, "12.50", "Extra storage, May")

	inviteTourUser(t, site, ns, "marco", "Marco Rossi", classMailbox)
	inviteTourUser(t, site, ns, "sofia", "Sofia Lindqvist")
	tomas := site.join(ns, "tomas", "manager", "Tomás García")
	signInOnce(t, site, tomas)
	changeUser(t, client.ObjectKeyFromObject(tomas), func(u *iamv1alpha1.User) { u.Spec.State = iamv1alpha1.UserStateDisabled })
	eventuallyPhase(t, tomas, iamv1alpha1.UserPhaseDisabled)
	lockOut(t, site, site.join(ns, "hana", "manager", "Hana Sato"))

	eventuallyServicesReady(t, daniel, 2)
	eventuallyServicesReady(t, priya, 1)
	eventuallySeatsUsed(t, sub, map[string]int32{classMailbox: 3, classStorage: 1})
	eventuallySettled(t, daniel, "37.50", 2)
	return owner, app
}

// tourHome: the Users tile counts the seven users and lists the states
// other than Active; the statistics and the subscription's seats follow.
func tourHome(t *testing.T, p *person) {
	t.Helper()
	g := NewWithT(t)
	p.openOK("/console/")
	p.waitFor(selTileTotal)
	g.Expect(p.text(selTileTotal)).To(Equal("7"), "from the fourth user on, the tile counts them")
	g.Expect(p.exists(selTileListed)).To(BeFalse())
	g.Expect(texts(p, selTileStatus)).To(ConsistOf("Invited 2", "Disabled 1", "Locked 1"), "the states nobody is in are left out, Active too")

	stats := texts(p, "dl.stats > div")
	g.Expect(stats).To(ContainElements("Active 3", "Inactive 4", "New in 7 days 7", "New in 30 days 7",
		"Signed in within 30 days 4"), "Olivia, Daniel, Priya and Tomás signed in")

	g.Expect(p.text("#subscriptions-tile ~ .table-wrap caption")).To(Equal(tourSubscription))
	g.Expect(texts(p, "#subscriptions-tile ~ .table-wrap tbody tr")).To(Equal([]string{
		// Service, seats, used, free: Daniel, Priya and Marco hold a
		// mailbox (Marco's waits for him to join), Daniel the storage.
		"mailbox 10 3 7", "storage 5 1 4",
	}))
	p.screenshot("home")
	docsImage(t, p, "console-home.png", windowShot)
}

// tourUsersGrid: a column per service of the subscription, with how many
// each user has and how many are not Ready, and every state as a badge.
func tourUsersGrid(t *testing.T, p *person) {
	t.Helper()
	g := NewWithT(t)
	p.openOK("/console/users")
	p.waitFor(gridRow("hana"))
	g.Expect(p.count(selGridRow)).To(Equal(7))
	g.Expect(eval[[]string](p, `[...document.querySelectorAll('table.users-grid th[data-key^="service:"]')].map(e => e.getAttribute("data-key"))`, false)).
		To(Equal([]string{"service:" + classMailbox, "service:" + classStorage}))

	// The grid is live: a user's row is replaced as their status changes
	// (Olivia's own sign-in is one), so each cell is read until it shows
	// what the account holds.
	shows := func(sel string) AsyncAssertion {
		return g.Eventually(func() string { return p.liveText(sel) }).WithTimeout(pageTimeout)
	}
	for name, status := range map[string]string{
		"olivia": "Active", "daniel": "Active", "priya": "Active",
		"marco": "Invited", "sofia": "Invited", "tomas": "Disabled", "hana": "Locked",
	} {
		shows(gridRow(name)+` td[data-key="status"] .badge`).Should(Equal(status), "the status of %s", name)
	}
	showsServices := func(name, class string) AsyncAssertion {
		return shows(gridRow(name) + ` td[data-key="service:` + class + `"]`)
	}
	showsServices("daniel", classMailbox).Should(Equal("1"))
	showsServices("daniel", classStorage).Should(Equal("1"))
	showsServices("priya", classMailbox).Should(Equal("1"))
	showsServices("marco", classMailbox).Should(Equal("1 (1 not ready)"), "an invitee's mailbox waits for them to join")
	shows(gridRow("daniel") + ` td[data-key="balance"]`).Should(ContainSubstring("37.50"))
	waitLive(t, p)
	p.screenshot("users")
	docsImage(t, p, "console-users.png", windowShot)
}

// tourProfile: Daniel, Active, with his two services Ready, his team, his
// balance from the ledger's two transactions and his history.
func tourProfile(t *testing.T, p *person) {
	t.Helper()
	g := NewWithT(t)
	p.openOK(profilePath("daniel"))
	p.waitFor(selProfileStatus)
	g.Expect(p.text(selProfileStatus)).To(Equal("Active"))
	for _, class := range []string{classMailbox, classStorage} {
		g.Expect(p.text(`.service-tile[data-service="`+class+`"] .badge`)).To(Equal("Ready"), "the %s", class)
	}
	g.Expect(p.text("#teams .team-name")).To(Equal("Support"))
	g.Expect(p.text(selBalance)).To(And(ContainSubstring("37.50"), ContainSubstring("USD")))
	g.Expect(p.text("#transactions tbody")).To(And(ContainSubstring("Welcome credit"), ContainSubstring("Extra storage, May")))
	g.Expect(p.count("#history tbody tr")).To(BeNumerically(">=", 2), "his creation and his services at least")
	g.Expect(p.text("#history tbody")).To(ContainSubstring("spec.services"))
	p.waitFor(selLogInAs)
	p.screenshot("profile")
	// The forms of his fields come first; the image shows what the guide's
	// profile is about, from his services down to his history.
	docsImage(t, p, "console-profile.png", between(p, "#services", "#history"))
}

// tourConnected: the Owner logs in as Daniel; the banner says whom the
// console acts as, and Disconnect brings her back.
func tourConnected(t *testing.T, p *person, owner *iamv1alpha1.User) {
	t.Helper()
	g := NewWithT(t)
	p.submit(selLogInAs)
	p.waitFor(selBanner)
	g.Expect(mustParse(t, p.location()).Path).To(Equal("/console/"))
	g.Expect(p.text("#log-in-as-email")).To(Equal("daniel@" + tourAccount + ".example"))
	g.Expect(p.text(selBanner)).To(ContainSubstring(owner.Spec.Email))
	g.Expect(p.text(selDisconnect)).To(Equal("Disconnect"))
	g.Expect(p.exists(selBanner + " .connected-dot")).To(BeTrue())
	p.waitFor(selTileTotal)
	p.screenshot("connected")
	docsImage(t, p, "console-connected.png", windowShot)

	p.submit(selDisconnect)
	p.waitGone(selBanner)
	g.Expect(p.text(".topbar-account")).To(ContainSubstring(owner.Spec.Email))
}

// newTourClass is a service class of ConfigMaps, ready as soon as they
// exist, named as its column so that the pages read well.
func newTourClass(t *testing.T, name, displayName string) {
	t.Helper()
	class := &iamv1alpha1.ServiceClass{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: iamv1alpha1.ServiceClassSpec{
			DisplayName: displayName, ColumnName: name,
			Template: runtime.RawExtension{Raw: []byte(`{"apiVersion":"v1","kind":"ConfigMap","data":{"owner":"${user.email}"}}`)},
		},
	}
	if err := k8s.Create(context.Background(), class); err != nil {
		t.Fatalf("create service class %s: %v", name, err)
	}
	t.Cleanup(func() { _ = k8s.Delete(context.Background(), class) })
}

// giveServices assigns the user a service of each class, as an
// administrator does with kubectl.
func giveServices(t *testing.T, u *iamv1alpha1.User, classes ...string) {
	t.Helper()
	changeUser(t, client.ObjectKeyFromObject(u), func(u *iamv1alpha1.User) {
		for _, class := range classes {
			u.Spec.Services = append(u.Spec.Services, iamv1alpha1.ServiceAssignment{ServiceClass: class})
		}
	})
}

// inviteTourUser invites someone, with services, and waits until the
// invitation is out.
func inviteTourUser(t *testing.T, site *site, ns, name, fullName string, classes ...string) {
	t.Helper()
	user := testsupport.NewUser(ns, name, name+"@"+ns+".example")
	user.Spec.FullName = fullName
	for _, class := range classes {
		user.Spec.Services = append(user.Spec.Services, iamv1alpha1.ServiceAssignment{ServiceClass: class})
	}
	testsupport.CreateUser(t, k8s, user)
	site.linkInMail(user.Spec.Email, acceptPath)
	eventuallyPhase(t, user, iamv1alpha1.UserPhaseInvited)
}

// createTeam makes a team of the members with the manager role.
func createTeam(t *testing.T, ns, name, displayName string, members ...string) {
	t.Helper()
	team := &iamv1alpha1.Team{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       iamv1alpha1.TeamSpec{DisplayName: displayName, Members: members, Role: "manager"},
	}
	if err := k8s.Create(context.Background(), team); err != nil {
		t.Fatalf("create team %s: %v", name, err)
	}
}

// applyTransaction creates a transaction in US dollars and waits until
// the ledger has applied it.
func applyTransaction(t *testing.T, ns, name, user string, kind iamv1alpha1.TransactionType, amount, description string) {
	t.Helper()
	tx := &iamv1alpha1.BalanceTransaction{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: iamv1alpha1.BalanceTransactionSpec{
			User: user, Type: kind, Amount: amount, Currency: "USD", Description: description,
		},
	}
	if err := k8s.Create(context.Background(), tx); err != nil {
		t.Fatalf("create transaction %s: %v", name, err)
	}
	NewWithT(t).Eventually(func(g Gomega) {
		g.Expect(k8s.Get(context.Background(), client.ObjectKeyFromObject(tx), tx)).To(Succeed())
		g.Expect(tx.Status.Phase).To(Equal(iamv1alpha1.TransactionApplied))
	}).WithTimeout(timeout).Should(Succeed())
}

// lockOut types a wrong password at login until the user is locked, as
// someone guessing would.
func lockOut(t *testing.T, site *site, u *iamv1alpha1.User) {
	t.Helper()
	for range 5 { // the default --lockout-threshold
		a := site.post("/v1/sessions", "", map[string]string{"account": u.Namespace, "email": u.Spec.Email, "password": "Wrong-Guess-11-Harbor"})
		if a.code == http.StatusCreated {
			t.Fatalf("log in %s with a wrong password: %s", u.Name, a.raw)
		}
	}
	eventuallyPhase(t, u, iamv1alpha1.UserPhaseLocked)
}

// signInOnce logs the user in, as their first visit would, and waits
// until the operator shows when.
func signInOnce(t *testing.T, site *site, u *iamv1alpha1.User) {
	t.Helper()
	site.logIn(u)
	eventuallySignedIn(t, u)
}

// eventuallySignedIn waits until the operator shows when the user last
// signed in: it copies the time from their credentials.
func eventuallySignedIn(t *testing.T, u *iamv1alpha1.User) {
	t.Helper()
	NewWithT(t).Eventually(func(g Gomega) {
		g.Expect(testsupport.GetUser(g, k8s, client.ObjectKeyFromObject(u)).Status.LastLoginTime).NotTo(BeNil())
	}).WithTimeout(timeout).Should(Succeed(), "the last login of %s", u.Name)
}

func eventuallyPhase(t *testing.T, u *iamv1alpha1.User, phase iamv1alpha1.UserPhase) {
	t.Helper()
	NewWithT(t).Eventually(func(g Gomega) {
		g.Expect(testsupport.GetUser(g, k8s, client.ObjectKeyFromObject(u)).Status.Phase).To(Equal(phase))
	}).WithTimeout(timeout).Should(Succeed(), "%s becomes %s", u.Name, phase)
}

// eventuallyServicesReady waits until the operator has provisioned the
// user's n services.
func eventuallyServicesReady(t *testing.T, u *iamv1alpha1.User, n int) {
	t.Helper()
	NewWithT(t).Eventually(func(g Gomega) {
		services := testsupport.GetUser(g, k8s, client.ObjectKeyFromObject(u)).Status.Services
		g.Expect(services).To(HaveLen(n))
		g.Expect(services).To(HaveEach(HaveField("Phase", iamv1alpha1.ServicePhaseReady)))
	}).WithTimeout(timeout).Should(Succeed(), "the services of %s", u.Name)
}

// eventuallySeatsUsed waits until the subscription counts the seats its
// holders use, by class.
func eventuallySeatsUsed(t *testing.T, sub *iamv1alpha1.Subscription, used map[string]int32) {
	t.Helper()
	NewWithT(t).Eventually(func(g Gomega) {
		g.Expect(k8s.Get(context.Background(), client.ObjectKeyFromObject(sub), sub)).To(Succeed())
		got := map[string]int32{}
		for _, s := range sub.Status.Services {
			got[s.ServiceClass] = s.Used
		}
		g.Expect(got).To(Equal(used))
	}).WithTimeout(timeout).Should(Succeed(), "the seats of %s", sub.Name)
}

// eventuallySettled waits until the user's status shows the balance the
// ledger came to and the operator has filed the first records of their
// history, which it does after admission took the changes.
func eventuallySettled(t *testing.T, u *iamv1alpha1.User, balance string, records int64) {
	t.Helper()
	NewWithT(t).Eventually(func(g Gomega) {
		status := testsupport.GetUser(g, k8s, client.ObjectKeyFromObject(u)).Status
		g.Expect(status.Balance).NotTo(BeNil())
		g.Expect(status.Balance.Amount).To(Equal(balance))
		g.Expect(status.History).NotTo(BeNil())
		g.Expect(status.History.FiledSequence).To(BeNumerically(">=", records))
	}).WithTimeout(timeout).Should(Succeed(), "the balance and history of %s", u.Name)
}

var spaces = regexp.MustCompile(`\s+`)

// texts are the texts of the elements sel selects, in order, each on one
// line with single spaces, as a person reads a row.
func texts(p *person, sel string) []string {
	p.t.Helper()
	got := eval[[]string](p, fmt.Sprintf(`[...document.querySelectorAll(%q)].map(e => e.innerText)`, sel), false)
	for i, s := range got {
		got[i] = strings.TrimSpace(spaces.ReplaceAllString(s, " "))
	}
	return got
}

// steadyLook makes the pages look the same on every machine and at every
// moment: the docs' window size, the light scheme, and no motion (the
// "connected" dot blinks otherwise, and an image would catch it at any
// point).
func steadyLook(t *testing.T, p *person) {
	t.Helper()
	p.do("size the window", chromedp.EmulateViewport(shotWidth, shotHeight))
	ctx, cancel := context.WithTimeout(p.ctx, pageTimeout)
	defer cancel()
	_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{
			{Name: "prefers-color-scheme", Value: "light"},
			{Name: "prefers-reduced-motion", Value: "reduce"},
		},
	})
	if err != nil {
		p.fail("prefer the light scheme and no motion", err)
	}
}

// windowShot is the part of a page the browser's window shows, from the top.
var windowShot = page.Viewport{Width: shotWidth, Height: shotHeight, Scale: 1}

// shotMargin is the room an image leaves around the cards it shows.
const shotMargin = 24

// between is the part of the page from the top of the element first
// selects to the bottom of the element last selects, the window's width
// and at most profileShotHeight high.
func between(p *person, first, last string) page.Viewport {
	p.t.Helper()
	box := eval[[]float64](p, fmt.Sprintf(`(() => {
		const top = document.querySelector(%q).getBoundingClientRect().top + window.scrollY;
		const bottom = document.querySelector(%q).getBoundingClientRect().bottom + window.scrollY;
		return [top, bottom];
	})()`, first, last), false)
	top := max(0, box[0]-shotMargin)
	return page.Viewport{Y: top, Width: shotWidth, Height: min(box[1]+shotMargin-top, profileShotHeight), Scale: 1}
}

// docsImage writes the part clip of what the person sees to file in the
// docs' directory, when docsScreenshotsEnv names one.
func docsImage(t *testing.T, p *person, file string, clip page.Viewport) {
	t.Helper()
	dir := os.Getenv(docsScreenshotsEnv)
	if dir == "" {
		return
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(root, dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(p.ctx, pageTimeout)
	defer cancel()
	shot, err := chromedp.Call(ctx, page.CaptureScreenshot, page.CaptureScreenshotParams{
		Format: page.CaptureScreenshotFormatPng, FromSurface: ptrTo(true), CaptureBeyondViewport: ptrTo(true), Clip: &clip,
	})
	if err != nil {
		p.fail("capture "+file, err)
	}
	if err := os.WriteFile(filepath.Join(dir, file), shot.Data, 0o644); err != nil { //nolint:gosec // the docs' images are public
		t.Fatal(err)
	}
}

func ptrTo[T any](v T) *T { return &v }
