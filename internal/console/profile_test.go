package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/onsi/gomega"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/console"
	"github.com/tenantry-io/tenantry/internal/testsupport"
)

// hostile is a value that would run script or leave its attribute if a
// page put it in as markup.
const hostile = `<script>alert("x")</script>' onmouseover="y`

// hostileEscaped is hostile as html/template writes it as text.
const hostileEscaped = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&#39; onmouseover=&#34;y"

// addPersonWith makes a service account granted rules in the account, and
// a session for it: an Owner-like person when the rules write users and
// balance transactions, as the built-in owner role grants them.
func (a *account) addPersonWith(t *testing.T, name string, rules []rbacv1.PolicyRule) {
	t.Helper()
	ctx := context.Background()
	must(t, k8s.Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: a.ns, Name: name}}))
	must(t, k8s.Create(ctx, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: a.ns, Name: name}, Rules: rules}))
	must(t, k8s.Create(ctx, &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: a.ns, Name: name},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: name},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: a.ns, Name: name}},
	}))
	request := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](3600)}}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: a.ns, Name: name}}
	must(t, k8s.SubResource("token").Create(ctx, sa, request))
	a.sessions.tokens[name] = request.Status.Token
	a.sessions.people[name] = &console.Person{Namespace: a.ns, User: name, Email: name + "@acme.example"}
}

// ownerRules are what the built-in owner role grants on the account's
// users and ledger, and the reads of the rest of a profile.
var ownerRules = []rbacv1.PolicyRule{
	{APIGroups: []string{iamv1alpha1.GroupVersion.Group}, Resources: []string{"users", "balancetransactions", "teams"},
		Verbs: []string{"get", "list", "watch", "create", "update", "patch", "delete"}},
	{APIGroups: []string{iamv1alpha1.GroupVersion.Group}, Resources: []string{"userchanges", "subscriptions"}, Verbs: []string{"get", "list", "watch"}},
}

// managerRules are the built-in manager role's reads, without a write.
var managerRules = []rbacv1.PolicyRule{
	{APIGroups: []string{iamv1alpha1.GroupVersion.Group}, Resources: []string{"users", "balancetransactions", "teams", "userchanges", "subscriptions"},
		Verbs: []string{"get", "list", "watch"}},
}

// csrfOf is the csrf field of session's forms.
func csrfOf(session string) string { return "csrf-of-" + session }

// form is a form of session's with its csrf field and the pairs given.
func form(session string, pairs ...string) url.Values {
	v := url.Values{"csrf": {csrfOf(session)}}
	for i := 0; i+1 < len(pairs); i += 2 {
		v.Add(pairs[i], pairs[i+1])
	}
	return v
}

func (a *account) user(t *testing.T, name string) *iamv1alpha1.User {
	t.Helper()
	u := &iamv1alpha1.User{}
	must(t, k8s.Get(context.Background(), client.ObjectKey{Namespace: a.ns, Name: name}, u))
	return u
}

func TestProfileShowsEveryFieldAsText(t *testing.T) {
	g := gomega.NewWithT(t)
	a := newAccount(t)
	a.addPersonWith(t, "olivia", ownerRules)
	a.addPersonWith(t, "mark", managerRules)
	u := testsupport.NewUser(a.ns, "alice", "alice@acme.example")
	u.Spec.FullName = "Alice " + `"><img src=x>`
	u.Spec.Profile = &iamv1alpha1.UserProfile{Bank: hostile, LegalAddress: "1 Main St\n" + hostile, PayerNumber: "PN-1"}
	testsupport.CreateUser(t, k8s, u)
	must(t, k8s.Create(context.Background(), &iamv1alpha1.Team{
		ObjectMeta: metav1.ObjectMeta{Namespace: a.ns, Name: "support"},
		Spec:       iamv1alpha1.TeamSpec{DisplayName: "Support " + hostile, Members: []string{"alice"}},
	}))

	w := a.get("olivia", "/console/users/alice")
	g.Expect(w.Code).To(gomega.Equal(http.StatusOK), w.Body.String())
	body := w.Body.String()
	g.Expect(body).To(gomega.ContainSubstring(`id="edit-identity"`))
	g.Expect(body).To(gomega.ContainSubstring(`id="edit-billing"`))
	g.Expect(body).To(gomega.ContainSubstring(`name="payerNumber" value="PN-1"`))
	g.Expect(body).To(gomega.ContainSubstring(`name="resourceVersion" value="` + a.user(t, "alice").ResourceVersion + `"`))
	g.Expect(body).To(gomega.ContainSubstring(`id="action-disable"`))
	g.Expect(body).To(gomega.ContainSubstring(`id="action-delete"`))
	g.Expect(body).To(gomega.ContainSubstring(`id="action-refill"`))
	g.Expect(body).To(gomega.ContainSubstring("Support "+hostileEscaped), "the team, as text")
	g.Expect(body).To(gomega.ContainSubstring(`value="`+hostileEscaped+`"`), "the bank, in its input's value")
	g.Expect(body).To(gomega.ContainSubstring("1 Main St\n" + hostileEscaped + "</textarea>"))
	g.Expect(body).To(gomega.ContainSubstring("Alice &#34;&gt;&lt;img src=x&gt;"))
	g.Expect(body).NotTo(gomega.ContainSubstring("<script>alert"))
	g.Expect(body).NotTo(gomega.ContainSubstring(`"><img src=x>`))

	// A Manager-like person reads the same profile with no form at all.
	w = a.get("mark", "/console/users/alice")
	g.Expect(w.Code).To(gomega.Equal(http.StatusOK))
	body = w.Body.String()
	g.Expect(body).To(gomega.ContainSubstring("PN-1"))
	g.Expect(body).To(gomega.ContainSubstring(hostileEscaped))
	for _, form := range []string{`id="edit-`, `id="action-`, `id="services-add"`, `/edit"`, `/disable"`} {
		g.Expect(body).NotTo(gomega.ContainSubstring(form), "the manager sees no form")
	}
	g.Expect(strings.Count(body, `method="post"`)).To(gomega.Equal(1), "only the layout's sign-out form")
}

