package console_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/testsupport"
)

func TestInviteCreatesTheUserAsThePerson(t *testing.T) {
	g := gomega.NewWithT(t)
	a := newAccount(t)
	a.addPersonWith(t, "olivia", ownerRules)
	must(t, k8s.Create(context.Background(), &iamv1alpha1.Subscription{
		ObjectMeta: metav1.ObjectMeta{Namespace: a.ns, Name: "plan"},
		Spec:       iamv1alpha1.SubscriptionSpec{Services: []iamv1alpha1.SubscribedService{{ServiceClass: "mailbox", Quantity: 3}}},
	}))

	page := a.get("olivia", "/console/users/new")
	g.Expect(page.Code).To(gomega.Equal(http.StatusOK))
	g.Expect(page.Body.String()).To(gomega.ContainSubstring(`id="invite-form"`))
	g.Expect(page.Body.String()).To(gomega.ContainSubstring(`name="services" value="mailbox"`))
	g.Expect(page.Body.String()).To(gomega.ContainSubstring("3 of 3 seats free"))
	g.Expect(page.Body.String()).To(gomega.ContainSubstring(`<option value="manager">manager</option>`))

	// A refused invitation keeps what was typed, as text, and says why
	// next to the field.
	w := a.post("olivia", "/console/users/new", form("olivia", "name", "carol", "fullName", hostile, "email", `x"><script>y@`))
	g.Expect(w.Code).To(gomega.Equal(http.StatusUnprocessableEntity), w.Body.String())
	body := w.Body.String()
	g.Expect(body).To(gomega.MatchRegexp(`id="field-email-error">[^<]*email must be a valid address`))
	g.Expect(body).To(gomega.ContainSubstring(`value="` + hostileEscaped + `"`))
	g.Expect(body).NotTo(gomega.ContainSubstring("<script>"))

	w = a.post("olivia", "/console/users/new", form("olivia", "name", "carol", "fullName", "Carol Example",
		"email", "carol@acme.example", "role", "manager", "services", "mailbox"))
	g.Expect(w.Code).To(gomega.Equal(http.StatusSeeOther), w.Body.String())
	g.Expect(w.Header().Get("Location")).To(gomega.Equal("/console/users/carol?notice=invited"))
	carol := a.user(t, "carol")
	g.Expect(carol.Spec).To(gomega.Equal(iamv1alpha1.UserSpec{FullName: "Carol Example", Email: "carol@acme.example", Role: "manager",
		State: iamv1alpha1.UserStateActive, Services: []iamv1alpha1.ServiceAssignment{{ServiceClass: "mailbox"}}}))
	// Admission recorded the change as the person's: the console never
	// writes as anyone else.
	g.Expect(carol.Annotations[iamv1alpha1.PendingChangesAnnotation]).To(gomega.ContainSubstring("system:serviceaccount:" + a.ns + ":olivia"))

	// The same name again: the API server's words.
	w = a.post("olivia", "/console/users/new", form("olivia", "name", "carol", "fullName", "Carol Again", "email", "carol2@acme.example"))
	g.Expect(w.Code).To(gomega.Equal(http.StatusConflict))
	g.Expect(w.Body.String()).To(gomega.ContainSubstring(`User &#34;carol&#34; already exists: choose another name.`))
}

