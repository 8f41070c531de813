package console

import (
	"net/http"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/testsupport"
)

// password is every person's password: the tests are about pages, not
// passwords.
const password = "Harbor-Violet-42-Kettle"

// acceptPath is where the invitation's link points.
const acceptPath = "/v1/invitations/accept"

// newUser creates a user of the account ns through admission, as an
// administrator with kubectl would; the operator invites them by email.
func newUser(t *testing.T, ns, name, role, fullName string) *iamv1alpha1.User {
	t.Helper()
	user := testsupport.NewUser(ns, name, name+"@"+ns+".example")
	user.Spec.Role, user.Spec.FullName = role, fullName
	testsupport.CreateUser(t, k8s, user)
	return user
}

// join creates a user and accepts their invitation through the JSON API
// (the pages have tests of their own), and waits until they are Active.
func (s *site) join(ns, name, role, fullName string) *iamv1alpha1.User {
	s.t.Helper()
	user := newUser(s.t, ns, name, role, fullName)
	token := tokenOf(s.t, s.linkInMail(user.Spec.Email, acceptPath))
	if a := s.post(acceptPath, "", map[string]string{"token": token, "password": password}); a.code != http.StatusOK {
		s.t.Fatalf("accept the invitation of %s: HTTP %d %s", name, a.code, a.raw)
	}
	return eventuallyActive(s.t, client.ObjectKeyFromObject(user))
}

// tokenOf is the token of an emailed link.
func tokenOf(t *testing.T, link string) string {
	t.Helper()
	_, token, ok := strings.Cut(link, "token=")
	if !ok || token == "" {
		t.Fatalf("no token in %s", link)
	}
	token, _, _ = strings.Cut(token, "&")
	return token
}

func eventuallyActive(t *testing.T, key client.ObjectKey) *iamv1alpha1.User {
	t.Helper()
	var user *iamv1alpha1.User
	NewWithT(t).Eventually(func(g Gomega) {
		user = testsupport.GetUser(g, k8s, key)
		g.Expect(user.Status.Phase).To(Equal(iamv1alpha1.UserPhaseActive))
	}).WithTimeout(timeout).Should(Succeed())
	return user
}

// logIn returns a session of the user, who has no second factor, from
// the JSON API.
func (s *site) logIn(user *iamv1alpha1.User) string {
	s.t.Helper()
	a := s.post("/v1/sessions", "", map[string]string{"account": user.Namespace, "email": user.Spec.Email, "password": password})
	if a.code != http.StatusCreated {
		s.t.Fatalf("log in %s: HTTP %d %s", user.Name, a.code, a.raw)
	}
	return a.str("token")
}

// authenticator is a person's authenticator app: it knows the key and
// which step's code it gave last, because the server takes each step's
// code once.
type authenticator struct {
	t        *testing.T
	secret   string
	lastStep int64
}

// enrolTOTP turns two-factor on for the user through the JSON API and
// returns their authenticator and the session it was set up in, which
// stays valid.
func (s *site) enrolTOTP(user *iamv1alpha1.User) (*authenticator, string) {
	s.t.Helper()
	session := s.logIn(user)
	enrolled := s.post("/v1/totp/enroll", session, nil)
	if enrolled.code != http.StatusOK {
		s.t.Fatalf("enrol %s: HTTP %d %s", user.Name, enrolled.code, enrolled.raw)
	}
	app := &authenticator{t: s.t, secret: enrolled.str("secret")}
	if a := s.post("/v1/totp/confirm", session, map[string]string{"code": app.code()}); a.code != http.StatusOK {
		s.t.Fatalf("confirm the enrolment of %s: HTTP %d %s", user.Name, a.code, a.raw)
	}
	return app, session
}

// code is the code the app shows for a step the server has not seen yet:
// the current one, or, when that was given already, the next (the server
// takes one step either side), or it waits for the clock to move on.
func (a *authenticator) code() string {
	a.t.Helper()
	const period = 30
	var step int64
	NewWithT(a.t).Eventually(func() bool {
		now := time.Now().Unix() / period
		step = max(now, a.lastStep+1)
		return step <= now+1
	}).WithTimeout(2 * period * time.Second).WithPolling(time.Second).Should(BeTrue())
	a.lastStep = step
	code, err := totp.GenerateCodeCustom(a.secret, time.Unix(step*period, 0), totp.ValidateOpts{
		Period: period, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1,
	})
	if err != nil {
		a.t.Fatal(err)
	}
	return code
}

// logInPage signs the person in on the login page, with a code when
// they have an authenticator.
func (p *person) logInPage(user *iamv1alpha1.User, app *authenticator) {
	p.t.Helper()
	p.open("/v1/sessions")
	p.submitLogin(user, app)
}

// submitLogin fills the login form shown and sends it.
func (p *person) submitLogin(user *iamv1alpha1.User, app *authenticator) {
	p.t.Helper()
	p.fill(`input[name="account"]`, user.Namespace)
	p.fill(`input[name="email"]`, user.Spec.Email)
	p.fill(`input[name="password"]`, password)
	if app != nil {
		p.fill(`input[name="code"]`, app.code())
	}
	p.submit(`form button[type="submit"]`)
}
