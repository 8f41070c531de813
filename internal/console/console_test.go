package console_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/onsi/gomega"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/console"
	"github.com/tenantry-io/tenantry/internal/operator"
	"github.com/tenantry-io/tenantry/internal/testsupport"
)

// The console's handlers are tested against a real API server, as the
// people they act for: service accounts stand in for them, since their
// tokens are what this API server trusts without an issuer. The browser
// tests drive the console end to end with Tenantry's own tokens.
var (
	cfg *rest.Config
	k8s client.WithWatch
)

func TestMain(m *testing.M) {
	os.Exit(testsupport.RunSuite(filepath.Join("..", ".."), func(s *testsupport.Suite) int {
		cfg, k8s = s.Cfg, s.Client
		return m.Run()
	}))
}

// sessionCookie names the fake session of a request.
const sessionCookie = "test_session"

// fakeSessions stands in for the self-service server: a session is a
// cookie naming a person, whose cluster token is a service account's.
type fakeSessions struct {
	people map[string]*console.Person
	tokens map[string]string
	probe  string
}

type sessionError struct {
	status int
	reason string
}

func (e sessionError) Error() string   { return "no session: sign in" }
func (e sessionError) HTTPStatus() int { return e.status }
func (e sessionError) Reason() string  { return e.reason }

func (f *fakeSessions) session(r *http.Request) (string, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || f.people[c.Value] == nil {
		return "", sessionError{status: http.StatusUnauthorized, reason: "Unauthenticated"}
	}
	return c.Value, nil
}

func (f *fakeSessions) Person(r *http.Request) (*console.Person, error) {
	s, err := f.session(r)
	if err != nil {
		return nil, err
	}
	return f.people[s], nil
}

func (f *fakeSessions) ClusterToken(r *http.Request) (string, time.Time, error) {
	s, err := f.session(r)
	if err != nil {
		return "", time.Time{}, err
	}
	return f.tokens[s], time.Now().Add(10 * time.Minute), nil
}

func (f *fakeSessions) CSRFToken(r *http.Request) (string, error) {
	s, err := f.session(r)
	return "csrf-of-" + s, err
}

func (f *fakeSessions) StartLogInAs(http.ResponseWriter, *http.Request, string) error { return nil }
func (f *fakeSessions) EndLogInAs(http.ResponseWriter, *http.Request) error           { return nil }
func (f *fakeSessions) TrustProbeToken(context.Context) (string, error)               { return f.probe, nil }

// account is a test's account: a namespace with an owner, who may read
// and change its users, and a reader, who may only read them, each a
// service account with a token.
type account struct {
	ns       string
	sessions *fakeSessions
	console  *console.Console
}

func newAccount(t *testing.T) *account {
	t.Helper()
	ns := testsupport.NewNamespace(t, k8s)
	a := &account{ns: ns, sessions: &fakeSessions{people: map[string]*console.Person{}, tokens: map[string]string{}}}
	a.addPerson(t, "owner", []string{"get", "list", "watch", "create", "patch", "delete"})
	a.addPerson(t, "reader", []string{"get", "list", "watch"})
	a.addPerson(t, "stranger", nil)
	a.sessions.probe = a.sessions.tokens["stranger"]
	a.console = newConsole(a.sessions)
	return a
}

func newConsole(s console.Sessions) *console.Console {
	return console.New(console.Options{Sessions: s, Config: cfg, Scheme: operator.Scheme(), RESTMapper: k8s.RESTMapper(), Log: logr.Discard()})
}

// addPerson makes a service account that may do verbs on the account's
// users, and a session for it.
func (a *account) addPerson(t *testing.T, name string, verbs []string) {
	t.Helper()
	ctx := context.Background()
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: a.ns, Name: name}}
	must(t, k8s.Create(ctx, sa))
	if len(verbs) > 0 {
		must(t, k8s.Create(ctx, &rbacv1.Role{
			ObjectMeta: metav1.ObjectMeta{Namespace: a.ns, Name: name},
			Rules:      []rbacv1.PolicyRule{{APIGroups: []string{iamv1alpha1.GroupVersion.Group}, Resources: []string{"users"}, Verbs: verbs}},
		}))
		must(t, k8s.Create(ctx, &rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Namespace: a.ns, Name: name},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: name},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: a.ns, Name: name}},
		}))
	}
	request := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](3600)}}
	must(t, k8s.SubResource("token").Create(ctx, sa, request))
	a.sessions.tokens[name] = request.Status.Token
	a.sessions.people[name] = &console.Person{Namespace: a.ns, User: name, Email: name + "@acme.example", Expiry: time.Now().Add(time.Hour)}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// get asks the console for target as the person of session ("" for none).
func (a *account) get(session, target string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, target, nil)
	if session != "" {
		r.AddCookie(&http.Cookie{Name: sessionCookie, Value: session})
	}
	w := httptest.NewRecorder()
	a.console.ServeHTTP(w, r)
	return w
}

// post sends a form to the console as the person of session.
func (a *account) post(session, target string, form url.Values) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.AddCookie(&http.Cookie{Name: sessionCookie, Value: session})
	w := httptest.NewRecorder()
	a.console.ServeHTTP(w, r)
	return w
}

func (a *account) createUser(t *testing.T, name, fullName string) {
	t.Helper()
	u := testsupport.NewUser(a.ns, name, name+"@acme.example")
	u.Spec.FullName = fullName
	testsupport.CreateUser(t, k8s, u)
}