func TestManagerSeesNoActionAndAForgedPostIsRefused(t *testing.T) {
	g := gomega.NewWithT(t)
	a := newAccount(t)
	a.addPersonWith(t, "mark", managerRules)
	a.createUser(t, "alice", "Alice Example")

	page := a.get("mark", "/console/users/alice").Body.String()
	g.Expect(page).NotTo(gomega.ContainSubstring(`id="profile-actions"`))
	g.Expect(a.get("mark", "/console/users/new").Body.String()).To(gomega.ContainSubstring(`id="invite-not-allowed"`))
	g.Expect(a.get("mark", "/console/users/alice/delete").Body.String()).NotTo(gomega.ContainSubstring(`id="confirm-form"`))

	// A form post made by hand reaches the API server, which refuses it.
	for action, verb := range map[string]string{"disable": "patch", "reset-password": "patch", "role": "patch"} {
		w := a.post("mark", "/console/users/alice/"+action, form("mark", "role", "owner"))
		g.Expect(w.Code).To(gomega.Equal(http.StatusForbidden), action)
		g.Expect(w.Body.String()).To(gomega.ContainSubstring("Your role does not allow this: you may not "+verb+" user &#34;alice&#34;."), action)
	}
	w := a.post("mark", "/console/users/alice/refill", form("mark", "amount", "10.00", "currency", "USD"))
	g.Expect(w.Code).To(gomega.Equal(http.StatusForbidden))
	g.Expect(w.Body.String()).To(gomega.ContainSubstring("Your role does not allow this: you may not create balancetransactions."))
	w = a.post("mark", "/console/users/new", form("mark", "name", "eve", "fullName", "Eve Example", "email", "eve@acme.example"))
	g.Expect(w.Code).To(gomega.Equal(http.StatusForbidden))
	w = a.post("mark", "/console/users/alice/delete", form("mark", "confirm", "alice"))
	g.Expect(w.Code).To(gomega.Equal(http.StatusForbidden))

	alice := a.user(t, "alice")
	g.Expect(alice.Spec.State).To(gomega.Equal(iamv1alpha1.UserStateActive))
	g.Expect(alice.Spec.Role).To(gomega.Equal("manager"))
	g.Expect(alice.Annotations).NotTo(gomega.HaveKey(iamv1alpha1.ResetPasswordAnnotation))
}

func TestActionsPatchAsThePluginDoes(t *testing.T) {
	g := gomega.NewWithT(t)
	a := newAccount(t)
	a.addPersonWith(t, "olivia", ownerRules)
	a.createUser(t, "alice", "Alice Example")

	for action, annotation := range map[string]string{
		"resend": iamv1alpha1.ResendInvitationAnnotation, "unlock": iamv1alpha1.UnlockAnnotation,
		"reset-password": iamv1alpha1.ResetPasswordAnnotation, "reset-2fa": iamv1alpha1.ResetTwoFactorAnnotation,
	} {
		w := a.post("olivia", "/console/users/alice/"+action, form("olivia"))
		g.Expect(w.Code).To(gomega.Equal(http.StatusSeeOther), action)
		g.Expect(w.Header().Get("Location")).To(gomega.HavePrefix("/console/users/alice?notice="))
		g.Expect(a.user(t, "alice").Annotations).To(gomega.HaveKey(annotation), action)
	}
	w := a.post("olivia", "/console/users/alice/disable", form("olivia"))
	g.Expect(w.Header().Get("Location")).To(gomega.Equal("/console/users/alice?notice=disabled"))
	g.Expect(a.user(t, "alice").Spec.State).To(gomega.Equal(iamv1alpha1.UserStateDisabled))
	g.Expect(a.get("olivia", "/console/users/alice?notice=disabled").Body.String()).To(gomega.ContainSubstring("The user is disabled"))
	a.post("olivia", "/console/users/alice/enable", form("olivia"))
	g.Expect(a.user(t, "alice").Spec.State).To(gomega.Equal(iamv1alpha1.UserStateActive))

	// A role the API server refuses: its words next to the role's select.
	w = a.post("olivia", "/console/users/alice/role", form("olivia", "role", "Not A Role"))
	g.Expect(w.Code).To(gomega.Equal(http.StatusUnprocessableEntity), w.Body.String())
	g.Expect(w.Body.String()).To(gomega.MatchRegexp(`id="field-role-error">[^<]*role must be the name of a Role`))
	a.post("olivia", "/console/users/alice/role", form("olivia", "role", "owner"))
	g.Expect(a.user(t, "alice").Spec.Role).To(gomega.Equal("owner"))
}

