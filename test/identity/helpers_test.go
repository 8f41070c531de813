package identity

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/operator"
	"github.com/tenantry-io/tenantry/internal/smtpcatcher"
	"github.com/tenantry-io/tenantry/internal/testsupport"
)

const (
	password = "Harbor-Violet-42-Kettle"
	timeout  = testsupport.Timeout
	// authTimeout allows for the API server's JWT authenticator, which
	// retries discovery every ten seconds until the issuer answers.
	authTimeout = 60 * time.Second
)

// issuerManager is a running manager that issues tokens, with its SMTP
// server and a client that trusts its certificate.
type issuerManager struct {
	*testsupport.Manager
	smtp *smtpcatcher.Server
	base string
	http *http.Client
}

// issuerOptions are a manager's options as an issuer of site's tokens,
// serving at addr, with its keys in keySecret.
func issuerOptions(t *testing.T, smtp *smtpcatcher.Server, site issuerSite, addr, keySecret string) operator.Options {
	opts := testsupport.ManagerOptions(t, smtp)
	opts.SelfServiceAddr = addr
	opts.SelfServiceTLS = operator.TLSFiles{CertFile: tlsFiles.CertFile, KeyFile: tlsFiles.KeyFile}
	opts.Tokens.IssuerURL = site.url
	opts.Tokens.SigningKeySecret = keySecret
	opts.Identity.Prefix = identityPrefix
	return opts
}

func startIssuer(t *testing.T, opts operator.Options, smtp *smtpcatcher.Server) *issuerManager {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(tlsFiles.CAPEM)
	return &issuerManager{
		Manager: testsupport.StartManager(t, cfg, opts), smtp: smtp, base: "https://" + opts.SelfServiceAddr,
		http: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}},
	}
}

// startPrimary starts the issuer the API server trusts first, with its
// keys in a namespace of the test's own.
func startPrimary(t *testing.T) *issuerManager {
	t.Helper()
	smtp := testsupport.StartSMTP(t)
	keys := testsupport.NewNamespace(t, k8s) + "/tenantry-signing-keys"
	return startIssuer(t, issuerOptions(t, smtp, primary, primary.addr, keys), smtp)
}

// answer is a self-service answer: its status and JSON.
type answer struct {
	code int
	body map[string]any
	raw  string
}

func (a answer) str(field string) string {
	s, _ := a.body[field].(string)
	return s
}

