package selfservice

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/credentials"
	"github.com/tenantry-io/tenantry/internal/index"
)

const (
	// cacheTimeout bounds the wait for the cache to see a write.
	cacheTimeout = 10 * time.Second
	// invitationValidity is how long the test invitations last.
	invitationValidity = 72 * time.Hour
	// strongPassword passes credentials.CheckPasswordStrength and is unusual
	// enough that finding it in a response or a log line is never chance.
	strongPassword = "Quartz-Lantern-77-Meadow"
)

// invitation is a User with a pending invitation, as the User controller
// leaves it: the User, its credential Secret, and the token of the email.
type invitation struct {
	user   *iamv1alpha1.User
	secret *corev1.Secret
	token  string
	expiry time.Time
}

type invitationOption func(*iamv1alpha1.User)

func disabled(u *iamv1alpha1.User) { u.Spec.State = iamv1alpha1.UserStateDisabled }

func withFinalizer(u *iamv1alpha1.User) { u.Finalizers = []string{iamv1alpha1.UserFinalizer} }

// newInvitation creates a namespace of its own, a User in it and the User's
// credential Secret, and waits until the cache holds both.
func newInvitation(t *testing.T, opts ...invitationOption) *invitation {
	t.Helper()
	ctx := context.Background()
	ns := newNamespace(t)

	user := &iamv1alpha1.User{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "alice"},
		Spec:       iamv1alpha1.UserSpec{FullName: "Alice Example", Email: "alice@example.com"},
	}
	for _, opt := range opts {
		opt(user)
	}
	if err := direct.Create(ctx, user); err != nil {
		t.Fatalf("create user: %v", err)
	}

	token, hash, err := credentials.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	inv := &invitation{user: user, token: token, expiry: time.Now().Add(invitationValidity).Truncate(time.Second)}
	inv.secret = credentialSecret(t, user, hash, inv.expiry)
	if err := direct.Create(ctx, inv.secret); err != nil {
		t.Fatalf("create credential Secret: %v", err)
	}
	waitForCache(t, inv.secret, user)
	return inv
}

func newNamespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "selfservice-"}}
	if err := direct.Create(context.Background(), ns); err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	return ns.Name
}

// credentialSecret is the Secret the User controller writes for an
// invitation, in the credentials namespace.
func credentialSecret(t *testing.T, user *iamv1alpha1.User, tokenHash string, expiry time.Time) *corev1.Secret {
	t.Helper()
	secret := credentials.NewSecret(credentialsNamespace, user.Namespace, user.Name, user.UID)
	credentials.WriteInvitation(secret, credentials.Invitation{Number: 1, Attempt: 1, TokenHash: tokenHash, Expiry: expiry})
	return secret
}

// readTwoFactor reads the two-factor state of a Secret as the Server does.
func readTwoFactor(t *testing.T, secret *corev1.Secret) credentials.TwoFactor {
	t.Helper()
	tf, err := credentials.ReadTwoFactor(secret, testCipher)
	if err != nil {
		t.Fatalf("read two-factor: %v", err)
	}
	return tf
}

// waitForCache waits until the cached client sees these versions of the
// Secret, by its token hash as the Server finds it, and of the User.
func waitForCache(t *testing.T, secret *corev1.Secret, user *iamv1alpha1.User) {
	t.Helper()
	hash := string(secret.Data[credentials.KeyInvitationTokenHash])
	NewWithT(t).Eventually(func(g Gomega) {
		var secrets corev1.SecretList
		g.Expect(cached.List(context.Background(), &secrets, client.MatchingFields{index.SecretTokenHashField: hash})).To(Succeed())
		g.Expect(secrets.Items).To(HaveLen(1))
		g.Expect(secrets.Items[0].ResourceVersion).To(Equal(secret.ResourceVersion))
		if user != nil {
			var got iamv1alpha1.User
			g.Expect(cached.Get(context.Background(), client.ObjectKeyFromObject(user), &got)).To(Succeed())
			g.Expect(got.ResourceVersion).To(Equal(user.ResourceVersion))
		}
	}).WithTimeout(cacheTimeout).Should(Succeed())
}

