package console

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/stats"
)

// hostile is what a person could write into a field: markup, a script,
// quotes of both kinds and an attribute breakout.
const hostile = `<script>alert("x")</script><img src=x onerror='alert(1)'>" onmouseover="alert(2)`

func hostileUsers(n int) []iamv1alpha1.User {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	users := make([]iamv1alpha1.User, 0, n)
	for i := range n {
		u := iamv1alpha1.User{
			ObjectMeta: metav1.ObjectMeta{Name: "user-" + string(rune('a'+i)), Namespace: "acme", CreationTimestamp: metav1.NewTime(now.Add(-time.Hour))},
			Spec:       iamv1alpha1.UserSpec{FullName: hostile, Email: hostile + "@example.com", Role: hostile},
			Status: iamv1alpha1.UserStatus{
				Phase:    iamv1alpha1.UserPhaseInvited,
				Balance:  &iamv1alpha1.BalanceStatus{Amount: "1.00", Currency: hostile},
				Services: []iamv1alpha1.ServiceStatus{{Name: "m", ServiceClass: "mailbox", Column: hostile, Phase: iamv1alpha1.ServicePhaseReady}},
			},
		}
		users = append(users, u)
	}
	return users
}

// renderPage renders a page the way the console does, and parses it.
func renderPage(t *testing.T, name string, v view) *html.Node {
	t.Helper()
	c := &Console{pages: mustParsePages()}
	rec := httptest.NewRecorder()
	c.render(rec, httptest.NewRequest(http.MethodGet, "/console/", nil), http.StatusOK, name, v)
	if rec.Code != http.StatusOK {
		t.Fatalf("render %s: %d %s", name, rec.Code, rec.Body)
	}
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("render %s: Content-Security-Policy %q", name, csp)
	}
	doc, err := html.Parse(strings.NewReader(rec.Body.String()))
	if err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	return doc
}

// assertNoInjectedMarkup checks that the document holds no element or
// attribute that only the hostile text could have made, and that the
// text itself shows as text.
func assertNoInjectedMarkup(t *testing.T, doc *html.Node, wantText string) {
	t.Helper()
	var texts bytes.Buffer
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "img":
				for _, a := range n.Attr {
					if a.Key == "src" && a.Val == "x" {
						t.Errorf("an <img> element was injected")
					}
				}
			case "script":
				if n.FirstChild != nil {
					t.Errorf("an inline <script> holds %q", n.FirstChild.Data)
				}
			}
			for _, a := range n.Attr {
				if strings.HasPrefix(a.Key, "on") || a.Key == "style" {
					t.Errorf("<%s> has the attribute %s=%q", n.Data, a.Key, a.Val)
				}
			}
		}
		if n.Type == html.TextNode {
			texts.WriteString(n.Data)
		}
		for child := n.FirstChild; child != nil; child = child.NextSibling {
			walk(child)
		}
	}
	walk(doc)
	if !strings.Contains(texts.String(), wantText) {
		t.Errorf("the text %q is not shown as text", wantText)
	}
}

func TestPagesShowWrittenValuesAsText(t *testing.T) {
	person := &Person{Namespace: "acme", User: "owner", Email: hostile + "@example.com",
		Actor: &Actor{User: "boss", Email: hostile}}
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	for _, n := range []int{2, 5} {
		users := hostileUsers(n)
		home := homeContent{Tile: buildUsersTile(users), Stats: statsOf(stats.Sum(stats.ByAccount(users, now))),
			Subscriptions: subscriptionViews([]iamv1alpha1.Subscription{{
				ObjectMeta: metav1.ObjectMeta{Name: "basic"},
				Spec:       iamv1alpha1.SubscriptionSpec{Services: []iamv1alpha1.SubscribedService{{ServiceClass: "mailbox", Quantity: 3}}},
			}}, map[string]string{"mailbox": hostile})}
		doc := renderPage(t, "home.html", view{Title: "Home", Nav: "home", Person: person, CSRF: "token", Content: home})
		assertNoInjectedMarkup(t, doc, hostile)

		q := parseGridQuery(nil)
		columns := gridColumns(nil, nil, users)
		grid := usersContent{Query: q, Columns: headers(columns, q), Statuses: filterStatuses, EventsHref: pathUserEvents}
		for i := range users {
			grid.Rows = append(grid.Rows, userRow(&users[i], columns, now))
		}
		for _, v := range []string{viewTable, viewTiles} {
			grid.Query.View = v
			doc = renderPage(t, "users.html", view{Title: "Users", Nav: "users", Person: person, CSRF: "token", Content: grid, Scripts: []string{"live.js"}})
			assertNoInjectedMarkup(t, doc, hostile)
		}
	}
}

func TestErrorPagesRender(t *testing.T) {
	for _, name := range []string{"error.html", "off.html"} {
		doc := renderPage(t, name, view{Title: "Oops", Content: errorContent{Message: hostile}})
		assertNoInjectedMarkup(t, doc, hostile)
	}
}