func TestDeleteConfirmsRestoresAndPurges(t *testing.T) {
	g := gomega.NewWithT(t)
	a := newAccount(t)
	a.addPersonWith(t, "olivia", ownerRules)
	a.createUser(t, "bob", "Bob "+hostile)

	page := a.get("olivia", "/console/users/bob/delete")
	g.Expect(page.Code).To(gomega.Equal(http.StatusOK))
	g.Expect(page.Body.String()).To(gomega.ContainSubstring(`id="confirm-email">bob@acme.example<`))
	g.Expect(page.Body.String()).To(gomega.ContainSubstring(hostileEscaped))
	g.Expect(page.Body.String()).NotTo(gomega.ContainSubstring("<script>alert"))

	w := a.post("olivia", "/console/users/bob/delete", form("olivia", "confirm", "alice"))
	g.Expect(w.Code).To(gomega.Equal(http.StatusUnprocessableEntity))
	g.Expect(w.Body.String()).To(gomega.ContainSubstring(`id="field-confirm-error"`))
	g.Expect(a.user(t, "bob").Spec.State).To(gomega.Equal(iamv1alpha1.UserStateActive))

	w = a.post("olivia", "/console/users/bob/delete", form("olivia", "confirm", " BOB@acme.example "))
	g.Expect(w.Code).To(gomega.Equal(http.StatusSeeOther), w.Body.String())
	g.Expect(w.Header().Get("Location")).To(gomega.Equal("/console/users/bob?notice=deleted"))
	g.Expect(a.user(t, "bob").Spec.State).To(gomega.Equal(iamv1alpha1.UserStateDeleted))
	profile := a.get("olivia", "/console/users/bob").Body.String()
	g.Expect(profile).To(gomega.ContainSubstring(`id="action-restore"`))
	g.Expect(profile).To(gomega.ContainSubstring(`id="action-purge"`))
	g.Expect(profile).NotTo(gomega.ContainSubstring(`id="action-disable"`))

	w = a.post("olivia", "/console/users/bob/restore", form("olivia"))
	g.Expect(w.Header().Get("Location")).To(gomega.Equal("/console/users/bob?notice=restored"))
	g.Expect(a.user(t, "bob").Spec.State).To(gomega.Equal(iamv1alpha1.UserStateActive))

	// A purge is of a soft-deleted user only, and needs its confirmation.
	w = a.post("olivia", "/console/users/bob/purge", form("olivia", "confirm", "bob"))
	g.Expect(w.Code).To(gomega.Equal(http.StatusConflict))
	a.post("olivia", "/console/users/bob/delete", form("olivia", "confirm", "bob"))
	w = a.post("olivia", "/console/users/bob/purge", form("olivia", "confirm", "bob"))
	g.Expect(w.Code).To(gomega.Equal(http.StatusSeeOther), w.Body.String())
	g.Expect(w.Header().Get("Location")).To(gomega.Equal("/console/users/bob?notice=purged"))
	gone := &iamv1alpha1.User{}
	err := k8s.Get(context.Background(), client.ObjectKey{Namespace: a.ns, Name: "bob"}, gone)
	g.Expect(client.IgnoreNotFound(err) != nil || !gone.DeletionTimestamp.IsZero()).To(gomega.BeTrue(), "deleted or being deleted")
	g.Expect(a.get("olivia", "/console/users/bob?notice=purged").Code).To(gomega.Equal(http.StatusOK))
}