// currentSecret reads the credential Secret from the API server.
func (inv *invitation) currentSecret(t *testing.T) *corev1.Secret {
	t.Helper()
	var secret corev1.Secret
	if err := direct.Get(context.Background(), client.ObjectKeyFromObject(inv.secret), &secret); err != nil {
		t.Fatalf("get credential Secret: %v", err)
	}
	return &secret
}

// newServer is a Server as the manager builds it.
func newServer() *Server {
	return &Server{Clock: clock.RealClock{}, Client: cached, APIReader: direct, CredentialsNamespace: credentialsNamespace, Cipher: testCipher}
}

// logBuffer collects what a handler logs, verbose lines included, so tests
// can check that no token or password ever reaches a log.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) logger() logr.Logger {
	return funcr.New(func(prefix, args string) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.buf.WriteString(prefix + " " + args + "\n")
	}, funcr.Options{Verbosity: 10})
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// exchange is one request and its answer, with what the handler logged.
type exchange struct {
	*httptest.ResponseRecorder
	logs string
}

// serve runs a request through the Server's handler with a logger of its own.
func serve(s *Server, r *http.Request) exchange {
	var logs logBuffer
	r = r.WithContext(logr.NewContext(r.Context(), logs.logger()))
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, r)
	return exchange{ResponseRecorder: rec, logs: logs.String()}
}

func postJSON(s *Server, body any) exchange {
	var raw []byte
	switch b := body.(type) {
	case string:
		raw = []byte(b)
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			panic(err)
		}
	}
	r := httptest.NewRequest(http.MethodPost, "/v1/invitations/accept", bytes.NewReader(raw))
	r.Header.Set("Content-Type", "application/json")
	return serve(s, r)
}

func postForm(s *Server, form url.Values) exchange {
	r := httptest.NewRequest(http.MethodPost, "/v1/invitations/accept", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return serve(s, r)
}

func acceptJSON(s *Server, token, password string) exchange {
	return postJSON(s, map[string]string{"token": token, "password": password})
}

// problemOf decodes a JSON error answer.
func problemOf(t *testing.T, ex exchange) problemBody {
	t.Helper()
	if ct := ex.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type = %q, want application/json; body: %s", ct, ex.Body)
	}
	var p problemBody
	if err := json.Unmarshal(ex.Body.Bytes(), &p); err != nil {
		t.Fatalf("decode error answer %q: %v", ex.Body, err)
	}
	return p
}

// expectProblem checks the status and reason of a JSON error answer.
func expectProblem(t *testing.T, ex exchange, status int, reason string) problemBody {
	t.Helper()
	if ex.Code != status {
		t.Errorf("status = %d, want %d; body: %s", ex.Code, status, ex.Body)
	}
	p := problemOf(t, ex)
	if p.Reason != reason {
		t.Errorf("reason = %q, want %q (message %q)", p.Reason, reason, p.Message)
	}
	if p.Message == "" {
		t.Error("the error answer has no message")
	}
	return p
}

// expectNoSecrets fails when the answer or the logs contain a secret. The
// token may appear in an HTML form's hidden field only, which callers of
// pages check themselves, so it is checked here against JSON answers and logs.
func expectNoSecrets(t *testing.T, ex exchange, token, password string) {
	t.Helper()
	body := ex.Body.String()
	if password != "" && strings.Contains(body, password) {
		t.Errorf("the answer contains the password: %s", body)
	}
	if password != "" && strings.Contains(ex.logs, password) {
		t.Errorf("the logs contain the password:\n%s", ex.logs)
	}
	if token != "" && strings.Contains(ex.logs, token) {
		t.Errorf("the logs contain the token:\n%s", ex.logs)
	}
	if token != "" && !strings.HasPrefix(ex.Header().Get("Content-Type"), "text/html") && strings.Contains(body, token) {
		t.Errorf("the JSON answer contains the token: %s", body)
	}
}

// expectUnchanged fails when the credential Secret was written.
func expectUnchanged(t *testing.T, inv *invitation, before *corev1.Secret) {
	t.Helper()
	after := inv.currentSecret(t)
	if after.ResourceVersion != before.ResourceVersion {
		t.Errorf("the credential Secret changed: resourceVersion %s, was %s", after.ResourceVersion, before.ResourceVersion)
	}
}
