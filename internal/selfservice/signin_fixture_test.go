package selfservice

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/credentials"
)

var (
	passwordHashOnce sync.Once
	passwordHash     []byte
)

// strongPasswordHash is computed once: bcrypt is slow on purpose.
func strongPasswordHash(t *testing.T) []byte {
	t.Helper()
	passwordHashOnce.Do(func() {
		var err error
		if passwordHash, err = credentials.HashPassword(strongPassword); err != nil {
			t.Fatal(err)
		}
	})
	return passwordHash
}

// member is a User who accepted the invitation: it has a password and
// status.emailVerified, as the User controller leaves it.
type member struct {
	user   *iamv1alpha1.User
	secret *corev1.Secret
}

func (m *member) account() string { return m.user.Namespace }

// newMember creates a namespace, an accepted user in it with the password
// strongPassword, its credential Secret, and waits for the cache.
func newMember(t *testing.T, opts ...invitationOption) *member {
	t.Helper()
	ctx := context.Background()
	user := &iamv1alpha1.User{
		ObjectMeta: metav1.ObjectMeta{Namespace: newNamespace(t), Name: "alice"},
		Spec:       iamv1alpha1.UserSpec{FullName: "Alice Example", Email: "alice@example.com"},
	}
	for _, opt := range opts {
		opt(user)
	}
	if err := direct.Create(ctx, user); err != nil {
		t.Fatalf("create user: %v", err)
	}
	user.Status.EmailVerified = true
	if err := direct.Status().Update(ctx, user); err != nil {
		t.Fatalf("verify user: %v", err)
	}
	secret := credentials.NewSecret(credentialsNamespace, user.Namespace, user.Name, user.UID)
	secret.Data = map[string][]byte{credentials.KeyPasswordHash: strongPasswordHash(t)}
	if err := direct.Create(ctx, secret); err != nil {
		t.Fatalf("create credential Secret: %v", err)
	}
	m := &member{user: user, secret: secret}
	m.waitForCache(t)
	return m
}

// waitForCache waits until the cache holds the member's User and Secret as
// the API server does now.
func (m *member) waitForCache(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	var user iamv1alpha1.User
	var secret corev1.Secret
	if err := direct.Get(ctx, client.ObjectKeyFromObject(m.user), &user); err != nil {
		t.Fatal(err)
	}
	if err := direct.Get(ctx, client.ObjectKeyFromObject(m.secret), &secret); err != nil {
		t.Fatal(err)
	}
	NewWithT(t).Eventually(func(g Gomega) {
		var u iamv1alpha1.User
		var s corev1.Secret
		g.Expect(cached.Get(ctx, client.ObjectKeyFromObject(m.user), &u)).To(Succeed())
		g.Expect(cached.Get(ctx, client.ObjectKeyFromObject(m.secret), &s)).To(Succeed())
		g.Expect(u.ResourceVersion).To(Equal(user.ResourceVersion))
		g.Expect(s.ResourceVersion).To(Equal(secret.ResourceVersion))
	}).WithTimeout(cacheTimeout).Should(Succeed())
	m.user, m.secret = &user, &secret
}

// current reads the member's credential Secret from the API server.
func (m *member) current(t *testing.T) *corev1.Secret {
	t.Helper()
	var secret corev1.Secret
	if err := direct.Get(context.Background(), client.ObjectKeyFromObject(m.secret), &secret); err != nil {
		t.Fatalf("get credential Secret: %v", err)
	}
	return &secret
}

// change edits the member's Secret as another writer would (the User
// controller, say), and waits for the cache.
func (m *member) change(t *testing.T, edit func(*corev1.Secret)) {
	t.Helper()
	secret := m.current(t)
	edit(secret)
	if err := direct.Update(context.Background(), secret); err != nil {
		t.Fatalf("update credential Secret: %v", err)
	}
	m.waitForCache(t)
}

// newFakeClock is a clock tests move by hand (Step), starting now.
func newFakeClock() *clocktesting.FakeClock {
	return clocktesting.NewFakeClock(time.Now().Truncate(time.Second))
}

// signInServer is a Server with the sign-in settings of the tests: the
// default lockout, a clock of its own, no rate limits.
func signInServer(clock *clocktesting.FakeClock) *Server {
	s := newServer()
	s.Lockout = DefaultLockoutPolicy()
	s.Clock = clock
	s.Hashes = NewHashGate(4, 64)
	return s
}

// call sends a JSON request with an optional bearer token.
func call(s *Server, method, path, token string, body any) exchange {
	var reader *bytes.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			panic(err)
		}
		reader = bytes.NewReader(raw)
	} else {
		reader = bytes.NewReader(nil)
	}
	r := httptest.NewRequest(method, path, reader)
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	return serve(s, r)
}

func login(s *Server, account, email, password string, extra ...string) exchange {
	body := map[string]string{"account": account, "email": email, "password": password}
	for i := 0; i+1 < len(extra); i += 2 {
		body[extra[i]] = extra[i+1]
	}
	return call(s, http.MethodPost, "/v1/sessions", "", body)
}

// loginOK logs the member in and returns the session token.
func loginOK(t *testing.T, s *Server, m *member, extra ...string) string {
	t.Helper()
	ex := login(s, m.account(), m.user.Spec.Email, strongPassword, extra...)
	if ex.Code != http.StatusCreated {
		t.Fatalf("login: status %d, want 201; body: %s", ex.Code, ex.Body)
	}
	var got sessionBody
	if err := json.Unmarshal(ex.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Token == "" || got.Namespace != m.account() || got.User != m.user.Name {
		t.Fatalf("login answer %+v", got)
	}
	expectNoSecretsInLogs(t, ex, strongPassword, got.Token)
	return got.Token
}

// expectNoSecretsInLogs fails when a log line holds any of the secrets.
func expectNoSecretsInLogs(t *testing.T, ex exchange, secrets ...string) {
	t.Helper()
	for _, secret := range secrets {
		if secret != "" && strings.Contains(ex.logs, secret) {
			t.Errorf("the logs contain a secret (%.4s…):\n%s", secret, ex.logs)
		}
	}
}

// expectSecretHolds fails when a plain secret is stored in the Secret.
func expectSecretHolds(t *testing.T, secret *corev1.Secret, plain ...string) {
	t.Helper()
	for key, value := range secret.Data {
		for _, p := range plain {
			if p != "" && bytes.Contains(value, []byte(p)) {
				t.Errorf("the credential Secret stores a plain secret under %s", key)
			}
		}
	}
}

func stringReader(s string) *strings.Reader { return strings.NewReader(s) }