func (m *issuerManager) call(t *testing.T, method, path, session string, body any) answer {
	t.Helper()
	var raw []byte
	if body != nil {
		raw, _ = json.Marshal(body)
	}
	req, err := http.NewRequest(method, m.base+path, bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if session != "" {
		req.Header.Set("Authorization", "Bearer "+session)
	}
	resp, err := m.http.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	a := answer{code: resp.StatusCode, body: map[string]any{}, raw: buf.String()}
	_ = json.Unmarshal(buf.Bytes(), &a.body)
	return a
}

func expectAnswer(t *testing.T, a answer, code int, reason string) {
	t.Helper()
	if a.code != code || a.str("reason") != reason {
		t.Fatalf("answer HTTP %d %s, want %d %s", a.code, a.raw, code, reason)
	}
}

// logIn returns a session of the user.
func (m *issuerManager) logIn(t *testing.T, user *iamv1alpha1.User) string {
	t.Helper()
	a := m.call(t, http.MethodPost, "/v1/sessions", "", map[string]string{
		"account": user.Namespace, "email": user.Spec.Email, "password": password})
	if a.code != http.StatusCreated {
		t.Fatalf("log in %s: HTTP %d %s", user.Name, a.code, a.raw)
	}
	return a.str("token")
}

// token returns an ID token for a session, retried while the keys load.
func (m *issuerManager) token(t *testing.T, session string) string {
	t.Helper()
	var a answer
	NewWithT(t).Eventually(func(g Gomega) {
		a = m.call(t, http.MethodPost, "/v1/tokens", session, nil)
		g.Expect(a.code).To(Equal(http.StatusCreated), a.raw)
	}).WithTimeout(timeout).Should(Succeed())
	return a.str("token")
}

var tokenInLink = regexp.MustCompile(`token=([A-Za-z0-9_-]+)`)

// join creates a user (role "" lets admission choose) and drives it to
// Active through the real invitation email.
func (m *issuerManager) join(t *testing.T, ns, name, role string) *iamv1alpha1.User {
	t.Helper()
	user := testsupport.NewUser(ns, name, name+"@"+ns+".example")
	user.Spec.Role = role
	key := testsupport.CreateUser(t, k8s, user)
	var link string
	NewWithT(t).Eventually(func(g Gomega) {
		for _, msg := range m.smtp.Messages() {
			body, _ := msg.TextBody()
			if strings.EqualFold(strings.Join(msg.To, ","), user.Spec.Email) {
				link = body
			}
		}
		g.Expect(link).NotTo(BeEmpty())
	}).WithTimeout(timeout).Should(Succeed())
	match := tokenInLink.FindStringSubmatch(link)
	if match == nil {
		t.Fatalf("no token in the invitation:\n%s", link)
	}
	if a := m.call(t, http.MethodPost, "/v1/invitations/accept", "", map[string]string{"token": match[1], "password": password}); a.code != http.StatusOK {
		t.Fatalf("accept: HTTP %d %s", a.code, a.raw)
	}
	return eventuallyActive(t, key)
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

// claimsOf reads a token's claims without checking the signature: the API
// server checks it; the test looks at what it says.
func claimsOf(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", token)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	claims := map[string]any{}
	if err := json.Unmarshal(raw, &claims); err != nil {
		t.Fatal(err)
	}
	return claims
}

// headerOf reads a token's header.
func headerOf(t *testing.T, token string) map[string]any {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[0])
	if err != nil {
		t.Fatal(err)
	}
	header := map[string]any{}
	if err := json.Unmarshal(raw, &header); err != nil {
		t.Fatal(err)
	}
	return header
}

// as is the API server reached with a bearer token and nothing else: no
// client certificate, as a person's kubectl with --token.
func as(token string) *rest.Config {
	return &rest.Config{Host: cfg.Host, BearerToken: token, TLSClientConfig: rest.TLSClientConfig{CAData: cfg.CAData}}
}

// actingAs is as, impersonating identity (kubectl --as).
func actingAs(token, identity string) *rest.Config {
	c := as(token)
	c.Impersonate = rest.ImpersonationConfig{UserName: identity}
	return c
}

// whoami asks the API server who the config is (kubectl auth whoami).
func whoami(c *rest.Config) (authenticationv1.UserInfo, error) {
	clientset, err := kubernetes.NewForConfig(c)
	if err != nil {
		return authenticationv1.UserInfo{}, err
	}
	review, err := clientset.AuthenticationV1().SelfSubjectReviews().Create(context.Background(), &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		return authenticationv1.UserInfo{}, err
	}
	return review.Status.UserInfo, nil
}

// eventuallyWhoami waits until the API server authenticates the config.
func eventuallyWhoami(t *testing.T, c *rest.Config) authenticationv1.UserInfo {
	t.Helper()
	var info authenticationv1.UserInfo
	NewWithT(t).Eventually(func(g Gomega) {
		var err error
		info, err = whoami(c)
		g.Expect(err).NotTo(HaveOccurred())
	}).WithTimeout(authTimeout).WithPolling(time.Second).Should(Succeed())
	return info
}

// createUserAs creates a user in ns with the config's identity, through
// admission, and returns the API server's answer.
func createUserAs(c *rest.Config, ns, name string) error {
	cl, err := client.New(c, client.Options{Scheme: k8s.Scheme()})
	if err != nil {
		return err
	}
	return cl.Create(context.Background(), testsupport.NewUser(ns, name, name+"@"+ns+".example"))
}

// identityOf is the name the API server and RBAC know a user by.
func identityOf(user *iamv1alpha1.User) string { return identityPrefix + user.Spec.Email }

func keyOf(user *iamv1alpha1.User) client.ObjectKey { return client.ObjectKeyFromObject(user) }