func TestWithoutSessionToSignInAndBack(t *testing.T) {
	a := newAccount(t)
	w := a.get("", "/console/users?status=Invited&q=a%20b")
	if w.Code != http.StatusSeeOther {
		t.Fatalf("status %d, want 303: %s", w.Code, w.Body)
	}
	want := "/v1/sessions?next=" + url.QueryEscape("/console/users?status=Invited&q=a%20b")
	if got := w.Header().Get("Location"); got != want {
		t.Errorf("Location %q, want %q", got, want)
	}
}

func TestFormPostNeedsTheSessionsCSRF(t *testing.T) {
	a := newAccount(t)
	for name, form := range map[string]url.Values{
		"no csrf":      {},
		"another csrf": {"csrf": {"csrf-of-reader"}},
	} {
		if w := a.post("owner", "/console/users/alice/disable", form); w.Code != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", name, w.Code)
		}
	}
	// With the session's own value the form passes the check, and meets
	// whatever the address holds (nothing, here).
	if w := a.post("owner", "/console/users/alice/disable", url.Values{"csrf": {"csrf-of-owner"}}); w.Code != http.StatusNotFound {
		t.Errorf("with the session's csrf: status %d, want 404", w.Code)
	}
}

func TestGridActsAsThePerson(t *testing.T) {
	g := gomega.NewWithT(t)
	a := newAccount(t)
	hostile := `<script>alert("x")</script>' onmouseover="y`
	a.createUser(t, "alice", hostile)
	a.createUser(t, "bob", "Bob Stone")
	other := newAccount(t)
	other.createUser(t, "mallory", "Mallory From Elsewhere")

	w := a.get("owner", "/console/users")
	g.Expect(w.Code).To(gomega.Equal(http.StatusOK))
	body := w.Body.String()
	g.Expect(body).To(gomega.ContainSubstring(`data-user="alice"`))
	g.Expect(body).To(gomega.ContainSubstring("Bob Stone"))
	g.Expect(body).To(gomega.ContainSubstring("&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&#39; onmouseover=&#34;y"))
	g.Expect(body).NotTo(gomega.ContainSubstring("<script>alert"))
	g.Expect(body).NotTo(gomega.ContainSubstring("Mallory"), "another account's users")
	g.Expect(body).To(gomega.ContainSubstring("Invite a user"), "the owner may create users")

	reader := a.get("reader", "/console/users").Body.String()
	g.Expect(reader).To(gomega.ContainSubstring("Bob Stone"))
	g.Expect(reader).NotTo(gomega.ContainSubstring("Invite a user"), "the reader may not create users")

	// The stranger's token may read nothing: the console shows the API
	// server's refusal, and no user, since it never uses another identity.
	stranger := a.get("stranger", "/console/users").Body.String()
	g.Expect(stranger).To(gomega.ContainSubstring("Your role does not allow this: you may not list users."))
	g.Expect(stranger).NotTo(gomega.ContainSubstring("Bob Stone"))

	home := a.get("owner", "/console/")
	g.Expect(home.Code).To(gomega.Equal(http.StatusOK))
	g.Expect(home.Body.String()).To(gomega.ContainSubstring("Bob Stone"))
	g.Expect(home.Body.String()).NotTo(gomega.ContainSubstring("<script>alert"))
}

func TestOffWhereTheIssuerIsNotTrusted(t *testing.T) {
	a := newAccount(t)
	a.sessions.probe = "not-a-token-this-api-server-trusts"
	a.console = newConsole(a.sessions)
	ok, why := a.console.Available(context.Background())
	if ok || !strings.Contains(why, "does not trust") {
		t.Fatalf("Available = %v, %q; want off, saying the issuer is not trusted", ok, why)
	}
	w := a.get("owner", "/console/users")
	if w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), "does not trust") {
		t.Errorf("a page of a console that is off: %d %s", w.Code, w.Body)
	}
}

func TestUserEventsFollowTheAccount(t *testing.T) {
	g := gomega.NewWithT(t)
	a := newAccount(t)
	a.createUser(t, "alice", "Alice Example")
	server := httptest.NewServer(a.console)
	t.Cleanup(server.Close) // after the stream's own cleanups, which end it

	waitFor := followUserEvents(t, server.URL, "owner")
	waitFor(`"name":"alice"`, `"show":true`)
	a.createUser(t, "bob", "Bob Arrives Later")
	waitFor(`"name":"bob"`, `Bob Arrives Later`, `"show":true`)
	// Deleted softly, bob leaves the grid, which leaves out the
	// soft-deleted unless asked for them.
	must(t, testsupport.ChangeUser(g, k8s, client.ObjectKey{Namespace: a.ns, Name: "bob"}, func(u *iamv1alpha1.User) {
		u.Spec.State = iamv1alpha1.UserStateDeleted
	}))
	waitFor(`"name":"bob"`, `"show":false`)
}

func TestUserEventsAreBoundedPerSession(t *testing.T) {
	a := newAccount(t)
	server := httptest.NewServer(a.console)
	defer server.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	want := []int{200, 200, 200, 200, http.StatusTooManyRequests}
	codes := make([]int, 0, len(want))
	for range len(want) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, server.URL+"/console/users/events", nil)
		must(t, err)
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: "reader"})
		resp, err := http.DefaultClient.Do(req)
		must(t, err)
		// The streams stay open until the test ends: that is what the
		// last one is refused for.
		defer func() { _ = resp.Body.Close() }()
		codes = append(codes, resp.StatusCode)
	}
	for i := range want {
		if codes[i] != want[i] {
			t.Fatalf("streams of one session answered %v, want %v", codes, want)
		}
	}
}