func TestEditPatchesOnlyWhatChanged(t *testing.T) {
	g := gomega.NewWithT(t)
	a := newAccount(t)
	a.addPersonWith(t, "olivia", ownerRules)
	u := testsupport.NewUser(a.ns, "alice", "alice@acme.example")
	u.Spec.Phone = "5550100"
	testsupport.CreateUser(t, k8s, u)
	rv := a.user(t, "alice").ResourceVersion
	identity := func(pairs ...string) url.Values {
		f := form("olivia", "section", "identity", "resourceVersion", rv,
			"fullName", "Alice Example", "email", "alice@acme.example", "phone", "5550100", "phoneExtension", "")
		for i := 0; i+1 < len(pairs); i += 2 {
			f.Set(pairs[i], pairs[i+1])
		}
		return f
	}

	// The API server's validation answers next to the field, and what was
	// typed stays in the form.
	w := a.post("olivia", "/console/users/alice/edit", identity("email", "not-an-email"))
	g.Expect(w.Code).To(gomega.Equal(http.StatusUnprocessableEntity), w.Body.String())
	g.Expect(w.Body.String()).To(gomega.MatchRegexp(`id="field-email-error">[^<]*email must be a valid address`))
	g.Expect(w.Body.String()).To(gomega.ContainSubstring(`value="not-an-email"`))

	w = a.post("olivia", "/console/users/alice/edit", identity("fullName", "Alice Smith", "phone", ""))
	g.Expect(w.Code).To(gomega.Equal(http.StatusSeeOther), w.Body.String())
	g.Expect(w.Header().Get("Location")).To(gomega.Equal("/console/users/alice?notice=saved"))
	saved := a.user(t, "alice")
	g.Expect(saved.Spec.FullName).To(gomega.Equal("Alice Smith"))
	g.Expect(saved.Spec.Phone).To(gomega.BeEmpty())
	g.Expect(saved.Spec.Email).To(gomega.Equal("alice@acme.example"))
	g.Expect(a.get("olivia", w.Header().Get("Location")).Body.String()).To(gomega.ContainSubstring("Your changes were saved."))

	// The same form again was shown at the old resourceVersion: the
	// change made since is not overwritten.
	w = a.post("olivia", "/console/users/alice/edit", identity("fullName", "Alice Jones"))
	g.Expect(w.Code).To(gomega.Equal(http.StatusConflict), w.Body.String())
	g.Expect(w.Body.String()).To(gomega.ContainSubstring("Someone changed this at the same time"))
	g.Expect(a.user(t, "alice").Spec.FullName).To(gomega.Equal("Alice Smith"))

	// Billing details go under spec.profile.
	w = a.post("olivia", "/console/users/alice/edit", form("olivia", "section", "billing", "resourceVersion", a.user(t, "alice").ResourceVersion,
		"type", "LegalEntity", "bank", "First Bank", "legalAddress", "1 Main St\r\nSpringfield"))
	g.Expect(w.Code).To(gomega.Equal(http.StatusSeeOther), w.Body.String())
	p := a.user(t, "alice").Spec.Profile
	g.Expect(p).NotTo(gomega.BeNil())
	g.Expect(*p).To(gomega.Equal(iamv1alpha1.UserProfile{Type: iamv1alpha1.ProfileTypeLegalEntity, Bank: "First Bank", LegalAddress: "1 Main St\nSpringfield"}))
}

// A refused refill shows its problem next to the refill form's amount,
// and the identity section's currency and the refill form's keep an id
// each while the user has no currency.
func TestRefusedRefillKeepsItsProblemToItsForm(t *testing.T) {
	g := gomega.NewWithT(t)
	a := newAccount(t)
	a.addPersonWith(t, "olivia", ownerRules)
	a.createUser(t, "ivan", "Ivan Invitee")

	page := a.get("olivia", "/console/users/ivan").Body.String()
	g.Expect(strings.Count(page, `id="field-currency"`)).To(gomega.Equal(1), "the identity section's currency")
	g.Expect(page).To(gomega.ContainSubstring(`<label for="refill-currency-input">`))
	g.Expect(strings.Count(page, `id="refill-currency-input"`)).To(gomega.Equal(1))

	w := a.post("olivia", "/console/users/ivan/refill", form("olivia", "amount", " ", "currency", "usd"))
	g.Expect(w.Code).To(gomega.Equal(http.StatusUnprocessableEntity))
	g.Expect(w.Body.String()).To(gomega.ContainSubstring(`id="refill-amount-error">Give an amount such as 10.00.<`))
	g.Expect(strings.Count(w.Body.String(), "Give an amount such as 10.00.")).To(gomega.Equal(1))
}
