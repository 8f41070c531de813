package selfservice

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/tenantry-io/tenantry/internal/credentials"
	"github.com/tenantry-io/tenantry/internal/issuer"
)

// tokenServer is a sign-in server that issues tokens, its keys in a Secret
// of a namespace of the test's own; loaded says whether they are read yet.
func tokenServer(t *testing.T, clock *clocktesting.FakeClock, loaded bool) *Server {
	t.Helper()
	store := &issuer.Store{
		Writer: direct, Reader: direct,
		Secret: types.NamespacedName{Namespace: newNamespace(t), Name: "signing-keys"},
		Policy: issuer.Policy{Rotation: time.Hour, PublishDelay: time.Minute, Retention: 11 * time.Minute},
		Clock:  clock,
	}
	if loaded {
		if err := store.Refresh(context.Background()); err != nil {
			t.Fatalf("load the signing keys: %v", err)
		}
	}
	s := signInServer(clock)
	s.Tokens = &issuer.Issuer{URL: "https://tenantry.test", Audience: "kubernetes", TTL: 10 * time.Minute, Keys: store, Clock: clock}
	return s
}

func TestTokenForASession(t *testing.T) {
	clock := newFakeClock()
	s := tokenServer(t, clock, true)
	m := newMember(t)
	session := loginOK(t, s, m)
	ex := call(s, http.MethodPost, "/v1/tokens", session, nil)
	if ex.Code != http.StatusCreated {
		t.Fatalf("status = %d, want 201; body: %s", ex.Code, ex.Body)
	}
	var got tokenBody
	if err := json.Unmarshal(ex.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Token == "" || got.User != m.user.Name || got.Namespace != m.account() || got.Actor != nil {
		t.Errorf("answer = %+v", got)
	}
	if want := clock.Now().Add(10 * time.Minute); !got.ExpiryTime.Equal(want) {
		t.Errorf("expiry = %v, want %v", got.ExpiryTime, want)
	}
	expectNoSecretsInLogs(t, ex, session, got.Token)
}

func TestTokenRefusals(t *testing.T) {
	tests := []struct {
		name   string
		loaded bool
		// prepare acts on the member after the login.
		prepare func(t *testing.T, m *member, clock *clocktesting.FakeClock)
		status  int
		reason  string
	}{{
		name: "a locked user", loaded: true,
		prepare: func(t *testing.T, m *member, clock *clocktesting.FakeClock) {
			m.change(t, func(secret *corev1.Secret) {
				credentials.WriteLockout(secret, credentials.Lockout{Until: clock.Now().Add(time.Hour), By: credentials.LockedByPassword})
			})
		},
		status: http.StatusForbidden, reason: ReasonUserLocked,
	}, {
		name: "keys not loaded yet", loaded: false,
		status: http.StatusServiceUnavailable, reason: ReasonKeysNotReady,
	}, {
		name: "an ended session", loaded: true,
		prepare: func(t *testing.T, m *member, _ *clocktesting.FakeClock) {
			m.change(t, func(secret *corev1.Secret) { delete(secret.Data, credentials.KeySessions) })
		},
		status: http.StatusUnauthorized, reason: ReasonSessionInvalid,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			s := tokenServer(t, clock, tt.loaded)
			m := newMember(t)
			session := loginOK(t, s, m)
			if tt.prepare != nil {
				tt.prepare(t, m, clock)
			}
			ex := call(s, http.MethodPost, "/v1/tokens", session, nil)
			expectProblem(t, ex, tt.status, tt.reason)
			expectNoSecretsInLogs(t, ex, session)
			// A client retries exactly the answers that say when.
			if retryable := tt.status == http.StatusServiceUnavailable; retryable != (ex.Header().Get("Retry-After") != "") {
				t.Errorf("HTTP %d with Retry-After %q", tt.status, ex.Header().Get("Retry-After"))
			}
		})
	}
}

// TestTokensAreOffWithoutAnIssuer: a server without Tokens answers none of
// the issuer's addresses, as before tokens existed.
func TestTokensAreOffWithoutAnIssuer(t *testing.T) {
	s := newServer()
	for _, path := range []string{"/.well-known/openid-configuration", "/v1/keys", "/v1/tokens", "/v1/sessions/impersonate"} {
		expectProblem(t, call(s, http.MethodPost, path, "", nil), http.StatusNotFound, ReasonNotFound)
	}
}
