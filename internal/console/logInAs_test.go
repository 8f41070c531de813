package console_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/console"
)

// logInAsSessions is fakeSessions that switches a session to a "log in
// as" one and back, as the self-service server does with its cookies,
// and refuses what it is told to.
type logInAsSessions struct {
	*fakeSessions
	refuse  error
	started []string
	ended   int
}

type refusal struct{ message string }

func (r refusal) Error() string   { return r.message }
func (r refusal) HTTPStatus() int { return http.StatusForbidden }
func (r refusal) Reason() string  { return "ImpersonationNotAllowed" }

func (s *logInAsSessions) StartLogInAs(w http.ResponseWriter, r *http.Request, user string) error {
	if s.refuse != nil {
		return s.refuse
	}
	actor, err := s.Person(r)
	if err != nil {
		return err
	}
	session := "as-" + user
	s.people[session] = &console.Person{Namespace: actor.Namespace, User: user, Email: user + "@acme.example",
		Actor: &console.Actor{User: actor.User, Email: actor.Email}}
	s.tokens[session] = s.tokens["reader"]
	s.started = append(s.started, user)
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: session})
	return nil
}

func (s *logInAsSessions) EndLogInAs(w http.ResponseWriter, r *http.Request) error {
	s.ended++
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "owner"})
	return nil
}

func TestLogInAsAndDisconnect(t *testing.T) {
	g := gomega.NewWithT(t)
	a := newAccount(t)
	sessions := &logInAsSessions{fakeSessions: a.sessions}
	a.console = newConsole(sessions)
	a.createUser(t, "bob", "Bob Example")
	a.createUser(t, "carol", "Carol Example")
	// Bob has accepted his invitation: an active user one may act as.
	bob := a.user(t, "bob")
	bob.Status.EmailVerified = true
	bob.Status.Phase = iamv1alpha1.UserPhaseActive
	bob.Status.Conditions = []metav1.Condition{{Type: iamv1alpha1.EmailVerifiedCondition, Status: metav1.ConditionTrue,
		Reason: iamv1alpha1.ReasonInvitationAccepted, LastTransitionTime: metav1.Now()}}
	must(t, k8s.Status().Update(context.Background(), bob))

	g.Expect(a.get("owner", "/console/users/bob").Body.String()).To(gomega.ContainSubstring(`id="action-log-in-as"`))
	g.Expect(a.get("owner", "/console/users/carol").Body.String()).NotTo(gomega.ContainSubstring(`id="action-log-in-as"`), "carol has not accepted")
	g.Expect(a.get("reader", "/console/users/bob").Body.String()).NotTo(gomega.ContainSubstring(`id="action-log-in-as"`))

	// The self-service server decides: its refusal is shown by the button.
	sessions.refuse = refusal{message: "bob's email also names a user of another account"}
	w := a.post("owner", "/console/users/bob/log-in-as", form("owner"))
	g.Expect(w.Code).To(gomega.Equal(http.StatusUnprocessableEntity))
	g.Expect(w.Body.String()).To(gomega.ContainSubstring("Bob&#39;s email also names a user of another account."))
	sessions.refuse = nil

	w = a.post("owner", "/console/users/bob/log-in-as", form("owner"))
	g.Expect(w.Code).To(gomega.Equal(http.StatusSeeOther))
	g.Expect(w.Header().Get("Location")).To(gomega.Equal("/console/"))
	g.Expect(sessions.started).To(gomega.Equal([]string{"bob"}))

	// Every page shows the banner while acting.
	for _, page := range []string{"/console/", "/console/users", "/console/users/carol"} {
		body := a.get("as-bob", page).Body.String()
		g.Expect(body).To(gomega.ContainSubstring(`id="log-in-as-banner"`), page)
		g.Expect(body).To(gomega.ContainSubstring(`id="log-in-as-email">bob@acme.example<`), page)
		g.Expect(body).To(gomega.ContainSubstring(`id="log-in-as-connected"`), page)
		g.Expect(body).To(gomega.ContainSubstring(`<form method="post" action="/console/log-in-as/end"`), page)
		g.Expect(body).NotTo(gomega.ContainSubstring(`id="action-log-in-as"`), "no log in as within one")
	}
	g.Expect(a.get("owner", "/console/").Body.String()).NotTo(gomega.ContainSubstring(`id="log-in-as-banner"`))

	w = a.post("as-bob", "/console/log-in-as/end", form("as-bob"))
	g.Expect(w.Code).To(gomega.Equal(http.StatusSeeOther))
	g.Expect(w.Header().Get("Location")).To(gomega.Equal("/console/users/bob?notice=disconnected"))
	g.Expect(sessions.ended).To(gomega.Equal(1))
}
