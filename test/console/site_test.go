package console

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
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

	"github.com/tenantry-io/tenantry/internal/smtpcatcher"
	"github.com/tenantry-io/tenantry/internal/testsupport"
)

const (
	timeout = testsupport.Timeout
	// authTimeout allows for the API server's JWT authenticator, which
	// retries discovery every ten seconds until the issuer answers.
	authTimeout = 60 * time.Second
)

// site is a test's manager serving the self-service pages and the console
// over https as the issuer the API server trusts, with its mail caught.
type site struct {
	t     *testing.T
	smtp  *smtpcatcher.Server
	base  string
	http  *http.Client
	album *album
}

// startSite starts the test's manager. Tests run one after another: the
// API server trusts one issuer address, and a test's manager holds it.
// Every manager signs with the same keys (the default Secret in the
// operator's namespace), so the API server's trust carries from test to
// test.
func startSite(t *testing.T) *site {
	t.Helper()
	smtp := testsupport.StartSMTP(t)
	opts := testsupport.ManagerOptions(t, smtp)
	opts.SelfServiceAddr = issuerAddr
	opts.SelfServiceTLS.CertFile, opts.SelfServiceTLS.KeyFile = tlsFiles.CertFile, tlsFiles.KeyFile
	opts.Tokens.IssuerURL = issuerURL
	opts.Identity.Prefix = identityPrefix
	// The emailed links open in the browser, at the https server.
	opts.Invitation.AcceptURL = issuerURL + "/v1/invitations/accept"
	opts.SignIn.ResetURL = issuerURL + "/v1/password-resets/confirm"
	turnConsoleOn(&opts)
	testsupport.StartManager(t, cfg, opts)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(tlsFiles.CAPEM)
	return &site{
		t: t, smtp: smtp, base: issuerURL, album: newAlbum(t),
		http: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}},
	}
}

// answer is an answer of the self-service JSON API.
type answer struct {
	code int
	body map[string]any
	raw  string
}

func (a answer) str(field string) string {
	s, _ := a.body[field].(string)
	return s
}

// post posts to the self-service JSON API, as a portal of its own would.
func (s *site) post(path, session string, body any) answer {
	s.t.Helper()
	var raw []byte
	if body != nil {
		raw, _ = json.Marshal(body)
	}
	req, err := http.NewRequest(http.MethodPost, s.base+path, bytes.NewReader(raw))
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if session != "" {
		req.Header.Set("Authorization", "Bearer "+session)
	}
	resp, err := s.http.Do(req)
	if err != nil {
		s.t.Fatalf("POST %s: %v", path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	a := answer{code: resp.StatusCode, body: map[string]any{}, raw: buf.String()}
	_ = json.Unmarshal(buf.Bytes(), &a.body)
	return a
}

// linkInMail waits for the newest email to address whose text holds a
// link to path, and returns that link, as a person clicks it.
func (s *site) linkInMail(address, path string) string {
	s.t.Helper()
	link := regexp.MustCompile(regexp.QuoteMeta(s.base+path) + `\?\S+`)
	var found string
	NewWithT(s.t).Eventually(func(g Gomega) {
		found = ""
		for _, msg := range s.smtp.Messages() {
			if !strings.EqualFold(strings.Join(msg.To, ","), address) {
				continue
			}
			body, err := msg.TextBody()
			g.Expect(err).NotTo(HaveOccurred())
			if match := link.FindString(body); match != "" {
				found = match
			}
		}
		g.Expect(found).NotTo(BeEmpty(), "no email to %s with a link to %s", address, path)
	}).WithTimeout(timeout).Should(Succeed())
	return found
}

// trusted is set once the API server has accepted a token of the issuer:
// the keys stay the same for the package, so once is enough.
var trusted bool

// waitTrusted waits until the API server accepts the cluster tokens of a
// session, so that the console can act for people: the API server's JWT
// authenticator fetches the issuer's discovery and keys in the background,
// up to ten seconds after the issuer first answers.
func (s *site) waitTrusted(session string) {
	s.t.Helper()
	if trusted {
		return
	}
	NewWithT(s.t).Eventually(func(g Gomega) {
		a := s.post("/v1/tokens", session, nil)
		g.Expect(a.code).To(Equal(http.StatusCreated), a.raw)
		clientset, err := kubernetes.NewForConfig(&rest.Config{Host: cfg.Host, BearerToken: a.str("token"), TLSClientConfig: rest.TLSClientConfig{CAData: cfg.CAData}})
		g.Expect(err).NotTo(HaveOccurred())
		_, err = clientset.AuthenticationV1().SelfSubjectReviews().Create(context.Background(), &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
		g.Expect(err).NotTo(HaveOccurred())
	}).WithTimeout(authTimeout).WithPolling(time.Second).Should(Succeed())
	trusted = true
}
