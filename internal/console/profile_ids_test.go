package console

import (
	"strings"
	"testing"

	"golang.org/x/net/html"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// Every id of a profile is used once, and every label and ARIA reference
// names an element the page holds: with every form offered, with and
// without a currency (the identity section and the refill form both ask
// for one while it is unset), editable or read, with and without a
// problem next to each input.
func TestProfileIDsAreUnique(t *testing.T) {
	everything := offer{Edit: true, Resend: true, Disable: true, Enable: true, Unlock: true, ResetPassword: true, ResetTwoFactor: true,
		ChangeRole: true, Refill: true, Delete: true, Restore: true, Purge: true, LogInAs: true}
	for _, tt := range []struct {
		name     string
		currency string
		offer    offer
		problems bool
	}{
		{name: "a just-invited user, currency unset", offer: everything},
		{name: "currency unset, every input refused", offer: everything, problems: true},
		{name: "currency set", currency: "USD", offer: everything, problems: true},
		{name: "read only, currency unset", offer: offer{Refill: true}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			u := user("ivan", "Ivan Invitee", "ivan@acme.example", iamv1alpha1.UserPhaseInvited, func(u *iamv1alpha1.User) {
				u.Spec.Currency = tt.currency
			})
			content := profileContent{
				Name: u.Name, DisplayName: displayName(&u), Href: userHref(u.Name), Status: statusBadge(statusOf(&u)),
				Services: []serviceTile{{Name: "mailbox", Class: "mailbox-x7k2p", Assigned: true}}, Currency: tt.currency,
				Transactions: []transactionView{{Name: "ivan-refill-1", Cancellable: true}, {Name: "ivan-refill-2"}},
				Offer:        tt.offer, RefillKey: "0123abcd", Roles: []string{"owner", "manager"},
				Problems: map[string]string{}, RefillProblems: map[string]string{},
			}
			if tt.problems {
				for _, fields := range sectionFields {
					for _, f := range fields {
						content.Problems[f.Name] = "Refused."
					}
				}
				for _, key := range []string{fieldRole, fieldServices, "serviceClass", "edit", actionRefill, actionCancel} {
					content.Problems[key] = "Refused."
				}
				for _, key := range []string{"amount", "currency", "description"} {
					content.RefillProblems[key] = "Refused."
				}
			}
			content.Sections = profileSections(&u, tt.offer.Edit, profileState{}, content.Problems)
			doc := renderPage(t, "profile.html", view{Title: content.DisplayName, Nav: navUsers, Person: &Person{Namespace: "acme", User: "olga"}, CSRF: "token", Content: content})
			assertReferencesResolve(t, doc)
		})
	}
}

// assertReferencesResolve checks that no id is used twice, and that each
// label's for and each aria-describedby or aria-labelledby names an id
// the document holds.
func assertReferencesResolve(t *testing.T, doc *html.Node) {
	t.Helper()
	ids := map[string]int{}
	var references []string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			for _, a := range n.Attr {
				switch {
				case a.Key == "id":
					ids[a.Val]++
				case a.Key == "for" && n.Data == "label", a.Key == "aria-describedby", a.Key == "aria-labelledby":
					for _, id := range strings.Fields(a.Val) {
						references = append(references, "<"+n.Data+" "+a.Key+"> "+id)
					}
				}
			}
		}
		for child := n.FirstChild; child != nil; child = child.NextSibling {
			walk(child)
		}
	}
	walk(doc)
	for id, n := range ids {
		if n > 1 {
			t.Errorf("the id %q is used %d times", id, n)
		}
	}
	for _, ref := range references {
		id := ref[strings.LastIndex(ref, " ")+1:]
		if ids[id] == 0 {
			t.Errorf("%s names no element", ref)
		}
	}
}