// The ledger applies and cancels transactions: these tests run the
// manager, as the cluster does.
func TestRefillThenCancelTheLatest(t *testing.T) {
	g := gomega.NewWithT(t)
	testsupport.StartManager(t, cfg, testsupport.ManagerOptions(t, testsupport.StartSMTP(t)))
	a := newAccount(t)
	a.addPersonWith(t, "olivia", ownerRules)
	a.createUser(t, "alice", "Alice Example")
	g.Eventually(func(g gomega.Gomega) {
		g.Expect(a.user(t, "alice").Status.Balance).NotTo(gomega.BeNil())
	}).WithTimeout(testsupport.Timeout).Should(gomega.Succeed())

	page := a.get("olivia", "/console/users/alice").Body.String()
	g.Expect(page).To(gomega.ContainSubstring(`id="refill-currency">USD<`))
	refill := func(amount string) {
		t.Helper()
		key := regexpFind(t, page, `name="key" value="([0-9a-f]{8})"`)
		w := a.post("olivia", "/console/users/alice/refill", form("olivia", "amount", amount, "description", "Top-up "+hostile, "key", key))
		g.Expect(w.Code).To(gomega.Equal(http.StatusSeeOther), w.Body.String())
		g.Expect(w.Header().Get("Location")).To(gomega.Equal("/console/users/alice?notice=refilled"))
		// The same form sent again names the same transaction: refused.
		w = a.post("olivia", "/console/users/alice/refill", form("olivia", "amount", amount, "key", key))
		g.Expect(w.Code).To(gomega.Equal(http.StatusConflict), "a refill form sent twice")
	}
	refill("10.00")
	g.Eventually(func(g gomega.Gomega) {
		g.Expect(a.user(t, "alice").Status.Balance.Amount).To(gomega.Equal("10.00"))
	}).WithTimeout(testsupport.Timeout).Should(gomega.Succeed())
	page = a.get("olivia", "/console/users/alice").Body.String()
	refill("5.50")
	g.Eventually(func(g gomega.Gomega) {
		g.Expect(a.user(t, "alice").Status.Balance.Amount).To(gomega.Equal("15.50"))
	}).WithTimeout(testsupport.Timeout).Should(gomega.Succeed())

	txs := &iamv1alpha1.BalanceTransactionList{}
	must(t, k8s.List(context.Background(), txs, client.InNamespace(a.ns)))
	g.Expect(txs.Items).To(gomega.HaveLen(2))
	var first, latest iamv1alpha1.BalanceTransaction
	for _, tx := range txs.Items {
		g.Expect(tx.Annotations[iamv1alpha1.RequesterAnnotation]).To(gomega.Equal("system:serviceaccount:" + a.ns + ":olivia"))
		g.Expect(tx.Spec.IdempotencyKey).To(gomega.HavePrefix("tenantry-console-"))
		if tx.Spec.Amount == "10.00" {
			first = tx
		} else {
			latest = tx
		}
	}
	page = a.get("olivia", "/console/users/alice").Body.String()
	g.Expect(strings.Count(page, `id="action-cancel"`)).To(gomega.Equal(1))
	g.Expect(page).To(gomega.ContainSubstring(`name="transaction" value="` + latest.Name + `"`))
	g.Expect(page).To(gomega.ContainSubstring("Top-up " + hostileEscaped))

	// The older one: the API server refuses, in its words.
	w := a.post("olivia", "/console/users/alice/cancel", form("olivia", "transaction", first.Name, "uid", string(first.UID)))
	g.Expect(w.Code).To(gomega.Equal(http.StatusForbidden), w.Body.String())
	g.Expect(w.Body.String()).To(gomega.ContainSubstring("only the most recent applied transaction"))

	w = a.post("olivia", "/console/users/alice/cancel", form("olivia", "transaction", latest.Name, "uid", string(latest.UID)))
	g.Expect(w.Code).To(gomega.Equal(http.StatusSeeOther), w.Body.String())
	g.Expect(w.Header().Get("Location")).To(gomega.Equal("/console/users/alice?notice=cancelled"))
	// Sent again, it cancels nothing more.
	a.post("olivia", "/console/users/alice/cancel", form("olivia", "transaction", latest.Name, "uid", string(latest.UID)))
	g.Eventually(func(g gomega.Gomega) {
		g.Expect(a.user(t, "alice").Status.Balance.Amount).To(gomega.Equal("10.00"))
		page := a.get("olivia", "/console/users/alice").Body.String()
		g.Expect(page).To(gomega.ContainSubstring(`name="transaction" value="`+first.Name+`"`), "the one before is cancellable now")
	}).WithTimeout(testsupport.Timeout).Should(gomega.Succeed())
}

// regexpFind is the first group of pattern in s.
func regexpFind(t *testing.T, s, pattern string) string {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no %s in the page", pattern)
	}
	return m[1]
}
